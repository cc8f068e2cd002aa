"""Charts carry the French number locale (axes « 20 000 », « 0,5 ») and no SI suffix."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd

from planner import fr
from planner.data.schema import NETWORKS
from planner.outputs import charts


def test_network_chart_is_french() -> None:
    table = pd.DataFrame({  # made-up figures
        "réseau": ["France Services", "Conseillers numériques"],
        "population à moins du seuil": [305_303.0, 266_574.0],
        "population couverte par ce seul réseau": [20_348.0, 1_393.0],
    })
    spec = charts.network_chart(table, 30).to_dict()
    assert spec["config"]["locale"] == fr.CHART_LOCALE
    assert spec["encoding"]["x"]["title"] == "Population à moins de 30\u00a0min"
    assert spec["encoding"]["color"]["scale"]["range"] == [NETWORKS["france_services"][1],
                                                           NETWORKS["conseiller_numerique"][1]]
    assert "~s" not in json.dumps(spec)


def test_modes_chart_is_french_without_si_suffix() -> None:
    table = pd.DataFrame({  # made-up figures of two modes, for each figure the chart draws
        "mode": ["fixed", "itinerant"], "label": ["Fixe", "Itinérant"],
        **{column: [3500.0 * (i + 1), 0.5 * (i + 1)] for i, column in enumerate(charts.CHART_COLUMNS)},
    })
    spec = charts.modes_chart(SimpleNamespace(table=table, threshold=30.0)).to_dict()
    assert spec["config"]["locale"] == fr.CHART_LOCALE
    assert "~s" not in json.dumps(spec)  # « 3.5k » was the SI format

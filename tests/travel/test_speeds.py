"""French speed tables, ``maxspeed`` parsing and speed imputation (planner.travel.speeds)."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.travel.speeds import (
    FALLBACK_SPEED_KPH,
    FRENCH_HIGHWAY_SPEEDS,
    FRENCH_IMPLICIT_MAXSPEEDS,
    ensure_travel_times,
    french_maxspeed,
)


@pytest.mark.parametrize(("value", "kph"), sorted(FRENCH_IMPLICIT_MAXSPEEDS.items()))
def test_french_implicit_maxspeeds(value: str, kph: float) -> None:
    assert float(french_maxspeed(value)) == kph


def test_french_maxspeed_trims_and_keeps_numbers() -> None:
    assert french_maxspeed(" FR:urban ") == "50"
    assert french_maxspeed("FR:zone:30") == "30"
    assert french_maxspeed("70") == "70"
    assert french_maxspeed(None) is None


def test_french_speed_table_values() -> None:
    assert FRENCH_IMPLICIT_MAXSPEEDS["FR:urban"] == 50
    assert FRENCH_IMPLICIT_MAXSPEEDS["FR:rural"] == 80
    assert FRENCH_IMPLICIT_MAXSPEEDS["FR:motorway"] == 130
    assert FRENCH_HIGHWAY_SPEEDS["motorway"] == 130
    ordered = ["motorway", "trunk", "primary", "secondary", "tertiary", "residential", "living_street"]
    values = [FRENCH_HIGHWAY_SPEEDS[h] for h in ordered]
    assert values == sorted(values, reverse=True)


@given(st.text(max_size=12))
def test_french_maxspeed_leaves_other_values_alone(value: str) -> None:
    if value.strip() not in FRENCH_IMPLICIT_MAXSPEEDS:
        assert french_maxspeed(value) == value


def _made_up_graph() -> nx.MultiDiGraph:
    """MADE-UP graph: four 1 km edges, one with a travel time from the file."""
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n in range(5):
        G.add_node(n, x=8.7 + n / 100, y=41.9)
    G.add_edge(0, 1, length=1000.0, highway="primary", maxspeed="FR:rural")
    G.add_edge(1, 2, length=1000.0, highway="residential")
    G.add_edge(2, 3, length=1000.0, highway=["tertiary", "residential"])  # merged ways
    G.add_edge(3, 4, length=1000.0, highway="a_new_class")
    G.add_edge(4, 0, length=1000.0, highway="primary", travel_time=12.5)
    return G


def test_ensure_travel_times_imputes_from_the_french_tables() -> None:
    """MADE-UP graph: implicit maxspeed, highway class, sorted merged classes, fallback."""
    G = _made_up_graph()
    assert ensure_travel_times(G) == (1, 4)
    speeds = {(u, v): d["speed_kph"] for u, v, d in G.edges(data=True) if "speed_kph" in d}
    assert speeds == {(0, 1): 80.0, (1, 2): 30.0, (2, 3): 30.0, (3, 4): FALLBACK_SPEED_KPH}
    assert G.edges[0, 1, 0]["travel_time"] == pytest.approx(1000 / (80 / 3.6), abs=0.1)
    assert G.edges[4, 0, 0]["travel_time"] == 12.5  # the file's time is kept
    assert G.edges[2, 3, 0]["highway"] == ["tertiary", "residential"]  # the graph is not altered


def test_ensure_travel_times_keeps_complete_files() -> None:
    """MADE-UP graph where every edge has its time: nothing imputed."""
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, length=10.0, travel_time=1.0)
    assert ensure_travel_times(G) == (1, 0)
    assert "speed_kph" not in G.edges[0, 1, 0]

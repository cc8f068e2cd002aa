"""French text of the travel stage (planner.outputs.text.travel), on MADE-UP results."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.fr import NBSP, THIN
from planner.outputs.text.travel import (
    fallback_band_table,
    render_road_report,
    render_snap,
    render_travel,
)
from planner.travel.readers import RoadReport
from planner.travel.search import Snap


def test_render_travel() -> None:
    """MADE-UP summary, as :func:`planner.travel.model.travel_summary` returns it."""
    text = render_travel({
        "method": "road", "origins": 1360, "destinations": 194,
        "median_minutes_to_nearest": 7.3, "max_minutes_to_nearest": None, "unreachable": 0,
    })
    assert text.splitlines() == [
        "Méthode : réseau routier",
        f"Origines : 1{THIN}360",
        "Destinations : 194",
        f"Temps médian jusqu'au site le plus proche : 7,3{NBSP}min",
        "Temps maximal jusqu'au site le plus proche : —",
        "Origines sans site joignable : 0",
    ]
    assert "vol d'oiseau" in render_travel({"method": "crow_fly", "origins": 0, "destinations": 0,
                                            "median_minutes_to_nearest": None,
                                            "max_minutes_to_nearest": None, "unreachable": 0})


def test_render_road_report() -> None:
    """MADE-UP report of a clipped extract."""
    report = RoadReport(
        source="x.osm", nodes_read=914, edges_read=1909, nodes_kept=896, edges_kept=1883,
        components_dropped=6, nodes_dropped=18, edges_dropped=24, km_dropped=1.25,
        missing_refs=64, ways_with_missing_refs=5, edges_imputed=1909,
    )
    text = render_road_report(report)
    assert text.startswith(f"Réseau routier « x.osm » : 896 nœuds et 1{THIN}883 tronçons conservés")
    assert f"6 composante(s) isolée(s) écartée(s) : 18 nœuds, 24 tronçons, 1,2{NBSP}km" in text
    assert "64 référence(s) à des nœuds absents dans 5 voie(s)" in text
    assert f"pour 1{THIN}909 tronçons." in text
    assert render_road_report(RoadReport(source="y", nodes_kept=1, edges_kept=1)).endswith("(lus : 0 nœud, 0 tronçon).")


def test_render_snap() -> None:
    """MADE-UP snap: three points, one of them too far."""
    snap = Snap(node=np.array([0, 4, -1]), distance_m=np.array([12.0, 30.0, 7000.0]),
                access_s=np.zeros(3), max_snap_m=5000.0)
    text = render_snap(snap)
    assert text.startswith("3 points rattaché(s) au réseau routier (distance médiane 21")
    assert f"1 point(s) à plus de 5{NBSP}km de toute route" in text
    empty = Snap(node=np.array([], int), distance_m=np.array([]), access_s=np.array([]), max_snap_m=5000.0)
    assert render_snap(empty) == "Aucun point."


def test_fallback_band_table() -> None:
    """MADE-UP band errors, as planner.travel.crowfly_fit.band_errors returns them."""
    bands = pd.DataFrame({"band_km": ["0.5-2", "10-20"], "n": [10, 20], "mdape": [0.338, 0.12],
                          "bias": [-0.097, 0.05], "q10": [0.6581, 0.9], "q90": [2.4, 1.1],
                          "meets_target": [False, True]})
    table = fallback_band_table(bands)
    assert table["bande (km)"].tolist() == ["0,5-2", "10-20"]
    assert table["erreur médiane"].tolist() == ["33,8\u00a0%", "12,0\u00a0%"]
    assert table["biais médian"].tolist() == ["-9,7\u00a0%", "5,0\u00a0%"]
    assert table["objectif atteint"].tolist() == ["NON", "oui"]
    assert table["route/estimé q10"].tolist() == [0.658, 0.9]

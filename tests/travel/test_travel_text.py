"""French text of the travel stage (planner.outputs.text.travel), on MADE-UP results."""

from __future__ import annotations

import numpy as np

from planner.fr import NBSP, THIN
from planner.outputs.text.travel import (
    calibration_table,
    render_road_report,
    render_snap,
    render_travel,
)
from planner.travel.crowfly import CrowFly, FallbackCalibration
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


def test_calibration_table() -> None:
    """MADE-UP calibration with class 1 reused from class 2."""
    cal = FallbackCalibration(
        table={1: CrowFly(1.8054, 39.44), 2: CrowFly(1.8054, 39.44)}, pairs_by_class={1: 0, 2: 10},
        pairs=10, median_ratio=1.0, mape=0.3, median_ratio_by_class={2: 1.0}, mape_by_class={2: 0.3},
        reused={1: 2},
    )
    table = calibration_table(cal)
    assert table["classe de densité"].tolist() == [1, 2]
    assert table["détour (km route / km vol d'oiseau)"].tolist() == [1.805, 1.805]
    assert table["vitesse (km/h)"].tolist() == [39.4, 39.4]
    assert table["remarque"].tolist() == ["reprise de la classe 2", ""]
    assert np.isnan(table["rapport médian"].iloc[0])

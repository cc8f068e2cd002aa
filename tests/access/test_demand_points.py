"""Where demand points stand (planner.access.demand.iris_points): an IRIS that is the
whole commune counts its people at the town hall, so no Corsican commune has help next
to its town hall and its inhabitants far from it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from planner.access.demand import iris_points

#: Communes whose single-IRIS point used to sit in the maquis, km from the village
#: (issue 13): Levie, San-Gavino-di-Carbini, Albertacce, Monte, Scata.
REPORTED = ("2A142", "2A300", "2B007", "2B166", "2B273")


def test_made_up_iris_take_the_town_hall_where_it_is() -> None:
    """MADE-UP squares: commune A is one IRIS, commune B three (hall inside the second),
    commune C two with its hall outside both (simplified polygons), commune D no hall."""
    box = shapely.box
    polygons = np.array([box(0, 0, 10, 10), box(20, 0, 30, 10), box(30, 0, 40, 10), box(40, 0, 50, 10),
                         box(60, 0, 70, 10), box(70, 0, 80, 10), box(90, 0, 99, 10)], dtype=object)
    insee = np.array(["A", "B", "B", "B", "C", "C", "D"])
    hall_of = {"A": shapely.Point(9, 9), "B": shapely.Point(35, 5), "C": shapely.Point(81, 5), "D": None}
    halls = np.array([hall_of[c] for c in insee], dtype=object)
    points = iris_points(polygons, insee, halls)
    assert points[0].equals(hall_of["A"])                      # the whole commune: its town hall
    assert points[2].equals(hall_of["B"])                      # the IRIS holding the hall
    assert all(shapely.within(points[i], polygons[i]) for i in (1, 3))  # the others: inside themselves
    assert points[5].equals(hall_of["C"])                      # nearest to a hall outside every IRIS
    assert shapely.within(points[4], polygons[4])
    assert shapely.within(points[6], polygons[6])              # no hall known: inside its polygon


def test_real_iris_points_sit_at_town_halls_or_inside_their_iris(coverage) -> None:
    points = coverage.points[coverage.points["iris"].notna()]
    halls = coverage.territory.communes.set_index("insee")["town_hall"]
    at_hall = shapely.equals(points.geometry.to_numpy(), halls.reindex(points["insee"]).to_numpy())
    per_commune = points.groupby("insee").size()
    single = points["insee"].map(per_commune).to_numpy() == 1
    assert single.sum() == 351 and at_hall[single].all()
    # each multi-IRIS commune (Ajaccio, Bastia, Porto-Vecchio...) has exactly one IRIS at its town hall
    multi = points[~single].assign(at_hall=at_hall[~single])
    assert multi.groupby("insee")["at_hall"].sum().to_dict() == {c: 1 for c in multi["insee"].unique()}
    assert len(multi["insee"].unique()) == 7


def test_no_corsican_commune_has_help_nearby_and_its_people_far(coverage) -> None:
    """Every commune of Corsica (road graph, default help networks, 30 minutes)."""
    c = coverage.communes.set_index("insee")
    share = c["population_within"] / (c["population_within"] + c["population_out"])
    contradicting = c[(c["minutes"] <= 10) & (share < 0.5)]
    assert contradicting.empty, contradicting[["name", "minutes"]]
    # stronger: a town hall within the threshold means its inhabitants are, in a one-IRIS commune
    within = c[c["minutes"] <= coverage.threshold]
    assert (within["population_out"] <= within["population_within"]).all()
    for code in REPORTED:
        row = c.loc[code]
        assert row["minutes"] <= 10, row["name"]
        assert row["population_out"] == 0 and share[code] == pytest.approx(1.0), row["name"]
        assert not isinstance(row["zone_id"], str), row["name"]

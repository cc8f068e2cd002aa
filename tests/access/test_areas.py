"""Coverage figures per EPCI or département (planner.access.areas)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from planner.access import areas
from planner.territory import select


def test_aggregate_made_up_communes() -> None:
    """Made-up: three communes in two EPCIs; fragility weighted by population, NaN left out."""
    communes = pd.DataFrame({
        "epci": ["E1", "E1", "E2"],
        "population": [100, 300, 50],
        "population_within": [100, 150, np.nan],
        "demand": [10.0, 30.0, 5.0],
        "demand_out": [0.0, 15.0, 5.0],
        "fragility_factor": [1.0, 2.0, np.nan],
        "minutes": [5.0, 40.0, np.inf],
    })
    out = areas.aggregate(communes, "epci")
    assert out.loc["E1", "population"] == 400 and out.loc["E1", "population_within"] == 250
    assert out.loc["E1", "share_within"] == pytest.approx(250 / 400)
    assert out.loc["E1", "fragility_factor"] == pytest.approx((100 * 1.0 + 300 * 2.0) / 400)
    assert np.isnan(out.loc["E2", "fragility_factor"])  # no commune with a factor
    assert out.loc["E2", "share_within"] == 0.0
    assert out["minutes_max"].tolist() == [40.0, np.inf]


def test_area_shapes_made_up_squares() -> None:
    """Made-up: two adjacent unit squares of one EPCI dissolve into one 2 x 1 rectangle."""
    communes = gpd.GeoDataFrame(
        {"epci": ["E1", "E1", None], "epci_name": ["Com. A", "Com. A", None], "departement": ["2A"] * 3},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)], crs="EPSG:4326",
    )
    shapes = areas.area_shapes(communes, "epci", simplify=0)
    assert shapes["code"].tolist() == ["E1"] and shapes["name"].tolist() == ["Com. A"]
    assert shapes.geometry.iloc[0].area == pytest.approx(2.0)
    assert shapes.geometry.iloc[0].equals(box(0, 0, 2, 1))


def test_area_shapes_and_aggregate_on_corsica(corsica_data) -> None:
    territory = select("2A,2B")
    shapes = areas.area_shapes(territory.communes, "departement")
    assert list(shapes["code"]) == ["2A", "2B"]
    assert list(shapes["name"]) == ["Corse-du-Sud", "Haute-Corse"]
    epci = areas.area_shapes(territory.communes, "epci")
    assert len(epci) == territory.communes["epci"].nunique()
    communes = territory.communes.assign(
        population_within=territory.communes["population"] // 2, demand=1.0, demand_out=0.5,
        fragility_factor=1.0, minutes=np.arange(len(territory.communes), dtype=float),
    )
    agg = areas.aggregate(communes, "departement")
    assert agg["population"].sum() == territory.population
    by_dep = territory.communes.groupby("departement")["population"].sum()
    assert agg.loc["2A", "population"] == by_dep["2A"]
    assert agg["fragility_factor"].tolist() == [1.0, 1.0]
    assert agg["minutes_max"].max() == len(territory.communes) - 1

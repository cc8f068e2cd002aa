"""Helpers shared by the site tests: fixture folder and checks of the canonical table."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from planner.data.schema import NETWORKS, SITE_COLUMNS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "sites"
CORSICA = ("2A", "2B")


def issues(report, action=None) -> list[tuple[int, str, str]]:
    return [(i.row, i.column, i.reason) for i in report.issues if action in (None, i.action)]


def without_coordinates(report) -> list:
    """The issues of rows that had no coordinates (placed at a town hall, or rejected)."""
    return [i for i in report.issues if i.reason.startswith("coordonnées absentes")]


def in_corsica(sites: pd.DataFrame) -> pd.DataFrame:
    return sites[sites["insee"].str[:2].isin(CORSICA)]


def check_canonical(sites: gpd.GeoDataFrame) -> None:
    assert tuple(sites.columns) == SITE_COLUMNS
    assert sites.crs.to_epsg() == 4326
    assert sites["site_id"].is_unique
    assert set(sites["network"]) <= set(NETWORKS)
    assert (shapely.get_type_id(sites.geometry.to_numpy()) == 0).all()
    assert sites["approximate"].dtype == bool and sites["suspect"].dtype == bool
    codes = sites["insee"].dropna()
    assert codes.str.fullmatch(r"\d{5}|2[AB]\d{3}").all()

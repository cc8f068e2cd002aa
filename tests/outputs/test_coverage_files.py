"""Coverage files for QGIS (planner.outputs.coverage_files)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from planner.access.coverage import compute_coverage
from planner.errors import DataError
from planner.outputs.coverage_files import coverage_paths, flat, write_coverage


def test_flat_joins_lists_and_drops_extra_geometries():
    """MADE-UP frame: a list column, weekly hours, a second geometry column."""
    frame = gpd.GeoDataFrame(
        {"communes": [["2A001", "2A002"], []], "town_hall_hours": [{"lun": [("09:00", "12:00")]}, None],
         "town_hall": gpd.GeoSeries([shapely.Point(0, 0), shapely.Point(1, 1)], crs="EPSG:4326")},
        geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs="EPSG:4326",
    )
    out = flat(frame)
    assert out["communes"].tolist() == ["2A001,2A002", ""]
    assert "town_hall" not in out.columns and out.geometry.name == "geometry"
    assert out["town_hall_hours"].iloc[0] == "lundi 09:00–12:00" and pd.isna(out["town_hall_hours"].iloc[1])
    assert frame["communes"].iloc[0] == ["2A001", "2A002"]  # the input is left untouched


def test_write_geopackage_refuses_to_overwrite(corsica_data, corsica, tmp_path):
    coverage = compute_coverage(corsica, level="commune")
    files = write_coverage(coverage, tmp_path)
    assert files == coverage_paths(tmp_path)
    layers = {name for name, _ in pyogrio.list_layers(files[0])}
    assert layers == {"communes", "zones", "sites", "points_de_demande"}
    communes = pyogrio.read_dataframe(files[0], layer="communes")
    assert len(communes) == 360 and "minutes_france_services" in communes.columns
    zones = (tmp_path / "zones.csv").read_text(encoding="utf-8-sig").splitlines()
    assert zones[0].startswith("zone_id;communes;") and len(zones) == len(coverage.zones) + 1
    before = files[0].read_bytes()
    with pytest.raises(DataError, match="--force"):
        write_coverage(coverage, tmp_path)
    assert files[0].read_bytes() == before
    assert write_coverage(coverage, tmp_path, force=True) == files
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    with pytest.raises(DataError, match="n'est pas un dossier"):
        write_coverage(coverage, files[1])

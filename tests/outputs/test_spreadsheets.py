"""CSV and XLSX exports (planner.outputs.spreadsheets), read back with pandas and openpyxl."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import DataError
from planner.optimize.tables import PlanTables
from planner.outputs.escape import FORMULA_PREFIXES, neutralize
from planner.outputs.spreadsheets import to_csv_bytes, to_xlsx_bytes
from planner.outputs.validate import _as_text, validate_plan
from tests.outputs.made_up_plan import FORMULA, SCRIPT, make_plan


@settings(max_examples=15, deadline=None)
@given(
    prefix=st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "'", " "]),
    text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
)
def test_csv_and_xlsx_cells_are_neutralized_names(prefix: str, text: str) -> None:
    name = prefix + text
    expected = neutralize(_as_text(name))
    plan = make_plan()
    plan.visits.loc[0, "name"] = name
    if not _as_text(name):
        with pytest.raises(DataError, match="un nom non vide"):
            validate_plan(plan)
        return
    # Input row 0 is Conseiller 2's second visit: the last row in plan order.
    assert validate_plan(plan).visits.loc[5, "name"] == _as_text(name)
    csv = pd.read_csv(
        io.BytesIO(to_csv_bytes(plan)),
        sep=";",
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    assert csv.loc[5, "Lieu"] == expected
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(plan)))["Conseiller 2"]
    assert sheet.cell(row=3, column=6).value == expected
    assert sheet.cell(row=3, column=6).data_type == "s"

def test_csv_french_excel_and_neutralized(plan: PlanTables) -> None:
    data = to_csv_bytes(plan)
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Conseiller;Base;Semaine;Date;Jour;Ordre;Lieu;Adresse")
    table = pd.read_csv(
        io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code postal": str}
    )
    assert len(table) == 6
    assert table.loc[1, "Lieu"] == "'" + FORMULA
    assert table.loc[5, "Lieu"] == SCRIPT
    assert table.loc[0, "Date"] == "24/03/2025" and table.loc[0, "Jour"] == "lundi"
    assert table.loc[4, "Distance depuis l'étape précédente (km)"] == pytest.approx(12.6)
    assert table.loc[0, "Code postal"] == "20218"
    raw = pd.read_csv(
        io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert not any(t.startswith(FORMULA_PREFIXES) for t in raw.to_numpy().ravel())

def test_xlsx_sheets_summary_and_no_formula(plan: PlanTables) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(plan)))
    assert wb.sheetnames == ["Synthèse", "Conseiller 1", "Conseiller 2"]
    cells = [
        c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    ]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not any(t.startswith(FORMULA_PREFIXES) for t in texts)
    assert "'" + FORMULA in texts and "'+Mairie de Sant'Andréa-di-Cotone" in texts
    assert "'-aucun créneau d'ouverture compatible" in texts

    sheet = wb["Conseiller 1"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Base", "Semaine", "Date", "Jour", "Ordre"] and "Conseiller" not in header
    assert sheet.max_row == 1 + 4
    assert sheet["C2"].value == dt.datetime(2025, 3, 24)
    assert sheet["F3"].value == "'" + FORMULA
    assert sheet.column_dimensions["F"].width > 30

    summary = wb["Synthèse"]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    head = rows.index(
        [
            "Conseiller",
            "Base",
            "Journées",
            "Visites",
            "Lieux distincts",
            "Heures de permanence",
            "Heures de route",
            "Kilomètres",
            "Demande desservie",
        ]
    )
    assert rows[head + 1] == [
        "Conseiller 1",
        "Corte",
        3,
        4,
        3,
        12,
        round(215 / 60, 2),
        136.2,
        2050.5,
    ]
    assert rows[head + 2] == ["Conseiller 2", "Calvi", 1, 2, 2, 6, 1.5, 61.9, 1170]
    assert rows[head + 3] == ["Total", None, 4, 6, 5, 18, round(305 / 60, 2), 198.1, 3220.5]
    reasons = [r[2] for r in rows if r[0] == "Mairie de Bastia"]
    assert reasons == ["hors d'atteinte dans la journée depuis Calvi : 3 h 10 de route"]
    assert [r[0] for r in rows if r[0] == "© La Poste (2020)"] == ["© La Poste (2020)"]

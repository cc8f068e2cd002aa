"""Property-based tests of uploads (planner.data.sources.user_files.load_user_file) on
damaged CSV files and workbooks: a MADE-UP base table (coordinates in Corsica) and a
sample of REAL La Poste rows, with random cuts, separators, encodings, BOM, extra and
missing fields, shuffled and renamed (alias) columns, and formula cells (see
``_damaged.py``).

Invariant: EITHER a French refusal naming the file OR the row accounting holds (rows in
the file = sites kept + rows rejected), every issue names a real line of the file, and
no kept value moved (each kept site's name and position are its source row's).
"""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.data.sources.user_files import load_user_file
from planner.errors import DataError
from tests.data._damaged import Table, check_refusal, csv_files, expected_value

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def folder(tmp_path_factory, corsica_data) -> Path:
    return tmp_path_factory.mktemp("uploads")


def _number(text: str) -> float:
    return float(text.strip().replace(",", "."))


def _check_sites(table: Table, sites, report, lines: dict[int, int] | None, skip: int | None = None) -> None:
    """Accounting, real lines, and each kept site equal to its source row."""
    rejected = {i.row for i in report.rejected}
    assert report.rows_read == report.rows_kept + len(rejected), (
        report.rows_read, report.rows_kept, sorted(rejected))
    assert report.rows_kept == len(sites)
    if lines is not None:
        known = set(lines.values())
        assert {i.row for i in report.issues} <= known | {1}, "ligne hors du fichier"
    if "id" in table.columns:
        ids = {expected_value(r[table.columns["id"]]): i for i, r in enumerate(table.rows)}
    else:  # no id column: a site's id is its line in the file
        ids = {str(line): i for i, line in (lines or {}).items()}
    for site in sites.itertuples():
        source = ids.get(site.site_id.split(":", 2)[2])
        assert source is not None, site.site_id
        if source == skip:
            continue
        if "name" in table.columns:
            assert site.name == expected_value(table.value(source, "name"))
        else:  # no name column: named after its line
            assert site.name == f"Site {(lines or {})[source]}"
        if not site.approximate:
            lat, lon = (_number(table.value(source, c)) for c in ("latitude", "longitude"))
            got = sorted([round(site.geometry.x, 6), round(site.geometry.y, 6)])
            assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(got, sorted([lat, lon]))), (
                source, got, lat, lon)


@given(case=csv_files(corsica=True))
@SETTINGS
@pytest.mark.usefixtures("real_data")  # national snapshots
def test_csv_upload_refuses_in_french_or_accounts_for_every_row(folder: Path, communes, case) -> None:
    table, written, _ = case
    path = folder / "mes_sites.csv"
    path.write_bytes(written.data)
    try:
        sites, report = load_user_file(path, communes)
    except DataError as exc:
        check_refusal(exc, path)
        return
    lines = dict(enumerate(written.lines))
    if written.dropped in ("id", "name"):
        table.columns.pop(written.dropped)
    skip = None
    if written.cut and not written.data.endswith(b"\n"):  # the record the cut fell in
        last_line = written.data.count(b"\n") + 1
        skip = max((i for i, line in lines.items() if line <= last_line), default=None)
    _check_sites(table, sites, report, lines, skip)
    if not written.cut:
        assert report.rows_read == len(table.rows)


@st.composite
def workbooks(draw) -> tuple[list[list[object]], set[int]]:
    """MADE-UP rows of a workbook (Corsica), some names formulas without computed value."""
    n = draw(st.integers(1, 8))
    rows: list[list[object]] = [["identifiant", "nom", "latitude", "longitude", "horaires"]]
    formulas = set()
    for i in range(n):
        name: object = f"Lieu {i}"
        if draw(st.integers(0, 3)) == 0:
            name = f'=CONCAT("Lieu ","{i}")'
            formulas.add(i)
        hours = draw(st.sampled_from(["lundi 9h-12h, 14h-17h", "Mo-Fr 09:00-12:00", "fermé le mercredi",
                                      "du lundi au vendredi 9:00-12:00", "", "n'importe quand"]))
        rows.append([f"R{i}", name, draw(st.floats(41.6, 42.8)), draw(st.floats(8.8, 9.4)), hours or None])
    return rows, formulas


@given(case=workbooks())
@SETTINGS
def test_xlsx_upload_reports_formulas_and_accounts_for_every_row(folder: Path, communes, case) -> None:
    rows, formulas = case
    path = folder / "classeur.xlsx"
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    sites, report = load_user_file(path, communes)
    rejected = {i.row for i in report.rejected}
    assert report.rows_read == len(rows) - 1 == report.rows_kept + len(rejected)
    assert {i + 2 for i in formulas} <= rejected  # sheet rows: the header is row 1
    for i in formulas:
        assert any(r.row == i + 2 and f"cellule B{i + 2} : formule" in r.reason for r in report.rejected)
    assert not any(name.startswith("Site ") for name in sites["name"])
    for site in sites.itertuples():
        i = int(site.site_id.rsplit(":R", 1)[1])
        assert site.name == f"Lieu {i}" and i not in formulas
        assert math.isclose(site.geometry.y, rows[i + 1][2]) and math.isclose(site.geometry.x, rows[i + 1][3])

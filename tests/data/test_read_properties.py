"""Property-based tests of the CSV reader (planner.data.read.read_csv) and the JSON reader
(planner.data.files.read_json_records) on damaged files (see ``_damaged.py``: a MADE-UP
base table and a sample of REAL La Poste rows; random cuts, separators, encodings, BOM,
extra and missing fields, shuffled and renamed columns).

Invariant: EITHER a French refusal (:class:`DataError` naming the file, no English
text) OR the row accounting holds (rows in the file = loaded + rejected) and no kept
value moved (each kept row's id, name and coordinates are its source row's, at its real
line of the file).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from planner.data.files import read_json_records
from planner.data.read import read_csv
from planner.data.schema import LoadReport
from planner.errors import DataError
from tests.data._damaged import Table, check_refusal, csv_files, expected_value, json_files

ALIASES = {
    "id": ("identifiant", "id", "code", "identifiant_du_site", "id_du_site", "identifiant_a"),
    "name": ("nom", "name", "libelle", "libelle_du_site"),
    "latitude": ("latitude", "lat", "y"),
    "longitude": ("longitude", "lon", "lng"),
}
REQUIRED = ("id", "name")
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _report(path: Path) -> LoadReport:
    return LoadReport(layer="test", file=str(path), source="", vintage="", licence="")


def _check_kept(table: Table, raw, rows, lines: list[int] | None, cut_inside: bool = False) -> None:
    """Each kept row is its source row (found by id), at its line when ``lines`` is given.

    ``cut_inside``: the file was cut inside its last record, after its last separator (no
    field is missing: nothing tells the cut); that record's values are not compared.
    """
    by_id = {expected_value(r[table.columns["id"]]): i for i, r in enumerate(table.rows)}
    sources = [by_id.get(raw["id"].iloc[k]) for k in range(len(raw))]
    last = max((s for s in sources if s is not None), default=None)
    for k in range(len(raw)):
        source = sources[k]
        assert source is not None, f"identifiant inconnu gardé : {raw['id'].iloc[k]!r}"
        if cut_inside and source == last:
            continue
        for canonical in ("name", "latitude", "longitude"):
            if canonical in raw and not pd.isna(raw[canonical].iloc[k]):
                assert raw[canonical].iloc[k] == expected_value(table.value(source, canonical)), (
                    canonical, source)
            elif canonical in raw and lines is not None:  # CSV: nothing goes missing
                assert expected_value(table.value(source, canonical)) is None, (canonical, source)
        if lines is not None:
            assert int(rows[k]) == lines[source], ("ligne", source, rows[k], lines[source])


@pytest.fixture(scope="module")
def folder(tmp_path_factory, real_data) -> Path:
    return tmp_path_factory.mktemp("damaged")


@given(case=csv_files())
@SETTINGS
def test_csv_reader_refuses_in_french_or_accounts_for_every_row(folder: Path, case) -> None:
    table, written, _ = case
    path = folder / "sites.csv"
    path.write_bytes(written.data)
    report = _report(path)
    try:
        raw, rows = read_csv(path, ALIASES, REQUIRED, report)
    except DataError as exc:
        check_refusal(exc, path)
        return
    assert written.dropped not in REQUIRED, "colonne obligatoire absente mais fichier accepté"
    rejected = {i.row for i in report.rejected}
    read = raw.attrs["rows_read"]
    assert read == len(raw) + len(rejected), (read, len(raw), sorted(rejected))
    if not written.cut:
        assert read == len(table.rows)
        kept = set(range(len(table.rows))) - written.damaged
        assert len(raw) == len(kept)
        assert rejected == {written.lines[i] for i in written.damaged}
    _check_kept(table, raw, rows, written.lines,
                cut_inside=written.cut and not written.data.endswith(b"\n"))


@given(case=json_files())
@SETTINGS
def test_json_reader_refuses_in_french_or_keeps_every_record(folder: Path, case) -> None:
    table, data, records, _ = case
    path = folder / "sites.json"
    path.write_bytes(data)
    try:
        raw, rows = read_json_records(path, ALIASES, ("id",))
    except DataError as exc:
        check_refusal(exc, path)
        return
    assert raw.attrs["rows_read"] == len(raw) == len(records)
    assert list(rows) == list(range(1, len(records) + 1))
    for k, record in enumerate(records):  # records keep their order: none moved
        name = record.get(table.header[table.columns["name"]])
        kept = raw["name"].iloc[k] if "name" in raw else None
        if name is None:
            assert kept is None or pd.isna(kept)
        else:
            assert kept == expected_value(name)
    _check_kept(table, raw, rows, None)

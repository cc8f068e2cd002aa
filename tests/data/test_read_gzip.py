"""Gzip-compressed CSV files (``x.csv.gz``), read as the same file uncompressed.

- property: any CSV file (MADE-UP tables or REAL La Poste rows of ``_damaged.py``,
  maybe damaged) read from
  ``x.csv.gz`` gives what ``x.csv`` gives: the same table and lines, or the same refusal;
- the sniffer sees the decompressed bytes (a workbook inside a ``.gz`` is told as one);
- a bad ``.gz`` (not gzip, cut, empty) is refused in French, naming the file;
- the catalogue's ``*.csv`` patterns take ``*.csv.gz`` too, the plain file winning;
- the demo bundle's ``2A.csv.gz`` is read to the rows its manifest records.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import config
from planner.data import catalog, files
from planner.data.read import read_bytes, read_csv, read_records
from planner.data.schema import LoadReport
from planner.data.sniff import table_suffix
from planner.errors import DataError
from tests.data._damaged import csv_files

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "geodata" / "demo"
ALIASES = {"id": ("identifiant", "id", "code", "identifiant_du_site", "id_du_site", "identifiant_a"),
           "name": ("nom", "name", "libelle", "libelle_du_site")}


def _report(path: Path) -> LoadReport:
    return LoadReport(layer="test", file=str(path), source="", vintage="", licence="")


def _read(path: Path) -> tuple[str, object]:
    """What read_csv makes of a file: ``("ok", (table, lines, issues))`` or ``("refused", message)``."""
    report = _report(path)
    try:
        raw, rows = read_csv(path, ALIASES, ("id", "name"), report)
    except DataError as exc:
        return "refused", exc.message
    return "ok", (raw, rows.tolist(), list(report.issues), raw.attrs["rows_read"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_gzip_csv_reads_as_the_plain_file(tmp_path_factory, monkeypatch, corsica_data,
                                          data) -> None:
    """MADE-UP tables, or REAL La Poste rows, maybe damaged (cut, extra or missing fields,
    any encoding): the same outcome from ``x.csv.gz`` as from ``x.csv``."""
    monkeypatch.setenv("PLANNER_DATA_DIR", str(corsica_data))  # La Poste rows: snapshot or bundle
    _, written, _ = data.draw(csv_files())  # drawn once the data folder is set
    folder = tmp_path_factory.mktemp("gz")
    plain, packed = folder / "sites.csv", folder / "sites.csv.gz"
    plain.write_bytes(written.data)
    packed.write_bytes(gzip.compress(written.data, mtime=0))
    got_plain, got_packed = _read(plain), _read(packed)
    assert got_plain[0] == got_packed[0]
    if got_plain[0] == "refused":
        assert got_plain[1] == got_packed[1]
        return
    (raw_a, rows_a, issues_a, read_a), (raw_b, rows_b, issues_b, read_b) = got_plain[1], got_packed[1]
    pd.testing.assert_frame_equal(raw_a, raw_b)
    assert (rows_a, issues_a, read_a) == (rows_b, issues_b, read_b)


def test_workbook_inside_gzip_is_told_for_what_it_is(tmp_path) -> None:
    """MADE-UP workbook gzip-compressed as ``x.csv.gz``: the sniffer sees the workbook."""
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1]}).to_excel(buffer, index=False)
    path = tmp_path / "laposte.csv.gz"
    path.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    with pytest.raises(DataError, match=r"classeur Excel renommé en \.csv") as err:
        read_records(path)
    assert "laposte.csv.gz" in str(err.value)


@pytest.mark.parametrize(("data", "message"), [
    (b"id;nom\n1;Poste\n", "fichier compressé (gzip) illisible : ce n'est pas un fichier gzip valide"),
    (gzip.compress(bytes(range(256)) * 400, mtime=0)[:300], "fichier compressé (gzip) tronqué"),
    (gzip.compress(b"", mtime=0), "fichier vide (une fois décompressé)"),
], ids=["plain-text", "truncated", "empty"])  # fixed ids and mtime: xdist workers collect the same tests
def test_bad_gzip_is_refused_in_french_naming_the_file(tmp_path, data: bytes, message: str) -> None:
    """MADE-UP ``.gz`` files: plain text, cut in the middle, empty once decompressed."""
    path = tmp_path / "2A.csv.gz"
    path.write_bytes(data)
    for read in (read_bytes, read_records, files.count_rows):
        with pytest.raises(DataError) as err:
            read(path)
        assert message in str(err.value) and "« 2A.csv.gz »" in str(err.value), str(err.value)
        assert "Error" not in str(err.value) and "gzip file" not in str(err.value)


def test_suffixes_and_stems_leave_gz_out() -> None:
    assert table_suffix("a/2A.CSV.gz") == ".csv" and table_suffix("x.json.gz") == ".json"
    assert table_suffix("x.csv") == ".csv" and table_suffix("roads.npz") == ".npz"
    assert catalog.file_stem("iris/2A.csv.gz") == "2A" == catalog.file_stem("iris/2A.csv")


def test_csv_patterns_take_gzip_files_the_plain_one_winning(tmp_path, monkeypatch) -> None:
    """MADE-UP data folder: ``2A.csv.gz`` and ``2B.csv`` are both IRIS files; a ``48.csv``
    beside a ``48.csv.gz`` is read, never both; a JSON layer takes no ``.json.gz``."""
    iris = tmp_path / "indicators" / "ifn_2020" / "iris"
    iris.mkdir(parents=True)
    for name in ("2A.csv.gz", "2B.csv", "48.csv", "48.csv.gz", "headers.csv"):
        (iris / name).write_bytes(b"x")
    (tmp_path / "mediation").mkdir()
    (tmp_path / "mediation" / "cnfs_permanences_2022-12.json.gz").write_bytes(b"x")
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PLANNER_BUNDLE_DIR", "")
    assert [p.name for p in catalog.layer("ifn_iris").files()] == ["2A.csv.gz", "2B.csv", "48.csv"]
    assert catalog.layer("conseiller_numerique").files() == []


def test_headerless_gzip_file_counts_its_rows(tmp_path) -> None:
    """MADE-UP IFN-like file without header row, gzip-compressed, ``headers.csv`` beside it."""
    (tmp_path / "headers.csv").write_text("\ufeffCode Iris;Nom Iris;Score\n", "utf-8")
    rows = b"2A0040101;Centre;101\n2A0040102;Nord;98\n"
    (tmp_path / "2A.csv.gz").write_bytes(gzip.compress(rows, mtime=0))
    assert files.count_rows(tmp_path / "2A.csv.gz") == 2


def test_bundle_iris_files_read_to_their_manifest_rows() -> None:
    """REAL: the demo bundle's gzip IRIS files hold the rows its manifest records."""
    manifest = json.loads((DEMO / config.BUNDLE_MANIFEST).read_text("utf-8"))
    entries = [f for f in manifest["layers"]["ifn_iris"]["files"] if f["rows"] is not None]
    assert [f["path"] for f in entries] == ["indicators/ifn_2020/iris/2A.csv.gz",
                                            "indicators/ifn_2020/iris/2B.csv.gz"]
    for entry in entries:
        assert files.count_rows(DEMO / entry["path"]) == entry["rows"] > 100

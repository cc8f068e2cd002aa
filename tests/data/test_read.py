"""The one CSV reader (planner.data.read), on MADE-UP files written by the tests.

Every file here is made up: a few rows written in a temporary folder to show one case
(separator, quotes, encoding, malformed line, header-less file).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.config import MAX_FILE_BYTES
from planner.data import read
from planner.data.schema import LoadReport
from planner.errors import DataError

ALIASES = {"id": ("identifiant",), "name": ("nom", "libelle"), "lat": ("latitude",)}


def _report() -> LoadReport:
    return LoadReport("la_poste", "x.csv", "", "", "")


# --------------------------------------------------------------------------- separators


@pytest.mark.parametrize(
    ("line", "sep"),
    [("a;b;c", ";"), ("a,b,c", ","), ("a\tb\tc", "\t"), ("a;b,c;d", ";"), ("seul", ";"),
     ('"x;y;z",b,c', ","), ('"Nom, prénom";"Adresse, ville";id', ";")],
)
def test_sniff_separator_made_up_headers(line: str, sep: str) -> None:
    assert read.sniff_separator(line) == sep


@settings(deadline=None)
@given(
    names=st.lists(st.from_regex(r"[A-Za-z_]{1,8}", fullmatch=True), min_size=2, max_size=8),
    delimiter=st.sampled_from(list(read.SEPARATORS)),
    quoted=st.text(alphabet=st.sampled_from(list(";,|\t ab")), max_size=30),
)
def test_sniff_separator_ignores_separators_inside_quotes(
    names: list[str], delimiter: str, quoted: str
) -> None:
    line = delimiter.join(names) + delimiter + '"' + quoted + '"'
    assert read.sniff_separator(line) == delimiter


# --------------------------------------------------------------------------- records


def test_quoted_line_breaks_blank_lines_and_repeated_names(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('id;nom;nom;\n1;"rue A\nbât. B";x;y\n\n2;C;z;\n', "utf-8")
    records = read.read_records(path)
    assert records.header == ["id", "nom", "nom.1", "Unnamed: 3"]
    assert records.rows == [["1", "rue A\nbât. B", "x", "y"], ["2", "C", "z", ""]]
    assert records.sep == ";" and records.encoding == "utf-8"


def test_read_csv_rejects_malformed_lines_with_their_data_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Identifiant,Libellé,Latitude\nA,Ajaccio, 41.9 \nB,Bastia\nC,Calvi,42.5,9\n"
                    "D,,42.7\n", "utf-8")
    report = _report()
    frame, rows = read.read_csv(path, ALIASES, ["id", "name"], report)
    assert frame["id"].tolist() == ["A", "D"]
    assert frame["lat"].tolist() == ["41.9", "42.7"]  # stripped
    assert pd.isna(frame["name"].iloc[1])  # empty field: missing
    assert rows.tolist() == [2, 5]  # lines of the file: the header is line 1
    assert frame.attrs == {"columns": {"id": "Identifiant", "name": "Libellé", "lat": "Latitude"},
                           "rows_read": 4, "file_columns": ["Identifiant", "Libellé", "Latitude"]}
    assert [(i.row, i.column, i.action) for i in report.issues] == [
        (3, "*", "rejetée"), (4, "*", "rejetée")]
    assert report.issues[0].reason == "2 champs au lieu de 3 (ligne mal formée)"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("id|nom\n1|A\n", "séparateur non reconnu (« | » ?)", "id|nom"),
        ("id;nom\n", "sans aucune ligne de données", None),
        ("  \n\n", "fichier vide", None),
        ("id;nom\n1;A\n", "colonne(s) obligatoire(s) absente(s) : latitude", "lat"),
    ],
)
def test_read_csv_refuses_unusable_files(tmp_path: Path, text: str, message: str,
                                          column: str | None) -> None:
    path = tmp_path / "x.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(DataError) as err:
        read.read_csv(path, ALIASES, ["id", "lat"], _report())
    assert message in str(err.value) and err.value.column == column
    assert err.value.file == str(path)


def test_file_over_the_limit_is_refused_in_mebibytes(tmp_path: Path) -> None:
    big = tmp_path / "enorme.csv"
    with open(big, "wb") as fh:  # sparse: takes no disk space
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(DataError) as err:
        read.read_records(big)
    assert "fichier trop volumineux (200\u00a0Mio, limite 200\u00a0Mio)" in str(err.value)


@pytest.mark.parametrize(("encoding", "name"), [("utf-8-sig", "utf-8"), ("utf-16", "utf-16"),
                                                ("cp1252", "cp1252")])
def test_encodings_are_detected(tmp_path: Path, encoding: str, name: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("id;nom\n1;Évisa\n".encode(encoding))
    records = read.read_records(path)
    assert records.rows == [["1", "Évisa"]] and records.encoding == name


def test_read_plain_csv_keeps_every_column_and_reports_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "revenus.csv"
    path.write_bytes("CODGEO,libgeo,med16\n01001,Évian,\n01002,X\n01003,Y,1\n".encode("cp1252"))
    report = _report()
    frame = read.read_plain_csv(path, ["codgeo"], report)
    assert list(frame.columns) == ["codgeo", "libgeo", "med16", "_row"]
    assert frame.to_dict("list") == {"codgeo": ["01001", "01003"], "libgeo": ["Évian", "Y"],
                                     "med16": ["", "1"], "_row": [2, 4]}
    assert [(i.row, i.column, i.reason) for i in report.issues] == [
        (1, "", "revenus.csv : fichier non UTF-8, lu en cp1252"),
        (3, "", "revenus.csv : 2 champs au lieu de 3 (ligne mal formée)"),
    ]
    assert report.rows_read == 3


# --------------------------------------------------------------------------- counting

_FIELD = st.text(alphabet=st.sampled_from(list('ab é;,|\t"\n\r')), max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(_FIELD, min_size=1, max_size=5), max_size=12),
    delimiter=st.sampled_from(list(read.SEPARATORS)),
)
def test_records_count_quoted_multiline_records_once(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], delimiter: str
) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(["id", "nom", "commune"])
    writer.writerows(rows)
    path.write_text(buf.getvalue(), "utf-8")
    if not rows:  # header only: the loaders refuse it
        with pytest.raises(DataError, match="en-tête seul"):
            read.read_records(path)
        return
    # counting only: cut and mostly-malformed files are refused by default (test_bad_files)
    records = read.read_records(path, complete=False)  # the header makes the separator sniffable
    assert records.sep == delimiter
    assert records.rows == rows
    good, numbers = records.split(3, None)
    assert good == [r for r in rows if len(r) == 3]
    # each record numbered by the line where it starts: after the header, increasing,
    # one line more than the previous record's line breaks
    starts = [2]
    for r in rows[:-1]:
        starts.append(starts[-1] + 1 + sum(f.count("\n") + f.count("\r") - f.count("\r\n")
                                           for f in r))
    assert records.lines == starts
    assert numbers.tolist() == [n for n, r in zip(starts, rows) if len(r) == 3]


# --------------------------------------------------------------------------- header-less


NAMES = ["Libcom", "Code Iris", "P16 Pop", "SCORE  GLOBAL region 1"]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


field = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"), max_size=12
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60,
          deadline=None)
@given(
    rows=st.lists(st.lists(field, min_size=4, max_size=4), min_size=1, max_size=8),
    bom=st.booleans(),
)
def test_headerless_roundtrip(tmp_path: Path, rows: list[list[str]], bom: bool) -> None:
    path = tmp_path / "x.csv"
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
    report = LoadReport("ifn_iris", str(path), "", "", "")
    frame = read.read_headerless(path, NAMES, ["Libcom", "SCORE GLOBAL region 1"], report)
    assert frame["Libcom"].tolist() == [r[0] for r in rows]
    assert frame["SCORE GLOBAL region 1"].tolist() == [r[3] for r in rows]
    assert frame["_row"].tolist() == list(range(1, len(rows) + 1))
    assert report.rows_read == len(rows) and not report.issues


def test_headers_with_bom_and_odd_spacing(tmp_path: Path) -> None:
    headers = _write(
        tmp_path / "headers.csv", "\ufeffLibcom;Code Iris;GLOBAL COMPETENCES  departement 1"
    )
    names = read.read_headers(headers)
    assert names == ["Libcom", "Code Iris", "GLOBAL COMPETENCES  departement 1"]
    data = _write(tmp_path / "2A.csv", "Ajaccio;2A0040101;95.5\n")
    report = LoadReport("ifn_iris", "", "", "", "")
    frame = read.read_headerless(data, names, ["global competences departement 1"], report)
    assert frame.iloc[0, 0] == "95.5"


def test_headerless_bad_rows_are_rejected_with_their_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "48.csv", "A;1;10;100\nB;2;20\nC;3;30;300\n")
    report = LoadReport("ifn_iris", str(path), "", "", "")
    frame = read.read_headerless(path, NAMES, ["Libcom"], report)
    assert frame["Libcom"].tolist() == ["A", "C"]
    assert frame["_row"].tolist() == [1, 3]
    [issue] = report.rejected
    assert issue.row == 2 and "3 champs au lieu de 4" in issue.reason


def test_wrong_separator_names_file_and_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "15.csv", "A,1,10,100\nB,2,20,200\n")
    with pytest.raises(DataError) as err:
        read.read_headerless(path, NAMES, ["Libcom"], LoadReport("ifn_iris", "", "", "", ""))
    text = str(err.value)
    assert "15.csv" in text and "ligne 1" in text and "séparateur" in text


def test_missing_column_in_headers(tmp_path: Path) -> None:
    path = _write(tmp_path / "15.csv", "A;1;10;100\n")
    with pytest.raises(DataError) as err:
        read.read_headerless(path, NAMES, ["Geo Shape"], LoadReport("ifn_iris", "", "", "", ""))
    assert "« Geo Shape »" in str(err.value) and "headers.csv" in str(err.value)


def test_empty_and_missing_headers(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="fichier vide"):
        read.read_headers(_write(tmp_path / "headers.csv", "  \n"))
    with pytest.raises(DataError, match="introuvable"):
        read.read_headers(tmp_path / "absent.csv")


def test_latin1_file_is_read_and_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "2B.csv", "Évisa;2B1080000;12;99.5\n", encoding="latin-1")
    report = LoadReport("ifn_iris", str(path), "", "", "")
    frame = read.read_headerless(path, NAMES, ["Libcom"], report)
    assert frame["Libcom"].tolist() == ["Évisa"]
    assert any("non UTF-8, lu en cp1252" in i.reason for i in report.issues)

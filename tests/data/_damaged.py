"""Hypothesis strategies of damaged tables, shared by the property tests of the readers
(``test_read_properties.py``) and of uploads (``test_upload_properties.py``).

A *table* comes from a small MADE-UP base (labelled so: ids ``R0``…, names drawn from
an alphabet of accents, separators and quotes) or from a sample of REAL rows of the La
Poste 2020 export (the snapshot in ``PLANNER_DATA_DIR``). It is then written as CSV
with a random separator, quoting, line ending and encoding (UTF-8, UTF-8 with BOM,
Latin-1, CP1252), its columns shuffled and renamed through the loaders' aliases, and
damaged: cut at a random byte, one row with an extra or a missing field, a column
dropped. :func:`check_refusal` and :func:`expected_value` state what the readers owe
whatever happens.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import assume
from hypothesis import strategies as st

from planner.config import data_dir
from planner.errors import DataError

ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252")
SEPARATORS = (";", ",", "\t")
#: Values of the made-up base: letters, accents (none whose Latin-1 byte is a UTF-8
#: continuation byte), separators, quotes, a line break.
ALPHABET = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éèàçôÉ;,\t\"'-_()/\n"
CP1252_ONLY = "œ€’"
#: Words of the libraries' English messages that must never reach a user.
ENGLISH = re.compile(r"\b(error|expected|unexpected|line \d|field|string|delimiter|EOF|"
                     r"Traceback|invalid|column|row \d|decode|codec|byte)\b", re.IGNORECASE)


@dataclass
class Table:
    """Canonical columns -> header names and the data rows (lists of strings)."""

    header: list[str]
    rows: list[list[str]]
    #: canonical name -> index of its column in ``header``
    columns: dict[str, int]
    source: str
    aliases: dict[str, list[str]] = field(default_factory=dict)

    def value(self, row: int, canonical: str) -> str:
        return self.rows[row][self.columns[canonical]]


MADE_UP_HEADER = ["identifiant", "nom", "latitude", "longitude", "commune"]
MADE_UP_ALIASES = {"id": ["Identifiant", "id", "code"], "name": ["Nom", "name", "libellé"],
                   "latitude": ["Latitude", "lat", "y"], "longitude": ["Longitude", "lon", "lng"]}
LA_POSTE_ALIASES = {"id": ["#Identifiant_du_site", "Id_du_site", "identifiant_a"],
                    "name": ["Libellé_du_site", "libelle_du_site"],
                    "latitude": ["Latitude", "lat"], "longitude": ["Longitude", "lon"]}


@functools.lru_cache(maxsize=1)
def la_poste_sample() -> tuple[list[str], list[list[str]]]:
    """The header and the first 80 data rows of the real La Poste 2020 export."""
    path = data_dir() / "laposte" / "laposte_poincont2_2020.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        header = next(reader)
        rows = [next(reader) for _ in range(80)]
    return header, rows


def _text(encoding: str) -> st.SearchStrategy[str]:
    alphabet = ALPHABET + (CP1252_ONLY if encoding != "latin-1" else "")
    return st.text(alphabet, min_size=1, max_size=14).map(str.strip).filter(bool)


def _coordinate(low: float, high: float) -> st.SearchStrategy[str]:
    number = st.floats(low, high, allow_nan=False).map(lambda v: f"{v:.5f}")
    return st.tuples(number, st.booleans()).map(lambda t: t[0].replace(".", ",") if t[1] else t[0])


@st.composite
def tables(draw, encoding: str, corsica: bool = False) -> Table:
    """A made-up or real table (made-up coordinates in Corsica when ``corsica``)."""
    if draw(st.booleans()):
        n = draw(st.integers(1, 12))
        lat = _coordinate(41.5, 42.9) if corsica else _coordinate(-90, 90)
        lon = _coordinate(8.6, 9.5) if corsica else _coordinate(-180, 180)
        rows = [[f"R{i}", draw(_text(encoding)), draw(lat), draw(lon), draw(_text(encoding))]
                for i in range(n)]
        return Table(list(MADE_UP_HEADER), rows, {"id": 0, "name": 1, "latitude": 2, "longitude": 3},
                     "made_up", MADE_UP_ALIASES)
    header, sample = la_poste_sample()
    picked = draw(st.lists(st.integers(0, len(sample) - 1), min_size=1, max_size=12, unique=True))
    columns = {"id": 0, "name": 1, "latitude": header.index("Latitude"),
               "longitude": header.index("Longitude")}
    return Table(list(header), [list(sample[i]) for i in picked], columns, "la_poste", LA_POSTE_ALIASES)


def shuffle_and_rename(draw, table: Table) -> Table:
    """Shuffle the columns and rename the canonical ones through their aliases."""
    order = draw(st.permutations(range(len(table.header))))
    header = [table.header[i] for i in order]
    rows = [[row[i] for i in order] for row in table.rows]
    columns = {c: order.index(i) for c, i in table.columns.items()}
    for canonical, names in table.aliases.items():
        if draw(st.booleans()):
            header[columns[canonical]] = draw(st.sampled_from(names))
    return Table(header, rows, columns, table.source, table.aliases)


@dataclass
class Written:
    """A CSV file as written, with the first line of each data row."""

    data: bytes
    lines: list[int]
    #: the index in ``table.rows`` of each data record written (``None``: damaged)
    damaged: set[int]
    cut: bool
    dropped: str | None


@st.composite
def csv_files(draw, corsica: bool = False) -> tuple[Table, Written, str]:
    """A table written as a CSV file, maybe damaged; returns it, the bytes and the encoding."""
    encoding = draw(st.sampled_from(ENCODINGS))
    table = shuffle_and_rename(draw, draw(tables(encoding, corsica)))
    sep = draw(st.sampled_from(SEPARATORS))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    damage = draw(st.sampled_from(["none", "cut", "cut", "extra", "missing", "drop"]))
    rows = [list(r) for r in table.rows]
    damaged: set[int] = set()
    dropped = None
    if damage in ("extra", "missing"):
        k = draw(st.integers(0, len(rows) - 1))
        rows[k] = rows[k] + ["en trop"] if damage == "extra" else rows[k][:-1]
        damaged.add(k)
    header = list(table.header)
    if damage == "drop":
        canonical = draw(st.sampled_from(sorted(table.columns)))
        index = table.columns[canonical]
        header.pop(index)
        rows = [r[:index] + r[index + 1:] for r in rows]
        dropped = canonical
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, quoting=quoting, lineterminator=end)
    writer.writerow(header)
    lines, line = [], 2
    for row in rows:
        before = out.tell()
        writer.writerow(row)
        lines.append(line)
        line += out.getvalue()[before:].count("\n")
    try:
        data = out.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    cut = damage == "cut"
    if cut:
        data = data[: draw(st.integers(1, len(data) - 1))]
    return table, Written(data, lines, damaged, cut, dropped), encoding


@st.composite
def json_files(draw) -> tuple[Table, bytes, list[dict], bool]:
    """A table written as a JSON list of records (keys missing, extra, renamed; maybe cut)."""
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig")))
    table = shuffle_and_rename(draw, draw(tables(encoding)))
    records = []
    for row in table.rows:
        record: dict[str, object] = dict(zip(table.header, row))
        if draw(st.booleans()):
            record["champ_en_trop"] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=5)))
        if draw(st.integers(0, 4)) == 0:  # a key missing from this record
            record.pop(table.header[table.columns["name"]])
        records.append(record)
    text = json.dumps(records, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])))
    data = text.encode(encoding)
    cut = draw(st.integers(0, 5)) == 0
    if cut:
        data = data[: draw(st.integers(1, len(data) - 1))]
    return table, data, records, cut


def check_refusal(exc: DataError, path: Path) -> None:
    """A refusal is French and names the file."""
    assert isinstance(exc, DataError)
    assert exc.file is not None and Path(exc.file).name == path.name, (exc.file, path)
    assert f"« {path.name} »" in str(exc)
    assert not ENGLISH.search(exc.message), f"texte anglais : {exc.message}"
    assert not any(ord(c) < 32 and c not in "\n\t" for c in str(exc)), repr(str(exc))


def expected_value(text: str) -> str | None:
    """What a reader keeps of a source value: stripped, an empty one missing."""
    text = text.strip()
    return text or None

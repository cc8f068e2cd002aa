"""INSEE tables as INSEE publishes them: CSV in any header style, XLSX with title rows.

The same INSEE statistic comes in several shapes: the development snapshots (lower-case
``codgeo,med16,tp6016``, comma-separated), the official CSV of a zip archive (upper-case
``CODGEO;MED17;TP6017``, semicolon-separated, the year in the column names) and the
official workbooks (``grille_densite_7_niveaux_2022.xlsx``, the ``Composition_communale``
sheet of ``AAV2020_au_01-01-2023.xlsx``), whose first rows are a title, the geography
date and the French labels, above the row of variable codes (``CODGEO``, ``DENS``...).

Columns are wanted by canonical name with accepted names, compared after
:func:`planner.data.read.norm_name`; ``##`` in an accepted name stands for the two-digit
year of the edition (``med##`` accepts ``MED16`` and ``MED17``), which must be the same
for every column of one file. :func:`read_insee` returns the table with canonical column
names, every value as text, and ``_row`` (the file's line, or the sheet's row number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from planner.data.read import check_file, norm_name, read_plain_csv, read_records
from planner.data.schema import LoadReport
from planner.errors import DataError

#: Stands for the two-digit year of an edition in an accepted column name.
YEAR = "##"
#: Rows of a sheet searched for its row of variable codes.
_HEADER_ROWS = 30

Wanted = Mapping[str, Sequence[str]]


@dataclass
class InseeTable:
    """One INSEE table read by :func:`read_insee`."""

    frame: pd.DataFrame
    #: Two-digit year of the edition found in the column names (``"17"``), or None.
    year: str | None
    #: Text of the title rows above the header (workbooks), lower case.
    title: str
    #: Canonical name -> the frame's column (the file's name, normalised: ``med17``).
    columns: dict[str, str]
    #: Sheet read (workbooks), or None.
    sheet: str | None = None


def _pattern(name: str) -> re.Pattern[str]:
    plain = norm_name(name.replace(YEAR, "YY")).replace("yy", "(?P<year>[0-9]{2})")
    return re.compile(f"^{plain}$")


def resolve(found: Sequence[str], wanted: Wanted, required: Sequence[str],
            path: Path) -> tuple[dict[str, str], str | None]:
    """Match canonical names to a table's columns; return the mapping and the year.

    Raises
    ------
    DataError
        A required column is missing (naming the file, the column and those found).
    """
    normalised = [(norm_name(c), c) for c in found]
    mapping: dict[str, str] = {}
    year: str | None = None
    for canonical, names in wanted.items():
        for name in (canonical, *names):
            pattern = _pattern(name)
            hits = [(m, c) for n, c in normalised if (m := pattern.match(n))]
            if YEAR in name and year is not None:
                hits = [(m, c) for m, c in hits if m.group("year") == year]
            if hits:
                match, column = hits[0]
                mapping[canonical] = column
                if YEAR in name and year is None:
                    year = match.group("year")
                break
    missing = [c for c in required if c not in mapping]
    if missing:
        shown = ", ".join(f"« {c} »" for c in list(found)[:30])
        listed = ", ".join(f"« {_shown(c, wanted, year)} »" for c in missing)
        raise DataError(
            f"colonne(s) absente(s) : {listed} ; colonnes trouvées : {shown}",
            file=path, column=missing[0],
            hint="vérifiez que le fichier est l'export INSEE attendu (AA : année de l'édition)",
        )
    return mapping, year


def _shown(canonical: str, wanted: Wanted, year: str | None) -> str:
    """The accepted names of a column, for a message (``tp60AA`` when no year is known)."""
    names = wanted.get(canonical) or (canonical,)
    return " ou ".join(n.replace(YEAR, year or "AA") for n in names)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _open_workbook(path: Path):  # -> openpyxl Workbook
    import openpyxl  # heavy: only when a workbook is read

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise DataError("classeur Excel illisible (fichier abîmé, tronqué ou protégé)",
                        file=path, hint="téléchargez-le à nouveau depuis insee.fr") from exc


def _sheets(path: Path, key: Sequence[str]) -> Iterator[tuple[str, int, list[str], list[str], Iterator]]:
    """Yield, for each sheet having a row of variable codes that holds ``key``: its name,
    header row number, header, title rows' text, and an iterator over the rows below."""
    keys = {norm_name(k) for k in key}
    book = _open_workbook(path)
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            title: list[str] = []
            for number, row in enumerate(rows, start=1):
                cells = [_cell(v) for v in row]
                if keys & {norm_name(c) for c in cells if c}:
                    yield sheet.title, number, cells, title, rows
                    break
                title.extend(c for c in cells if c)
                if number >= _HEADER_ROWS:
                    break
    finally:
        book.close()


def _excel_table(path: Path, wanted: Wanted, required: Sequence[str],
                 report: LoadReport) -> InseeTable:
    key = list(wanted.get(required[0]) or (required[0],))  # a title cell « Code » is no key
    for sheet, number, header, title, rows in _sheets(path, key):
        try:
            mapping, year = resolve([h for h in header if h], wanted, required, path)
        except DataError:
            continue  # another sheet (the list of areas before the composition) may hold them
        index = {name: header.index(name) for name in mapping.values()}
        data: dict[str, list[str]] = {norm_name(c): [] for c in mapping.values()}
        lines: list[int] = []
        for offset, row in enumerate(rows, start=number + 1):
            cells = [_cell(v) for v in row]
            if not any(cells):
                continue
            for column in mapping.values():
                i = index[column]
                data[norm_name(column)].append(cells[i] if i < len(cells) else "")
            lines.append(offset)
        frame = pd.DataFrame(data, dtype="str")
        frame["_row"] = lines
        report.rows_read += len(frame)
        columns = {k: norm_name(v) for k, v in mapping.items()}
        return InseeTable(frame, year, " ".join(title).lower(), columns, sheet)
    names = ", ".join(f"« {_shown(c, wanted, None)} »" for c in required)
    raise DataError(
        f"aucune feuille du classeur n'a les colonnes {names} (ligne des codes de variables)",
        file=path, hint="vérifiez que c'est le classeur INSEE attendu",
    )


def is_workbook(path: Path) -> bool:
    """Whether ``path`` is an XLSX workbook (a zip archive), whatever its suffix."""
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def read_insee(path: Path, wanted: Wanted, required: Sequence[str],
               report: LoadReport) -> InseeTable:
    """Read an INSEE table (CSV or XLSX) keeping the ``wanted`` columns as text.

    Parameters
    ----------
    path
        The file; a workbook is recognised by its content, not its suffix.
    wanted
        Canonical name -> accepted names (``##``: the edition's two-digit year).
    required
        Canonical names that must be found; the first one is the key column that
        marks a workbook's row of variable codes.
    report
        Receives rows read, encoding notes and malformed lines.

    Returns
    -------
    InseeTable
        Canonical columns (text, ``""`` when empty) and ``_row``; the year; the title.
    """
    path = check_file(path)
    if is_workbook(path):
        return _excel_table(path, wanted, required, report)
    raw = read_plain_csv(path, (), report)
    mapping, year = resolve([c for c in raw.columns if c != "_row"], wanted, required, path)
    frame = raw[[*dict.fromkeys(mapping.values()), "_row"]].copy()
    frame.columns = [*(norm_name(c) for c in frame.columns[:-1]), "_row"]
    return InseeTable(frame, year, "", {k: norm_name(v) for k, v in mapping.items()})


def check_insee(path: Path, wanted: Wanted, required: Sequence[str]) -> int:
    """Check that an INSEE file (a download) holds the required columns; return its rows.

    Raises
    ------
    DataError
        The file is unreadable or lacks a required column.
    """
    path = check_file(path)
    if is_workbook(path):
        report = LoadReport(layer="", file=str(path), source="", vintage="", licence="")
        return len(_excel_table(path, wanted, required, report).frame)
    records = read_records(path)
    resolve(records.header or [], wanted, required, path)
    return len(records.rows)

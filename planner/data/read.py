"""The one reader of CSV files (with or without header row) and of text files.

Every site loader, the indicator readers and ``planner data status`` read files
through this module, so that each handles the same bad input the same way and
``status`` counts the rows a loader reads: files too large or empty are refused, a
file named ``*.gz`` (``2A.csv.gz``) is read decompressed (:func:`read_bytes`), the
text encoding (UTF-8 with or without BOM, UTF-16 with its BOM, else Windows-1252 or
Latin-1) and the separator (``;``, ``,`` or tab, see :func:`sniff_separator`) are
detected, column names are matched through aliases (accents, case and punctuation
ignored), and malformed lines (a wrong number of fields) are dropped *and reported* in
the :class:`~planner.data.schema.LoadReport`, never silently.

Row numbers in reports are line numbers in the file, as a text editor shows them: the
header is line 1, the first data row line 2 (line 1 in a file without header row), and
a record whose quoted field spans several lines is numbered by its first line. A file
cut in the middle (its last record short of fields, or a quote never closed) is refused
naming the line where it ends; a file most of whose lines have a wrong number of fields
is refused naming the likely cause (a separator inside unquoted values).
"""

from __future__ import annotations

import contextlib
import csv
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner import fr
from planner.config import MAX_FILE_BYTES
from planner.data import catalog
from planner.data.lines import AGAIN, check_complete, check_widths, parse_csv
from planner.data.schema import LoadReport
from planner.data.sniff import check_text_bytes, gunzip, is_gzip_name, strip_controls
from planner.data.values import clean_text
from planner.errors import DataError

log = logging.getLogger(__name__)

#: Separators a CSV file may use, in order of preference when counts tie.
SEPARATORS: tuple[str, ...] = (";", ",", "\t")
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


# --------------------------------------------------------------------------- text


def check_file(path: str | Path) -> Path:
    """Check that a file exists, is not empty and is under ``MAX_FILE_BYTES``.

    Returns
    -------
    The path, as a :class:`~pathlib.Path`.

    Raises
    ------
    DataError
        When the file is missing, empty or too large.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("fichier introuvable", file=path, hint="vérifiez le chemin du fichier")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"fichier trop volumineux ({fr.size(size)}, limite {fr.size(MAX_FILE_BYTES)}) : "
            "ce n'est pas un des exports attendus",
            file=path,
            hint="vérifiez qu'il s'agit du bon fichier, ou découpez-le par département",
        )
    if size == 0:
        raise DataError("fichier vide", file=path, hint=AGAIN)
    return path


def decode(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM accepted), else Windows-1252, else Latin-1 (UTF-16
    when the bytes start with its BOM).

    Returns
    -------
    The text and the name of the encoding used.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # "Unicode text" saved by spreadsheets
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(data):
            # UTF-8 cut inside its last character (a cut download): read as UTF-8, the
            # broken character dropped, rather than every accent garbled as Windows-1252
            with contextlib.suppress(UnicodeDecodeError):
                return data[: exc.start].decode("utf-8-sig"), "utf-8"
    try:
        text, encoding = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    log.info("%s : encodage %s (pas UTF-8)", Path(path).name, encoding)
    return text, encoding


def read_bytes(path: str | Path) -> bytes:
    """Return a checked file's bytes, decompressed when it is named ``*.gz``.

    Raises
    ------
    DataError
        See :func:`check_file`, and :func:`planner.data.sniff.gunzip` for a ``.gz`` file.
    """
    path = check_file(path)
    return gunzip(path) if is_gzip_name(path) else path.read_bytes()


def read_text(path: str | Path) -> tuple[str, str]:
    """Return a checked file's text (BOM and control characters dropped) and its encoding.

    Raises
    ------
    DataError
        For a blank file, and for a file that is not text (a workbook, an archive, a
        compressed or binary file renamed, see :func:`planner.data.sniff.check_text_bytes`;
        a ``.gz`` file is checked decompressed, see :func:`read_bytes`).
    """
    path = Path(path)
    data = read_bytes(path)
    check_text_bytes(data, path)
    text, encoding = decode(data, path)
    text, removed = strip_controls(text.lstrip("\ufeff"))
    if removed:
        log.info("%s : %d caractères de contrôle retirés", path.name, removed)
    if not text.strip():
        raise DataError("fichier vide (aucun caractère utile)", file=path, hint=AGAIN)
    return text, encoding


def note_encoding(encoding: str, path: Path, report: LoadReport) -> None:
    """Record in ``report`` that a file was not UTF-8 (row 1, repaired)."""
    if encoding not in ("utf-8", "utf-16"):
        report.add([1], "", f"{path.name} : fichier non UTF-8, lu en {encoding}", "corrigée")


# --------------------------------------------------------------------------- CSV


def sniff_separator(line: str) -> str:
    """Return the separator among ``;``, ``,`` and tab occurring most outside quotes.

    Parameters
    ----------
    line
        The first line of a CSV file.

    Returns
    -------
    The separator; ``;`` when none occurs.
    """
    bare = _QUOTED.sub("", line)
    counts = {sep: bare.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ";"


@dataclass
class Records:
    """The records of a CSV file, as read: every field a string."""

    path: Path
    #: Column names (stripped, made unique); ``None`` for a file without header row.
    header: list[str] | None
    #: Data records, blank lines left out.
    rows: list[list[str]]
    sep: str
    encoding: str
    #: The line of the file where each record starts (1-based, aligned with ``rows``).
    lines: list[int] = field(default_factory=list)

    def split(
        self, width: int, report: LoadReport | None, *, column: str = "*", prefix: str = ""
    ) -> tuple[list[list[str]], np.ndarray]:
        """Return the records of ``width`` fields and the line where each starts.

        The others are malformed lines: each is recorded in ``report`` (rejected,
        ``column``, the reason starting with ``prefix``).
        """
        lengths = np.fromiter((len(r) for r in self.rows), dtype=np.int64, count=len(self.rows))
        numbers = np.asarray(self.lines or range(1, len(self.rows) + 1), dtype=np.int64)
        if report is not None:
            for i in np.flatnonzero(lengths != width):
                report.add([numbers[i]], column,
                           f"{prefix}{int(lengths[i])} champs au lieu de {width} "
                           "(ligne mal formée)", "rejetée")
        good = np.flatnonzero(lengths == width)
        return [self.rows[i] for i in good], numbers[good]


def _unique(names: list[str]) -> list[str]:
    """Name empty columns ``Unnamed: i`` and number repeated ones (``x``, ``x.1``), as pandas."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        name = name or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out


def read_records(
    path: str | Path,
    *,
    header: bool = True,
    sep: str | None = None,
    width: int | None = None,
    complete: bool = True,
) -> Records:
    """Read the records of a CSV file.

    Parameters
    ----------
    path
        The CSV file.
    header
        Whether its first record holds the column names.
    sep
        The separator; sniffed from the first line (:func:`sniff_separator`) when ``None``.
    width
        The number of fields of a record (default: the header's).
    complete
        Refuse a file cut in the middle, or most of whose records have another number
        of fields than ``width`` (when ``width`` is known).

    Returns
    -------
    Records
        Quoted fields may hold separators and line breaks.

    Raises
    ------
    DataError
        When the file is missing, empty, too large, not text or unparsable; cut in the
        middle; with a header row, when only one column is read (unknown separator) or
        no data row follows it. Every message is French and names the line.
    """
    path = Path(path)
    text, encoding = read_text(path)
    first = text.lstrip("\r\n").split("\n", 1)[0]
    sep = sep or sniff_separator(first)
    rows, lines, open_quote = parse_csv(text, sep, path)
    if not header:
        records = Records(path, None, rows, sep, encoding, lines)
    else:
        names = _unique([c.strip().lstrip("\ufeff") for c in rows[0]])
        if len(names) < 2:
            other = next((c for c in "|:#/ " if c in first), None)
            raise DataError(
                "une seule colonne lue : séparateur non reconnu"
                + (f" (« {other} » ?)" if other else "")
                + f" ; en-tête lu : « {first.strip()[:120]} »",
                file=path, row=lines[0], column=names[0][:40],
                hint="enregistrez le fichier avec le point-virgule, la virgule ou la "
                "tabulation comme séparateur",
            )
        if len(rows) < 2:
            raise DataError("fichier sans aucune ligne de données (en-tête seul)", file=path,
                            hint=AGAIN)
        records = Records(path, names, rows[1:], sep, encoding, lines[1:])
        width = width or len(names)
    if complete and width:
        check_widths(records, width)
        check_complete(records, width, open_quote)
    return records


def norm_name(name: object) -> str:
    """Normalise a column name: ASCII, lower case, ``_`` between words (``#Libellé du site`` → ``libelle_du_site``)."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def map_columns(
    found: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    required: Iterable[str],
    path: str | Path,
) -> dict[str, str]:
    """Match canonical names to the columns of a file through aliases.

    Parameters
    ----------
    found
        The file's column names, as read.
    aliases
        For each canonical name, the accepted names (compared after :func:`norm_name`).
    required
        Canonical names that must be found.
    path
        The file, for the error message.

    Returns
    -------
    A dict from canonical name to the file's column name, for the names found.

    Raises
    ------
    DataError
        Naming the file, the missing column(s) and the columns found.
    """
    normalised = {norm_name(c): c for c in reversed(list(found))}
    mapping: dict[str, str] = {}
    for canonical, names in aliases.items():
        for name in (canonical, *names):
            if norm_name(name) in normalised:
                mapping[canonical] = normalised[norm_name(name)]
                break
    missing = [c for c in required if c not in mapping]
    if missing:
        wanted = [(aliases.get(c) or (c,))[0] for c in missing]
        shown = ", ".join(f"« {c} »" for c in list(found)[:30])
        raise DataError(
            f"colonne(s) obligatoire(s) absente(s) : {', '.join(wanted)} "
            f"; colonnes trouvées : {shown}",
            file=path,
            column=missing[0],
            hint="vérifiez que le fichier est le bon export et que son séparateur est "
            "le point-virgule, la virgule ou la tabulation",
        )
    return mapping


def _frame(names: Sequence[str], rows: list[list[str]], positions: Sequence[int]) -> pd.DataFrame:
    return pd.DataFrame({name: [r[i] for r in rows] for name, i in zip(names, positions)},
                        dtype="str")


def read_csv(
    path: str | Path,
    aliases: Mapping[str, Sequence[str]],
    required: Iterable[str],
    report: LoadReport | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a CSV file with a header row and return its columns renamed to canonical names.

    Parameters
    ----------
    path
        The CSV file.
    aliases
        For each canonical name, the accepted column names (see :func:`map_columns`).
    required
        Canonical names that must be present.
    report
        Receives one rejected issue per malformed line (column ``*``).

    Returns
    -------
    The table (every value a stripped string, empty ones missing; only the aliased
    columns, renamed; ``attrs["columns"]`` the file's names, ``attrs["rows_read"]`` the
    number of data rows) and the line of the file where each of its rows starts (header: line 1).

    Raises
    ------
    DataError
        See :func:`read_records`, and when a required column is missing.
    """
    records = read_records(path)
    assert records.header is not None
    mapping = map_columns(records.header, aliases, required, records.path)
    good, numbers = records.split(len(records.header), report)
    index = {name: i for i, name in enumerate(records.header)}
    sources = list(dict.fromkeys(mapping.values()))
    raw = _frame(sources, good, [index[src] for src in sources])
    return select_columns(raw, mapping, len(records.rows), records.header), numbers


def read_plain_csv(path: str | Path, required: Iterable[str], report: LoadReport) -> pd.DataFrame:
    """Read a statistical CSV file with a header row, every column kept as text.

    Column names are the file's (``required`` ones matched ignoring case and accents,
    and renamed as given). A file that is not UTF-8 is reported; malformed lines are
    rejected and reported (their reason starts with the file's name).

    Returns
    -------
    DataFrame of strings (``""`` for empty fields) with ``_row``, the line of the file where the row starts.
    """
    records = read_records(path)
    assert records.header is not None
    required = list(required)
    mapping = map_columns(records.header, {c: () for c in required}, required, records.path)
    note_encoding(records.encoding, records.path, report)
    report.rows_read += len(records.rows)
    good, numbers = records.split(len(records.header), report, column="",
                                  prefix=f"{records.path.name} : ")
    names = [{v: k for k, v in mapping.items()}.get(n, n) for n in records.header]
    frame = _frame(names, good, range(len(names)))
    frame["_row"] = numbers
    return frame


def read_headers(path: str | Path) -> list[str]:
    """Read a ``headers.csv`` file: one line of ``;``-separated column names (BOM allowed)."""
    path = Path(path)
    first = read_text(path)[0].splitlines()[0]
    names = next(csv.reader([first], delimiter=";"))
    if len(names) < 2:
        raise DataError(
            "la ligne des noms de colonnes n'est pas séparée par « ; »", file=path, row=1,
            hint="headers.csv doit contenir les noms des colonnes séparés par des points-virgules",
        )
    return [n.strip() for n in names]


def read_headerless(
    path: str | Path, names: Sequence[str], wanted: Sequence[str], report: LoadReport
) -> pd.DataFrame:
    """Read a ``;``-separated file without header row, keeping the wanted columns as text.

    Parameters
    ----------
    path
        The data file; its column names are in ``headers.csv`` beside it.
    names
        All column names, from ``headers.csv``.
    wanted
        The columns to keep (matched ignoring case, accents and punctuation).
    report
        Receives ``rows_read``, the encoding when not UTF-8 and the rejected lines
        (a number of fields other than ``len(names)``).

    Returns
    -------
    DataFrame of strings named as ``wanted``, with ``_row`` (1-based row in the file).
    """
    path = Path(path)
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(norm_name(name), i)
    missing = [name for name in wanted if norm_name(name) not in index]
    if missing:
        raise DataError(
            f"colonne obligatoire absente de {catalog.HEADERS_FILE}",
            file=path.parent / catalog.HEADERS_FILE, column=missing[0],
            hint=f"vérifiez que {catalog.HEADERS_FILE} correspond aux fichiers de l'IFN 2020",
        )
    records = read_records(path, header=False, sep=";", width=len(names))
    note_encoding(records.encoding, path, report)
    report.rows_read += len(records.rows)
    good, numbers = records.split(len(names), report, column="", prefix=f"{path.name} : ")
    if not good:
        lengths = {len(r) for r in records.rows}
        reason = ("le séparateur n'est pas « ; »" if lengths == {1}
                  else f"{len(records.rows[0])} champs au lieu de {len(names)}")
        raise DataError(
            f"aucune ligne lisible ({reason})", file=path, row=1,
            hint="le fichier doit être séparé par « ; », sans ligne d'en-tête, "
            f"avec les colonnes de {catalog.HEADERS_FILE}",
        )
    frame = _frame(list(wanted), good, [index[norm_name(n)] for n in wanted])
    frame["_row"] = numbers
    return frame


def select_columns(
    raw: pd.DataFrame, mapping: dict[str, str], rows_read: int, found: Sequence[str] = ()
) -> pd.DataFrame:
    """Keep the canonical columns of ``mapping``, cleaned; remember the file's names
    (``attrs["columns"]``: canonical -> file's; ``attrs["file_columns"]``: all of them)
    and its number of data rows (``attrs["rows_read"]``)."""
    out = pd.DataFrame({c: clean_text(raw[src]) for c, src in mapping.items()})
    out = out.reset_index(drop=True)
    out.attrs.update(columns=mapping, rows_read=rows_read,
                     file_columns=list(found or raw.columns))
    return out

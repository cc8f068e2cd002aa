"""A layer's files, whatever their format: the reader a suffix calls for, the load
report of a file, the files of a catalogue layer, and row counts for ``planner data status``.

CSV files are read by :mod:`planner.data.read`; JSON lists of records (and GeoJSON
point features) and the first sheet of XLSX workbooks are read here into the same
shape: every value a cleaned string, columns renamed to canonical names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.data import catalog
from planner.data.read import (
    AGAIN,
    check_file,
    map_columns,
    read_csv,
    read_headerless,
    read_headers,
    read_records,
    read_text,
    select_columns,
)
from planner.data.schema import LoadReport
from planner.data.sniff import check_text_bytes, table_suffix
from planner.data.values import as_text
from planner.errors import DataError

#: Suffixes read as JSON records and as Excel workbooks; any other is read as CSV.
JSON_SUFFIXES = (".json", ".geojson")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: Suffixes of tables that ``planner data status`` counts as CSV.
CSV_SUFFIXES = (".csv", ".tsv", ".txt")


def read_excel(
    path: str | Path, aliases: Mapping[str, Sequence[str]], required: Iterable[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read the first sheet of an XLSX file like :func:`read_csv` reads a CSV.

    Row numbers are the sheet's (the header is row 1). openpyxl's errors are never
    shown: a file that is not a workbook is told for what it is (text, archive...).
    """
    path = check_file(path)
    head = path.read_bytes()[:8]
    if not head.startswith(b"PK\x03\x04"):
        try:
            check_text_bytes(path.read_bytes(), path)
        except DataError as exc:
            if "classeur Excel renommé" not in exc.message:
                raise
        else:
            raise DataError("ce fichier n'est pas un classeur Excel mais un fichier texte "
                            f"renommé en {path.suffix.lower()}", file=path,
                            hint="donnez-lui l'extension .csv, ou ouvrez-le et "
                            "enregistrez-le au format .xlsx")
    try:
        raw = pd.read_excel(path, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise DataError("classeur Excel illisible (fichier abîmé, tronqué ou protégé par "
                        "mot de passe)", file=path,
                        hint="ouvrez-le dans un tableur et enregistrez-le à nouveau au "
                        "format .xlsx") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    mapping = map_columns(list(raw.columns), aliases, required, path)
    if raw.empty:
        raise DataError("classeur sans aucune ligne de données", file=path)
    return select_columns(raw, mapping, len(raw)), np.arange(2, len(raw) + 2)


#: json's messages -> French.
_JSON_MESSAGES: dict[str, str] = {
    "Expecting value": "valeur attendue",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendu",
    "Expecting property name enclosed in double quotes": "nom de champ entre guillemets attendu",
    "Unterminated string starting at": "texte entre guillemets jamais refermé",
    "Invalid control character at": "caractère de contrôle dans un texte",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Invalid \\uXXXX escape": "séquence \\u invalide",
    "Extra data": "données en trop après la fin du JSON",
}


def json_error(exc: json.JSONDecodeError, text: str, path: Path) -> DataError:
    """Return the French :class:`DataError` of a JSON parse error (file, line, column).

    A document that ends before it is complete (a cut download) is told as such,
    naming the line where it ends.
    """
    rest = text[exc.pos:].strip()
    if exc.msg.startswith("Unterminated string") or (exc.msg.startswith("Expecting") and not rest):
        end = text.rstrip()
        line = end.count("\n") + 1
        return DataError(f"fichier JSON tronqué : il s'arrête ligne {line} avant la fin du "
                         "document", file=path, row=line, hint=AGAIN)
    what = _JSON_MESSAGES.get(exc.msg, "syntaxe JSON invalide")
    return DataError(f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno}) : {what}",
                     file=path, row=exc.lineno, column=f"caractère {exc.colno}", hint=AGAIN)


def read_json_list(path: str | Path) -> list[dict[str, Any]]:
    """Return the records of a JSON file holding a list (or ``{"data": [...]}``, GeoJSON features)."""
    path = Path(path)
    text, _ = read_text(path)
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise json_error(exc, text, path) from None
    except RecursionError:
        raise DataError("JSON trop imbriqué", file=path, hint=AGAIN) from None
    if isinstance(data, dict):
        data = next((v for k, v in data.items() if k in ("data", "features", "lieux", "results")
                     and isinstance(v, list)), data)
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DataError("le JSON n'est pas une liste d'enregistrements", file=path,
                        hint="attendu : [{...}, {...}] comme dans l'export officiel")
    if not data:
        raise DataError("fichier sans aucun enregistrement", file=path)
    return data


def read_json_records(
    path: str | Path, aliases: Mapping[str, Sequence[str]], required: Iterable[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a JSON list of records like :func:`read_csv` reads a CSV.

    Values are turned into strings (numbers keep their decimal point) so that every
    loader cleans them the same way as CSV values; GeoJSON point features give
    ``longitude``/``latitude``.
    """
    data = read_json_list(path)
    if all("properties" in r for r in data):  # GeoJSON features: flatten
        data = [_flatten_feature(r) for r in data]
    raw = pd.DataFrame.from_records(data)
    mapping = map_columns(list(raw.columns), aliases, required, path)
    out = pd.DataFrame({c: as_text(raw[src]) for c, src in mapping.items()})
    out.attrs.update(columns=mapping, rows_read=len(data), file_columns=list(raw.columns))
    return out, np.arange(1, len(data) + 1)


def read_table(
    path: str | Path,
    aliases: Mapping[str, Sequence[str]],
    required: Iterable[str],
    report: LoadReport,
    formats: Sequence[str] = (),
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a file with the reader its suffix calls for, CSV by default (a ``.gz``
    suffix is left out: ``x.json.gz`` is read as JSON, decompressed).

    ``formats`` lists the other formats accepted: ``"json"`` (``.json``/``.geojson``,
    :func:`read_json_records`) and ``"xlsx"`` (``.xlsx``/``.xlsm``, :func:`read_excel`).
    """
    suffix = table_suffix(path)  # « x.csv.gz » is a CSV file, read decompressed
    if "json" in formats and suffix in JSON_SUFFIXES:
        return read_json_records(path, aliases, required)
    if "xlsx" in formats and suffix in EXCEL_SUFFIXES:
        return read_excel(path, aliases, required)
    return read_csv(path, aliases, required, report)


def _flatten_feature(feature: dict) -> dict:
    props = dict(feature.get("properties") or {})
    geom = feature.get("geometry") or {}
    if geom.get("type") == "Point" and len(geom.get("coordinates") or []) >= 2:
        props.setdefault("longitude", geom["coordinates"][0])
        props.setdefault("latitude", geom["coordinates"][1])
    return props


# --------------------------------------------------------------------------- layers


def new_report(layer_name: str, path: Path | str, rows_read: int = 0) -> LoadReport:
    """Return an empty load report for a catalogue layer and the file read."""
    layer = catalog.layer(layer_name)
    return LoadReport(layer=layer_name, file=str(path), source=layer.source,
                      vintage=layer.vintage, licence=layer.licence, rows_read=rows_read)


def read_layer(
    layer: str,
    path: str | Path | None,
    aliases: Mapping[str, Sequence[str]],
    required: Iterable[str],
    formats: Sequence[str] = (),
) -> tuple[pd.DataFrame, np.ndarray, LoadReport]:
    """Read one file of a catalogue layer (default: the catalogue's file) with :func:`read_table`.

    Returns
    -------
    The table, the line (CSV; XLSX: sheet row; JSON: record number) of each of its rows and a new load report for the
    file (``rows_read`` set).
    """
    path = Path(path) if path is not None else catalog.layer(layer).file()
    report = new_report(layer, path)
    raw, rows = read_table(path, aliases, required, report, formats)
    report.rows_read = raw.attrs["rows_read"]
    return raw, rows, report


def require_one_of(
    raw: pd.DataFrame,
    report: LoadReport,
    choices: Sequence[Sequence[str]],
    aliases: Mapping[str, Sequence[str]],
) -> None:
    """Refuse a table that has none of ``choices`` (each a set of canonical columns).

    Raises
    ------
    DataError
        Naming the file, the accepted columns and the columns found.
    """
    if any(all(c in raw for c in choice) for choice in choices):
        return
    wanted = " ou ".join(" et ".join((aliases.get(c) or (c,))[0] for c in choice)
                         for choice in choices)
    found = ", ".join(f"« {c} »" for c in list(raw.attrs.get("file_columns", []))[:30])
    raise DataError(
        f"colonne(s) obligatoire(s) absente(s) : {wanted}"
        + (f" ; colonnes trouvées : {found}" if found else ""),
        file=report.file, column=(aliases.get(choices[0][0]) or (choices[0][0],))[0],
        hint="vérifiez que le fichier est le bon export ; les noms de colonnes acceptés "
        "sont listés dans geodata/README.md",
    )


def layer_paths(layer: str, path: str | Path | Iterable[str | Path] | None) -> list[Path]:
    """The files to read: ``path`` (one or several), else every file of the catalogue layer."""
    if path is None:
        return catalog.layer(layer).files() or [catalog.layer(layer).file()]
    if isinstance(path, (str, Path)):
        return [Path(path)]
    return [Path(p) for p in path]


def count_rows(path: str | Path) -> int | None:
    """Count the data rows of one source file as the loaders read it.

    Parameters
    ----------
    path
        A file of the data folder.

    Returns
    -------
    int or None
        CSV: the data records of :func:`read_records` (with ``headers.csv`` beside
        the file, as for the IFN exports: every record, read as :func:`read_headerless`
        reads it); JSON/GeoJSON: the records of :func:`read_json_list`; XLSX: the rows
        of the first sheet; ``None`` for other files (road graphs...).

    Raises
    ------
    DataError
        Whatever the loaders' reader refuses (too large, empty, header only, one
        column, invalid JSON...).
    """
    path = Path(path)
    suffix = table_suffix(path)
    if suffix in CSV_SUFFIXES:
        headers = path.parent / catalog.HEADERS_FILE
        if headers.is_file():
            report = LoadReport(layer="", file=str(path), source="", vintage="", licence="")
            read_headerless(path, read_headers(headers), (), report)
            return report.rows_read
        if path.name == catalog.HEADERS_FILE:
            return None
        return len(read_records(path).rows)
    if suffix in JSON_SUFFIXES:
        return len(read_json_list(path))
    if suffix in EXCEL_SUFFIXES:
        return int(read_excel(path, {}, ())[0].attrs["rows_read"])
    return None

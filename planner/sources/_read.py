"""Shared helpers for reading site files robustly.

Every site loader reads its file through these helpers, so that each one handles
the same bad input the same way: files too large or empty are refused, the text
encoding (UTF-8 with or without BOM, else Windows-1252/Latin-1) and the separator
(``;``, ``,`` or tab) are detected, column names are matched through aliases
(accents, case and punctuation ignored), coordinates are parsed vectorized with a
decimal comma accepted, and bad rows are dropped *and reported* in the
:class:`~planner.schema.LoadReport`, never silently.

Row numbers in reports are 1-based data rows (the header line is not counted).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import catalog, hours
from planner.schema import DataError, LoadReport
from planner.settings import MAX_FILE_BYTES

log = logging.getLogger(__name__)

#: Bounding boxes (lon_min, lat_min, lon_max, lat_max) of France: metropolitan France
#: with Corsica, then the overseas départements and collectivities that have communes
#: or post offices (Antilles with Saint-Martin and Saint-Barthélemy, Guyane, La Réunion,
#: Mayotte, Saint-Pierre-et-Miquelon).
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "métropole": (-5.3, 41.2, 9.8, 51.3),
    "Antilles": (-63.2, 14.3, -60.7, 18.2),
    "Guyane": (-54.7, 2.0, -51.5, 6.0),
    "La Réunion": (55.1, -21.5, 55.9, -20.8),
    "Mayotte": (44.9, -13.1, 45.4, -12.5),
    "Saint-Pierre-et-Miquelon": (-56.5, 46.7, -56.1, 47.2),
}

#: How the covered territory is named in messages.
FRANCE_LABEL = ("la France couverte (métropole, DROM, Saint-Martin, Saint-Barthélemy, "
                "Saint-Pierre-et-Miquelon)")

#: Status codes returned by :func:`parse_coordinates`.
COORD_OK = "ok"
COORD_MISSING = "absentes"
COORD_INVALID = "non numériques"
COORD_ZERO = "0/0"
COORD_SWAPPED = "inversées"
COORD_OUTSIDE = "hors de France"

_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_SEPARATORS = (";", ",", "\t")
_SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}


# --------------------------------------------------------------------------- files


def check_file(path: str | Path) -> Path:
    """Check that a file exists, is not empty and is under the size limit.

    Parameters
    ----------
    path
        The file to check.

    Returns
    -------
    The path, as a :class:`~pathlib.Path`.

    Raises
    ------
    DataError
        When the file is missing, empty or larger than ``MAX_FILE_BYTES``.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("fichier introuvable", file=path, hint="vérifiez le chemin du fichier")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"fichier trop volumineux ({size / 1e6:.0f} Mo, limite "
            f"{MAX_FILE_BYTES / 1e6:.0f} Mo) : ce n'est pas un des exports attendus",
            file=path,
            hint="vérifiez qu'il s'agit du bon fichier, ou découpez-le par département",
        )
    if size == 0:
        raise DataError("fichier vide", file=path, hint="téléchargez à nouveau le fichier")
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
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    log.info("%s : encodage %s (pas UTF-8)", Path(path).name, encoding)
    return text, encoding


def norm_name(name: object) -> str:
    """Normalise a column name: ASCII, lower case, ``_`` between words (``#Libellé du site`` → ``libelle_du_site``)."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _sniff_separator(header: str) -> str:
    """Return the separator among ``;``, ``,`` and tab occurring most in the header line."""
    counts = {sep: _count_outside_quotes(header, sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ";"


def _count_outside_quotes(line: str, sep: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=sep))) - 1
    except (csv.Error, StopIteration):
        return line.count(sep)


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


def read_csv(
    path: str | Path,
    aliases: Mapping[str, Sequence[str]],
    required: Iterable[str],
    report: LoadReport | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a CSV file robustly and return its columns renamed to canonical names.

    Parameters
    ----------
    path
        The CSV file.
    aliases
        For each canonical name, the accepted column names (see :func:`map_columns`).
    required
        Canonical names that must be present.
    report
        Receives one rejected issue per malformed line (wrong number of fields).

    Returns
    -------
    The table (every value a string, missing values ``NA``; only the aliased columns,
    renamed) and the 1-based data row number of each of its rows.

    Raises
    ------
    DataError
        When the file is too large, empty, has no data row or lacks a required column.
    """
    path = check_file(path)
    text, _ = decode(path.read_bytes(), path)
    if not text.strip():
        raise DataError("fichier vide (aucun caractère utile)", file=path,
                        hint="téléchargez à nouveau le fichier")
    header = text.lstrip("\ufeff\r\n").split("\n", 1)[0]
    sep = _sniff_separator(header)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = pd.read_csv(
                io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                na_values=[""], on_bad_lines="warn", skipinitialspace=False,
            )
        except pd.errors.EmptyDataError as exc:
            raise DataError("fichier vide (aucune colonne)", file=path) from exc
        except pd.errors.ParserError as exc:
            raise DataError(
                f"fichier illisible avec le séparateur {_SEPARATOR_NAMES[sep]} : {exc}",
                file=path, hint="vérifiez le séparateur et les guillemets",
            ) from exc
    skipped = sorted(
        {int(n) - 1 for w in caught for n in re.findall(r"line (\d+)", str(w.message))}
    )
    raw.columns = [str(c).strip().lstrip("\ufeff") for c in raw.columns]
    required = list(required)
    if len(raw.columns) == 1 and len(required) > 1:
        other = next((c for c in "|:#/ " if c in header), None)
        raise DataError(
            "une seule colonne lue : séparateur non reconnu"
            + (f" (« {other} » ?)" if other else "")
            + f" ; en-tête lu : « {header.strip()[:120]} »",
            file=path, column=str(raw.columns[0])[:40],
            hint="enregistrez le fichier avec le point-virgule, la virgule ou la "
            "tabulation comme séparateur",
        )
    mapping = map_columns(list(raw.columns), aliases, required, path)
    if raw.empty and not skipped:
        raise DataError("fichier sans aucune ligne de données (en-tête seul)", file=path,
                        hint="téléchargez à nouveau le fichier")
    total = len(raw) + len(skipped)
    rows = np.setdiff1d(np.arange(1, total + 1), np.asarray(skipped, dtype=int))
    if report is not None and skipped:
        report.add(skipped, "*", "nombre de champs incorrect (ligne mal formée)", "rejetée")
    return _select(raw, mapping, total), rows[: len(raw)]


def read_excel(
    path: str | Path, aliases: Mapping[str, Sequence[str]], required: Iterable[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read the first sheet of an XLSX file like :func:`read_csv` reads a CSV."""
    path = check_file(path)
    try:
        raw = pd.read_excel(path, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise DataError(f"classeur Excel illisible : {exc}", file=path,
                        hint="ouvrez-le et enregistrez-le au format .xlsx") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    mapping = map_columns(list(raw.columns), aliases, required, path)
    if raw.empty:
        raise DataError("classeur sans aucune ligne de données", file=path)
    return _select(raw, mapping, len(raw)), np.arange(1, len(raw) + 1)


def read_json_records(
    path: str | Path, aliases: Mapping[str, Sequence[str]], required: Iterable[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a JSON file holding a list of records (or ``{"data": [...]}``).

    Values are turned into strings (numbers keep their decimal point) so that every
    loader cleans them the same way as CSV values.
    """
    path = check_file(path)
    text, _ = decode(path.read_bytes(), path)
    if not text.strip():
        raise DataError("fichier vide", file=path, hint="téléchargez à nouveau le fichier")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno}) : {exc.msg}",
            file=path, hint="téléchargez à nouveau le fichier",
        ) from exc
    if isinstance(data, dict):
        data = next((v for k, v in data.items() if k in ("data", "features", "lieux", "results")
                     and isinstance(v, list)), data)
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DataError("le JSON n'est pas une liste d'enregistrements", file=path,
                        hint="attendu : [{...}, {...}] comme dans l'export officiel")
    if not data:
        raise DataError("fichier sans aucun enregistrement", file=path)
    if all("properties" in r for r in data):  # GeoJSON features: flatten
        data = [_flatten_feature(r) for r in data]
    raw = pd.DataFrame.from_records(data)
    mapping = map_columns(list(raw.columns), aliases, required, path)
    out = pd.DataFrame({c: as_text(raw[src]) for c, src in mapping.items()})
    out.attrs.update(columns=mapping, rows_read=len(out))
    return out, np.arange(1, len(out) + 1)


#: Formats a site loader may accept besides CSV: file suffixes and reader.
_READERS: dict[str, tuple[tuple[str, ...], Any]] = {
    "json": ((".json", ".geojson"), read_json_records),
    "xlsx": ((".xlsx", ".xlsm"), read_excel),
}


def read_table(
    path: str | Path,
    aliases: Mapping[str, Sequence[str]],
    required: Iterable[str],
    report: LoadReport,
    formats: Sequence[str] = (),
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a file with the reader its suffix calls for, CSV by default.

    Parameters
    ----------
    path, aliases, required, report
        As for :func:`read_csv`.
    formats
        The other formats accepted (``"json"``: ``.json``/``.geojson`` read by
        :func:`read_json_records`; ``"xlsx"``: ``.xlsx``/``.xlsm`` read by
        :func:`read_excel`); any other suffix is read as CSV.

    Returns
    -------
    The table and the 1-based data row of each of its rows.
    """
    suffix = Path(path).suffix.lower()
    for fmt in formats:
        suffixes, reader = _READERS[fmt]
        if suffix in suffixes:
            return reader(path, aliases, required)
    return read_csv(path, aliases, required, report)


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
    The table, the 1-based data row of each of its rows and a new load report for the
    file (``rows_read`` set).
    """
    path = Path(path) if path is not None else catalog.layer(layer).file()
    report = new_report(layer, path)
    raw, rows = read_table(path, aliases, required, report, formats)
    report.rows_read = raw.attrs["rows_read"]
    return raw, rows, report


def layer_paths(layer: str, path: str | Path | Iterable[str | Path] | None) -> list[Path]:
    """The files to read: ``path`` (one or several), else every file of the catalogue layer."""
    if path is None:
        return catalog.layer(layer).files() or [catalog.layer(layer).file()]
    if isinstance(path, (str, Path)):
        return [Path(path)]
    return [Path(p) for p in path]


def _select(raw: pd.DataFrame, mapping: dict[str, str], rows_read: int) -> pd.DataFrame:
    """Keep the aliased columns under their canonical names, cleaned; remember the
    file's names (``attrs["columns"]``) and the number of data rows (``attrs["rows_read"]``)."""
    out = pd.DataFrame({c: _clean_text(raw[src]) for c, src in mapping.items()})
    out = out.reset_index(drop=True)
    out.attrs.update(columns=mapping, rows_read=rows_read)
    return out


def _flatten_feature(feature: dict) -> dict:
    props = dict(feature.get("properties") or {})
    geom = feature.get("geometry") or {}
    if geom.get("type") == "Point" and len(geom.get("coordinates") or []) >= 2:
        props.setdefault("longitude", geom["coordinates"][0])
        props.setdefault("latitude", geom["coordinates"][1])
    return props


def as_text(values: pd.Series) -> pd.Series:
    """Turn JSON values (numbers, strings, ``None``) into cleaned strings."""
    out = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
           for v in values]
    return _clean_text(pd.Series(out, dtype="str"))


def _clean_text(values: pd.Series) -> pd.Series:
    """Strip spaces; empty strings become missing."""
    text = values.astype("str").str.strip()
    return text.mask(text == "")


# --------------------------------------------------------------------------- values


def parse_number(values: pd.Series | Sequence[Any]) -> np.ndarray:
    """Parse numbers written with a decimal point or a decimal comma; others give NaN."""
    text = pd.Series(values, dtype="str").str.strip().str.replace("\u00a0", "", regex=False)
    text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def in_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return whether each point lies in one of :data:`FRANCE_BOXES`."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape, dtype=bool)
    for x0, y0, x1, y1 in FRANCE_BOXES.values():
        inside |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    return inside


def parse_coordinates(
    lat: pd.Series | Sequence[Any], lon: pd.Series | Sequence[Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse latitude and longitude columns, vectorized.

    Parameters
    ----------
    lat, lon
        Text or numbers; a decimal comma is accepted.

    Returns
    -------
    ``(lat, lon, status)``: floats (NaN where unusable) and, per row, one of
    :data:`COORD_OK`, :data:`COORD_SWAPPED` (repaired: the returned values are swapped
    back), :data:`COORD_MISSING`, :data:`COORD_INVALID`, :data:`COORD_ZERO` and
    :data:`COORD_OUTSIDE` (the last four with NaN coordinates).
    """
    lat_text = pd.Series(lat, dtype="str").str.strip()
    lon_text = pd.Series(lon, dtype="str").str.strip()
    missing = (lat_text.isna() | (lat_text == "") | lon_text.isna() | (lon_text == "")).to_numpy()
    y, x = parse_number(lat_text), parse_number(lon_text)
    finite = np.isfinite(y) & np.isfinite(x)
    # 0/0, or one coordinate 0 and the point not in France (a blank exported as 0):
    # never read as swapped coordinates.
    inside = finite & in_france(x, y)
    zero = finite & ~inside & ((np.abs(y) < 1e-9) | (np.abs(x) < 1e-9))
    swapped = finite & ~zero & ~inside & in_france(y, x)
    status = np.full(len(y), COORD_OK, dtype=object)
    status[~missing & ~finite] = COORD_INVALID
    status[missing] = COORD_MISSING
    status[zero] = COORD_ZERO
    status[finite & ~zero & ~inside & ~swapped] = COORD_OUTSIDE
    status[swapped] = COORD_SWAPPED
    out_lat = np.where(swapped, x, y)
    out_lon = np.where(swapped, y, x)
    bad = ~(inside | swapped)
    out_lat[bad] = np.nan
    out_lon[bad] = np.nan
    return out_lat, out_lon, status


def fix_code(values: pd.Series) -> pd.Series:
    """Normalise INSEE codes or postcodes: strip, upper case, drop a trailing ``.0``,
    restore leading zeros lost by spreadsheets (``1053`` → ``01053``).

    Values that are not 5 characters of the form ``NNNNN`` or ``2ANNN``/``2BNNN`` after
    that become missing.
    """
    text = pd.Series(values, dtype="str").str.strip().str.upper()
    text = text.str.replace(r"\.0+$", "", regex=True).str.replace(" ", "", regex=False)
    digits = text.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    text = text.mask(digits, text.str.zfill(5))
    valid = text.str.fullmatch(_CODE.pattern).fillna(False).astype(bool)
    return text.where(valid)


def postcode_from_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split ``"1000 BOURG EN BRESSE"`` into a postcode (``"01000"``) and a town name."""
    parts = pd.Series(values, dtype="str").str.strip().str.extract(r"^(\d{4,5})\s*(.*)$")
    return fix_code(parts[0]), _clean_text(parts[1])


def parse_hours_column(
    values: pd.Series, rows: np.ndarray, column: str, report: LoadReport
) -> list[hours.WeeklyHours | None]:
    """Parse OSM ``opening_hours`` texts; unreadable ones give ``None`` and a report issue."""
    out: list[hours.WeeklyHours | None] = []
    for row, text in zip(rows, values):
        try:
            out.append(hours.parse_osm(None if pd.isna(text) else str(text)))
        except ValueError as exc:
            out.append(None)
            report.add([row], column, f"{exc} : horaires ignorés", "corrigée")
    return out


def drop_duplicate_ids(
    frame: pd.DataFrame, rows: np.ndarray, report: LoadReport, column: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop rows whose ``site_id`` repeats an earlier row's (reported), and rows with no id."""
    no_id = frame["site_id"].isna().to_numpy()
    report.add(rows[no_id], column, "identifiant absent", "rejetée")
    dup = frame["site_id"].duplicated(keep="first").to_numpy() & ~no_id
    if dup.any():
        first = dict(zip(frame["site_id"][~dup & ~no_id], rows[~dup & ~no_id]))
        for row, sid in zip(rows[dup], frame["site_id"][dup]):
            report.add([row], column, f"identifiant en double (déjà ligne {first[sid]})",
                       "rejetée")
    keep = ~(no_id | dup)
    return frame[keep].reset_index(drop=True), rows[keep]


def new_report(layer_name: str, path: Path | str, rows_read: int = 0) -> LoadReport:
    """Return an empty load report for a catalogue layer and the file read."""
    layer = catalog.layer(layer_name)
    return LoadReport(
        layer=layer_name,
        file=str(path),
        source=layer.source,
        vintage=layer.vintage,
        licence=layer.licence,
        rows_read=rows_read,
    )


def join_text(first: pd.Series, *others: pd.Series | None, sep: str = ", ") -> pd.Series:
    """Join text columns row by row, skipping missing parts (vectorized)."""
    out = first.astype("str").reset_index(drop=True)
    for col in others:
        if col is None:
            continue
        col = col.astype("str").reset_index(drop=True)
        both = out.notna() & col.notna()
        out = out.fillna(col).mask(both, out + sep + col)
    return out

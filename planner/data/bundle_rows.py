"""Which rows of an official export concern a territory, and those rows in the file's format.

A :class:`Zone` is a territory with its margin (:func:`zone_of`) and every code naming
them (INSEE codes, former codes, postcodes, EPCI, départements). :func:`keep_rows`
keeps a row whose coordinates lie in the zone or whose code columns name it;
:func:`bundle_csv` and :func:`bundle_json` return those rows of a file in its own
format (the source text of each record, byte for byte, for CSV). Used by
:mod:`planner.data.bundle`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.config import DEFAULT_BUFFER_KM
from planner.data import catalog
from planner.data.read import (
    norm_name,
    read_bytes,
    read_headers,
    read_records,
    read_text,
    sniff_separator,
)
from planner.data.sources.cog import code_tables
from planner.data.sources.communes import load_communes
from planner.errors import DataError
from planner.geo import CRS_WGS84, metric_crs, union

#: Extra margin (km) on the coordinate test, so that no site the planner keeps is lost.
COORD_MARGIN_KM = 1.0

#: A code column (INSEE, postcode, IRIS, EPCI, département) has a name made of these
#: words only (``Code_INSEE``, ``insee_com``, ``CP Ville``, ``City Insee Code``, ``dep``),
#: besides those of :data:`_FILLER_WORDS` and numbers; ``SCORE GLOBAL departement``,
#: ``insee_reg`` or ``Code.U2A`` are not code columns.
_CODE_WORDS = frozenset({
    "insee", "code", "codgeo", "geo", "iris", "com", "epci", "siren", "dep", "departement",
    "cp", "postal", "codepostal", "zip", "codeiris", "depcom", "codecommune",
})
_FILLER_WORDS = frozenset({"de", "du", "la", "le", "des", "d", "l", "site", "commune", "communes",
                           "city", "ville", "the"})
_LATITUDE = frozenset({"latitude", "lat", "y_latitude"})
_LONGITUDE = frozenset({"longitude", "lon", "lng", "long", "x_longitude"})
_TOKEN = re.compile(r"\s*(2[AB][0-9]{0,7}|[0-9]{1,9})")


@dataclass(frozen=True)
class Zone:
    """What a bundle keeps: the territory, its margin and the codes naming them."""

    spec: str
    label: str
    insee: tuple[str, ...]
    departements: tuple[str, ...]
    codes: frozenset[str]
    communes: frozenset[str]
    area: shapely.Geometry
    crs: str
    buffer_km: float

    def keeps_code(self, value: str) -> bool:
        """Whether a code value (INSEE, postcode, IRIS, EPCI, département) names the zone."""
        match = _TOKEN.match(value.upper())
        if not match:
            return False
        token = match.group(1)
        if token in self.codes:
            return True
        if len(token) == 4 and token.isdigit():  # postcode or INSEE code that lost its 0
            return "0" + token in self.codes
        return len(token) == 9 and token[:5] in self.communes  # IRIS code


def zone_of(spec: str, label: str, insee: Iterable[str],
            buffer_km: float = DEFAULT_BUFFER_KM) -> Zone:
    """Return the zone of a territory given its communes' INSEE codes.

    Parameters
    ----------
    spec, label
        The territory as given and as named (recorded in the manifest).
    insee
        Its communes.
    buffer_km
        Its margin: communes and sites within this distance are kept too.
    """
    communes = load_communes()
    codes = list(dict.fromkeys(insee))
    mine = communes[communes["insee"].isin(codes)]
    crs = metric_crs(mine["departement"].dropna().unique())
    polygon = gpd.GeoSeries([union(mine.geometry)], crs=CRS_WGS84).to_crs(crs).iloc[0]
    area = shapely.buffer(polygon, (buffer_km + COORD_MARGIN_KM) * 1000.0)
    shapes = communes.geometry.to_crs(crs).to_numpy()
    near = shapely.STRtree(shapes).query(area, predicate="intersects")
    zone = set(codes) | set(communes["insee"].iloc[near])
    aliases, postcodes = code_tables()
    known = {*zone, *aliases.index[aliases.isin(zone)]}
    known |= set(postcodes.loc[postcodes["insee"].isin(zone), "postcode"])
    known |= set(communes.loc[communes["insee"].isin(zone), "epci"].dropna())
    known |= set(mine["departement"].dropna())
    deps = tuple(sorted(mine["departement"].dropna().unique()))
    return Zone(spec=spec, label=label, insee=tuple(codes), departements=deps, codes=frozenset(known),
                communes=frozenset(zone), area=area, crs=crs, buffer_km=buffer_km)


# --------------------------------------------------------------------------- rows


def code_columns(names: list[str]) -> list[int]:
    out = []
    for i, name in enumerate(names):
        words = {w for w in norm_name(name).split("_") if w and not w.isdigit()} - _FILLER_WORDS
        if words and words <= _CODE_WORDS:
            out.append(i)
    return out


def _coordinate_columns(names: list[str]) -> tuple[int, int] | None:
    lat = next((i for i, n in enumerate(names) if norm_name(n) in _LATITUDE), None)
    lon = next((i for i, n in enumerate(names) if norm_name(n) in _LONGITUDE), None)
    return None if lat is None or lon is None else (lat, lon)


def keep_rows(zone: Zone, names: list[str], rows: list[list[str]]) -> np.ndarray:
    """Return which rows (lists of field texts, columns ``names``) concern the zone."""
    keep = np.zeros(len(rows), dtype=bool)
    fine: list[list[str]] = []  # commune-level codes (INSEE, IRIS, postcode, EPCI)
    wide: list[list[str]] = []  # département codes
    for col in code_columns(names):
        values = [r[col] if len(r) > col else "" for r in rows]
        lengths = [len(m.group(1)) for m in map(_TOKEN.match, values) if m]
        if lengths:
            (wide if float(np.median(lengths)) <= 3 else fine).append(values)
    # A département code decides only for files without finer codes (per-département
    # tables): elsewhere it may be another column named alike (the IFN's « DEP »).
    for values in fine or wide:
        keep |= np.fromiter((zone.keeps_code(v) for v in values), bool, len(rows))
    pair = _coordinate_columns(names)
    if pair is not None:
        lat, lon = (pd.to_numeric(pd.Series([r[i] if len(r) > i else "" for r in rows], dtype="str")
                                  .str.replace(",", ".", regex=False).str.strip(), errors="coerce")
                    .to_numpy(float) for i in pair)
        ok = np.isfinite(lat) & np.isfinite(lon)
        if ok.any():
            points = gpd.GeoSeries(gpd.points_from_xy(lon[ok], lat[ok]), crs=CRS_WGS84).to_crs(zone.crs)
            inside = np.zeros(len(rows), dtype=bool)
            inside[np.flatnonzero(ok)] = shapely.within(points.to_numpy(), zone.area)
            keep |= inside
    return keep


# --------------------------------------------------------------------------- files


def _csv_records(text: str, sep: str) -> list[tuple[list[str], str]]:
    """Every record of a CSV text with its exact source text (quoted line breaks kept)."""
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(iter(lines), delimiter=sep)
    out: list[tuple[list[str], str]] = []
    start = 0
    for record in reader:
        raw = "".join(lines[start:reader.line_num])
        start = reader.line_num
        if record:
            out.append((record, raw))
    return out


def _bom(path: Path) -> bytes:
    head = read_bytes(path)[:3]  # decompressed, for a .csv.gz source
    return head if head == b"\xef\xbb\xbf" else b""


def bundle_csv(zone: Zone, path: Path) -> tuple[bytes, int, int] | None:
    """The bundled bytes of a CSV file, its rows kept and read; None when none is kept."""
    headers = path.parent / catalog.HEADERS_FILE
    headerless = headers.is_file()
    records = read_records(path, header=not headerless, sep=";" if headerless else None)
    text, encoding = read_text(path)
    sep = records.sep if headerless else sniff_separator(text.lstrip("\r\n").split("\n", 1)[0])
    found = _csv_records(text, sep)
    head, body = ([], found) if headerless else (found[:1], found[1:])
    names = read_headers(headers) if headerless else head[0][0]
    if len(body) != len(records.rows):
        raise DataError("lignes lues différentes de celles du lecteur", file=path,
                        hint="signalez ce fichier : il n'a pas pu être découpé pour le lot")
    keep = keep_rows(zone, [n.strip().lstrip("\ufeff") for n in names], [r for r, _ in body])
    if not keep.any():
        return None
    kept = "".join(raw for (_, raw), k in zip(body, keep) if k)
    out = "".join(raw for _, raw in head) + kept
    if head and not out.endswith(("\n", "\r")):
        out += "\r\n" if "\r\n" in text else "\n"
    return _bom(path) + out.encode(encoding), int(keep.sum()), len(body)


def bundle_json(zone: Zone, path: Path) -> tuple[bytes, int, int] | None:
    """The bundled bytes of a JSON list of records (or ``{"data": [...]}``, GeoJSON)."""
    text, _ = read_text(path)
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"JSON invalide : {exc.msg}", file=path, row=exc.lineno) from exc
    key = None
    records = data
    if isinstance(data, dict):
        key = next((k for k, v in data.items() if isinstance(v, list)), None)
        records = data[key] if key is not None else []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DataError("le JSON n'est pas une liste d'enregistrements", file=path)
    flat = [{**(r.get("properties") or {}), **r} if "properties" in r else r for r in records]
    names = list(dict.fromkeys(k for r in flat for k in r))
    for r, f in zip(records, flat):  # GeoJSON points: their coordinates
        coords = (r.get("geometry") or {}).get("coordinates") if "properties" in r else None
        if coords and len(coords) >= 2:
            f.setdefault("longitude", coords[0])
            f.setdefault("latitude", coords[1])
    names = list(dict.fromkeys([*names, "longitude", "latitude"]))
    rows = [["" if f.get(n) is None else str(f.get(n)) for n in names] for f in flat]
    keep = keep_rows(zone, names, rows)
    if not keep.any():
        return None
    kept = [r for r, k in zip(records, keep) if k]
    out: Any = {**data, key: kept} if key is not None else kept
    ascii_only = "\\u00" in text[:100_000]
    indent = 2 if text.lstrip()[:3].startswith(("[\n", "{\n", "[\r", "{\r")) else None
    payload = json.dumps(out, ensure_ascii=ascii_only, indent=indent)
    return _bom(path) + payload.encode("utf-8"), int(keep.sum()), len(records)

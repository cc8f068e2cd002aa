"""Files for coordinators: CSV, XLSX, GeoJSON, GPX, ICS and printable route sheets.

Every export is built from a :class:`PlanTables`, three plain objects the routing layer
fills in (it never hands over its own solver objects):

``visits`` — one row per visit (pandas DataFrame):
    ``advisor`` (int, 1-based), ``advisor_name`` (str, e.g. "Conseiller 1"), ``base`` (str,
    name of the advisor's base), ``week`` (int, 1 or 2), ``day`` (a key of
    :data:`planner.hours.DAYS`, ``"lun"`` .. ``"sam"``), ``order`` (int, 1-based within the
    advisor-day), ``site_id``, ``name``, ``address``, ``postcode``, ``insee``, ``commune``
    (str), ``lon``, ``lat`` (float, WGS84), ``arrival``, ``start``, ``end`` (``"HH:MM"``),
    ``drive_minutes`` (float, drive from the previous stop or the base), ``km`` (float,
    idem) and ``demand`` (float, the demand the stop serves).

``days`` — one row per advisor-day (pandas DataFrame):
    ``advisor``, ``advisor_name``, ``week``, ``day``, ``base``, ``base_lon``, ``base_lat``,
    ``depart``, ``return`` (``"HH:MM"``), ``drive_minutes`` and ``km`` (the whole day,
    return to the base included), and optionally ``route``: a shapely ``LineString`` (or
    ``MultiLineString``) in WGS84 following the roads, or ``None`` for straight segments
    base → stops → base.

``meta`` — a dict:
    ``territory`` (label), ``generated`` (ISO date; default today), ``sources`` (list of
    attribution strings such as "© La Poste (2020)"), ``week_start`` (the Monday of the
    first week, a date or ISO string; default next Monday) and ``unvisited`` (list of
    dicts ``name``, ``insee``, ``reason``, the reason in French).

:func:`validate_plan` checks these tables (French :class:`~planner.schema.DataError`
naming the table, row and column) and returns sorted copies with a ``date`` column. The
``to_*_bytes`` functions and :func:`route_sheet_html` return the files in memory (for
the app's download buttons); :func:`write_all` writes every file atomically and never
replaces an existing file unless ``force=True``.

Spreadsheet cells (CSV and XLSX) that start with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return are prefixed with a single quote (:func:`neutralize`, OWASP "CSV
injection"); HTML text is escaped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry import LineString, MultiLineString

from planner.cache import atomic_write
from planner.hours import DAY_LABELS, DAY_NAMES, DAYS
from planner.schema import DataError

log = logging.getLogger(__name__)

#: Time zone of every calendar event.
TIMEZONE = "Europe/Paris"
#: Columns the ``visits`` table must have.
VISIT_COLUMNS: tuple[str, ...] = (
    "advisor",
    "advisor_name",
    "base",
    "week",
    "day",
    "order",
    "site_id",
    "name",
    "address",
    "postcode",
    "insee",
    "commune",
    "lon",
    "lat",
    "arrival",
    "start",
    "end",
    "drive_minutes",
    "km",
    "demand",
)
#: Columns the ``days`` table must have (``route`` is optional).
DAY_COLUMNS: tuple[str, ...] = (
    "advisor",
    "advisor_name",
    "week",
    "day",
    "base",
    "base_lon",
    "base_lat",
    "depart",
    "return",
    "drive_minutes",
    "km",
)
#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: File name of each single-file export.
FILE_NAMES: dict[str, str] = {
    "csv": "tournees.csv",
    "xlsx": "tournees.xlsx",
    "geojson": "tournees.geojson",
    "gpx": "tournees.gpx",
    "ics": "tournees.ics",
}
#: MIME type of each export (for download buttons).
MIME_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpx": "application/gpx+xml",
    "ics": "text/calendar",
    "html": "text/html",
    "pdf": "application/pdf",
}
#: Colour of each working day on the route-sheet maps.
DAY_COLOURS: dict[str, str] = {
    "lun": "#1f77b4",
    "mar": "#d62728",
    "mer": "#2ca02c",
    "jeu": "#9467bd",
    "ven": "#ff7f0e",
    "sam": "#8c564b",
    "dim": "#e377c2",
}

_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_HINT = "le plan doit suivre le format documenté dans planner.export (PlanTables)"
_TEXT_VISIT = ("advisor_name", "base", "site_id", "name", "address", "postcode", "insee", "commune")
_TIME_RE = r"(\d{1,2}):(\d{2})"
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_NICE_KM = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)


@dataclass
class PlanTables:
    """A weekly plan as plain tables: what every export reads (see the module docstring).

    Parameters
    ----------
    visits
        One row per visit.
    days
        One row per advisor-day.
    meta
        Territory label, generation date, sources, first Monday and stops left out.
    """

    visits: pd.DataFrame
    days: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- neutralize


def neutralize(value: Any) -> Any:
    """Return ``value`` made safe for a spreadsheet cell.

    A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
    prefixed with a single quote so that no spreadsheet evaluates it as a formula (OWASP
    "CSV injection"); anything else is returned unchanged.

    Parameters
    ----------
    value
        A cell value.

    Returns
    -------
    The value, quoted if it was a dangerous text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply :func:`neutralize` to every text column of ``frame`` (copy)."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(neutralize).astype(object)
    return out


# --------------------------------------------------------------------------- validation


def _require_frame(frame: Any, columns: tuple[str, ...], table: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"le tableau des {table} doit être un DataFrame pandas", hint=_HINT)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"tableau des {table} : colonne(s) absente(s) : {', '.join(missing)}",
            column=missing[0],
            hint=_HINT,
        )


def _fail(
    mask: pd.Series | np.ndarray, raw: pd.Series, table: str, column: str, expected: str
) -> None:
    """Raise for the first row where ``mask`` holds, naming its value and 1-based row."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        pos = int(np.flatnonzero(mask)[0])
        raise DataError(
            f"tableau des {table} : valeur « {raw.iloc[pos]} » invalide (on attend {expected})",
            row=int(raw.index[pos]) + 1,  # tables are re-indexed 0.. on entry
            column=column,
            hint=_HINT,
        )


def _integers(
    frame: pd.DataFrame, column: str, table: str, allowed: tuple[int, ...] | None = None
) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    bad = values.isna() | (values % 1 != 0) | (values < 1)
    expected = "un entier ≥ 1"
    if allowed is not None:
        bad |= ~values.isin(allowed)
        expected = "l'une des valeurs " + ", ".join(map(str, allowed))
    _fail(bad, frame[column], table, column, expected)
    return values.astype("int64")


def _floats(frame: pd.DataFrame, column: str, table: str, low: float, high: float) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    bad = ~np.isfinite(values) | (values < low) | (values > high)
    _fail(bad, frame[column], table, column, f"un nombre entre {low:g} et {high:g}")
    return values


def _times(frame: pd.DataFrame, column: str, table: str) -> tuple[pd.Series, pd.Series]:
    """Return the column as normalised ``"HH:MM"`` texts and as minutes since midnight."""
    text = frame[column].map(_as_text).astype(object)
    found = text.str.extract(rf"^{_TIME_RE}$").astype("float64")
    mins = found[0] * 60 + found[1]
    bad = mins.isna() | (found[1] > 59) | (mins > 24 * 60)
    _fail(bad, frame[column], table, column, "une heure « HH:MM »")
    mins = mins.astype("int64")
    text = pd.Series([f"{m // 60:02d}:{m % 60:02d}" for m in mins], index=mins.index, dtype=object)
    return text, mins


def _as_text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s*[\r\n]+\s*", ", ", str(value)).strip(" ,")


def _days_key(frame: pd.DataFrame, table: str) -> pd.Series:
    day = frame["day"].map(lambda d: DAY_NAMES.get(str(d).strip().lower(), str(d).strip().lower()))
    _fail(~day.isin(DAYS), frame["day"], table, "day", "un jour parmi " + ", ".join(DAYS))
    return day.astype(object)


def _key_columns(src: pd.DataFrame, table: str) -> pd.DataFrame:
    """The checked ``advisor``, ``week`` and ``day`` columns of a table."""
    out = pd.DataFrame(index=src.index)
    out["advisor"] = _integers(src, "advisor", table)
    out["week"] = _integers(src, "week", table, (1, 2))
    out["day"] = _days_key(src, table)
    return out


def _next_monday(today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def _as_date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise DataError(
            f"métadonnées du plan : date « {value} » illisible",
            column=key,
            hint="utilisez le format ISO AAAA-MM-JJ",
        ) from None


def _validate_meta(meta: dict[str, Any] | None) -> dict[str, Any]:
    meta = dict(meta or {})
    week_start = _as_date(meta.get("week_start") or _next_monday(), "week_start")
    if week_start.weekday() != 0:
        raise DataError(
            f"métadonnées du plan : le début de la première semaine ({week_start.isoformat()}) "
            "n'est pas un lundi",
            column="week_start",
            hint="indiquez le lundi de la première semaine",
        )
    generated = _as_date(meta.get("generated") or dt.date.today(), "generated")
    sources = meta.get("sources") or []
    if isinstance(sources, str) or not all(isinstance(s, str) for s in sources):
        raise DataError(
            "métadonnées du plan : « sources » doit être une liste de textes",
            column="sources",
            hint=_HINT,
        )
    unvisited = []
    for i, item in enumerate(meta.get("unvisited") or [], start=1):
        if (
            not isinstance(item, dict)
            or not _as_text(item.get("name"))
            or not _as_text(item.get("reason"))
        ):
            raise DataError(
                "métadonnées du plan : étape non retenue sans nom ou sans motif",
                row=i,
                column="unvisited",
                hint=_HINT,
            )
        unvisited.append({k: _as_text(item.get(k)) for k in ("name", "insee", "reason")})
    return {
        **meta,
        "territory": _as_text(meta.get("territory")) or "territoire",
        "generated": generated.isoformat(),
        "sources": [s.strip() for s in sources if s.strip()],
        "week_start": week_start,
        "unvisited": unvisited,
    }


def _route_value(value: Any, row: int) -> LineString | MultiLineString | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if not isinstance(value, (LineString, MultiLineString)) or value.is_empty:
        raise DataError(
            f"tableau des journées : tracé de type « {type(value).__name__} » invalide "
            "(LineString WGS84 ou vide attendu)",
            row=row,
            column="route",
            hint=_HINT,
        )
    return value


def validate_plan(plan: PlanTables) -> PlanTables:
    """Check a plan's tables and return normalised copies.

    Parameters
    ----------
    plan
        The tables handed over by the routing layer.

    Returns
    -------
    A new :class:`PlanTables`: ``visits`` and ``days`` sorted by advisor, week, day and
    order, times as ``"HH:MM"``, texts as ``str``, a ``date`` column (from
    ``meta["week_start"]``), ``days["route"]`` present (``None`` when absent); ``meta``
    with every key filled in and ``week_start`` as a :class:`datetime.date`. Advisor-days
    without any visit are dropped (their ``depart``/``return`` may be blank). The result
    is marked as checked: passing it again returns it as is (do not modify its tables).

    Raises
    ------
    DataError
        When a column is missing or a value is invalid (French message naming the
        table, the 1-based row and the column), or when a visit has no advisor-day.
    """
    if not isinstance(plan, PlanTables):
        raise DataError("le plan à exporter doit être un PlanTables", hint=_HINT)
    if getattr(plan, "_validated", False):
        return plan
    meta = _validate_meta(plan.meta)
    _require_frame(plan.visits, VISIT_COLUMNS, "visites")
    _require_frame(plan.days, DAY_COLUMNS, "journées")
    src_v, src_d = plan.visits.reset_index(drop=True), plan.days.reset_index(drop=True)

    v = _key_columns(src_v, "visites")
    v["order"] = _integers(src_v, "order", "visites")
    for col in _TEXT_VISIT:
        v[col] = src_v[col].map(_as_text).astype(object)
    _fail(v["name"] == "", src_v["name"], "visites", "name", "un nom non vide")
    v["lon"] = _floats(src_v, "lon", "visites", -180, 180)
    v["lat"] = _floats(src_v, "lat", "visites", -90, 90)
    mins = {}
    for col in ("arrival", "start", "end"):
        v[col], mins[col] = _times(src_v, col, "visites")
    _fail(
        mins["arrival"] > mins["start"],
        src_v["arrival"],
        "visites",
        "arrival",
        "une arrivée avant le début de la permanence",
    )
    _fail(
        mins["start"] > mins["end"],
        src_v["end"],
        "visites",
        "end",
        "une fin après le début de la permanence",
    )
    for col in ("drive_minutes", "km", "demand"):
        v[col] = _floats(src_v, col, "visites", 0, math.inf)

    key = ["advisor", "week", "day"]
    d = _key_columns(src_d, "journées")
    _fail(
        d.duplicated(key),
        src_d["day"],
        "journées",
        "day",
        "une seule ligne par conseiller, semaine et jour",
    )
    # Working days with no visit are dropped: their times may be blank.
    visited = pd.MultiIndex.from_frame(d[key]).isin(pd.MultiIndex.from_frame(v[key]))
    d, src_d = d[visited].copy(), src_d[visited]
    for col in ("advisor_name", "base"):
        d[col] = src_d[col].map(_as_text).astype(object)
    d["base_lon"] = _floats(src_d, "base_lon", "journées", -180, 180)
    d["base_lat"] = _floats(src_d, "base_lat", "journées", -90, 90)
    d["depart"], dep = _times(src_d, "depart", "journées")
    d["return"], ret = _times(src_d, "return", "journées")
    _fail(dep > ret, src_d["return"], "journées", "return", "un retour après le départ")
    for col in ("drive_minutes", "km"):
        d[col] = _floats(src_d, col, "journées", 0, math.inf)
    routes = src_d["route"] if "route" in src_d.columns else pd.Series(None, index=src_d.index)
    d["route"] = pd.Series(
        [_route_value(r, int(i) + 1) for i, r in routes.items()], index=d.index, dtype=object
    )

    _fail(
        v.duplicated([*key, "order"]),
        src_v["order"],
        "visites",
        "order",
        "un rang unique dans la journée du conseiller",
    )
    known = pd.MultiIndex.from_frame(d[key])
    _fail(
        ~pd.MultiIndex.from_frame(v[key]).isin(known),
        src_v["day"],
        "visites",
        "day",
        "une journée présente dans le tableau des journées",
    )
    names = pd.concat(
        [d[["advisor", "advisor_name"]], v[["advisor", "advisor_name"]]]
    ).drop_duplicates()
    if names["advisor"].duplicated().any():
        advisor = int(names.loc[names["advisor"].duplicated(), "advisor"].iloc[0])
        raise DataError(
            f"le conseiller {advisor} porte plusieurs noms différents",
            column="advisor_name",
            hint=_HINT,
        )

    start = meta["week_start"]
    for frame in (v, d):
        offset = (frame["week"] - 1) * 7 + frame["day"].map(DAYS.index)
        frame["date"] = [start + dt.timedelta(days=int(o)) for o in offset]
        frame["_d"] = frame["day"].map(DAYS.index)
    v = v.sort_values(["advisor", "week", "_d", "order"], kind="stable").drop(columns="_d")
    d = d.sort_values(["advisor", "week", "_d"], kind="stable").drop(columns="_d")
    checked = PlanTables(v.reset_index(drop=True), d.reset_index(drop=True), meta)
    checked._validated = True  # type: ignore[attr-defined]  # not re-checked by the exporters
    return checked


# --------------------------------------------------------------------------- formatting


def date_text(day: dt.date) -> str:
    """``lundi 6 janvier 2025`` (``1er`` for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{DAY_LABELS[DAYS[day.weekday()]]} {number} {_MONTHS[day.month - 1]} {day.year}"


def _duration_text(minutes: float) -> str:
    """``45 min`` or ``2 h 05``."""
    total = round(minutes)
    return f"{total} min" if total < 60 else f"{total // 60} h {total % 60:02d}"


def _number(value: float, digits: int = 1) -> str:
    """A number with a French decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def _full_address(row: Any) -> str:
    town = " ".join(x for x in (row.postcode, row.commune) if x)
    return ", ".join(x for x in (row.address, town) if x)


def _attribution(plan: PlanTables) -> str:
    return " ; ".join(plan.meta["sources"])


def _advisors(plan: PlanTables) -> list[tuple[int, str]]:
    """Advisors of the plan (number, name), in order."""
    both = pd.concat(
        [plan.days[["advisor", "advisor_name"]], plan.visits[["advisor", "advisor_name"]]]
    )
    both = both.drop_duplicates("advisor").sort_values("advisor")
    return [(int(a), n or f"Conseiller {a}") for a, n in zip(both["advisor"], both["advisor_name"])]


def _minutes(hhmm: pd.Series) -> pd.Series:
    parts = hhmm.str.split(":", expand=True).astype("int64")
    return parts[0] * 60 + parts[1]


def _day_stops(plan: PlanTables) -> Iterator[tuple[Any, pd.DataFrame]]:
    """Each advisor-day row (``return`` read as ``back``) with its visits, empty days included."""
    groups = {k: g for k, g in plan.visits.groupby(["advisor", "week", "day"], sort=False)}
    empty = plan.visits.iloc[0:0]
    # "return" is a Python keyword: itertuples would rename it, so it is read as "back".
    for row in plan.days.rename(columns={"return": "back"}).itertuples(index=False):
        yield row, groups.get((row.advisor, row.week, row.day), empty)


def _day_lines(day: Any, stops: pd.DataFrame) -> list[np.ndarray]:
    """The day's path as arrays of (lon, lat): the road route, or straight segments."""
    route = getattr(day, "route", None)
    if isinstance(route, LineString):
        return [np.asarray(route.coords)[:, :2]]
    if isinstance(route, MultiLineString):
        return [np.asarray(part.coords)[:, :2] for part in route.geoms]
    base = [[day.base_lon, day.base_lat]]
    return [np.asarray(base + stops[["lon", "lat"]].to_numpy().tolist() + base, dtype=float)]


def _aware(day: dt.date, hhmm: str, tz: dt.tzinfo) -> dt.datetime:
    hours, mins = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(minutes=hours * 60 + mins)


# --------------------------------------------------------------------------- tables


def visit_table(plan: PlanTables) -> pd.DataFrame:
    """Return the visits with French headers, in plan order (the CSV and XLSX content).

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    One row per visit; ``Date`` holds :class:`datetime.date` values. Cells are not
    neutralized (the CSV and XLSX writers do it).
    """
    plan = validate_plan(plan)
    v = plan.visits
    return pd.DataFrame(
        {
            "Conseiller": v["advisor_name"],
            "Base": v["base"],
            "Semaine": v["week"],
            "Date": v["date"],
            "Jour": v["day"].map(DAY_LABELS),
            "Ordre": v["order"],
            "Lieu": v["name"],
            "Adresse": v["address"],
            "Code postal": v["postcode"],
            "Commune": v["commune"],
            "Code INSEE": v["insee"],
            "Arrivée": v["arrival"],
            "Début": v["start"],
            "Fin": v["end"],
            "Trajet depuis l'étape précédente (min)": v["drive_minutes"].round(1),
            "Distance depuis l'étape précédente (km)": v["km"].round(1),
            "Demande desservie": v["demand"].round(1),
            "Longitude": v["lon"].round(6),
            "Latitude": v["lat"].round(6),
            "Identifiant du site": v["site_id"],
        }
    )


def summary_table(plan: PlanTables) -> pd.DataFrame:
    """Return totals per advisor plus a ``Total`` row, with French headers.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    Columns ``Conseiller``, ``Base``, ``Journées``, ``Visites``, ``Lieux distincts``,
    ``Heures de permanence``, ``Heures de route``, ``Kilomètres``, ``Demande desservie``
    (over the whole horizon; a site's demand is counted once per advisor, and once in
    the total).
    """
    plan = validate_plan(plan)
    v, d = plan.visits.copy(), plan.days
    v["hours"] = (_minutes(v["end"]) - _minutes(v["start"])) / 60 if len(v) else 0.0
    rows = []
    for advisor, name in _advisors(plan):
        va, da = v[v["advisor"] == advisor], d[d["advisor"] == advisor]
        bases = list(dict.fromkeys([*da["base"], *va["base"]]))
        rows.append(_summary_row(name, ", ".join(b for b in bases if b), va, da))
    rows.append(_summary_row("Total", "", v, d))
    return pd.DataFrame(rows)


def _summary_row(name: str, base: str, visits: pd.DataFrame, days: pd.DataFrame) -> dict[str, Any]:
    """One row of :func:`summary_table`: totals over ``visits`` (with ``hours``) and ``days``."""
    return {
        "Conseiller": name,
        "Base": base,
        "Journées": len(days),
        "Visites": len(visits),
        "Lieux distincts": visits["site_id"].nunique(),
        "Heures de permanence": round(float(visits["hours"].sum()), 2),
        "Heures de route": round(float(days["drive_minutes"].sum()) / 60, 2),
        "Kilomètres": round(float(days["km"].sum()), 1),
        "Demande desservie": round(float(visits.drop_duplicates("site_id")["demand"].sum()), 1),
    }


# --------------------------------------------------------------------------- CSV / XLSX


def to_csv_bytes(plan: PlanTables) -> bytes:
    """Return the visits as CSV for French Excel: UTF-8 with BOM, ``;``, decimal comma.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    The file content; text cells are neutralized (:func:`neutralize`).
    """
    table = visit_table(plan)
    table["Date"] = [d.strftime("%d/%m/%Y") for d in table["Date"]]
    text = _neutralize_frame(table).to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _cell(value: Any) -> Any:
    """A value openpyxl can store safely (text cleaned and neutralized)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return neutralize(_XLSX_ILLEGAL.sub("", value))
    return value


def _append(ws: Any, values: list[Any], bold: bool = False) -> None:
    from openpyxl.styles import Font

    ws.append([_cell(x) for x in values])
    if not values:
        return
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "DD/MM/YYYY"
        if bold:
            cell.font = Font(bold=True)


def _fit_widths(ws: Any, minimum: int = 8, maximum: int = 60) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                size = 10 if isinstance(cell.value, dt.date) else len(str(cell.value))
                widths[cell.column] = max(widths.get(cell.column, 0), size)
    for col, size in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(maximum, max(minimum, size + 2))


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", name).strip().strip("'")[:31] or "Conseiller"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def to_xlsx_bytes(plan: PlanTables) -> bytes:
    """Return the plan as an Excel workbook: a "Synthèse" sheet, then one sheet per advisor.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    The ``.xlsx`` content. "Synthèse" holds the totals per advisor, the stops left out
    with their reasons and the sources; every text cell is neutralized.
    """
    from openpyxl import Workbook

    plan = validate_plan(plan)
    meta = plan.meta
    weeks = sorted(set(plan.days["week"])) or [1]
    wb = Workbook()
    ws = wb.active
    ws.title = "Synthèse"
    _append(ws, [f"Tournées des conseillers — {meta['territory']}"], bold=True)
    _append(ws, ["Généré le", dt.date.fromisoformat(meta["generated"])])
    _append(ws, ["Première semaine", f"semaine du {date_text(meta['week_start'])}"])
    _append(ws, ["Horizon", f"{len(weeks)} semaine(s) ; heures et kilomètres sur tout l'horizon"])
    _append(ws, [])
    summary = summary_table(plan)
    _append(ws, list(summary.columns), bold=True)
    for values in summary.itertuples(index=False):
        _append(ws, list(values), bold=values[0] == "Total")
    _append(ws, [])
    _append(ws, ["Étapes non retenues"], bold=True)
    if meta["unvisited"]:
        _append(ws, ["Lieu", "Code INSEE", "Motif"], bold=True)
        for item in meta["unvisited"]:
            _append(ws, [item["name"], item["insee"], item["reason"]])
    else:
        _append(ws, ["Aucune : toutes les étapes demandées sont planifiées."])
    _append(ws, [])
    _append(ws, ["Sources"], bold=True)
    for source in meta["sources"] or ["non renseignées"]:
        _append(ws, [source])
    _fit_widths(ws)

    table = visit_table(plan).drop(columns="Conseiller")
    used = {"synthèse"}
    for advisor, name in _advisors(plan):
        sheet = wb.create_sheet(_sheet_title(name, used))
        _append(sheet, list(table.columns), bold=True)
        for values in table[plan.visits["advisor"].to_numpy() == advisor].itertuples(index=False):
            _append(sheet, list(values))
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        _fit_widths(sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- GeoJSON


def _rounded(coords: np.ndarray) -> list[list[float]]:
    return np.round(np.asarray(coords, dtype=float), 6).tolist()


def to_geojson_bytes(plan: PlanTables) -> bytes:
    """Return the plan as a GeoJSON FeatureCollection (WGS84, UTF-8).

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    Features with a ``type`` property: ``base`` (one point per advisor), ``tournée``
    (one line per advisor-day with visits: the road route when the plan has one, else
    straight segments; ``suit_les_routes`` says which) and ``visite`` (one point per
    visit). Top-level members ``attribution``, ``territoire``, ``genere``,
    ``debut_semaine_1`` and ``non_visites``.
    """
    plan = validate_plan(plan)
    features: list[dict[str, Any]] = []
    names = dict(_advisors(plan))
    for advisor, rows in plan.days.groupby("advisor", sort=True):
        first = rows.iloc[0]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": _rounded([first["base_lon"], first["base_lat"]]),
                },
                "properties": {"type": "base", "conseiller": names[advisor], "base": first["base"]},
            }
        )
    for day, stops in _day_stops(plan):
        if stops.empty:
            continue
        lines = [_rounded(line) for line in _day_lines(day, stops)]
        geometry = (
            {"type": "LineString", "coordinates": lines[0]}
            if len(lines) == 1
            else {"type": "MultiLineString", "coordinates": lines}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "type": "tournée",
                    "conseiller": day.advisor_name,
                    "base": day.base,
                    "semaine": int(day.week),
                    "jour": DAY_LABELS[day.day],
                    "date": day.date.isoformat(),
                    "depart": day.depart,
                    "retour": day.back,
                    "trajet_min": round(float(day.drive_minutes), 1),
                    "km": round(float(day.km), 1),
                    "visites": len(stops),
                    "suit_les_routes": day.route is not None,
                },
            }
        )
    for row in plan.visits.itertuples(index=False):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _rounded([row.lon, row.lat])},
                "properties": {
                    "type": "visite",
                    "conseiller": row.advisor_name,
                    "semaine": int(row.week),
                    "jour": DAY_LABELS[row.day],
                    "date": row.date.isoformat(),
                    "ordre": int(row.order),
                    "lieu": row.name,
                    "adresse": _full_address(row),
                    "insee": row.insee,
                    "arrivee": row.arrival,
                    "debut": row.start,
                    "fin": row.end,
                    "trajet_min": round(float(row.drive_minutes), 1),
                    "km": round(float(row.km), 1),
                    "demande": round(float(row.demand), 1),
                    "site_id": row.site_id,
                },
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": f"Tournées — {plan.meta['territory']}",
        "attribution": _attribution(plan),
        "territoire": plan.meta["territory"],
        "genere": plan.meta["generated"],
        "debut_semaine_1": plan.meta["week_start"].isoformat(),
        "non_visites": plan.meta["unvisited"],
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


# --------------------------------------------------------------------------- GPX


def track_name(advisor_name: str, day: str, week: int) -> str:
    """Name of an advisor-day track, e.g. ``"Conseiller 1 — lundi (semaine 1)"``."""
    return f"{advisor_name} — {DAY_LABELS[day]} (semaine {week})"


def to_gpx_bytes(plan: PlanTables) -> bytes:
    """Return the plan as GPX 1.1: one track per advisor-day with visits, one waypoint per visit.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    The ``.gpx`` content. Tracks follow the road route when the plan has one, else go
    straight base → stops → base; waypoints carry the place's name, a description
    (advisor, date, arrival, hours, address) and the arrival time (UTC, as GPX requires).
    """
    from zoneinfo import ZoneInfo

    import gpxpy.gpx

    plan = validate_plan(plan)
    tz = ZoneInfo(TIMEZONE)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "planner — planificateur de couverture territoriale"
    gpx.name = f"Tournées — {plan.meta['territory']}"
    gpx.description = (
        f"Généré le {plan.meta['generated']}. Sources : {_attribution(plan) or 'non renseignées'}"
    )
    for day, stops in _day_stops(plan):
        if stops.empty:
            continue
        track = gpxpy.gpx.GPXTrack(
            name=track_name(day.advisor_name, day.day, day.week),
            description=(
                f"{date_text(day.date)} : départ de {day.base} à {day.depart}, "
                f"retour à {day.back} ; "
                f"{_duration_text(day.drive_minutes)} de route, {_number(day.km)} km"
            ),
        )
        for line in _day_lines(day, stops):
            segment = gpxpy.gpx.GPXTrackSegment()
            segment.points.extend(
                gpxpy.gpx.GPXTrackPoint(float(lat), float(lon)) for lon, lat in line
            )
            track.segments.append(segment)
        gpx.tracks.append(track)
    for row in plan.visits.itertuples(index=False):
        arrival = _aware(row.date, row.arrival, tz)
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=float(row.lat),
                longitude=float(row.lon),
                name=row.name,
                time=arrival.astimezone(dt.UTC),
                description=(
                    f"{row.advisor_name} — {date_text(row.date)} (semaine {row.week}), "
                    f"étape {row.order} : arrivée {row.arrival}, permanence {row.start}–{row.end}"
                    f" — {_full_address(row)}"
                ),
                type="Permanence numérique",
            )
        )
    return gpx.to_xml(version="1.1").encode("utf-8")


# --------------------------------------------------------------------------- ICS


def visit_uid(plan: PlanTables, row: Any, occurrence: int = 0) -> str:
    """Stable UID of a visit: the same plan inputs give the same UID."""
    key = "|".join(
        map(
            str,
            (
                plan.meta["territory"],
                plan.meta["week_start"],
                row.advisor,
                row.week,
                row.day,
                row.site_id,
                row.name,
                occurrence,
            ),
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@planner"


def to_ics_bytes(plan: PlanTables) -> bytes:
    """Return the plan as an iCalendar file: one event per visit, in Europe/Paris.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    The ``.ics`` content with a VTIMEZONE for Europe/Paris; each VEVENT has
    ``SUMMARY`` "Permanence numérique — <lieu>", ``DTSTART``/``DTEND`` from the visit's
    start and end on its date, ``LOCATION`` the full address, ``GEO``, a French
    ``DESCRIPTION`` (advisor, arrival, drive, sources) and a stable ``UID``.
    """
    from zoneinfo import ZoneInfo

    import icalendar

    plan = validate_plan(plan)
    tz = ZoneInfo(TIMEZONE)
    meta = plan.meta
    cal = icalendar.Calendar()
    cal.add("prodid", "-//planner//Tournées des conseillers numériques//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Tournées — {meta['territory']}")
    cal.add("x-wr-timezone", TIMEZONE)
    last = max([meta["week_start"], *plan.visits["date"]])
    cal.add_component(
        icalendar.Timezone.from_tzinfo(
            tz,
            tzid=TIMEZONE,
            first_date=dt.date(meta["week_start"].year - 1, 1, 1),
            last_date=dt.date(last.year + 2, 1, 1),
        )
    )
    stamp = dt.datetime.combine(dt.date.fromisoformat(meta["generated"]), dt.time(), tzinfo=dt.UTC)
    seen: dict[tuple, int] = {}
    for row in plan.visits.itertuples(index=False):
        key = (row.advisor, row.week, row.day, row.site_id, row.name)
        seen[key] = seen.get(key, -1) + 1
        event = icalendar.Event()
        event.add("uid", visit_uid(plan, row, seen[key]))
        event.add("dtstamp", stamp)
        event.add("dtstart", _aware(row.date, row.start, tz))
        event.add("dtend", _aware(row.date, row.end, tz))
        event.add("summary", f"Permanence numérique — {row.name}")
        event.add("location", _full_address(row) or row.commune or row.name)
        event.add("geo", (float(row.lat), float(row.lon)))
        event.add("categories", ["Permanence numérique"])
        event.add(
            "description",
            (
                f"Conseiller : {row.advisor_name} (base : {row.base})\n"
                f"Étape {row.order} de la journée (semaine {row.week}) ; "
                f"arrivée prévue à {row.arrival}\n"
                "Trajet depuis l'étape précédente : "
                f"{_duration_text(row.drive_minutes)}, {_number(row.km)} km\n"
                f"Sources : {_attribution(plan) or 'non renseignées'}"
            ),
        )
        cal.add_component(event)
    return cal.to_ical()


# --------------------------------------------------------------------------- route sheets


def route_sheet_name(advisor: int, suffix: str) -> str:
    """File name of an advisor's route sheet, e.g. ``feuille_de_route_conseiller_1.pdf``."""
    return f"feuille_de_route_conseiller_{int(advisor)}.{suffix}"


@dataclass
class _WeekView:
    """What one page of a route sheet shows."""

    week: int
    monday: dt.date
    base: str
    base_lonlat: tuple[float, float]
    days: list[tuple[Any, pd.DataFrame, list[np.ndarray]]]

    def totals(self) -> str:
        visits = sum(len(s) for _, s, _ in self.days)
        drive = sum(d.drive_minutes for d, _, _ in self.days)
        km = sum(d.km for d, _, _ in self.days)
        perm = sum(
            float((_minutes(s["end"]) - _minutes(s["start"])).sum())
            for _, s, _ in self.days
            if len(s)
        )
        return (
            f"{len(self.days)} journée(s), {visits} visite(s), "
            f"{_duration_text(perm)} de permanence, "
            f"{_duration_text(drive)} de route, {_number(km)} km"
        )


def _weeks(plan: PlanTables, advisor: int) -> tuple[str, list[_WeekView]]:
    names = dict(_advisors(plan))
    if advisor not in names:
        known = ", ".join(str(a) for a in names) or "aucun"
        raise DataError(
            f"conseiller {advisor} inconnu dans le plan (conseillers : {known})",
            column="advisor",
            hint="choisissez un conseiller du plan",
        )
    views: dict[int, _WeekView] = {}
    for day, stops in _day_stops(plan):
        if day.advisor != advisor:
            continue
        view = views.setdefault(
            day.week,
            _WeekView(
                day.week,
                plan.meta["week_start"] + dt.timedelta(days=7 * (day.week - 1)),
                day.base,
                (day.base_lon, day.base_lat),
                [],
            ),
        )
        view.days.append((day, stops, _day_lines(day, stops) if len(stops) else []))
    return names[advisor], [views[w] for w in sorted(views)]


def _projector(
    view: _WeekView, width: float, height: float, margin: float
) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    """Map (lon, lat) to page coordinates (y downwards) fitting the week; also km per unit."""
    points = np.vstack(
        [np.asarray([view.base_lonlat]), *[ln for _, _, lines in view.days for ln in lines]]
    )
    k = math.cos(math.radians(float(points[:, 1].mean())))
    x, y = points[:, 0] * k, points[:, 1]
    span = max(
        float(x.max() - x.min()) / (width - 2 * margin),
        float(y.max() - y.min()) / (height - 2 * margin),
    )
    scale = 1 / max(span, 1e-6)
    cx, cy = float(x.max() + x.min()) / 2, float(y.max() + y.min()) / 2

    def project(lonlat: np.ndarray) -> np.ndarray:
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        return np.column_stack(
            [width / 2 + (lonlat[:, 0] * k - cx) * scale, height / 2 - (lonlat[:, 1] - cy) * scale]
        )

    return project, 111.32 / scale


def _scale_bar(km_per_unit: float, width: float) -> tuple[float, float]:
    """A round distance (km) about a quarter of the map wide, and its length in units."""
    target = width / 4 * km_per_unit
    km = max([n for n in _NICE_KM if n <= target] or [_NICE_KM[0]])
    return km, km / km_per_unit


def _svg_map(view: _WeekView, name: str, width: int = 720, height: int = 380) -> str:
    """An inline SVG sketch of the week's tours (no background tiles)."""
    esc = html.escape
    project, km_per_px = _projector(view, width, height, 28)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="Carte des tournées de {esc(name)}, semaine {view.week}">'
        ),
        f'<rect width="{width}" height="{height}" fill="#fbfbf8"/>',
    ]
    for day, _, lines in view.days:
        for line in lines:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in project(line))
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{DAY_COLOURS[day.day]}" '
                f'stroke-width="2.2" stroke-opacity="0.85">'
                f"<title>{esc(DAY_LABELS[day.day])}</title></polyline>"
            )
    bx, by = project(np.asarray(view.base_lonlat))[0]
    parts.append(
        f'<g><title>{esc("Base : " + view.base)}</title><rect x="{bx - 7:.1f}" y="{by - 7:.1f}" '
        f'width="14" height="14" fill="#111" stroke="#fff"/></g>'
    )
    for day, stops, _ in view.days:
        for row, (x, y) in zip(
            stops.itertuples(index=False), project(stops[["lon", "lat"]].to_numpy())
        ):
            label = f"{DAY_LABELS[row.day]} {row.order}. {row.name} ({row.arrival})"
            parts.append(
                f"<g><title>{esc(label)}</title>"
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{DAY_COLOURS[day.day]}" '
                'stroke="#fff"/>'
                f'<text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="10" text-anchor="middle" '
                f'fill="#fff" font-family="sans-serif">{int(row.order)}</text></g>'
            )
    km, length = _scale_bar(km_per_px, width)
    parts.append(
        f'<line x1="16" y1="{height - 14}" x2="{16 + length:.1f}" y2="{height - 14}" '
        f'stroke="#111" stroke-width="3"/><text x="16" y="{height - 20}" font-size="11" '
        f'font-family="sans-serif">{_number(km, 1 if km < 1 else 0)} km</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111;
       max-width: 190mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 1mm; }
h2 { font-size: 12pt; margin: 5mm 0 1mm; border-bottom: 1px solid #999; break-after: avoid; }
p { margin: 1mm 0; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
section.week { break-after: page; page-break-after: always; }
section.week:last-of-type { break-after: auto; page-break-after: auto; }
figure { margin: 2mm 0; }
figure svg { width: 100%; height: auto; border: 1px solid #bbb; }
figcaption, footer { font-size: 8pt; color: #555; }
.swatch { display: inline-block; width: 9pt; height: 9pt; margin-right: 4pt; vertical-align: -1pt; }
.legend span { margin-right: 10pt; white-space: nowrap; }
"""


#: Headers of a route sheet's visit table (HTML and PDF).
_STOP_HEADERS: tuple[str, ...] = ("N°", "Arrivée", "Permanence", "Lieu", "Adresse", "Trajet", "km")
#: Positions of the numeric columns of that table (right-aligned in HTML).
_STOP_NUMERIC: tuple[int, ...] = (0, 5, 6)


def _week_heading(plan: PlanTables, view: _WeekView) -> str:
    """The line under a route-sheet page's title: territory, base, week and its Monday."""
    return (
        f"Territoire : {plan.meta['territory']} — base : {view.base} — semaine {view.week}, "
        f"du {date_text(view.monday)}"
    )


def _day_summary(day: Any) -> str:
    """Departure, return, drive time and distance of an advisor-day (route sheets)."""
    return (
        f"Départ de {day.base} à {day.depart} — retour à {day.back} — "
        f"{_duration_text(day.drive_minutes)} de route, {_number(day.km)} km"
    )


def _last_leg(day: Any, stops: pd.DataFrame) -> tuple[float, float]:
    """Drive minutes and km from the last stop back to the base."""
    return (
        max(0.0, float(day.drive_minutes - stops["drive_minutes"].sum())),
        max(0.0, float(day.km - stops["km"].sum())),
    )


def _stop_rows(day: Any, stops: pd.DataFrame) -> list[list[str]]:
    """Cells of a day's visit table (:data:`_STOP_HEADERS`): the visits, then the way back."""
    rows = [
        [
            str(int(row.order)),
            row.arrival,
            f"{row.start}–{row.end}",
            row.name,
            _full_address(row),
            _duration_text(row.drive_minutes),
            _number(row.km),
        ]
        for row in stops.itertuples(index=False)
    ]
    minutes_back, km_back = _last_leg(day, stops)
    rows.append(
        [
            "",
            day.back,
            "",
            f"Retour à la base ({day.base})",
            "",
            _duration_text(minutes_back),
            _number(km_back),
        ]
    )
    return rows


def _html_row(cells: list[str]) -> str:
    """A ``<tr>`` of escaped cells; non-empty numeric cells are right-aligned."""
    tds = []
    for i, cell in enumerate(cells):
        attr = ' class="num"' if i in _STOP_NUMERIC and cell else ""
        tds.append(f"<td{attr}>{html.escape(cell)}</td>")
    return "<tr>" + "".join(tds) + "</tr>"


def route_sheet_html(plan: PlanTables, advisor: int) -> str:
    """Return an advisor's printable route sheet as one self-contained HTML page.

    Parameters
    ----------
    plan
        The plan.
    advisor
        The advisor's number (1-based).

    Returns
    -------
    HTML with print CSS: one section per week (a printed page each) with the totals, an
    inline SVG sketch of the tours, and per day the departure, return, drive and a table
    of visits (arrival, hours, place, address, drive). Every name is HTML-escaped; the
    sources are in each section's footer.
    """
    plan = validate_plan(plan)
    esc = html.escape
    name, views = _weeks(plan, int(advisor))
    title = f"Feuille de route — {name}"
    out = [
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
    ]
    footer = (
        f"<footer>Sources : {esc(_attribution(plan) or 'non renseignées')}. "
        f"Généré le {esc(date_text(dt.date.fromisoformat(plan.meta['generated'])))}. "
        "Horaires indicatifs : vérifiez l'ouverture des lieux avant le départ.</footer>"
    )
    if not views:
        out.append(f"<h1>{esc(title)}</h1><p>Aucune journée planifiée.</p>{footer}")
    for view in views:
        out.append('<section class="week">')
        out.append(f"<h1>{esc(title)}</h1>")
        out.append(f"<p>{esc(_week_heading(plan, view))}</p>")
        out.append(f"<p><strong>{esc(view.totals())}</strong></p>")
        legend = "".join(
            f'<span><i class="swatch" style="background:{DAY_COLOURS[d.day]}"></i>'
            f"{esc(DAY_LABELS[d.day])}</span>"
            for d, s, _ in view.days
            if len(s)
        )
        roads = any(d.route is not None for d, _, _ in view.days)
        out.append(
            f'<figure>{_svg_map(view, name)}<figcaption class="legend">{legend}'
            "<span>■ base</span> — numéros : ordre de passage ; "
            f"{'tracé routier' if roads else 'lignes droites entre étapes'}"
            "</figcaption></figure>"
        )
        for day, stops, _ in view.days:
            out.append(
                f'<h2><i class="swatch" style="background:{DAY_COLOURS[day.day]}"></i>'
                f"{esc(date_text(day.date).capitalize())}</h2>"
            )
            out.append(f"<p>{esc(_day_summary(day))}</p>")
            if stops.empty:
                out.append("<p>Aucune visite ce jour.</p>")
                continue
            headers = "".join(f"<th>{esc(h)}</th>" for h in _STOP_HEADERS)
            out.append(f"<table><thead><tr>{headers}</tr></thead><tbody>")
            out.extend(_html_row(cells) for cells in _stop_rows(day, stops))
            out[-1] += "</tbody></table>"
        out.append(footer)
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out)


def font_paths() -> tuple[Path, Path]:
    """DejaVu Sans (regular, bold) from matplotlib's bundled fonts."""
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        raise DataError(
            "police DejaVu introuvable : matplotlib n'est pas installé",
            hint="installez matplotlib (pip install matplotlib)",
        ) from None
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    paths = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    for path in paths:
        if not path.is_file():
            raise DataError("police DejaVu introuvable", file=path, hint="réinstallez matplotlib")
    return paths


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _pdf_map(pdf: Any, view: _WeekView, x0: float, y0: float, width: float, height: float) -> None:
    """Draw the week's sketch with fpdf primitives in the box (x0, y0, width, height), mm."""
    project, km_per_mm = _projector(view, width, height, 6)
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, width, height)
    pdf.set_line_width(0.6)
    for day, _, lines in view.days:
        pdf.set_draw_color(*_hex_rgb(DAY_COLOURS[day.day]))
        for line in lines:
            pdf.polyline([tuple(p) for p in (project(line) + [x0, y0]).tolist()])
    bx, by = project(np.asarray(view.base_lonlat))[0] + [x0, y0]
    pdf.set_fill_color(17, 17, 17)
    pdf.rect(bx - 1.8, by - 1.8, 3.6, 3.6, style="F")
    pdf.set_font("DejaVu", "B", 6)
    pdf.set_draw_color(255, 255, 255)
    pdf.set_line_width(0.2)
    pdf.set_text_color(255, 255, 255)
    for day, stops, _ in view.days:
        pdf.set_fill_color(*_hex_rgb(DAY_COLOURS[day.day]))
        for order, (x, y) in zip(
            stops["order"], project(stops[["lon", "lat"]].to_numpy()) + [x0, y0]
        ):
            pdf.ellipse(x - 2, y - 2, 4, 4, style="DF")
            pdf.set_xy(x - 2, y - 2)
            pdf.cell(4, 4, str(int(order)), align="C")
    km, length = _scale_bar(km_per_mm, width)
    pdf.set_draw_color(17, 17, 17)
    pdf.set_line_width(0.6)
    pdf.line(x0 + 4, y0 + height - 4, x0 + 4 + length, y0 + height - 4)
    pdf.set_text_color(17, 17, 17)
    pdf.set_font("DejaVu", "", 6)
    pdf.set_xy(x0 + 4, y0 + height - 8.5)
    pdf.cell(30, 4, f"{_number(km, 1 if km < 1 else 0)} km")


def route_sheet_pdf_bytes(plan: PlanTables, advisor: int) -> bytes:
    """Return an advisor's printable route sheet as PDF (A4, at least one page per week).

    Parameters
    ----------
    plan
        The plan.
    advisor
        The advisor's number (1-based).

    Returns
    -------
    The PDF content: per week the totals, a sketch map drawn with vector lines and
    points, and per day a table of visits; the sources and page number in the footer.
    Text uses DejaVu Sans from matplotlib's bundled fonts (French accents).
    """
    from fpdf import FPDF

    plan = validate_plan(plan)
    name, views = _weeks(plan, int(advisor))
    regular, bold = font_paths()
    attribution = _attribution(plan) or "non renseignées"

    class _Sheet(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(90, 90, 90)
            self.multi_cell(
                0,
                3.2,
                f"Sources : {attribution} — page {self.page_no()}/{{nb}}",
                align="C",
                new_x="LMARGIN",
                new_y="NEXT",
            )

    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=16)
    generated = dt.date.fromisoformat(plan.meta["generated"])
    pdf.set_creation_date(dt.datetime.combine(generated, dt.time(), tzinfo=dt.UTC))
    title = f"Feuille de route — {name}"
    pdf.set_title(title)
    pdf.set_author("planner")
    pdf.set_lang("fr")
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def text(line: str, size: float = 9, style: str = "", height: float = 4.6) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(17, 17, 17)
        pdf.multi_cell(0, height, line, new_x="LMARGIN", new_y="NEXT")

    if not views:
        pdf.add_page()
        text(title, 15, "B", 7)
        text("Aucune journée planifiée.")
    for view in views:
        pdf.add_page()
        text(title, 15, "B", 7)
        text(_week_heading(plan, view))
        text(view.totals(), 9, "B")
        top = pdf.get_y() + 1
        _pdf_map(pdf, view, pdf.l_margin, top, width, 78)
        pdf.set_xy(pdf.l_margin, top + 79)
        pdf.set_font("DejaVu", "", 7)
        for day, stops, _ in view.days:
            if stops.empty:
                continue
            pdf.set_fill_color(*_hex_rgb(DAY_COLOURS[day.day]))
            pdf.rect(pdf.get_x(), pdf.get_y() + 0.8, 2.4, 2.4, style="F")
            pdf.set_x(pdf.get_x() + 3)
            pdf.set_text_color(17, 17, 17)
            pdf.cell(pdf.get_string_width(DAY_LABELS[day.day]) + 4, 4, DAY_LABELS[day.day])
        pdf.cell(0, 4, "■ base — numéros : ordre de passage", new_x="LMARGIN", new_y="NEXT")
        for day, stops, _ in view.days:
            pdf.ln(1.5)
            text(date_text(day.date).capitalize(), 11, "B", 6)
            text(_day_summary(day), 8.5)
            if stops.empty:
                text("Aucune visite ce jour.", 8.5)
                continue
            pdf.set_font("DejaVu", "", 8)
            pdf.set_draw_color(150, 150, 150)
            pdf.set_line_width(0.2)
            pdf.set_fill_color(255, 255, 255)
            with pdf.table(
                col_widths=(8, 14, 22, 50, 60, 16, 12),
                line_height=4.2,
                text_align="LEFT",
                headings_style=_headings(),
            ) as table:
                table.row(list(_STOP_HEADERS))
                for cells in _stop_rows(day, stops):
                    table.row(cells)
    return bytes(pdf.output())


def _headings() -> Any:
    from fpdf.fonts import FontFace

    return FontFace(family="DejaVu", emphasis="BOLD", fill_color=(235, 235, 235))


# --------------------------------------------------------------------------- writing


def _write_readable(tmp: Path, data: bytes) -> None:
    """Write ``data`` to the temporary file (``atomic_write`` gives it the usual mode)."""
    tmp.write_bytes(data)


def export_paths(plan: PlanTables, out_dir: str | Path) -> dict[str, list[Path]]:
    """Return the path of every file :func:`write_all` writes, by format.

    Parameters
    ----------
    plan
        The plan (its advisors name the route sheets).
    out_dir
        The output folder.

    Returns
    -------
    Keys ``csv``, ``xlsx``, ``geojson``, ``gpx``, ``ics``, ``html``, ``pdf``.
    """
    plan = validate_plan(plan)
    out_dir = Path(out_dir)
    paths = {fmt: [out_dir / name] for fmt, name in FILE_NAMES.items()}
    for suffix in ("html", "pdf"):
        paths[suffix] = [out_dir / route_sheet_name(a, suffix) for a, _ in _advisors(plan)]
    return paths


def write_all(plan: PlanTables, out_dir: str | Path, force: bool = False) -> dict[str, list[Path]]:
    """Write every export of a plan into ``out_dir``, atomically.

    Every file is rendered in memory first, then each is written to a temporary file
    and moved into place. Existing files are never replaced unless ``force`` is set:
    all targets are checked before anything is written, so a refusal writes nothing.

    Parameters
    ----------
    plan
        The plan.
    out_dir
        The output folder (created if missing).
    force
        Replace existing files.

    Returns
    -------
    The written paths by format (see :func:`export_paths`).

    Raises
    ------
    DataError
        When a target exists and ``force`` is not set (naming the files and suggesting
        ``--force``), when a target is a folder, or when a file cannot be written.
    """
    plan = validate_plan(plan)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(
            "le chemin de sortie n'est pas un dossier",
            file=out_dir,
            hint="indiquez un dossier avec --out",
        )
    paths = export_paths(plan, out_dir)
    targets = [p for group in paths.values() for p in group]
    folders = [p for p in targets if p.is_dir()]
    if folders:
        raise DataError(
            "un dossier porte le nom d'un fichier à écrire ; rien n'a été écrit",
            file=folders[0],
            hint="déplacez-le ou choisissez un autre dossier avec --out",
        )
    existing = [p for p in targets if p.exists() or p.is_symlink()]
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise DataError(
            f"{len(existing)} fichier(s) existe(nt) déjà ({names}) ; rien n'a été écrit",
            file=existing[0],
            hint="utilisez --force pour les remplacer, ou un autre dossier (--out)",
        )
    renderers: dict[str, Callable[[], bytes]] = {
        "csv": lambda: to_csv_bytes(plan),
        "xlsx": lambda: to_xlsx_bytes(plan),
        "geojson": lambda: to_geojson_bytes(plan),
        "gpx": lambda: to_gpx_bytes(plan),
        "ics": lambda: to_ics_bytes(plan),
    }
    contents: list[tuple[Path, bytes]] = [
        (paths[fmt][0], render()) for fmt, render in renderers.items()
    ]
    for (advisor, _), html_path, pdf_path in zip(_advisors(plan), paths["html"], paths["pdf"]):
        contents.append((html_path, route_sheet_html(plan, advisor).encode("utf-8")))
        contents.append((pdf_path, route_sheet_pdf_bytes(plan, advisor)))
    for path, data in contents:
        try:
            atomic_write(path, lambda tmp, data=data: _write_readable(tmp, data))
        except OSError as exc:
            raise DataError(
                f"écriture impossible ({exc.strerror or exc})",
                file=path,
                hint="vérifiez les droits et l'espace libre du dossier de sortie",
            ) from exc
        log.info("export écrit : %s", path)
    return paths

"""Checking a plan's tables before any export (:func:`validate_plan`).

The tables are described in :mod:`planner.optimize.tables`. :func:`validate_plan` checks
them (French :class:`~planner.errors.DataError` naming the table, row and column) and
returns sorted copies with a ``date`` column; every exporter calls it first.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry import LineString, MultiLineString

from planner import config, fr
from planner.data.hours import DAY_NAMES, DAYS
from planner.errors import DataError
from planner.optimize.tables import PlanTables

#: Columns the ``visits`` table must have.
VISIT_COLUMNS: tuple[str, ...] = (
    "advisor", "advisor_name", "base", "week", "day", "order", "site_id", "name", "address",
    "postcode", "insee", "commune", "lon", "lat", "arrival", "start", "end", "drive_minutes",
    "km", "demand",
)
#: Optional ``visits`` columns: whether the host's hours are its own (default true), the
#: hours as French text and the host's phone (default empty).
OPTIONAL_VISIT_COLUMNS: tuple[str, ...] = ("hours_known", "hours", "phone")
#: Columns the ``days`` table must have (``route``, ``lunch_start``, ``lunch_end`` are optional).
DAY_COLUMNS: tuple[str, ...] = (
    "advisor", "advisor_name", "week", "day", "base", "base_lon", "base_lat", "depart",
    "return", "drive_minutes", "km",
)

_HINT = "le plan doit suivre le format documenté dans planner.optimize.tables (PlanTables)"
_TEXT_VISIT = ("advisor_name", "base", "site_id", "name", "address", "postcode", "insee", "commune")
_TIME_RE = r"(\d{1,2}):(\d{2})"

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
    text = pd.Series([fr.clock(m) for m in mins], index=mins.index, dtype=object)
    return text, mins


def _flags(frame: pd.DataFrame, column: str, table: str) -> pd.Series:
    """A boolean column (absent: true); ``true/false``, ``1/0``, ``oui/non`` accepted."""
    if column not in frame.columns:
        return pd.Series(True, index=frame.index, dtype=bool)
    words = {"true": True, "1": True, "oui": True, "vrai": True,
             "false": False, "0": False, "non": False, "faux": False}
    text = frame[column].map(lambda x: _as_text(x).lower())
    _fail(~text.isin(list(words)), frame[column], table, column, "vrai ou faux")
    return text.map(words).astype(bool)


def _optional_times(frame: pd.DataFrame, column: str, table: str) -> pd.Series:
    """An optional ``HH:MM`` column: normalised texts, ``""`` where blank or absent."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    text = frame[column].map(_as_text)
    out = pd.Series("", index=frame.index, dtype=object)
    given = text != ""
    if given.any():
        out[given] = _times(frame[given], column, table)[0]
    return out


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
    out["week"] = _integers(src, "week", table, (1, 2, 3, 4))
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
    frequency = _as_text(meta.get("frequency")) or "weekly"
    if frequency not in config.FREQUENCY_WEEKS:
        raise DataError(f"métadonnées du plan : fréquence « {frequency} » inconnue", column="frequency",
                        hint="weekly, fortnightly ou fourweekly")
    return {
        **meta,
        "frequency": frequency,
        "interval_weeks": config.FREQUENCY_WEEKS[frequency],
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
    v["hours_known"] = _flags(src_v, "hours_known", "visites")
    for col in ("hours", "phone"):
        v[col] = (src_v[col].map(_as_text) if col in src_v.columns else pd.Series("", index=src_v.index)).astype(object)

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
    for col in ("lunch_start", "lunch_end"):
        d[col] = _optional_times(src_d, col, "journées")
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

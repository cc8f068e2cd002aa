"""Opening hours written in French (planner.data.hours.parse_french / parse_any), as
people type them in the files they upload: exact cases (MADE-UP texts in the forms the
issue names) and hypothesis round trips (a random week written in French in many
styles reads back as the same weekly structure)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.data import hours

WEEKDAYS = ["lun", "mar", "mer", "jeu", "ven"]
MORNING = [("09:00", "12:00")]
DAY_SPLIT = [("09:00", "12:00"), ("14:00", "17:00")]


# --------------------------------------------------------------------------- exact cases


@pytest.mark.parametrize(("text", "expected"), [
    ("lundi 9h-12h, 14h-17h", {"lun": DAY_SPLIT}),
    ("du lundi au vendredi 9:00-12:00", dict.fromkeys(WEEKDAYS, MORNING)),
    ("lun-ven 9h-12h / 14h-17h", dict.fromkeys(WEEKDAYS, DAY_SPLIT)),
    ("Du lundi au vendredi de 9h à 12h et de 14h à 17h, fermé le mercredi",
     {d: DAY_SPLIT for d in WEEKDAYS if d != "mer"}),
    ("Lundi : 9h-12h ; Mardi : fermé ; samedi 9h00 - 12h00",
     {"lun": MORNING, "sam": MORNING}),
    ("lundis et jeudis 14h–17h30", {"lun": [("14:00", "17:30")], "jeu": [("14:00", "17:30")]}),
    ("Lun. 9h-12h\nMer. 9h-12h", {"lun": MORNING, "mer": MORNING}),
    ("tous les jours 8h-20h sauf le dimanche",
     {d: [("08:00", "20:00")] for d in hours.DAYS if d != "dim"}),
    ("samedi 22h-24h", {"sam": [("22:00", "24:00")]}),
])
def test_made_up_french_hours(text: str, expected: dict) -> None:
    assert hours.parse_french(text) == expected
    assert hours.parse_any(text) == expected


def test_closed_days_alone_are_unknown_hours() -> None:
    """« fermé le mercredi » says nothing of the other days: unknown, never « closed »."""
    assert hours.parse_french("fermé le mercredi") is None
    assert hours.parse_any("fermé le mercredi") is None


@pytest.mark.parametrize("text", [
    "samedi matin",            # no hours
    "sur rendez-vous",
    "lundi",                   # a day without hours
    "9h-12h",                  # hours without a day
    "lundi 12h-9h",            # a range that ends before it starts
    "lundi 9h-12h mardi",      # the last day has no hours
    "lundi 25h-26h",
])
def test_unreadable_french_hours_raise_in_french(text: str) -> None:
    with pytest.raises(ValueError, match="horaires illisibles"):
        hours.parse_french(text)
    with pytest.raises(ValueError, match=r"horaires illisibles : « .* » \(ni au format OSM"):
        hours.parse_any(text)


def test_parse_any_prefers_osm() -> None:
    text = "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
    assert hours.parse_any(text) == hours.parse_osm(text)
    assert hours.parse_any(None) is None and hours.parse_any("  ") is None


# --------------------------------------------------------------------------- properties


@st.composite
def day_spans(draw) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-touching (start, end) minute pairs (quarter hours)."""
    count = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(0, 96), min_size=2 * count, max_size=2 * count,
                                unique=True)))
    pairs = [(cuts[2 * i] * 15, cuts[2 * i + 1] * 15) for i in range(count)]
    return [p for i, p in enumerate(pairs) if i == 0 or p[0] > pairs[i - 1][1]]


def _time(minutes: int, style: str) -> str:
    h, m = divmod(minutes, 60)
    if style == "h":
        return f"{h}h" + (f"{m:02d}" if m else "")
    if style == "h00":
        return f"{h}h{m:02d}"
    return f"{h:02d}:{m:02d}"


def _ranges(spans: list[tuple[int, int]], style: str, dash: str, sep: str, de: bool) -> str:
    if de:
        return " et ".join(f"de {_time(a, style)} à {_time(b, style)}" for a, b in spans)
    return sep.join(f"{_time(a, style)}{dash}{_time(b, style)}" for a, b in spans)


def _expected(week: dict[str, list[tuple[int, int]]]) -> dict[str, list[tuple[str, str]]]:
    return {d: [(f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}") for a, b in week[d]]
            for d in hours.DAYS if d in week}


STYLE = st.fixed_dictionaries({
    "time": st.sampled_from(["h", "h00", ":"]),
    "dash": st.sampled_from(["-", " - ", "–", " à "]),
    "sep": st.sampled_from([", ", " / ", " et "]),
    "de": st.booleans(),
    "names": st.sampled_from(["full", "short", "Title"]),
    "groups": st.sampled_from([" ; ", "\n", ". ", " "]),
    "colon": st.booleans(),
})


def _day(day: str, names: str) -> str:
    full = hours.DAY_LABELS[day]
    return {"full": full, "short": day, "Title": full.capitalize()}[names]


@given(st.dictionaries(st.sampled_from(hours.DAYS), day_spans(), min_size=1), STYLE)
@settings(max_examples=150, deadline=None)
def test_french_week_round_trip(week, style) -> None:
    parts = []
    for day in hours.DAYS:
        if day in week:
            ranges = _ranges(week[day], style["time"], style["dash"], style["sep"], style["de"])
            parts.append(_day(day, style["names"]) + (" : " if style["colon"] else " ") + ranges)
    text = style["groups"].join(parts)
    assert hours.parse_french(text) == _expected(week), text


@given(st.integers(0, 6), st.integers(0, 6), day_spans(), STYLE, st.one_of(st.none(), st.integers(0, 6)))
@settings(max_examples=150, deadline=None)
def test_french_day_span_with_closed_day(first, last, spans, style, closed) -> None:
    """« du lundi au vendredi … » / « lun-ven … », then « fermé le … »."""
    i, j = min(first, last), max(first, last)
    days = hours.DAYS[i : j + 1]
    a, b = _day(days[0], style["names"]), _day(days[-1], style["names"])
    head = f"du {a} au {b}" if style["de"] else f"{a}-{b}"
    if len(days) == 1:
        head = a
    text = f"{head} {_ranges(spans, style['time'], style['dash'], style['sep'], False)}"
    week = dict.fromkeys(days, spans)
    if closed is not None:
        text += f", fermé le {hours.DAY_LABELS[hours.DAYS[closed]]}"
        week.pop(hours.DAYS[closed], None)
    assert hours.parse_french(text) == (_expected(week) or None), text


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_french_parser_only_raises_value_error(text) -> None:
    for parse in (hours.parse_french, hours.parse_any):
        with contextlib.suppress(ValueError):
            week = parse(text)
            assert week is None or all(s and all(x < y for x, y in s) for s in week.values())


@given(st.dictionaries(st.sampled_from(hours.DAYS), day_spans(), min_size=1))
@settings(max_examples=60, deadline=None)
def test_parse_any_reads_osm_and_its_french_rendering_alike(week) -> None:
    osm_days = dict(zip(hours.DAYS, ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")))
    osm = "; ".join(f"{osm_days[d]} " + ",".join(
        f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in week[d])
        for d in hours.DAYS if d in week)
    parsed = hours.parse_any(osm)
    rendered = hours.to_text(parsed)  # « lundi 09:00–12:00, 14:00–17:00 ; mardi … »
    assert hours.parse_any(rendered) == parsed == _expected(week)

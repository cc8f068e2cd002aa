"""French formats (:mod:`planner.fr`), on MADE-UP values: no snapshot needed."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import fr

NBSP, THIN = "\u00a0", "\u202f"


def test_exact_strings_of_the_issue() -> None:
    assert fr.duration(60) == "1\u00a0h"
    assert fr.duration(65) == "1\u00a0h\u00a005"
    assert fr.number(12345.6, 1) == "12\u202f345,6"
    assert fr.of("Ajaccio") == "d'Ajaccio"
    assert fr.of("Le Havre") == "du Havre"
    assert fr.plural(1, "commune") == "1 commune"
    assert fr.size(200 * 1024 * 1024) == "200\u00a0Mio"


@pytest.mark.parametrize(("value", "digits", "text"), [
    (0, 0, "0"),
    (999, 0, "999"),
    (1000, 0, f"1{THIN}000"),
    (1234567, 0, f"1{THIN}234{THIN}567"),
    (-1234.5, 1, f"-1{THIN}234,5"),
    (-0.04, 1, "0,0"),  # no « -0,0 »
    (0.5, 2, "0,50"),
])
def test_number(value: float, digits: int, text: str) -> None:
    assert fr.number(value, digits) == text


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), "abc"])
def test_unknown_numbers(value: object) -> None:
    assert fr.number(value) == "n.\u00a0d."
    assert fr.number(value, missing="—") == "—"
    assert fr.percent(value) == "n.\u00a0d."
    assert fr.km(value) == "—"
    assert fr.duration(value) == "—"


def test_units_and_shares() -> None:
    assert fr.integer(8626) == f"8{THIN}626"
    assert fr.percent(0.857) == f"85,7{NBSP}%"
    assert fr.percent(1) == f"100,0{NBSP}%"
    assert fr.with_unit(8626, "hab.") == f"8{THIN}626{NBSP}hab."
    assert fr.km(10.94) == f"10,9{NBSP}km"
    assert fr.hours(17.5) == f"17,5{NBSP}h"


@pytest.mark.parametrize(("minutes", "text"), [
    (0, f"0{NBSP}min"),
    (45, f"45{NBSP}min"),
    (59.6, f"1{NBSP}h"),
    (120, f"2{NBSP}h"),
    (750, f"12{NBSP}h{NBSP}30"),
    (-5, f"-5{NBSP}min"),
    (-65, f"-1{NBSP}h{NBSP}05"),
])
def test_duration(minutes: float, text: str) -> None:
    assert fr.duration(minutes) == text


def test_clock_and_dates() -> None:
    assert fr.clock(545) == "09:05"
    assert fr.clock(544, step=5) == "09:05"
    assert fr.date(dt.date(2025, 1, 6)) == "lundi 6 janvier 2025"
    assert fr.date(dt.date(2025, 2, 1), weekday=False) == "1er février 2025"


@pytest.mark.parametrize(("n_bytes", "text"), [
    (None, "—"),
    (512, f"512{NBSP}o"),
    (1536, f"1,5{NBSP}kio"),
    (12800, f"12,5{NBSP}kio"),
    (3 << 30, f"3{NBSP}Gio"),
])
def test_size(n_bytes: int | None, text: str) -> None:
    assert fr.size(n_bytes) == text


def test_plural_and_elision() -> None:
    assert fr.plural(0, "commune") == "0 commune"
    assert fr.plural(2, "commune") == "2 communes"
    assert fr.plural(3, "travail", "travaux") == "3 travaux"
    assert fr.plural(1.5, "heure", digits=1) == "1,5 heure"
    assert fr.plural(1234, "habitant") == f"1{THIN}234 habitants"
    assert fr.of("Bastia") == "de Bastia"
    assert fr.of("Évisa") == "d'Évisa"
    assert fr.of("Les Abymes") == "des Abymes"
    assert fr.of("le Port") == "du Port"
    assert fr.of("Hauteville") == "de Hauteville"  # initial h taken as aspirated


def _parse(text: str) -> float:
    """Read back a French number written by :func:`fr.number`."""
    return float(text.replace(THIN, "").replace(",", "."))


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 4))
def test_number_round_trips(value: float, digits: int) -> None:
    text = fr.number(value, digits)
    assert _parse(text) == pytest.approx(float(f"{value:.{digits}f}"), abs=0)
    assert not text.startswith("-") or _parse(text) < 0
    assert abs(_parse(text) - value) <= 0.5 * 10 ** -digits * (1 + 1e-9) + 1e-12 * abs(value)


@given(st.integers(-10**15, 10**15))
def test_integer_groups_of_three(value: int) -> None:
    text = fr.integer(value)
    assert int(text.replace(THIN, "")) == value
    groups = text.lstrip("-").split(THIN)
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_duration_reads_back(minutes: float) -> None:
    parts = fr.duration(minutes).split(NBSP)
    total = int(parts[0]) * 60 + (int(parts[2]) if len(parts) == 3 else 0) if parts[1] == "h" else int(parts[0])
    assert total == round(minutes)
    assert math.isclose(total, minutes, abs_tol=0.5)


def test_vintage_reads_iso_months_and_dates_in_french() -> None:
    assert fr.vintage("2024-08") == "août 2024"
    assert fr.vintage("2024-08-01") == "1er août 2024"
    assert fr.vintage("téléchargé le 2024-12-15") == "téléchargé le 15 décembre 2024"
    assert fr.vintage(dt.date(2023, 11, 2)) == "2 novembre 2023"
    # years, ranges and labels are kept; impossible months and days too
    for kept in ("2020", "2022-2023", "2021-2024", "COG 2023", "géographie 2022", "2024-13", "2024-02-30"):
        assert fr.vintage(kept) == kept
    assert fr.vintage(None) == "—" and fr.vintage("") == "—"


def test_chart_locale_matches_the_text_formats() -> None:
    number = fr.CHART_LOCALE["number"]
    assert (number["decimal"], number["thousands"], number["grouping"]) == (",", THIN, [3])
    assert number["percent"] == NBSP + "%"  # as fr.percent: « 85,7 % »
    time = fr.CHART_LOCALE["time"]
    assert time["days"][0] == "dimanche" and time["days"][1] == "lundi"  # d3 weeks start on Sunday
    assert time["months"][7] == "août" and len(time["shortMonths"]) == 12

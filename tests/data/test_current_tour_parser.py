"""Parser of the current tour file (planner.data.sources.current_tour), issue 14 point 4.

The fixture tests/fixtures/current_tour/centre_corse.csv is a made-up tour over real
Corsican town halls (see its README); the hypothesis tests write made-up rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from planner.data.sources.current_tour import (
    load_current_tour,
    parse_clock,
    parse_sessions,
    parse_weeks,
    read_sessions,
    rhythm,
)
from planner.errors import DataError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "current_tour" / "centre_corse.csv"
OSM_DAYS = dict(zip(("Mo", "Tu", "We", "Th", "Fr", "Sa"), ("lun", "mar", "mer", "jeu", "ven", "sam")))


@pytest.fixture(scope="module")
def communes(corsica):
    return corsica.communes


def test_fixture_keeps_good_rows_rejects_and_repairs_the_others(communes) -> None:
    sessions, report = load_current_tour(FIXTURE, communes)
    assert sorted(sessions["line"].unique()) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert {(i.row, i.action) for i in report.rejected} == {(11, "rejetée"), (12, "rejetée")}
    assert "25:00" in next(i.reason for i in report.rejected if i.row == 11)
    corrected = {i.row: i.reason for i in report.issues if i.action == "corrigée"}
    assert "2B347" in corrected[10] and "mairie" in corrected[10]  # Vezzani given near Ajaccio
    vezzani = sessions[sessions["line"] == 10].iloc[0]
    hall = communes.set_index("insee").at["2B347", "town_hall"]
    assert vezzani.geometry.distance(hall) < 1e-9 and vezzani["period"] == 4
    asco = sessions[sessions["line"] == 2].iloc[0]  # week 1-53/2 Tu 09:00-12:00
    assert (asco["day"], asco["start"], asco["end"], asco["period"], asco["offset"]) == ("mar", "09:00", "12:00", 2, 0)
    assert sessions.set_index("line")["locked"].to_dict() == {2: False, 3: True, 4: False, 5: False, 6: False,
                                                              7: False, 8: False, 9: True, 10: False}
    assert report.rows_read == 11 and report.rows_kept == 9


def test_file_without_hours_or_day_names_the_column(tmp_path, communes) -> None:
    path = tmp_path / "tour.csv"
    path.write_text("nom;code_insee\nMairie de Corte;2B096\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_current_tour(path, communes)
    assert err.value.column == "horaires" and "tour.csv" in str(err.value)


def test_file_with_no_usable_row_names_line_and_column(tmp_path, communes) -> None:
    path = tmp_path / "tour.csv"
    path.write_text("nom;code_insee;jour;debut;fin\nX;2B096;lundi;14:00;10:00\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_current_tour(path, communes)
    assert err.value.row == 2 and err.value.column == "jour" and "ne suit pas" in str(err.value)


sessions_st = st.lists(
    st.tuples(st.sampled_from(sorted(OSM_DAYS)), st.integers(6, 16), st.integers(1, 4),
              st.sampled_from(["", "week 1-53/2 ", "week 2-52/2 "])),
    min_size=1, max_size=4, unique_by=lambda t: t[0],
)


@given(sessions_st)
def test_osm_sessions_round_trip(rules) -> None:
    text = "; ".join(f"{w}{d} {h:02d}:00-{h + n:02d}:30" for d, h, n, w in rules)
    got = {(day, start, end, period, offset) for day, start, end, period, offset in parse_sessions(text)}
    want = {(OSM_DAYS[d], f"{h:02d}:00", f"{h + n:02d}:30", 1 if not w else 2, 0 if "1-53" in w or not w else 1)
            for d, h, n, w in rules}
    assert got == want


@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["{h:02d}:{m:02d}", "{h}h{m:02d}", "{h}:{m:02d}:00"]))
def test_clock_formats(h, m, pattern) -> None:
    assert parse_clock(pattern.format(h=h, m=m)) == f"{h:02d}:{m:02d}"


@given(st.text(max_size=12))
def test_weeks_either_parse_or_raise_in_french(text) -> None:
    try:
        period, offset = parse_weeks(text)
    except ValueError as exc:
        assert "semaines illisibles" in str(exc)
    else:
        assert period in (1, 2, 4) and 0 <= offset < period


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["lundi", "Mardi", "mer", "jeudi", "vendredi"]),
                          st.integers(7, 15), st.sampled_from(["toutes", "impaires", "paires", ""]),
                          st.booleans()), min_size=1, max_size=6))
def test_every_written_row_is_kept_or_reported(tmp_path_factory, communes, rows) -> None:
    # made-up rows at Corte's town hall; the False rows carry an impossible end time
    path = tmp_path_factory.mktemp("tour") / "tour.csv"
    lines = ["nom;code_insee;jour;debut;fin;semaines"]
    lines += [f"Arrêt {i};2B096;{d};{h}h;{h + 2 if ok else 99}:00;{w}" for i, (d, h, w, ok) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not any(ok for *_, ok in rows):
        with pytest.raises(DataError):
            load_current_tour(path, communes)
        return
    sessions, report = load_current_tour(path, communes)
    kept = set(sessions["line"])
    rejected = {i.row for i in report.rejected}
    assert kept | rejected == set(range(2, len(rows) + 2)) and not kept & rejected
    assert kept == {i + 2 for i, (*_, ok) in enumerate(rows) if ok}


# ----------------------------------------------------------------------------- rhythms other than 1, 2, 4 weeks


@pytest.mark.parametrize(("text", "want", "note"), [
    ("week 1-53/2 Tu 09:00-12:00", (2, 0), None),
    ("week 2-52/2 Tu 09:00-12:00", (2, 1), None),
    ("week 3-53/4 Tu 09:00-12:00", (4, 2), None),
    ("week 2-10 Tu 09:00-12:00", (1, 0), "séances chaque semaine des semaines 2 à 10 seulement (9 séances par an)"),
    ("Jan-Jun Tu 09:00-12:00", (1, 0), "semaines 1 à 26 seulement (26 séances par an)"),
    ("week 10-53/2 Tu 09:00-12:00", (2, 1), "toutes les deux semaines des semaines 10 à 52 seulement"),
    ("Tu[1] 09:00-12:00", (4, 0), "intervalles de 4 ou 5 semaines (12 séances par an"),
    ("Tu[1,3] 09:00-12:00", (2, 0), "comptées toutes les deux semaines (26 par an)"),
    ("week 5-8/4 Tu 09:00-12:00", (1, 0), "séances chaque semaine des semaines 5 à 8 seulement (4 séances"),
])
def test_rhythms_kept_say_what_was_understood(text, want, note) -> None:
    (session,), notes = read_sessions(text)
    assert session[3:] == want
    if note is None:
        assert notes == []
    else:
        (got,) = notes
        assert got.startswith("mardi 09:00–12:00 : ") and note in got and ("écrivez" in got or "retirez" in got)


@pytest.mark.parametrize(("text", "reason"), [
    ("week 1-53/3 Tu 09:00-12:00", "18 séances par an, semaines 1 à 52, toutes les 3 semaines"),
    ("week 10 Tu 09:00-12:00", "1 séance par an, semaine 10"),
    ("week 1-53/6 Tu 09:00-12:00", "toutes les 6 semaines"),
])
def test_other_rhythms_are_refused_with_the_reason(text, reason) -> None:
    with pytest.raises(ValueError) as err:
        read_sessions(text)
    assert str(err.value).startswith("mardi 09:00–12:00 : rythme non pris en charge") and reason in str(err.value)
    assert "cycle de 1, 2 ou 4 semaines" in str(err.value)


@pytest.mark.parametrize("text", ["une sur trois", "1 sur 3", "toutes les 3 semaines", "Une sur six"])
def test_semaines_column_other_rhythm_is_refused(text) -> None:
    with pytest.raises(ValueError, match="non pris en charge"):
        parse_weeks(text)


@given(st.integers(1, 52), st.integers(0, 53), st.integers(1, 6), st.sampled_from(sorted(OSM_DAYS)))
def test_week_ranges_are_never_read_silently(first, span, step, day) -> None:
    """Property: « week a-b/s » is read exactly (no note), kept with a note, or refused — never
    silently as another rhythm. Weeks are those of ISO 2024 (52 weeks). A range no longer than
    its step is left out: the opening_hours library reads it as every week (see the case
    « week 5-8/4 » above, whose note says so)."""
    last = min(first + max(span, step), 53)
    assume(last - first >= step)
    text = f"week {first}-{last}/{step} {day} 10:00-12:00"
    weeks = list(range(first, min(last, 52) + 1, step))
    try:
        (session,), notes = read_sessions(text)
    except ValueError as exc:
        assert "rythme non pris en charge" in str(exc)
        assert len(weeks) == 1 or step not in (1, 2, 4)
        return
    period, offset = session[3:]
    exact = [w for w in range(1, 53) if (w - 1) % period == offset]
    if notes:
        assert weeks != exact and period == step and f"{len(weeks)} séance" in notes[0]
    else:
        assert weeks == exact


@given(st.sets(st.integers(1, 52), min_size=1, max_size=52))
def test_rhythm_of_any_weeks_is_exact_flagged_or_refused(weeks) -> None:
    try:
        period, offset, note = rhythm(weeks)
    except ValueError as exc:
        assert "rythme non pris en charge" in str(exc) and f"{len(weeks)} séance" in str(exc)
        return
    assert period in (1, 2, 4) and 0 <= offset < period
    exact = {w for w in range(1, 53) if (w - 1) % period == offset}
    assert (note is None) == (weeks == exact)


def test_file_reports_kept_and_refused_rhythms(tmp_path, communes) -> None:
    # made-up rows at real town halls (Corte 2B096, Venaco 2B341)
    path = tmp_path / "rythmes.csv"
    path.write_text("nom;code_insee;horaires;jour;debut;fin;semaines\n"
                    "A;2B096;week 1-53/3 Tu 09:00-12:00;;;;\n"
                    "B;2B096;week 2-10 We 09:00-12:00;;;;\n"
                    "C;2B341;;jeudi;09:00;12:00;une sur trois\n"
                    "D;2B341;;vendredi;09:00;12:00;paires\n", encoding="utf-8")
    sessions, report = load_current_tour(path, communes)
    assert sorted(sessions["line"]) == [3, 5]
    timing = {(i.row, i.column, i.action) for i in report.issues if i.column != "code_insee"}  # not « at the town hall »
    assert timing == {(2, "horaires", "rejetée"), (3, "horaires", "suspecte"), (4, "semaines", "rejetée")}
    reasons = {i.row: i.reason for i in report.issues}
    assert "toutes les 3 semaines" in reasons[2] and reasons[2].endswith(": ligne écartée")
    assert "semaines 2 à 10 seulement" in reasons[3] and "« une sur trois » non pris en charge" in reasons[4]
    assert report.rows_kept == 2 and report.file == str(path)

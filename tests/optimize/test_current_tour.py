"""Evaluating and improving the current tour (planner.optimize.current_tour), issue 14 point 4.

On real Corsica data with the made-up tour of tests/fixtures/current_tour (real town halls,
invented sessions; see its README), bases at Corte.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner import cli
from planner.data.sources.current_tour import load_current_tour
from planner.errors import SettingsError
from planner.optimize.current_tour import compare_tour, cycle_start
from planner.optimize.settings import PlanSettings
from planner.outputs.text.current_tour import render_current_tour

FIXTURE = Path(__file__).parents[1] / "fixtures" / "current_tour" / "centre_corse.csv"
SETTINGS = PlanSettings(bases=("2B096",), time_limit=2, seed=1)

pytestmark = pytest.mark.xdist_group("corsica_plan")


@pytest.fixture(scope="module")
def comparison(corsica, coverage, travel):
    sessions, report = load_current_tour(FIXTURE, corsica.communes)
    return compare_tour(corsica, sessions, report, SETTINGS, coverage=coverage, travel=travel)


def test_current_tour_figures_follow_the_file(comparison, coverage) -> None:
    current = comparison.current
    # 4 weekly sessions of 3 h, 4 fortnightly (3 h, 3 h, 3 h, 2 h 30) and one every 4 weeks (2 h).
    assert comparison.weeks == 4
    assert current.visits == pytest.approx(6.25)
    assert current.presence_hours == pytest.approx(18.25)
    assert current.drive_hours > 0
    existing = float(coverage.points["demand"].fillna(0)[coverage.within()].sum())
    assert existing < current.covered_demand
    # served: existing sites and the tour's stops in one allocation, as a plan's
    assert coverage.served_demand < current.served_demand <= current.covered_demand + 1e-6
    assert set(comparison.current_visits["advisor_name"]) == {"A", "B"}


def test_proposal_keeps_advisors_hours_and_locked_stops(comparison, coverage) -> None:
    proposed, plan = comparison.proposed, comparison.plan
    assert proposed.presence_hours <= comparison.current.presence_hours + 1e-9
    assert len(plan.routes.advisors) == 2
    held = {(v.key, v.day, v.start, v.end) for v in plan.routes.visits}
    assert ("tour:3", "mar", "13:30", "16:30") in held  # Calacuccia, locked, fortnightly
    assert sum(1 for k, *_ in held if k == "tour:9") == 1 and {v.start for v in plan.routes.visits
                                                             if v.key == "tour:9"} == {"09:00"}
    assert comparison.locked == ["tour:3", "tour:9"]
    assert coverage.served_demand <= proposed.served_demand <= proposed.covered_demand + 1e-6
    assert proposed.covered_demand >= comparison.current.covered_demand


def test_summary_has_both_tours_and_rejected_rows(comparison) -> None:
    s = comparison.summary()
    keys = {"visits", "presence_hours", "drive_hours", "covered_demand", "served_demand"}
    assert keys <= set(s["current"]) and keys <= set(s["proposed"])
    assert [r["ligne"] for r in s["rejected"]] == [11, 12]
    json.dumps(s, ensure_ascii=False)


def test_cli_current_tour_json(corsica, tmp_path) -> None:
    # --advisors 2 is the file's number (columns « conseiller » A and B): accepted; --out writes the proposal
    result = CliRunner().invoke(cli.app, ["plan", "--territory", "2A,2B", "--bases", "2B096", "--current-tour",
                                          str(FIXTURE), "--time-limit", "1", "--advisors", "2",
                                          "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["current"]["presence_hours"] == 18.25
    assert payload["proposed"]["presence_hours"] <= 18.25
    assert len(payload["rejected"]) == 2
    start = dt.date.fromisoformat(payload["week_start"])
    assert start.weekday() == 0 and (start.isocalendar()[1] - 1) % 4 == 0
    (ics,) = [Path(p) for paths in payload["files"].values() for p in paths if p.endswith(".ics")]
    events = ics.read_text(encoding="utf-8").split("BEGIN:VEVENT")[1:]
    venaco = [e for e in events if "Venaco" in e]  # locked, weekly, Friday 09:00
    assert venaco and all("DTSTART;TZID=Europe/Paris:" in e and "T090000" in e for e in venaco)
    first = min(dt.datetime.strptime(e.split("DTSTART;TZID=Europe/Paris:")[1][:8], "%Y%m%d").date() for e in events)
    assert start <= first < start + dt.timedelta(weeks=4)


@given(st.dates(dt.date(2026, 11, 1), dt.date(2027, 1, 3)))
def test_cycle_start_skips_week_53(today) -> None:
    # 2026 has 53 ISO weeks: Monday 28 December 2026 (week 53) would put odd-week sessions in even weeks
    assert cycle_start(4, today) == dt.date(2027, 1, 4) or cycle_start(4, today) < dt.date(2026, 12, 28)
    assert cycle_start(2, today) != dt.date(2026, 12, 28)


@pytest.mark.parametrize(("options", "setting", "words"), [
    (["--advisors", "3"], "nombre de conseillers (--advisors)", "compte 2 conseillers"),
    (["--advisors", "1"], "nombre de conseillers (--advisors)", "la proposition garde les mêmes conseillers"),
    (["--bases", "2B096,2B341,2A004"], "bases de départ (--bases)", "3 bases pour les 2 conseillers"),
    (["--stops", "6"], "nombre d'arrêts (--stops)", "découle des heures de présence de la tournée actuelle"),
])
def test_cli_current_tour_other_advisors_is_refused(corsica, options, setting, words, monkeypatch, capsys) -> None:
    args = ["planner", "plan", "--territory", "2A,2B", "--current-tour", str(FIXTURE), "--time-limit", "1", *options]
    monkeypatch.setattr("sys.argv", args)
    with pytest.raises(SystemExit) as done:
        cli.main()
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.startswith("Erreur : ")
    assert f"réglage « {setting} »" in err and words in err and "Traceback" not in err


def test_advisors_given_with_the_current_tour_must_match(corsica) -> None:
    sessions, report = load_current_tour(FIXTURE, corsica.communes)
    with pytest.raises(SettingsError) as err:
        compare_tour(corsica, sessions, report, SETTINGS, advisors_asked=4)
    assert err.value.setting == "nombre de conseillers (--advisors)"
    assert "--advisors 4 : la tournée actuelle" in str(err.value) and "centre_corse.csv" in str(err.value)


@pytest.fixture(scope="module")
def parity(corsica, coverage, travel, tmp_path_factory):
    """The fixture with Calacuccia locked in even weeks and Vezzani locked « week 3-53/4 » (made-up rhythms)."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(";impaires;oui;", ";paires;oui;")
    lines[9] = "Mairie de Vezzani;2B347;;;week 3-53/4 Fr 14:00-16:00;;;;;oui;B"
    lines[7] = lines[7].replace(";We 09:00-12:00;", ";week 2-10 We 09:00-12:00;")  # Lano: kept, flagged
    path = tmp_path_factory.mktemp("tour") / "parite.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sessions, report = load_current_tour(path, corsica.communes)
    return compare_tour(corsica, sessions, report, SETTINGS, coverage=coverage, travel=travel)


def test_locked_stops_keep_their_weeks_of_the_cycle(parity) -> None:
    plan = parity.plan
    assert plan.routes.weeks == 4 and parity.locked == ["tour:10", "tour:3", "tour:9"]
    weeks = {key: sorted(v.week for v in plan.routes.visits if v.key == key) for key in parity.locked}
    assert weeks == {"tour:3": [2, 4], "tour:10": [3], "tour:9": [1, 2, 3, 4]}
    held = {(v.key, v.day, v.start, v.end) for v in plan.routes.visits if v.key in ("tour:3", "tour:10")}
    assert held == {("tour:3", "mar", "13:30", "16:30"), ("tour:10", "ven", "14:00", "16:00")}
    # the same weeks in the current tour as evaluated
    current = parity.current_visits
    assert sorted(current.loc[current["site_id"] == "tour:3", "week"]) == [2, 4]
    assert sorted(current.loc[current["site_id"] == "tour:10", "week"]) == [3]
    # week 1 of both tours falls on an ISO week 1, 5, 9…, so « week 3-53/4 » is the calendar's
    start = dt.date.fromisoformat(parity.summary()["week_start"])
    assert start.weekday() == 0 and (start.isocalendar()[1] - 1) % 4 == 0
    assert parity.plan.tables(parity.week_start()).meta["week_start"] == start


def test_part_year_rhythm_is_kept_and_flagged(parity) -> None:
    s = parity.summary()
    (note,) = s["warnings"]
    assert (note["ligne"], note["colonne"], note["action"]) == (8, "horaires", "suspecte")
    assert "semaines 2 à 10 seulement (9 séances par an)" in note["motif"] and "toute l'année" in note["motif"]
    assert s["file"].endswith("parite.csv")
    text = render_current_tour(s)
    assert "Ligne 8 gardée, à vérifier (horaires) : mercredi 09:00–12:00 : séances chaque semaine" in text
    assert f"Fichier {s['file']} :" in text and "Semaine 1 des deux tournées : semaine du lundi" in text


@given(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)), st.sampled_from([1, 2, 4]))
def test_cycle_start_is_the_next_monday_of_a_cycle(today, weeks) -> None:
    start = cycle_start(weeks, today)
    assert start.weekday() == 0 and today < start <= today + dt.timedelta(days=7 * weeks + 14)
    assert (start.isocalendar()[1] - 1) % weeks == 0 and start.isocalendar()[1] != 53
    earlier = start - dt.timedelta(days=7)
    assert earlier <= today or (earlier.isocalendar()[1] - 1) % weeks != 0 or earlier.isocalendar()[1] == 53

"""Evaluating and improving the current tour (planner.optimize.current_tour), issue 14 point 4.

On real Corsica data with the made-up tour of tests/fixtures/current_tour (real town halls,
invented sessions; see its README), bases at Corte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner import cli
from planner.data.sources.current_tour import load_current_tour
from planner.optimize.current_tour import compare_tour
from planner.optimize.settings import PlanSettings

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


def test_cli_current_tour_json(corsica) -> None:
    result = CliRunner().invoke(cli.app, ["plan", "--territory", "2A,2B", "--bases", "2B096", "--current-tour",
                                          str(FIXTURE), "--time-limit", "1", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["current"]["presence_hours"] == 18.25
    assert payload["proposed"]["presence_hours"] <= 18.25
    assert len(payload["rejected"]) == 2

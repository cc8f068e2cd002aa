"""Tests of planner.optimize.plan on the real Corsica pipeline (issue 5, "Shown by").

The Corsica territory, travel model and coverage come from tests/conftest.py (once per
test process); one plan with the contract's settings is computed per module and shared;
the other runs pass ``coverage=`` to stay short.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import sys
from collections import Counter
from pathlib import Path

import gpxpy
import icalendar
import numpy as np
import pytest
from scipy import sparse
from typer.testing import CliRunner

from planner import cli, config
from planner.access.demand import DemandModel
from planner.data import hours
from planner.errors import SettingsError
from planner.optimize.plan import PlanResult, candidate_hosts, make_plan, resolve_bases
from planner.optimize.settings import PlanSettings
from planner.optimize.siting import MaximalCovering
from planner.optimize.siting_capacity import MaximalService
from planner.optimize.stop_choice import weekly_stop_hours
from planner.territory import select

BASES = ("2A004", "2B033")  # Ajaccio and Bastia town halls
DAYS = ("lun", "mar", "mer", "jeu", "ven")
CONTRACT = PlanSettings(
    advisors=2,
    bases=BASES,
    days=DAYS,
    stops=12,
    stop_minutes=180,
    threshold=30,
    time_limit=5,
    seed=1,
)
CLI_ARGS = [
    "plan", "--territory", "2A,2B", "--advisors", "2", "--bases", "2A004,2B033",
    "--days", "lun,mar,mer,jeu,ven", "--stops", "12", "--stop-minutes", "180", "--threshold", "30",
    "--time-limit", "10", "--seed", "1", "--json",
]  # fmt: skip
HHMM = re.compile(r"^\d{2}:\d{2}$")

pytestmark = pytest.mark.xdist_group("corsica_plan")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def plan(corsica, coverage, travel) -> PlanResult:
    return make_plan(corsica, CONTRACT, coverage=coverage, travel=travel)


@pytest.fixture(scope="module")
def hall_plan(corsica, coverage, travel) -> PlanResult:
    """Stops among town halls and France Services only: every host has opening hours."""
    settings = dataclasses.replace(CONTRACT, candidate_networks=("town_hall", "france_services"))
    return make_plan(corsica, settings, coverage=coverage, travel=travel)


PLANS = ("plan", "hall_plan")


def _between(result: PlanResult, travel) -> np.ndarray:
    """Travel seconds between the plan's places, exactly as make_plan hands them to routing."""
    return travel.matrix(result.places, result.places).minutes * 60.0


def _clock(text: str) -> int:
    return hours.minutes(text) * 60


# ----------------------------------------------------------------------------- the plan


def test_plan_uses_the_road_and_keeps_every_chosen_stop_accounted(plan: PlanResult) -> None:
    assert plan.coverage.method == "road"
    assert plan.siting["status"] == "optimal" and plan.siting["mip_gap"] == 0.0
    assert len(plan.stops) == 12
    visited = Counter(v.key for v in plan.routes.visits)
    left = {u.key for u in plan.routes.unvisited}
    # Every chosen stop is either visited or reported with a French reason.
    assert set(visited) | left == set(plan.stops["site_id"]) and not set(visited) & left
    assert all(u.reason and u.reason[0].islower() for u in plan.routes.unvisited)
    # The visits table of the public API: one row per visit, in the exports' columns.
    assert len(plan.visits) == len(plan.routes.visits)
    assert plan.visits.equals(plan.tables().visits)
    # Bases: the town halls of Ajaccio and Bastia, one per advisor.
    assert [a.base_name for a in plan.routes.advisors] == ["Mairie d'Ajaccio", "Mairie de Bastia"]


@pytest.mark.parametrize("name", PLANS)
def test_every_visit_lies_in_its_hosts_hours_and_its_advisors_window(request, name: str) -> None:
    plan: PlanResult = request.getfixturevalue(name)
    hosts = plan.stops.set_index("site_id")["opening_hours"]
    start, end = (_clock(t) for t in CONTRACT.window)
    checked_hours = 0
    for advisor in plan.routes.advisors:
        assert [d.day for d in advisor.days] == list(DAYS)
        for day in advisor.days:
            if not day.visits:
                continue
            assert start <= day.departure_s and day.back_s <= end
            for v in day.visits:
                assert v.end_s - v.start_s == CONTRACT.stop_minutes * 60
                assert start <= v.arrival_s <= v.start_s and v.end_s <= end
                opening = hosts[v.key]
                if isinstance(opening, dict):
                    spans = [(_clock(o), _clock(c)) for o, c in opening.get(v.day, [])]
                    assert any(o <= v.start_s and v.end_s <= c for o, c in spans), (v.name, v.day)
                    checked_hours += 1
    # Every host has hours: its own, or the defaults of its kind (La Poste points, Pietroso's
    # town hall: flagged hours_known false), all checked, with a lunch break in each day.
    assert checked_hours == len(plan.routes.visits) >= 7


def test_only_hosts_that_fit_in_a_day_are_offered_to_the_siting(hall_plan, travel) -> None:
    """A candidate that cannot hold a 3 h permanence in a day from the nearest base is not
    chosen: Feliceto's town hall opens 14:00-16:00 only, Rogliano's 09:00-12:00, 1 h 21
    from Bastia."""
    chosen = set(hall_plan.stops["name"])
    assert not {"Mairie de Feliceto", "Mairie de Rogliano"} & chosen
    # and every chosen stop fits: at least 10 of the 12 are held (the rest lack time in the week)
    assert len({v.key for v in hall_plan.routes.visits}) >= 8
    for u in hall_plan.routes.unvisited:
        assert u.reason in ("plus de temps disponible dans le cycle", "aucune demande restante")


@pytest.mark.parametrize("name", PLANS)
def test_arrival_equals_departure_plus_the_matrix_time(request, travel, name: str) -> None:
    plan: PlanResult = request.getfixturevalue(name)
    between = _between(plan, travel)
    step = config.SCHEDULE_STEP_MIN  # routing rounds every leg up to the 5-minute grid
    minutes = np.ceil(between / 60 / step) * step
    lunch = CONTRACT.lunch_minutes * 60  # taken on one leg of the day, or at a stop or the base
    legs = 0
    for advisor in plan.routes.advisors:
        for day in advisor.days:
            place, free_at = advisor.base, day.departure_s
            for v in day.visits:
                assert v.arrival_s - free_at - minutes[place, v.location] * 60 in (0, lunch)
                assert v.drive_minutes == pytest.approx(between[place, v.location] / 60)
                assert v.arrival == f"{v.arrival_s // 3600:02d}:{v.arrival_s % 3600 // 60:02d}"
                place, free_at = v.location, v.end_s
                legs += 1
            if day.visits:
                assert day.back_s - free_at - minutes[place, advisor.base] * 60 in (0, lunch)
    assert legs == len(plan.routes.visits) > 0


@pytest.mark.parametrize("name", PLANS)
def test_each_stop_is_visited_at_most_at_its_frequency(request, name: str) -> None:
    plan: PlanResult = request.getfixturevalue(name)
    assert plan.routes.weeks == 1
    per_week = Counter((v.key, v.week) for v in plan.routes.visits)
    assert max(per_week.values()) == 1


def test_fortnightly_stops_are_visited_once_over_two_weeks(corsica, coverage, travel, plan) -> None:
    chosen = tuple(plan.stops["site_id"])
    settings = PlanSettings(
        advisors=2, bases=BASES, days=("lun", "mar"), stops=len(chosen), frequency="fortnightly",
        chosen_stops=chosen, time_limit=3, seed=1,
    )  # fmt: skip
    result = make_plan(corsica, settings, coverage=coverage, travel=travel)
    assert result.routes.weeks == 2
    assert [(d.week, d.day) for d in result.routes.advisors[0].days] == [
        (1, "lun"), (1, "mar"), (2, "lun"), (2, "mar"),
    ]  # fmt: skip
    visits = Counter(v.key for v in result.routes.visits)
    assert set(visits) <= set(chosen) and max(visits.values()) == 1
    # Eight advisor-days over the fortnight, at most one far permanence a day.
    assert 5 <= len(visits) <= 8
    assert len(visits) + len(result.routes.unvisited) == len(chosen)
    assert all(u.week is None for u in result.routes.unvisited)  # one occurrence per fortnight


def test_same_seed_gives_the_same_plan(corsica, coverage, travel) -> None:
    # a generous time limit, so that the search stops on its iteration criterion even on
    # a loaded machine (the time limit, when reached first, makes runs differ)
    settings = dataclasses.replace(CONTRACT, time_limit=60)
    plan, again = (make_plan(corsica, settings, coverage=coverage, travel=travel) for _ in range(2))
    if not (plan.routes.solver.reproducible and again.routes.solver.reproducible):
        pytest.skip("la recherche a été arrêtée par la limite de temps : plan non reproductible")

    def stable(result: PlanResult) -> dict:
        out = result.summary()
        out["solver"].pop("runtime_s")
        out["siting"] = {
            k: v for k, v in out["siting"].items() if k not in ("runtime_s", "build_s")
        }
        return out

    assert stable(again) == stable(plan)


def test_covered_demand_is_the_existing_plus_what_the_visited_stops_add(
    plan, coverage, travel
) -> None:
    points = coverage.points
    weights = points["demand"].fillna(0).to_numpy()
    already = coverage.within()
    visited = plan.stops[plan.stops["site_id"].isin({v.key for v in plan.routes.visits})]
    reach = travel.matrix(points, visited, max_minutes=30).minutes <= 30
    expected = weights[already | reach.any(axis=1)].sum()
    summary = plan.summary()
    assert plan.covered_demand == pytest.approx(expected)
    assert summary["demand_existing"] == pytest.approx(weights[already].sum(), abs=0.05)
    assert (
        summary["demand_existing"]
        <= summary["covered_demand"]
        <= plan.siting["covered_demand"] + 0.05
    )
    assert plan.covered_share == pytest.approx(expected / weights.sum())


def test_covered_demand_never_decreases_when_k_grows_and_milp_beats_greedy(
    corsica, coverage, travel, plan
) -> None:
    """Siting on the same demand points and candidates as make_plan, k = 1..20."""
    sites = corsica.sites()
    inside = hours.with_host_hours(sites[sites["inside"]])
    candidates = candidate_hosts(travel, resolve_bases(corsica, inside, BASES), inside, CONTRACT)
    points = coverage.points
    weights = points["demand"].fillna(0).to_numpy()
    reach = travel.matrix(points, candidates, max_minutes=30).minutes <= 30
    cover = sparse.hstack([sparse.csc_matrix(reach), sparse.csc_matrix(coverage.within()[:, None])])
    values = []
    for k in (1, 2, 3, 5, 8, 12, 20):
        model = MaximalCovering.from_coverage(
            cover, weights, k, candidates=np.arange(len(candidates)), locked=[len(candidates)]
        ).solve(60)
        assert model.status == "optimal"
        assert model.objective >= model.greedy_value - 1e-6
        assert model.objective <= model.dual_bound + 1e-6
        values.append(model.objective)
        if k == 12:  # the contract's plan chose its stops under capacity on the same pairs
            service = MaximalService.from_service(
                coverage.service, weights, sparse.csc_matrix(reach), weekly_stop_hours(180, "weekly"), k
            ).solve(60)
            assert service.served_demand == pytest.approx(plan.siting["served_demand"])
            assert sorted(candidates["site_id"].iloc[service.selected]) == sorted(
                plan.stops["site_id"]
            )
            assert service.served_demand >= service.value(model.selected) - 1e-6
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(values))
    assert values[0] > model.locked_weight  # one stop already adds demand


# ----------------------------------------------------------------------------- impossible settings


@pytest.fixture()
def no_solver(monkeypatch):
    """Fail the test if coverage, siting or routing starts."""

    def boom(*_a, **_k):
        raise AssertionError("un calcul a été lancé malgré des réglages impossibles")

    monkeypatch.setattr("planner.optimize.plan.compute_coverage", boom)
    monkeypatch.setattr("planner.optimize.plan.plan_routes", boom)
    monkeypatch.setattr(MaximalCovering, "solve", boom)
    monkeypatch.setattr(MaximalCovering, "greedy", boom)
    monkeypatch.setattr(MaximalService, "solve", boom)
    monkeypatch.setattr(MaximalService, "greedy", boom)


@pytest.mark.parametrize(
    ("changes", "message", "setting"),
    [
        ({"bases": ("75056",)}, "base inconnue ou hors du territoire : « 75056 »", "--bases"),
        ({"chosen_stops": ("nowhere",)}, "arrêt inconnu ou hors du territoire : « nowhere »", "arrêts choisis"),
    ],
)
def test_bases_and_stops_outside_the_territory_are_refused_before_any_solver(
    corsica, no_solver, changes: dict, message: str, setting: str
) -> None:
    settings = dataclasses.replace(CONTRACT, **changes)
    with pytest.raises(SettingsError) as info:
        make_plan(corsica, settings)  # no coverage given: computing it would fail the test
    assert message in str(info.value) and setting in info.value.setting


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"threshold": 45}, "--threshold"),
        ({"networks": ("france_services",)}, "--networks"),
        ({"demand_model": DemandModel(base_rate=0.3)}, "modèle de demande"),
    ],
)
def test_a_coverage_computed_with_other_settings_is_refused(
    corsica, coverage, no_solver, changes: dict, setting: str
) -> None:
    settings = dataclasses.replace(CONTRACT, **changes)
    with pytest.raises(SettingsError, match="la couverture fournie ne correspond pas") as info:
        make_plan(corsica, settings, coverage=coverage)
    assert setting in info.value.setting


def test_a_coverage_of_another_territory_is_refused(coverage, no_solver) -> None:
    with pytest.raises(SettingsError, match="ne correspond pas au territoire") as info:
        make_plan(select("2A"), CONTRACT, coverage=coverage)
    assert info.value.setting.startswith("territoire")


def test_the_default_demand_model_of_the_coverage_is_accepted(corsica, coverage) -> None:
    """Naming the coverage's own demand model passes the check (the plan then runs)."""
    settings = dataclasses.replace(CONTRACT, demand_model=DemandModel(), stops=1, time_limit=1)
    result = make_plan(corsica, settings, coverage=coverage)
    assert result.coverage is coverage and len(result.stops) == 1


# ----------------------------------------------------------------------------- CLI contract


def _run_main(monkeypatch, capsys, args: list[str]) -> tuple[int, str, str]:
    """Run ``planner`` as the console script does (main(): French errors, exit code 2)."""
    monkeypatch.setattr(sys, "argv", ["planner", *args])
    with pytest.raises(SystemExit) as info:
        cli.main()
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_cli_plan_contract_exports_and_refusal(
    corsica_data, tmp_path: Path, monkeypatch, capsys
) -> None:
    out_dir = tmp_path / "exports"
    result = CliRunner().invoke(cli.app, [*CLI_ARGS, "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)

    # Every field the issue names, with its type.
    assert data["stops"] and isinstance(data["stops"], list)
    for s in data["stops"]:
        assert isinstance(s["site_id"], str) and isinstance(s["name"], str)
        assert re.fullmatch(r"2[AB]\d{3}", s["insee"])
        assert s["advisor"] in (1, 2) and s["day"] in DAYS and HHMM.match(s["arrival"])
    assert [a["base"] for a in data["advisors"]] == ["Mairie d'Ajaccio", "Mairie de Bastia"]
    for a in data["advisors"]:
        assert [d["day"] for d in a["days"]] == list(DAYS)
        for d in a["days"]:
            assert isinstance(d["visits"], list)
            assert isinstance(d["drive_minutes"], float) and isinstance(d["km"], float)
            assert (d["drive_minutes"] > 0) == bool(d["visits"])
    assert isinstance(data["covered_demand"], float) and data["covered_demand"] > 0
    assert isinstance(data["covered_demand_share"], float) and 0 < data["covered_demand_share"] <= 1
    assert isinstance(data["drive_hours"], float)
    assert isinstance(data["unvisited"], list)
    assert all(isinstance(u["reason"], str) for u in data["unvisited"])
    solver = data["solver"]
    assert isinstance(solver["status"], str) and "objective" in solver
    assert isinstance(solver["runtime_s"], float)
    visits = [v for a in data["advisors"] for d in a["days"] for v in d["visits"]]
    assert len(visits) == len(data["stops"])
    assert data["drive_hours"] == pytest.approx(
        sum(d["drive_minutes"] for a in data["advisors"] for d in a["days"]) / 60, abs=0.01
    )

    # Every export is written into DIR, and nothing else (no temporary file left).
    files = data["files"]
    assert set(files) == {"csv", "xlsx", "geojson", "gpx", "ics", "html", "pdf"}
    assert len(files["html"]) == len(files["pdf"]) == 2
    written = sorted(Path(p) for paths in files.values() for p in paths)
    assert all(p.parent == out_dir and p.stat().st_size > 0 for p in written)
    assert sorted(out_dir.iterdir()) == written

    # GPX: one track per advisor-day with visits, one waypoint per visit.
    gpx = gpxpy.parse((out_dir / "tournees.gpx").read_text("utf-8"))
    days_with_visits = [
        (a["advisor"], d["day"]) for a in data["advisors"] for d in a["days"] if d["visits"]
    ]
    assert len(gpx.tracks) == len(days_with_visits)
    assert sorted(w.name for w in gpx.waypoints) == sorted(v["name"] for v in visits)
    assert all(t.segments and len(t.segments[0].points) >= 3 for t in gpx.tracks)

    # ICS: one event per visit, Europe/Paris, at the visit's start and end.
    cal = icalendar.Calendar.from_ical((out_dir / "tournees.ics").read_bytes())
    events = cal.walk("VEVENT")
    assert len(events) == len(visits)
    got = sorted(
        (
            str(e["SUMMARY"]),
            e.decoded("DTSTART").strftime("%H:%M"),
            e.decoded("DTEND").strftime("%H:%M"),
        )
        for e in events
    )
    want = sorted((f"Permanence numérique — {v['name']}", v["start"], v["end"]) for v in visits)
    assert got == want
    assert {e["DTSTART"].params["TZID"] for e in events} == {"Europe/Paris"}

    # A second run without --force refuses in French (exit code 2) and leaves the files.
    before = {p: p.stat().st_mtime_ns for p in written}
    code, out, err = _run_main(monkeypatch, capsys, [*CLI_ARGS, "--out", str(out_dir)])
    assert code == 2 and out == ""
    assert err.startswith("Erreur : ") and "existe(nt) déjà" in err and "--force" in err
    assert {p: p.stat().st_mtime_ns for p in written} == before


def test_cli_base_outside_the_territory_is_refused_before_any_work(
    corsica_data, monkeypatch, capsys, no_solver
) -> None:
    args = [*CLI_ARGS]
    args[args.index("2A004,2B033")] = "75056"
    code, out, err = _run_main(monkeypatch, capsys, args)
    assert code == 2 and out == ""
    assert "Erreur : " in err and "base inconnue ou hors du territoire : « 75056 »" in err

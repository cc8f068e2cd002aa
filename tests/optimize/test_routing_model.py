"""Tests of planner.optimize.routing_model and routing_slots: the PyVRP input, built by Model.

Every input here is MADE-UP: one base and 3 stops with hand-written travel seconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.optimize.routing_input import Advisor, Stop
from planner.optimize.routing_model import build_model, solve_model
from planner.optimize.routing_slots import (
    NO_ROAD,
    OFF_PHASE_PENALTY,
    occurrences,
    prizes,
    travel_minutes,
)

DAY = 86_400
# MADE-UP travel seconds: 0 = base, 1..3 = stops; 2 -> 3 has no road.
DURATIONS = np.array(
    [
        [0, 610, 1200, 1830],
        [600, 0, 900, 2400],
        [1190, 905, 0, np.inf],
        [1830, 2400, np.inf, 0],
    ]
)


def _build(advisors: list[Advisor], stops: list[Stop], weeks: int = 1):
    travel = travel_minutes(DURATIONS)
    occs = occurrences(stops, advisors, weeks, travel, DURATIONS)
    return occs, build_model(advisors, stops, occs, prizes(stops), weeks, travel, DURATIONS)


def test_travel_minutes_round_up_and_mark_missing_roads() -> None:
    travel = travel_minutes(DURATIONS)
    # Rounded up to the 5-minute schedule grid: 610 s -> 15 min, 600 s -> 10, 905 s -> 20.
    assert travel[0, 1] == 15 and travel[1, 0] == 10 and travel[2, 1] == 20
    assert travel[2, 3] == NO_ROAD


def test_prizes_scale_demand_and_dwarf_it_for_required_stops() -> None:
    stops = [Stop(1, demand=1), Stop(2, demand=2), Stop(3, demand=4, required=True)]
    assert prizes(stops) == [50_000, 100_000, 50_000_000]
    assert prizes([Stop(1, demand=0)]) == [0]


def test_three_clients_one_day() -> None:
    advisor = Advisor(0, days=("mar",), window=("09:00", "17:00"), max_drive_minutes=120)
    stops = [
        Stop(1, "A", demand=1),
        Stop(2, "B", demand=2, hours={"mar": [("08:00", "12:30"), ("13:30", "18:00")]}),
        Stop(3, "C", demand=4, minutes=120),
    ]
    occs, routing = _build([advisor], stops)
    model = routing.model
    assert routing.places == [0, 1, 2, 3]
    assert [loc.x for loc in model.locations] == [0.0, 1.0, 2.0, 3.0]
    # One vehicle type: Tuesday (day 1) 09:00-17:00, driving limit as a distance in seconds.
    (vt,) = model.vehicle_types
    assert (vt.tw_early, vt.tw_late) == (DAY + 9 * 3600, DAY + 17 * 3600)
    assert vt.shift_duration == 8 * 3600 and vt.max_distance == 7200
    assert routing.shifts[0].day == "mar" and routing.shifts[0].offset == DAY
    # One optional group per occurrence; B has two slots (morning, afternoon).
    assert [len(o.slots) for o in occs] == [1, 2, 1]
    assert len(model.groups) == 3 and not any(g.required for g in model.groups)
    windows = [(c.tw_early - DAY, c.tw_late - DAY) for c in model.clients]
    assert windows == [
        (9 * 3600, 14 * 3600),  # A: the whole day, latest start 17:00 - 3 h
        (9 * 3600, 9 * 3600 + 1800),  # B morning: 08:00-12:30 clipped to 09:00-12:30
        (13 * 3600 + 1800, 14 * 3600),  # B afternoon: 13:30-18:00 clipped to 13:30-17:00
        (9 * 3600, 15 * 3600),  # C: a 2-hour permanence
    ]
    assert [c.prize for c in model.clients] == [50_000, 100_000, 100_000, 200_000]
    assert not any(c.required for c in model.clients)
    assert [(call.occurrence, call.stop) for call in routing.calls] == [
        (0, 0),
        (1, 1),
        (1, 1),
        (2, 2),
    ]
    # Edges: distance = driving seconds, duration = the 5-minute grid; no road -> NO_ROAD.
    data = model.data(missing_value=NO_ROAD)
    distance, duration = data.distance_matrix(0), data.duration_matrix(0)
    assert distance[0, 1] == 610 and duration[0, 1] == 900
    assert distance[2, 1] == 905 and duration[2, 1] == 1200
    assert distance[2, 3] == NO_ROAD and duration[2, 3] == NO_ROAD
    assert np.all(np.diag(distance) == 0)


def test_solved_model_visits_each_occurrence_at_most_once() -> None:
    advisor = Advisor(0, days=("lun", "mar"), window=("08:00", "18:00"))
    stops = [Stop(1, demand=1), Stop(2, demand=2), Stop(3, demand=4)]
    _, routing = _build([advisor], stops)
    result, stopped_by = solve_model(routing.model, time_limit=5, seed=1, no_improvement=200)
    assert result.best.is_feasible() and stopped_by == "no_improvement"
    calls = [
        routing.calls[a.idx] for r in result.best.routes() for a in r.schedule() if a.is_client()
    ]
    # Two 10-hour days, three 3-hour permanences: all three fit, each once.
    assert sorted(c.occurrence for c in calls) == [0, 1, 2]


def test_fortnightly_stop_has_one_occurrence_preferring_its_week_of_the_cycle() -> None:
    advisor = Advisor(0, days=("lun",))
    stops = [Stop(1, frequency="fortnightly"), Stop(2, frequency="weekly")]
    occs, routing = _build([advisor], stops, weeks=2)
    assert [(o.stop, o.week) for o in occs] == [(0, None), (1, 0), (1, 1)]
    assert [(s.week, s.day, s.preferred) for s in occs[0].slots] == [(0, "lun", True), (1, "lun", False)]
    assert len(routing.model.vehicle_types) == 2
    offsets = sorted(c.tw_early // DAY for c in routing.model.clients)
    assert offsets == [0, 0, 7, 7]
    # Outside its week of the cycle the occurrence is worth OFF_PHASE_PENALTY less.
    fortnightly = [c.prize for c, call in zip(routing.model.clients, routing.calls) if call.stop == 0]
    assert fortnightly == [50_000, 50_000 - OFF_PHASE_PENALTY]


@pytest.mark.parametrize(
    ("hours", "reason"),
    [
        ({"sam": [("09:00", "12:00")]}, "aucun jour d'ouverture commun avec les jours travaillés (ouvert : samedi)"),
        ({"lun": [("09:00", "10:00")]}, "aucune plage d'ouverture de 3\u00a0h pendant les heures de travail des conseillers"),
    ],
)  # fmt: skip
def test_occurrences_without_slots_carry_the_reason(hours: dict, reason: str) -> None:
    occs, routing = _build([Advisor(0, days=("lun",))], [Stop(1, hours=hours)])
    assert occs[0].slots == [] and occs[0].reason == reason
    assert routing.model.clients == []

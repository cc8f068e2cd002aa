"""A stop held in fixed weeks of its cycle (``Stop.week_offset``): locked stops of the current tour.

The matrices are the MADE-UP minutes of tests/optimize/test_routing.py (hand-written, not road
data). The plan on a real current tour is in tests/optimize/test_current_tour.py.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import SettingsError
from planner.optimize.routing import plan_routes
from planner.optimize.routing_input import Advisor, Stop
from planner.optimize.routing_slots import phases, travel_minutes
from tests.optimize.test_routing import AJACCIO, DISTANCES, DURATIONS, _check_invariants

PERIOD = {"weekly": 1, "fortnightly": 2, "fourweekly": 4}


def _weeks(plan, name: str) -> list[int]:
    return sorted(v.week for v in plan.visits if v.name == name)


@pytest.mark.parametrize(("frequency", "offset"), [("fortnightly", 2), ("weekly", 1), ("fourweekly", 4),
                                                   ("fortnightly", -1), ("fortnightly", True),
                                                   ("fortnightly", 0.5)])
def test_impossible_week_offset_is_a_french_settings_error(frequency: str, offset) -> None:
    with pytest.raises(SettingsError) as err:
        Stop(1, "Propriano", frequency=frequency, week_offset=offset)
    assert err.value.setting == "semaines"
    assert "semaine du cycle invalide" in str(err.value) and "Propriano" in str(err.value)


def test_valid_offsets_are_kept() -> None:
    assert Stop(1, frequency="fourweekly", week_offset=3).week_offset == 3
    assert Stop(1, frequency="fortnightly", week_offset=np.int64(1)).week_offset == 1
    assert Stop(1).week_offset is None


def test_even_week_stop_stays_in_even_weeks() -> None:
    # Without an offset the lone fortnightly stop takes its phase, week 1; with offset 1, week 2.
    free = plan_routes([AJACCIO], [Stop(3, "Sartène", frequency="fortnightly", required=True)],
                       DURATIONS, DISTANCES, no_improvement=500)
    assert _weeks(free, "Sartène") == [1]
    fixed = [Stop(3, "Sartène", frequency="fortnightly", required=True, week_offset=1),
             Stop(1, "Propriano", frequency="weekly", demand=10)]
    plan = plan_routes([AJACCIO], fixed, DURATIONS, DISTANCES, no_improvement=500)
    assert _weeks(plan, "Sartène") == [2]
    _check_invariants(plan, [AJACCIO], fixed, DURATIONS)
    # On a four-week horizon: weeks 2 and 4; a four-weekly stop with offset 2: week 3.
    longer = [*fixed, Stop(2, "Corte", frequency="fourweekly", required=True, week_offset=2)]
    plan4 = plan_routes([AJACCIO], longer, DURATIONS, DISTANCES, no_improvement=500, weeks=4)
    assert _weeks(plan4, "Sartène") == [2, 4] and _weeks(plan4, "Corte") == [3]
    assert _weeks(plan4, "Propriano") == [1, 2, 3, 4]


def test_fixed_week_left_out_says_which_week() -> None:
    # Made-up: Ajaccio works Mondays only; Sartène (locked, week 2, Monday 10:30-14:00) and a
    # required Propriano (even weeks too) cannot both fit that Monday: the one left out names week 2.
    monday = {"lun": [("10:30", "14:00")]}  # room for one 3-hour permanence only
    stops = [Stop(3, "Sartène", frequency="fortnightly", minutes=180, hours=monday, required=True, week_offset=1),
             Stop(1, "Propriano", frequency="fortnightly", minutes=180, hours=monday, required=True, week_offset=1)]
    plan = plan_routes([Advisor(0, days=("lun",))], stops, DURATIONS, DISTANCES, no_improvement=500)
    assert len(plan.visits) == 1 and plan.visits[0].week == 2
    (left,) = plan.unvisited
    assert left.week == 2 and left.reason.startswith("pas assez de temps en semaine 2")


def test_phases_balance_around_fixed_stops() -> None:
    # Made-up: three fortnightly stops near Ajaccio, Sartène fixed: the free two fill the
    # other week first, so the weeks hold 2 and 1 stops, never 3 and 0.
    for offset in (0, 1):
        stops = [Stop(3, "Sartène", frequency="fortnightly", week_offset=offset, required=True),
                 Stop(1, "Propriano", frequency="fortnightly", demand=5),
                 Stop(5, "Cargèse", frequency="fortnightly", demand=5)]
        got = phases(stops, [AJACCIO], travel_minutes(DURATIONS))
        assert got[0] == offset and 1 - offset in got[1:] and sorted(Counter(got).values()) == [1, 2]
    two = [Stop(3, "Sartène", frequency="fortnightly", week_offset=1, required=True),
           Stop(1, "Propriano", frequency="fortnightly", demand=5)]
    assert phases(two, [AJACCIO], travel_minutes(DURATIONS)) == [1, 0]


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(PERIOD)), st.integers(0, 3), st.booleans()),
                min_size=3, max_size=5), st.integers(0, 100))
def test_fixed_stops_are_held_only_in_their_weeks(spec, seed) -> None:
    """Property on made-up places: every visit of a stop with an offset falls in its weeks."""
    stops = [Stop(1 + i, f"S{i}", frequency=f, demand=10 + i, required=req,
                  week_offset=o % PERIOD[f] if req else None, minutes=120)
             for i, (f, o, req) in enumerate(spec)]
    advisors = [AJACCIO, Advisor(6, days=("lun", "mer", "ven"), name="Paul")]
    plan = plan_routes(advisors, stops, DURATIONS, DISTANCES, no_improvement=200, seed=seed)
    _check_invariants(plan, advisors, stops, DURATIONS)
    for v in plan.visits:
        s = stops[v.stop]
        if s.week_offset is not None:
            assert (v.week - 1) % PERIOD[s.frequency] == s.week_offset
    for u in plan.unvisited:
        s = stops[u.stop]
        if s.week_offset is not None and plan.weeks > 1:
            assert u.week is not None and (u.week - 1) % PERIOD[s.frequency] == s.week_offset

"""The lunch break, the 5-minute grid, cycles of 1, 2 or 4 weeks and default host hours.

Every input here is MADE-UP: one or two bases and a few stops with hand-written travel
seconds (``DURATIONS``), and hand-written opening hours.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from planner import config
from planner.data import hours
from planner.errors import SettingsError
from planner.optimize.routing import plan_routes
from planner.optimize.routing_input import Advisor, Lunch, Stop
from planner.optimize.routing_model import build_model
from planner.optimize.routing_slots import (
    NO_ROAD,
    occurrences,
    phases,
    prizes,
    single_visit_fits,
    travel_minutes,
)
from planner.optimize.settings import PlanSettings

DAY = 86_400
# MADE-UP travel seconds: 0 = base, 1..3 = stops.
DURATIONS = np.array(
    [
        [0, 610, 1200, 1830],
        [600, 0, 900, 2400],
        [1190, 905, 0, 3000],
        [1830, 2400, 3000, 0],
    ],
    dtype=float,
)
WHOLE_DAY = {d: [("08:00", "18:00")] for d in ("lun", "mar", "mer", "jeu", "ven")}


def _plan(advisors, stops, lunch=Lunch(), **kwargs):
    kwargs.setdefault("no_improvement", 300)
    kwargs.setdefault("time_limit", 3)
    return plan_routes(advisors, stops, DURATIONS, DURATIONS * 15, lunch=lunch, **kwargs)


def test_lunch_model_has_morning_and_afternoon_clients_and_a_lunch_profile() -> None:
    advisor = Advisor(0, days=("mar",))
    half_day = Advisor(0, days=("mar",), window=("13:30", "17:00"))
    stops = [Stop(1, "A", hours={"mar": [("09:00", "17:00")]})]
    travel = travel_minutes(DURATIONS)
    occs = occurrences(stops, [advisor, half_day], 1, travel, DURATIONS, Lunch())
    routing = build_model([advisor, half_day], stops, occs, prizes(stops), 1, travel, DURATIONS, Lunch())
    model = routing.model
    # base, stop A before lunch, stop A after lunch
    assert [loc.name for loc in model.locations] == ["base:0", "am:1", "pm:1"]
    windows = [(c.tw_early - DAY, c.tw_late - DAY) for c in model.clients]
    # am: ends by 13:30 - 45 min = 12:45, so starts 09:00..09:45; pm: starts 12:45..14:00
    assert windows == [(9 * 3600, 9 * 3600 + 45 * 60), (12 * 3600 + 45 * 60, 14 * 3600)]
    assert [c.part for c in routing.calls] == ["am", "pm"]
    assert [p.name for p in model.profiles] == ["sans pause", "déjeuner"]
    assert [vt.profile for vt in model.vehicle_types] == [1, 0]  # the half day takes no break
    data = model.data(missing_value=NO_ROAD)
    base_dur, lunch_dur = data.duration_matrix(0), data.duration_matrix(1)
    # 610 s on the 5-minute grid is 15 min; the lunch profile adds the 45-min break on
    # base -> pm, am -> pm and am -> base, never on base -> am or pm -> base.
    assert base_dur[0, 1] == base_dur[0, 2] == 900
    assert lunch_dur[0, 1] == 900 and lunch_dur[0, 2] == 900 + 2700
    assert lunch_dur[1, 2] == 2700 and lunch_dur[1, 0] == 600 + 2700 and lunch_dur[2, 0] == 600
    assert base_dur[2, 1] == NO_ROAD and lunch_dur[2, 1] == NO_ROAD  # no way back to the morning


def test_a_permanence_never_covers_the_lunch_window() -> None:
    # Open 10:00-15:00 only: a 3 h permanence would hold 10:00-13:00 .. 12:00-15:00, each
    # leaving less than 45 min free between 12:00 and 13:30.
    stops = [Stop(1, "A", hours={"lun": [("10:00", "15:00")]})]
    advisor = Advisor(0, days=("lun",))
    plan = _plan([advisor], stops)
    assert not plan.visits
    assert plan.unvisited[0].reason.endswith("hors pause déjeuner")
    assert len(_plan([advisor], stops, lunch=None).visits) == 1


def test_two_visits_a_day_with_the_break_between_them() -> None:
    advisor = Advisor(0, days=("lun",), base_name="Base")
    stops = [Stop(1, "A", hours=WHOLE_DAY, demand=2), Stop(2, "B", hours=WHOLE_DAY, demand=1)]
    plan = _plan([advisor], stops)
    day = plan.advisors[0].days[0]
    assert [v.part for v in day.visits] == ["am", "pm"]
    first, second = day.visits
    # A is 15 min away on the grid (610 s): 09:15-12:15; B 15 min further, lunch on arrival.
    assert (day.departure, first.arrival, first.start, first.end) == ("09:00", "09:15", "09:15", "12:15")
    assert (day.lunch_start, day.lunch_end) == ("12:30", "13:15")
    assert second.arrival == "12:30" and second.start >= "13:15"
    assert second.wait_minutes == (second.start_s - second.arrival_s) / 60 - 45
    for v in day.visits:
        assert v.start_s % 300 == 0 and v.end_s % 300 == 0 and v.arrival_s % 300 == 0


def test_lunch_at_the_base_before_an_afternoon_visit() -> None:
    # Open from 13:45, 15 min away: lunch 12:45-13:30 at the base, leave at 13:30.
    stops = [Stop(1, "A", hours={"lun": [("13:45", "17:00")]})]
    plan = _plan([Advisor(0, days=("lun",))], stops)
    day = plan.advisors[0].days[0]
    (visit,) = day.visits
    assert (visit.arrival, visit.start, visit.end, day.back) == ("13:45", "13:45", "16:45", "16:55")
    assert (day.departure, day.lunch_start, day.lunch_end) == ("13:30", "12:45", "13:30")


def test_single_visit_fits_is_the_slot_test() -> None:
    # Open 09:00-12:00, 15 min away: a 3 h permanence needs to start at 09:00, impossible.
    window = (9 * 60, 17 * 60)
    assert not single_visit_fits(540, 720, 180, window, 15, 15, Lunch(), True)
    assert single_visit_fits(540, 720, 165, window, 15, 15, Lunch(), True)  # 09:15-12:00
    # Open 13:30-17:00, 25 min back: 13:30-16:30 + 25 min = 16:55 <= 17:00; 35 min does not fit.
    assert single_visit_fits(810, 1020, 180, window, 25, 25, Lunch(), True)
    assert not single_visit_fits(810, 1020, 180, window, 35, 35, Lunch(), True)
    # 12 min of travel counts as 15 on the 5-minute grid.
    assert not single_visit_fits(810, 1020, 180, window, 12, 32, Lunch(), True)


def test_four_weekly_stops_are_spread_over_the_cycle() -> None:
    travel = np.array([[0, 10, 20, 30, 40, 50, 60, 70, 80]] * 9, dtype=float)
    stops = [Stop(i, f"S{i}", frequency="fourweekly", demand=1) for i in range(1, 9)]
    assert Counter(phases(stops, [Advisor(0)], travel)) == {0: 2, 1: 2, 2: 2, 3: 2}
    # Neighbours along the chain share a week.
    assert phases(stops, [Advisor(0)], travel) == [0, 0, 1, 1, 2, 2, 3, 3]
    # A stop with no demand does not take a week's share.
    stops[0] = Stop(1, "S1", frequency="fourweekly", demand=0)
    assert Counter(phases(stops, [Advisor(0)], travel)).most_common(1)[0][1] == 2


def test_fortnightly_plan_balances_weeks() -> None:
    stops = [Stop(i, f"S{i}", hours=WHOLE_DAY, frequency="fortnightly", demand=1) for i in (1, 2, 3)]
    plan = _plan([Advisor(0, days=("lun", "mar"))], stops)
    assert plan.weeks == 2
    assert sorted(Counter(v.week for v in plan.visits).values()) == [1, 2]
    assert {u.week for u in plan.unvisited} <= {None}  # a fortnightly visit may take either week


@pytest.mark.parametrize(
    ("kwargs", "setting", "fragment"),
    [
        ({"window": ("13:30", "12:00")}, "pause déjeuner (--lunch)", "précède son début"),
        ({"window": ("12:00",)}, "pause déjeuner (--lunch)", "un début et une fin"),
        ({"minutes": 120}, "durée minimale de la pause déjeuner (--lunch-min)", "impossible entre 12:00 et 13:30"),
        ({"minutes": 0}, "durée minimale de la pause déjeuner (--lunch-min)", "impossible"),
    ],
)  # fmt: skip
def test_lunch_checks_itself(kwargs: dict, setting: str, fragment: str) -> None:
    with pytest.raises(SettingsError, match=fragment) as err:
        Lunch(**kwargs)
    assert err.value.setting == setting


def test_plan_settings_frequency_lunch_and_default_hours() -> None:
    assert PlanSettings(frequency="fourweekly").frequency == "fourweekly"
    assert PlanSettings().lunch_break == Lunch(config.DEFAULT_LUNCH, config.DEFAULT_LUNCH_MINUTES)
    assert PlanSettings(lunch=None).lunch_break is None
    assert PlanSettings(lunch="11:30-14:00", lunch_minutes=60).lunch_break == Lunch(("11:30", "14:00"), 60)
    assert PlanSettings(default_hours={"mairie": "Mo 09:00-12:00"}).host_hours == {"mairie": "Mo 09:00-12:00"}
    with pytest.raises(SettingsError, match="fourweekly") as err:
        PlanSettings(frequency="monthly")
    assert err.value.setting == "fréquence (--frequency)"
    with pytest.raises(SettingsError) as err:
        PlanSettings(lunch_minutes=-5)
    assert err.value.setting == "durée minimale de la pause déjeuner (--lunch-min)"
    with pytest.raises(SettingsError, match="illisibles") as err:
        PlanSettings(default_hours={"mairie": "le matin"})
    assert err.value.setting == "horaires par défaut des lieux (--default-hours)"


def test_default_hours_by_kind_then_network() -> None:
    apc, known = hours.host_hours(None, "agence postale communale", "la_poste")
    assert not known and apc == {d: [("09:00", "12:00")] for d in ("lun", "mar", "mer", "jeu", "ven")}
    bureau, _ = hours.host_hours(float("nan"), "bureau de poste", "la_poste")
    # defaults derived from published hours (tests/data/test_hours_defaults.py)
    assert "sam" not in bureau and bureau["lun"] == [("09:00", "12:00"), ("14:00", "17:00")]
    # A France Services site's kind is its format (« Fixe »): its network's defaults apply.
    fs, _ = hours.host_hours(None, "Fixe", "france_services")
    assert fs["ven"] == [("09:00", "12:00"), ("14:00", "16:30")]
    own = {"mar": [("14:00", "16:00")]}
    assert hours.host_hours(own, "mairie", "town_hall") == (own, True)
    unknown_kind, _ = hours.host_hours(None, "péniche", "custom")
    assert unknown_kind == hours.parse_osm(config.DEFAULT_HOST_HOURS["*"])
    overridden, _ = hours.host_hours(None, "mairie", "town_hall", {"mairie": "Tu 09:00-11:00"})
    assert overridden == {"mar": [("09:00", "11:00")]}

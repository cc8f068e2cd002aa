"""Siting aware of the bases (issue 14, point 5): every chosen stop can be visited within a
day from some base, and stops left out carry their true reason.

Real data: Cantal (15) with bases at Aurillac and Saint-Flour when the national snapshots are
there, else Corsica with bases at Ajaccio and Bastia.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planner.data import hours
from planner.optimize.plan import (
    REASON_NO_DEMAND_LEFT,
    REASON_NO_TIME_LEFT,
    REASON_OUT_OF_REACH,
    make_plan,
    resolve_bases,
)
from planner.optimize.settings import PlanSettings
from planner.territory import select
from planner.travel.model import model_for
from tests.conftest import has_snapshots

pytestmark = pytest.mark.xdist_group("corsica_plan")


@pytest.fixture(scope="module")
def case(corsica_data):
    """A plan on real data: Cantal when the snapshots are there, else Corsica."""
    spec, bases = ("15", ("15014", "15187")) if has_snapshots() else ("2A,2B", ("2A004", "2B033"))
    territory = select(spec)
    travel = model_for(territory)
    settings = PlanSettings(advisors=2, bases=bases, stops=10, stop_minutes=180, time_limit=2, seed=1)
    return territory, travel, settings, make_plan(territory, settings, travel=travel)


def test_every_chosen_stop_is_within_a_days_reach_of_some_base(case) -> None:
    territory, travel, settings, plan = case
    sites = territory.sites()
    bases = resolve_bases(territory, sites[sites["inside"]], settings.bases)
    out = np.ceil(travel.matrix(bases, plan.stops).minutes)
    back = np.ceil(travel.matrix(plan.stops, bases).minutes).T
    day = hours.minutes(settings.window[1]) - hours.minutes(settings.window[0])
    # Same base out and back: base → stop → base with the permanence inside the window.
    round_trip = out + back + settings.stop_minutes
    assert len(plan.stops) == 10
    assert (round_trip <= day).any(axis=0).all()


def test_reasons_of_the_stops_left_out_are_among_the_true_ones(case) -> None:
    *_, plan = case
    known = {REASON_OUT_OF_REACH, REASON_NO_TIME_LEFT, REASON_NO_DEMAND_LEFT}
    for u in plan.routes.unvisited:
        assert u.reason in known or "horaires" in u.reason or "ouverture" in u.reason


def test_stops_left_out_say_out_of_reach_or_no_demand_left(corsica, travel, coverage) -> None:
    # A hand-picked stop in Bonifacio with the only base in Bastia and a 4-hour day
    # (about 3 h of road each way): out of reach within the day from every base.
    sites = corsica.sites()
    far = sites[sites["inside"] & (sites["insee"] == "2A041") & (sites["network"] == "la_poste")]
    near = sites[sites["inside"] & (sites["insee"] == "2B033") & (sites["network"] == "la_poste")]
    chosen = (str(far["site_id"].iloc[0]), str(near["site_id"].iloc[0]))
    settings = PlanSettings(advisors=1, bases=("2B033",), window=("09:00", "13:00"), stop_minutes=120,
                            chosen_stops=chosen, time_limit=1, seed=1)
    # Covering objective (a coverage without capacities): Bastia's post office adds no
    # demand, Bastia being within 30 min of existing help sites.
    covering = make_plan(corsica, settings, coverage=dataclasses.replace(coverage, service=None), travel=travel)
    reasons = {u.key: u.reason for u in covering.routes.unvisited}
    assert reasons == {chosen[0]: REASON_OUT_OF_REACH, chosen[1]: REASON_NO_DEMAND_LEFT}
    # Under capacity the existing sites near Bastia are full: its 2-hour permanence serves
    # 2 × 0.24 × 45 = 21.6 more people a year, so it is visited; Bonifacio stays out of reach.
    plan = make_plan(corsica, settings, coverage=coverage, travel=travel)
    served = dict(zip(plan.stops["site_id"], plan.stops["served_added"]))
    assert served[chosen[1]] == pytest.approx(21.6)
    assert {u.key: u.reason for u in plan.routes.unvisited} == {chosen[0]: REASON_OUT_OF_REACH}
    assert [v.key for v in plan.routes.visits] == [chosen[1]]

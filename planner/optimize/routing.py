"""Weekly itinerant routes: which advisor holds which permanence, on which day, in what order.

The plan is a prize-collecting vehicle routing problem with time windows and
alternatives, solved with PyVRP (0.14). The stages, one module each:

* :mod:`~planner.optimize.routing_input`: :class:`Advisor` (home base, working
  days, daily window, optional daily driving limit) and :class:`Stop`
  (permanence length, frequency, host opening hours, demand served, required or
  optional), which check themselves, and the checks across them (French
  :class:`~planner.errors.SettingsError`, never a solver crash);
* :mod:`~planner.optimize.routing_slots`: each stop's occurrences and the time
  slots they may take, their prizes, and why an occurrence cannot be placed;
* :mod:`~planner.optimize.routing_model`: the :class:`pyvrp.Model` and the engine
  (seeded, time limited);
* :mod:`~planner.optimize.routing_result`: the :class:`RoutePlan` read back.

:func:`plan_routes` runs them in turn. Prizes: an optional occurrence is worth more
than the driving a day allows, in proportion to its demand, so the plan keeps every
stop that fits and, when not all fit, the most valuable ones; a required occurrence
is worth far more than any optional one, so it is always placed when it can be and
the plan is never "infeasible"; an occurrence left out is reported with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from pyvrp import Solution

from planner import config, fr
from planner.errors import SolverError
from planner.optimize.routing_input import Advisor, Stop, check_inputs
from planner.optimize.routing_model import RoutingModel, build_model, solve_model
from planner.optimize.routing_result import (
    AdvisorPlan,
    DayPlan,
    RoutePlan,
    SolverReport,
    Unvisited,
    Visit,
)
from planner.optimize.routing_slots import leftover_reason, occurrences, prizes, travel_minutes

__all__ = ["Advisor", "RoutePlan", "Stop", "plan_routes"]

log = logging.getLogger(__name__)


def plan_routes(
    advisors: Sequence[Advisor],
    stops: Sequence[Stop],
    durations: Any,
    distances: Any,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    weeks: int | None = None,
    no_improvement: int | None = None,
) -> RoutePlan:
    """Plan the advisors' weekly (or two-week) tours.

    Parameters
    ----------
    advisors
        The advisors (base, working days, window, driving limit).
    stops
        The candidate stops (place, permanence, frequency, hours, demand, required).
    durations
        Square travel-time matrix in **seconds** over every place (``NaN``/``inf`` = no road).
    distances
        Square road-distance matrix in **metres**, same places.
    time_limit
        Solver time limit, seconds (default :data:`planner.config.ROUTING_TIME_LIMIT_S`).
    seed
        Random seed (default :data:`planner.config.DEFAULT_SEED`): same inputs and seed
        give the same plan (see ``solver.stopped_by``).
    weeks
        Horizon in weeks; default 2 when a stop is fortnightly, else 1.
    no_improvement
        Iterations without improvement after which the search stops (default
        :data:`planner.config.NO_IMPROVEMENT_ITERATIONS`).

    Returns
    -------
    The plan.

    Raises
    ------
    SettingsError
        For impossible settings (a window shorter than a permanence, a place outside the
        matrix...), in French.
    SolverError
        When PyVRP returns no feasible solution (it should always find one).
    """
    time_limit = config.ROUTING_TIME_LIMIT_S if time_limit is None else time_limit
    seed = config.DEFAULT_SEED if seed is None else seed
    dur, dist, weeks = check_inputs(advisors, stops, durations, distances, time_limit, weeks)
    # Driving seconds (objective, limit) and whole travel minutes (schedule).
    travel_min = travel_minutes(dur)
    occs = occurrences(stops, advisors, weeks, travel_min, dur)
    prize = prizes(stops)
    routing = build_model(advisors, stops, occs, prize, weeks, travel_min, dur)
    plans = [
        AdvisorPlan(
            ai, a.name, a.base, a.base_name,
            [DayPlan(ai, w + 1, d) for w in range(weeks) for d in a.working_days],
        )
        for ai, a in enumerate(advisors)
    ]  # fmt: skip
    visited: set[int] = set()
    counts = (len(routing.model.clients), len(routing.model.vehicle_types))
    if routing.model.clients:
        result, stopped_by = solve_model(
            routing.model, time_limit=time_limit, seed=seed, no_improvement=no_improvement
        )
        if not result.best.is_feasible():  # cannot happen with optional groups
            raise SolverError(
                "PyVRP n'a trouvé aucun plan réalisable",
                hint="vérifiez les plages horaires et la limite de conduite",
            )
        visited = _read_routes(result.best, routing, plans, stops, dur, dist)
        objective = int(result.best.distance()) + sum(
            prize[occ.stop] for oi, occ in enumerate(occs) if occ.slots and oi not in visited
        )
        solver = SolverReport(
            "feasible", objective, round(result.runtime, 3), result.num_iterations, seed,
            float(time_limit), stopped_by, *counts,
        )  # fmt: skip
    else:
        solver = SolverReport("not_run", None, 0.0, 0, seed, float(time_limit), "not_run", *counts)
    unvisited = []
    for oi, occ in enumerate(occs):
        if oi in visited:
            continue
        stop = stops[occ.stop]
        week = None if occ.week is None else occ.week + 1
        reason = occ.reason or leftover_reason(stop, prize[occ.stop], weeks, week)
        unvisited.append(Unvisited(occ.stop, stop.key, stop.name, week, stop.required, reason))
    served = {occs[oi].stop for oi in visited}
    return RoutePlan(
        advisors=plans,
        unvisited=unvisited,
        weeks=weeks,
        demand_served=float(sum(stops[s].demand for s in served)),
        demand_total=float(sum(s.demand for s in stops)),
        solver=solver,
    )


def _read_routes(
    best: Solution,
    routing: RoutingModel,
    plans: list[AdvisorPlan],
    stops: Sequence[Stop],
    dur: np.ndarray,
    dist: np.ndarray,
) -> set[int]:
    """Copy PyVRP's routes into the day plans; return the occurrences visited."""
    visited: set[int] = set()
    for route in best.routes():
        shift = routing.shifts[route.vehicle_type()]
        day = next(
            p for p in plans[shift.advisor].days if p.week == shift.week + 1 and p.day == shift.day
        )
        _fill_day(day, route.schedule(), routing, stops, dur, dist, shift.offset)
        visited.update(
            routing.calls[act.idx].occurrence for act in route.schedule() if act.is_client()
        )
    return visited


def _clock(seconds: int) -> str:
    return fr.clock(seconds // 60)


def _fill_day(
    day_plan: DayPlan,
    schedule: Sequence[Any],
    routing: RoutingModel,
    stops: Sequence[Stop],
    dur: np.ndarray,
    dist: np.ndarray,
    offset: int,
) -> None:
    """Copy one PyVRP route into a day plan (times of day, legs from the raw matrices)."""
    model, places = routing.model, routing.places
    base = places[model.depots[schedule[0].idx].location]
    departure = schedule[0].end_time
    day_plan.departure_s = departure - offset
    day_plan.departure = _clock(day_plan.departure_s)
    prev, prev_end = base, departure
    for act in schedule[1:-1]:
        client, call = model.clients[act.idx], routing.calls[act.idx]
        stop = stops[call.stop]
        here = places[client.location]
        arrival = prev_end + int(np.ceil(dur[prev, here] / 60)) * 60
        start, end = act.start_time, act.end_time
        if start != max(arrival, client.tw_early):
            log.warning(
                "horaire PyVRP inattendu pour %s : début %s, arrivée %s", stop.name, start, arrival
            )
        day_plan.visits.append(
            Visit(
                stop=call.stop,
                key=stop.key,
                name=stop.name,
                location=here,
                week=day_plan.week,
                day=day_plan.day,
                arrival=_clock(arrival - offset),
                start=_clock(start - offset),
                end=_clock(end - offset),
                arrival_s=arrival - offset,
                start_s=start - offset,
                end_s=end - offset,
                wait_minutes=(start - arrival) / 60,
                drive_minutes=float(dur[prev, here]) / 60,
                km=float(dist[prev, here]) / 1000,
                demand=float(stop.demand),
                required=stop.required,
            )
        )
        prev, prev_end = here, end
    back = prev_end + int(np.ceil(dur[prev, base] / 60)) * 60
    day_plan.back_s = back - offset
    day_plan.back = _clock(day_plan.back_s)
    day_plan.return_drive_minutes = float(dur[prev, base]) / 60
    day_plan.return_km = float(dist[prev, base]) / 1000
    day_plan.drive_minutes = (
        sum(v.drive_minutes for v in day_plan.visits) + day_plan.return_drive_minutes
    )
    day_plan.km = sum(v.km for v in day_plan.visits) + day_plan.return_km

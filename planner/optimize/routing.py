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
from planner.optimize.routing_input import Advisor, Lunch, Stop, check_inputs
from planner.optimize.routing_model import RoutingModel, build_model, solve_model
from planner.optimize.routing_result import (
    AdvisorPlan,
    DayPlan,
    RoutePlan,
    SolverReport,
    Unvisited,
    Visit,
)
from planner.optimize.routing_slots import (
    PM,
    leftover_reason,
    lunch_minutes,
    occurrences,
    prizes,
    travel_minutes,
)

__all__ = ["Advisor", "Lunch", "RoutePlan", "Stop", "plan_routes"]

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
    lunch: Lunch | None = None,
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
        Horizon in weeks (the cycle); default the longest stop period (1, 2 or 4).
    no_improvement
        Iterations without improvement after which the search stops (default
        :data:`planner.config.NO_IMPROVEMENT_ITERATIONS`).
    lunch
        The advisors' lunch break (None: none); it applies to the advisors whose day holds
        its window, and each of their working days with a visit shows it.

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
    occs = occurrences(stops, advisors, weeks, travel_min, dur, lunch)
    prize = prizes(stops)
    routing = build_model(advisors, stops, occs, prize, weeks, travel_min, dur, lunch)
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
        visited = _read_routes(result.best, routing, plans, advisors, stops, (dur, dist, travel_min))
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
    advisors: Sequence[Advisor],
    stops: Sequence[Stop],
    matrices: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> set[int]:
    """Copy PyVRP's routes into the day plans; return the occurrences visited."""
    visited: set[int] = set()
    for route in best.routes():
        shift = routing.shifts[route.vehicle_type()]
        day = next(
            p for p in plans[shift.advisor].days if p.week == shift.week + 1 and p.day == shift.day
        )
        lunch = routing.lunch if routing.lunch is not None and routing.lunch.applies(
            advisors[shift.advisor]) else None
        _fill_day(day, route.schedule(), routing, stops, matrices, shift.offset, lunch,
                  advisors[shift.advisor].window_minutes[0])
        visited.update(
            routing.calls[act.idx].occurrence for act in route.schedule() if act.is_client()
        )
    return visited


def _lunch_in_transit(a: int, drive: int, b: int, lunch: Lunch, brk: int) -> tuple[int, int]:
    """Lunch start and arrival (minutes) on the way from ``a`` to a start at ``b``.

    The break starts once there and inside the lunch window when it can (eaten near the
    host before the permanence), else as early as the window allows, on the way.
    """
    ls, le = lunch.window_minutes
    start = min(max(a + drive, ls), min(b, le) - brk)
    return start, a + drive if start >= a + drive else a + drive + brk


def _fill_day(
    day_plan: DayPlan,
    schedule: Sequence[Any],
    routing: RoutingModel,
    stops: Sequence[Stop],
    matrices: tuple[np.ndarray, np.ndarray, np.ndarray],
    offset: int,
    lunch: Lunch | None,
    day_start: int,
) -> None:
    """Copy one PyVRP route into a day plan (times of day, legs from the raw matrices).

    Times are on the schedule grid: each start is PyVRP's, each arrival the end of the
    previous permanence plus the travel on the grid (and the break when it is taken on the
    way); the departure is the latest that arrives in time. The lunch break, when the day
    takes one, sits in the one leg the model gave it.
    """
    dur, dist, travel = matrices
    model, places = routing.model, routing.places
    base = places[model.depots[schedule[0].idx].location]
    acts = list(schedule[1:-1])
    calls = [routing.calls[a.idx] for a in acts]
    here = [places[model.clients[a.idx].location] for a in acts]
    starts = [(a.start_time - offset) // 60 for a in acts]
    ends = [(a.end_time - offset) // 60 for a in acts]
    brk = lunch_minutes(lunch)
    # The leg that carries the break: into the first afternoon visit, else back to the base.
    carry = next((i for i, c in enumerate(calls) if c.part == PM), len(calls)) if lunch else -1
    lunch_at: int | None = None
    drive0 = int(travel[base, here[0]])
    departure = starts[0] - drive0
    arrivals = [starts[0]]
    if carry == 0 and lunch is not None:
        ls, le = lunch.window_minutes
        at_base = min(le - brk, departure - brk)
        if at_base >= max(day_start, ls):  # lunch at the base, then leave
            lunch_at = at_base
        else:
            departure -= brk
            lunch_at, arrivals[0] = _lunch_in_transit(departure, drive0, starts[0], lunch, brk)
    for i in range(1, len(acts)):
        drive = int(travel[here[i - 1], here[i]])
        if i == carry and lunch is not None:
            lunch_at, arrival = _lunch_in_transit(ends[i - 1], drive, starts[i], lunch, brk)
        else:
            arrival = ends[i - 1] + drive
        arrivals.append(arrival)
    drive_back = int(travel[here[-1], base])
    back = ends[-1] + drive_back
    if carry == len(acts) and lunch is not None:
        ls, le = lunch.window_minutes
        if back <= le - brk:
            lunch_at = max(back, ls)
        else:
            lunch_at = min(max(back, ls), le - brk)
            back += brk
    day_plan.departure_s = departure * 60
    day_plan.departure = fr.clock(departure)
    prev = base
    for i, act in enumerate(acts):
        stop = stops[calls[i].stop]
        arrival = arrivals[i]
        waited = starts[i] - arrival
        if lunch_at is not None and arrival <= lunch_at and lunch_at + brk <= starts[i]:
            waited -= brk  # the break is eaten there, it is no wait
        day_plan.visits.append(
            Visit(
                stop=calls[i].stop,
                key=stop.key,
                name=stop.name,
                location=here[i],
                week=day_plan.week,
                day=day_plan.day,
                arrival=fr.clock(arrival),
                start=fr.clock(starts[i]),
                end=fr.clock(ends[i]),
                arrival_s=arrival * 60,
                start_s=starts[i] * 60,
                end_s=ends[i] * 60,
                wait_minutes=float(waited),
                drive_minutes=float(dur[prev, here[i]]) / 60,
                km=float(dist[prev, here[i]]) / 1000,
                demand=float(stop.demand),
                required=stop.required,
                hours_known=bool(stop.hours_known),
                part=calls[i].part,
            )
        )
        if act.start_time - offset != starts[i] * 60:  # pragma: no cover - PyVRP keeps whole seconds
            log.warning("horaire PyVRP inattendu pour %s", stop.name)
        prev = here[i]
    day_plan.back_s = back * 60
    day_plan.back = fr.clock(back)
    if lunch_at is not None:
        day_plan.lunch_start, day_plan.lunch_end = fr.clock(lunch_at), fr.clock(lunch_at + brk)
        day_plan.lunch_start_s, day_plan.lunch_end_s = lunch_at * 60, (lunch_at + brk) * 60
    day_plan.return_drive_minutes = float(dur[prev, base]) / 60
    day_plan.return_km = float(dist[prev, base]) / 1000
    day_plan.drive_minutes = (
        sum(v.drive_minutes for v in day_plan.visits) + day_plan.return_drive_minutes
    )
    day_plan.km = sum(v.km for v in day_plan.visits) + day_plan.return_km

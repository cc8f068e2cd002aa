"""The PyVRP model of the weekly routes, built with PyVRP's own builder, and the engine.

Modelling choices (PyVRP 0.14, :class:`pyvrp.Model`):

* Time is one axis over the horizon: seconds since Monday 00:00 of week 1, so a day
  ``d`` of week ``w`` starts at ``(7 w + d) * 86400``.
* ``add_location``: one per distinct place (bases first), ``x`` = its matrix row.
* ``add_depot``: one per distinct base.
* ``add_vehicle_type``: one per advisor-day (one vehicle), from and back to the
  advisor's base, time window = the daily window, ``shift_duration`` = its length,
  ``max_distance`` = the optional daily driving limit.
* ``add_client_group(required=False)``: one per stop occurrence, so an occurrence is
  visited at most once; ``add_client``: one per slot of the occurrence (optional, the
  occurrence's prize, time window = the slot, latest start = end - permanence), so a
  permanence never straddles a closing. A client of day ``d`` can only be served by
  a vehicle of day ``d``: their time windows do not overlap otherwise.
* ``add_edge``: one per pair of places joined by a road. The *distance* carries
  driving **seconds** (the objective is driving time; the driving limit is a distance
  limit); the *duration* carries driving time rounded **up** to the whole minute, so
  every time in the plan falls on a minute. Pairs with no road get no edge and count
  :data:`~planner.optimize.routing_slots.NO_ROAD` (``missing_value``).
* :func:`solve_model` stops at ``no_improvement`` iterations without improvement or
  at the time limit, whichever comes first; with a fixed seed the plan is
  reproducible whenever the iteration criterion stops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from pyvrp import Model
from pyvrp import Result as PyVRPResult
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

from planner import config
from planner.data.hours import DAYS
from planner.optimize.routing_input import Advisor, Stop
from planner.optimize.routing_slots import NO_ROAD, Occurrence, Slot

_DAY_S = 86_400
_NO_LIMIT = int(np.iinfo(np.int64).max)  # PyVRP's own default: no driving limit


@dataclass(frozen=True)
class Shift:
    """One advisor-day: what a vehicle type of the model stands for."""

    advisor: int
    week: int  # 0-based
    day: str
    offset: int  # seconds from Monday 00:00 of week 1 to that day's midnight


@dataclass(frozen=True)
class Call:
    """One slot of one occurrence: what a client of the model stands for."""

    occurrence: int
    stop: int
    slot: Slot


@dataclass
class RoutingModel:
    """The PyVRP model and how to read its solution back.

    Attributes
    ----------
    model
        The :class:`pyvrp.Model`.
    places
        Matrix row of each model location.
    shifts
        What each vehicle type stands for, in the model's order (``route.vehicle_type()``).
    calls
        What each client stands for, in the model's order (a client visit's ``idx``).
    """

    model: Model
    places: list[int]
    shifts: list[Shift] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)


def _offset(week: int, day: str) -> int:
    return (7 * week + DAYS.index(day)) * _DAY_S


def build_model(
    advisors: Sequence[Advisor],
    stops: Sequence[Stop],
    occurrences: Sequence[Occurrence],
    prizes: Sequence[int],
    weeks: int,
    travel_min: np.ndarray,
    drive_s: np.ndarray,
) -> RoutingModel:
    """Build the PyVRP model of the plan.

    Parameters
    ----------
    advisors, stops
        The checked inputs.
    occurrences
        Each stop's occurrences and reachable slots (occurrences without a slot are skipped).
    prizes
        Prize of one occurrence of each stop.
    weeks
        The horizon (1 or 2).
    travel_min
        Travel minutes between matrix rows, rounded up (:data:`NO_ROAD` for no road).
    drive_s
        Driving seconds between matrix rows (``inf`` for no road).

    Returns
    -------
    The model, and what its vehicle types and clients stand for.
    """
    model = Model()
    places = list(dict.fromkeys([a.base for a in advisors] + [s.index for s in stops]))
    locations = {p: model.add_location(x=float(p), y=0.0, name=str(p)) for p in places}
    for frm in places:
        for to in places:
            drive = drive_s[frm, to]
            if frm != to and np.isfinite(drive) and drive < NO_ROAD:
                model.add_edge(
                    locations[frm],
                    locations[to],
                    distance=int(np.rint(drive)),
                    duration=int(min(travel_min[frm, to], NO_ROAD)) * 60,
                )
    depots = {
        b: model.add_depot(locations[b], name=str(b))
        for b in dict.fromkeys(a.base for a in advisors)
    }
    out = RoutingModel(model, places)
    for ai, a in enumerate(advisors):
        ws, we = a.window_minutes
        limit = _NO_LIMIT if a.max_drive_minutes is None else int(a.max_drive_minutes * 60)
        for w in range(weeks):
            for d in a.working_days:
                offset = _offset(w, d)
                model.add_vehicle_type(
                    num_available=1,
                    start_depot=depots[a.base],
                    end_depot=depots[a.base],
                    tw_early=offset + ws * 60,
                    tw_late=offset + we * 60,
                    shift_duration=(we - ws) * 60,
                    max_distance=limit,
                    unit_distance_cost=1,
                    name=f"{ai}:{w + 1}:{d}",
                )
                out.shifts.append(Shift(ai, w, d, offset))
    for oi, occ in enumerate(occurrences):
        if not occ.slots:
            continue
        stop = stops[occ.stop]
        group = model.add_client_group(required=False, name=f"{occ.stop}:{oi}")
        for slot in occ.slots:
            offset = _offset(slot.week, slot.day)
            model.add_client(
                locations[stop.index],
                service_duration=round(stop.minutes * 60),
                tw_early=offset + slot.lo * 60,
                tw_late=offset + round((slot.hi - stop.minutes) * 60),
                prize=prizes[occ.stop],
                required=False,
                group=group,
                name=f"{occ.stop}:{slot.week + 1}:{slot.day}",
            )
            out.calls.append(Call(oi, occ.stop, slot))
    return out


def solve_model(
    model: Model,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    no_improvement: int | None = None,
) -> tuple[PyVRPResult, str]:
    """Run PyVRP on a model with the engine settings the planner uses.

    Parameters
    ----------
    model
        The PyVRP model.
    time_limit
        Seconds of search at most (default :data:`planner.config.ROUTING_TIME_LIMIT_S`).
    seed
        Random seed (default :data:`planner.config.DEFAULT_SEED`).
    no_improvement
        Stop after this many iterations without a better solution (default
        :data:`planner.config.NO_IMPROVEMENT_ITERATIONS`).

    Returns
    -------
    PyVRP's result and which criterion stopped the search (``"no_improvement"`` or
    ``"time_limit"``).
    """
    time_limit = config.ROUTING_TIME_LIMIT_S if time_limit is None else time_limit
    seed = config.DEFAULT_SEED if seed is None else seed
    if no_improvement is None:
        no_improvement = config.NO_IMPROVEMENT_ITERATIONS
    stop = MultipleCriteria([NoImprovement(no_improvement), MaxRuntime(time_limit)])
    result = model.solve(stop, seed=seed, collect_stats=False, display=False, missing_value=NO_ROAD)
    stopped_by = "time_limit" if result.runtime >= time_limit else "no_improvement"
    return result, stopped_by

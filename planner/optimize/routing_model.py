"""The PyVRP model of the weekly routes, built with PyVRP's own builder, and the engine.

Modelling choices (PyVRP 0.14, :class:`pyvrp.Model`):

* Time is one axis over the horizon: seconds since Monday 00:00 of week 1, so a day
  ``d`` of week ``w`` starts at ``(7 w + d) * 86400``.
* ``add_location``: one per base, and one per stop place and part of the day (``day``
  without a lunch break; ``am`` and ``pm`` with one), ``x`` = its matrix row.
* ``add_depot``: one per distinct base.
* The lunch break (``add_profile``): advisors whose day holds the lunch window drive on a
  profile whose edges from a morning place (or the base) to an afternoon place (or the
  base) last the break longer; no edge leads from an afternoon place to a morning one. A
  route is base, morning visits, afternoon visits, base: exactly one edge carries the
  break, and a morning visit ends (an afternoon one starts) early (late) enough for the
  break to fall inside the lunch window (:func:`~planner.optimize.routing_slots.session_window`).
* ``add_vehicle_type``: one per advisor-day (one vehicle), from and back to the
  advisor's base, time window = the daily window, ``shift_duration`` = its length,
  ``max_distance`` = the optional daily driving limit.
* ``add_client_group(required=False)``: one per stop occurrence, so an occurrence is
  visited at most once; ``add_client``: one per slot of the occurrence (optional, the
  occurrence's prize, less a small penalty outside its week of the cycle, time window =
  the slot, latest start = end - permanence), so a
  permanence never straddles a closing. A client of day ``d`` can only be served by
  a vehicle of day ``d``: their time windows do not overlap otherwise.
* ``add_edge``: one per pair of places joined by a road. The *distance* carries
  driving **seconds** (the objective is driving time; the driving limit is a distance
  limit); the *duration* carries driving time rounded **up** to the whole minute, so
  every time in the plan falls on the schedule grid (:data:`planner.config.SCHEDULE_STEP_MIN`). Pairs with no road get no edge and count
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
from planner.optimize.routing_input import Advisor, Lunch, Stop
from planner.optimize.routing_slots import (
    AM,
    NO_ROAD,
    OFF_PHASE_PENALTY,
    PM,
    Occurrence,
    Slot,
    lunch_minutes,
    parts,
    session_window,
    step_down,
    step_up,
)

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
    part: str = "day"  # "day", or "am" / "pm" around the lunch break


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
    lunch
        The lunch break of the advisors whose day holds it (None: no break).
    """

    model: Model
    places: list[int]
    shifts: list[Shift] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    lunch: Lunch | None = None


def _prize(prize: int, slot: Slot) -> int:
    """The occurrence's prize, less :data:`OFF_PHASE_PENALTY` outside its week of the cycle."""
    if slot.preferred or prize <= 2 * OFF_PHASE_PENALTY:
        return prize
    return prize - OFF_PHASE_PENALTY


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
    lunch: Lunch | None = None,
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
        The horizon (1, 2 or 4).
    travel_min
        Travel minutes between matrix rows on the schedule grid (:data:`NO_ROAD` for no road).
    drive_s
        Driving seconds between matrix rows (``inf`` for no road).
    lunch
        The lunch break (None: none).

    Returns
    -------
    The model, and what its vehicle types and clients stand for.
    """
    model = Model()
    bases = list(dict.fromkeys(a.base for a in advisors))
    places = bases + [s.index for s in stops]
    kinds = [("base", b) for b in bases] + [
        (part, p) for p in dict.fromkeys(s.index for s in stops) for part in parts(lunch)
    ]
    locations = {k: model.add_location(x=float(k[1]), y=0.0, name=f"{k[0]}:{k[1]}") for k in kinds}
    places = [k[1] for k in kinds]
    brk = lunch_minutes(lunch)
    # PyVRP gives profile 0 to vehicle types without one: the plain profile comes first.
    plain = model.add_profile(name="sans pause") if lunch is not None else None
    profile = model.add_profile(name="déjeuner") if lunch is not None else None
    for frm in kinds:
        for to in kinds:
            drive = drive_s[frm[1], to[1]]
            if frm == to or not (np.isfinite(drive) and drive < NO_ROAD) or (frm[0] == PM and to[0] == AM):
                continue
            if frm[0] == "base" and to[0] == "base":
                continue
            minutes = int(min(travel_min[frm[1], to[1]], NO_ROAD))
            model.add_edge(locations[frm], locations[to], distance=int(np.rint(drive)),
                           duration=minutes * 60)
            if profile is not None and frm[0] in ("base", AM) and to[0] in ("base", PM):
                model.add_edge(locations[frm], locations[to], distance=int(np.rint(drive)),
                               duration=(minutes + brk) * 60, profile=profile)
    depots = {b: model.add_depot(locations[("base", b)], name=str(b)) for b in bases}
    out = RoutingModel(model, places, lunch=lunch)
    for ai, a in enumerate(advisors):
        ws, we = step_up(a.window_minutes[0]), step_down(a.window_minutes[1])
        limit = _NO_LIMIT if a.max_drive_minutes is None else int(a.max_drive_minutes * 60)
        on = profile if profile is not None and lunch is not None and lunch.applies(a) else plain
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
                    profile=on,
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
            for part in parts(lunch):
                window = session_window(slot.lo, slot.hi, float(stop.minutes), part, lunch)
                if window is None:
                    continue
                model.add_client(
                    locations[(part, stop.index)],
                    service_duration=round(stop.minutes * 60),
                    tw_early=offset + window[0] * 60,
                    tw_late=offset + window[1] * 60,
                    prize=_prize(prizes[occ.stop], slot),
                    required=False,
                    group=group,
                    name=f"{occ.stop}:{slot.week + 1}:{slot.day}:{part}",
                )
                out.calls.append(Call(oi, occ.stop, slot, part))
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

"""When each stop may be held: its occurrences, their time slots, their prizes, and why not.

A stop of period ``p`` weeks (1, 2 or 4) on a horizon of ``W`` weeks has ``W / p``
occurrences; each may be held in any week of its period but prefers its *phase*, chosen
so that the stops of each base are spread evenly over the cycle (:func:`phases`): a slot
in another week is worth :data:`OFF_PHASE_PENALTY` less. A stop with a fixed
``week_offset`` (a locked stop of the current tour, held in odd or even weeks) has slots
in that week of each period only. A slot is one
(week, day, opening interval) alternative: the host's opening interval that day
intersected with the working windows of the advisors working that day (unknown hours:
the whole window). With a lunch break each slot is held either in the morning part
(``am``: the permanence ends early enough to leave the break after it, before the end of
the lunch window) or in the afternoon part (``pm``: it starts late enough to leave the
break before it); a permanence that would cover the lunch window is impossible. Slots
that no advisor can reach with a single visit (base → stop → base inside the window and
within the driving limit, the break included) are dropped; an occurrence left with no
slot carries the French reason. Every time is on the :data:`planner.config.SCHEDULE_STEP_MIN`
grid: travel rounded up, windows shrunk inwards, so rounding never leaves a window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from planner import config, fr
from planner.data.hours import DAY_LABELS, DAYS, minutes
from planner.optimize.routing_input import FREQUENCIES, Advisor, Lunch, Stop, numbered_label

#: Prize (in driving seconds) of the smallest positive demand, the cap, and a required stop.
MIN_PRIZE = 50_000
MAX_PRIZE = 5_000_000
REQUIRED_PRIZE = 50_000_000
#: Travel time used for pairs with no road (seconds, or minutes): never feasible within a day.
NO_ROAD = 10**9
#: Prize given up (driving seconds) when an occurrence is held outside its week of the cycle.
OFF_PHASE_PENALTY = 1_800
#: Parts of a day a permanence may take: the whole day (no lunch break), or before/after it.
DAY, AM, PM = "day", "am", "pm"


def step_up(value: float, step: int | None = None) -> int:
    """``value`` (minutes) rounded up to the schedule grid."""
    step = step or config.SCHEDULE_STEP_MIN
    return int(math.ceil(round(value, 6) / step) * step)


def step_down(value: float, step: int | None = None) -> int:
    """``value`` (minutes) rounded down to the schedule grid."""
    step = step or config.SCHEDULE_STEP_MIN
    return int(math.floor(round(value, 6) / step) * step)


def travel_minutes(durations: np.ndarray) -> np.ndarray:
    """Travel seconds rounded **up** to the schedule grid (minutes); :data:`NO_ROAD` where no road."""
    step = config.SCHEDULE_STEP_MIN
    finite = np.isfinite(durations)
    return np.where(finite, np.ceil(np.where(finite, durations, 0) / (60 * step)) * step, NO_ROAD)


def parts(lunch: Lunch | None) -> tuple[str, ...]:
    """The parts of a day a permanence may take."""
    return (DAY,) if lunch is None else (AM, PM)


def lunch_minutes(lunch: Lunch | None) -> int:
    """The break on the schedule grid (0 without a break)."""
    return 0 if lunch is None else step_up(float(lunch.minutes))


def session_window(lo: int, hi: int, length: float, part: str, lunch: Lunch | None) -> tuple[int, int] | None:
    """Earliest and latest start of a permanence of ``length`` in ``[lo, hi]`` in that part of the day.

    ``am``: it ends by the end of the lunch window less the break; ``pm``: it starts after the
    start of the lunch window plus the break. ``None`` when it cannot.
    """
    latest_end = float(hi)
    earliest = float(lo)
    if lunch is not None:
        ls, le = lunch.window_minutes
        if part == AM:
            latest_end = min(latest_end, le - lunch_minutes(lunch))
        elif part == PM:
            earliest = max(earliest, ls + lunch_minutes(lunch))
    first, last = step_up(earliest), step_down(latest_end - length)
    return (first, last) if last >= first else None


def single_visit_fits(
    lo: int, hi: int, length: float, window: tuple[int, int], out: float, back: float,
    lunch: Lunch | None, has_lunch: bool,
) -> bool:
    """Whether base → stop → base fits one permanence in ``[lo, hi]`` within the advisor's window.

    ``out`` and ``back`` are travel minutes (rounded up to the grid here); ``has_lunch``:
    whether the advisor's day takes the break (it then sits between the permanence and the
    base on the side away from the lunch window). The plan's « fits in a day » filter and
    the routing model's slots both use this test.
    """
    ws, we = step_up(window[0]), step_down(window[1])
    out, back = step_up(out), step_up(back)
    brk = lunch_minutes(lunch) if has_lunch else 0
    for part in parts(lunch):
        win = session_window(lo, hi, length, part, lunch)
        if win is None:
            continue
        first, last = win
        start = max(first, ws + out + (brk if part == PM else 0))
        if start <= last and start + length + back + (brk if part == AM else 0) <= we:
            return True
    return False


@dataclass(frozen=True)
class Slot:
    """One alternative of an occurrence: a day of a week and an opening interval."""

    week: int  # 0-based
    day: str
    lo: int  # minutes since midnight: earliest start
    hi: int  # minutes since midnight: latest end
    preferred: bool = True  # in the occurrence's week of the cycle (its phase)


@dataclass
class Occurrence:
    """One visit a stop asks for, with the slots it may take (or the reason there are none)."""

    stop: int
    week: int | None  # 0-based week of a weekly occurrence; None when it may take any week of its period
    slots: list[Slot] = field(default_factory=list)
    reason: str | None = None


def _intervals(stop: Stop, day: str, envelope: tuple[int, int]) -> list[tuple[int, int]]:
    """Open intervals of the host that day, clipped to the advisors' envelope (minutes)."""
    lo_env, hi_env = envelope
    spans = (
        [(lo_env, hi_env)]
        if stop.hours is None
        else [(minutes(o), minutes(c)) for o, c in stop.hours.get(day, [])]
    )
    return [(max(o, lo_env), min(c, hi_env)) for o, c in spans if min(c, hi_env) > max(o, lo_env)]


def phases(stops: Sequence[Stop], advisors: Sequence[Advisor], travel_min: np.ndarray) -> list[int]:
    """The week of its period (0-based) in which each stop is held, spreading the cycle evenly.

    Stops of one period are grouped by nearest base; each group is ordered along a
    nearest-neighbour chain from its base and cut into consecutive runs, one per week of the
    period (neighbours share a week, every week gets its share of each base's stops); a
    group's leftover stops go to the weeks with the fewest so far, so totals stay even. Stops with
    no demand (worth nothing to the plan) are spread afterwards, where there is room. A stop
    with a fixed :attr:`Stop.week_offset` keeps it, and counts in its base's and week's load.
    """
    out = [0 if s.week_offset is None else int(s.week_offset) for s in stops]
    bases = sorted({a.base for a in advisors})

    def nearest(i: int) -> int:
        return min(bases, key=lambda b: (travel_min[b, stops[i].index], b))

    for period in sorted({FREQUENCIES[s.frequency] for s in stops}):
        if period == 1:
            continue
        same = [i for i, s in enumerate(stops) if FREQUENCIES[s.frequency] == period]
        fixed = [i for i in same if stops[i].week_offset is not None]
        members = [i for i in same if i not in fixed and (stops[i].demand > 0 or stops[i].required)]
        idle = [i for i in same if i not in fixed and i not in members]
        groups: dict[int, list[int]] = {}
        for i in members:
            groups.setdefault(nearest(i), []).append(i)
        load = [0] * period
        held: dict[int, list[int]] = {}  # base → stops held each week by fixed stops
        for i in fixed:
            load[out[i]] += 1
            held.setdefault(nearest(i), [0] * period)[out[i]] += 1
        for base, group in sorted(groups.items()):
            chain, here, left = [], base, list(group)
            while left:
                nxt = min(left, key=lambda i: (travel_min[here, stops[i].index], i))
                chain.append(nxt)
                left.remove(nxt)
                here = stops[nxt].index
            own = held.get(base, [0] * period)
            counts = [0] * period
            for _ in chain:  # fill the weeks this base holds least, then the least loaded overall
                w = min(range(period), key=lambda w: (own[w] + counts[w], load[w] + counts[w], w))
                counts[w] += 1
            weeks_of = [w for w in range(period) for _ in range(counts[w])]
            for i, w in zip(chain, weeks_of):
                out[i] = w
                load[w] += 1
        for i in idle:  # stops worth nothing go where there is room left
            out[i] = load.index(min(load))
            load[out[i]] += 1
    return out


def occurrences(
    stops: Sequence[Stop],
    advisors: Sequence[Advisor],
    weeks: int,
    travel_min: np.ndarray,
    drive_s: np.ndarray,
    lunch: Lunch | None = None,
) -> list[Occurrence]:
    """List each stop's occurrences with their reachable slots.

    Parameters
    ----------
    stops, advisors
        The checked inputs.
    weeks
        The horizon (1, 2 or 4).
    travel_min
        Travel minutes on the schedule grid (:data:`NO_ROAD` for no road).
    drive_s
        Driving seconds (``inf`` for no road).
    lunch
        The advisors' lunch break (None: none).

    Returns
    -------
    The occurrences, stop by stop, week by week.
    """
    worked = [d for d in config.WORKING_DAYS if any(d in a.working_days for a in advisors)]
    envelope = {
        d: (
            min(a.window_minutes[0] for a in advisors if d in a.working_days),
            max(a.window_minutes[1] for a in advisors if d in a.working_days),
        )
        for d in worked
    }
    phase = phases(stops, advisors, travel_min)
    out: list[Occurrence] = []
    for si, stop in enumerate(stops):
        period = FREQUENCIES[stop.frequency]
        groups = [list(range(k * period, (k + 1) * period)) for k in range(weeks // period)]
        common = [d for d in worked if stop.hours is None or d in stop.hours]
        length = float(stop.minutes)
        reason: str | None = None
        raw = [
            Slot(0, d, lo, hi)
            for d in common
            for lo, hi in _intervals(stop, d, envelope[d])
            if any(session_window(lo, hi, length, p, lunch) for p in parts(lunch))
        ]
        if not common:
            opened = ", ".join(DAY_LABELS[d] for d in DAYS if stop.hours and d in stop.hours)
            reason = "aucun jour d'ouverture commun avec les jours travaillés" + (
                f" (ouvert : {opened})" if opened else ""
            )
        elif not raw:
            reason = (
                f"aucune plage d'ouverture de {fr.duration(length)} pendant les heures de "
                "travail des conseillers" + (", hors pause déjeuner" if lunch is not None else "")
            )
        feasible = [s for s in raw if _reachable(s, stop, advisors, travel_min, drive_s, lunch)]
        if raw and not feasible:
            reason = _unreachable_reason(stop, advisors, common, drive_s)
        for group in groups:
            if stop.week_offset is not None:  # held in that week of its period only
                group = [group[0] + int(stop.week_offset)]
            slots = [Slot(w, s.day, s.lo, s.hi, w % period == phase[si]) for w in group for s in feasible]
            fixed = len(group) == 1 and weeks > 1
            out.append(Occurrence(si, group[0] if fixed else None, slots, reason))
    return out


def _reachable(
    slot: Slot,
    stop: Stop,
    advisors: Sequence[Advisor],
    travel_min: np.ndarray,
    drive_s: np.ndarray,
    lunch: Lunch | None = None,
) -> bool:
    """Whether some advisor working that day can do base → stop → base in this slot."""
    for a in advisors:
        if slot.day not in a.working_days:
            continue
        out, back = travel_min[a.base, stop.index], travel_min[stop.index, a.base]
        has_lunch = lunch is not None and lunch.applies(a)
        if not single_visit_fits(slot.lo, slot.hi, float(stop.minutes), a.window_minutes, out, back,
                                 lunch, has_lunch):
            continue
        if a.max_drive_minutes is not None and (
            drive_s[a.base, stop.index] + drive_s[stop.index, a.base] > a.max_drive_minutes * 60
        ):
            continue
        return True
    return False


def _unreachable_reason(
    stop: Stop, advisors: Sequence[Advisor], common: list[str], drive_s: np.ndarray
) -> str:
    """French reason for a stop no advisor can reach and serve within a day."""
    trips = [
        (drive_s[a.base, stop.index] + drive_s[stop.index, a.base], i)
        for i, a in enumerate(advisors)
        if set(a.working_days) & set(common)
    ]
    trip, i = min(trips)
    a = advisors[i]
    base = a.base_name or f"la base du {numbered_label(a, i)}"
    if not math.isfinite(trip) or trip >= NO_ROAD:
        return f"inaccessible par la route depuis {base}"
    ws, we = a.window_minutes
    out_s, back_s = drive_s[a.base, stop.index], drive_s[stop.index, a.base]
    road = f"{fr.duration(out_s / 60)} de route"
    if fr.duration(out_s / 60) == fr.duration(back_s / 60):
        road += " à l'aller comme au retour"
    else:
        road += f" à l'aller, {fr.duration(back_s / 60)} au retour"
    if step_up(out_s / 60) + step_up(back_s / 60) + stop.minutes > step_down(we) - step_up(ws):
        return (
            f"hors d'atteinte dans la journée depuis {base} : {road}, pour une permanence de "
            f"{fr.duration(stop.minutes)} dans une journée de {fr.duration(we - ws)}"
        )
    limit = a.max_drive_minutes
    if limit is not None and trip > limit * 60:
        return (
            f"au-delà de la limite de conduite quotidienne ({fr.duration(limit)}) depuis "
            f"{base} : {fr.duration(trip / 60)} de route aller-retour"
        )
    return (
        f"horaires d'ouverture incompatibles avec le trajet depuis {base} ({road}) : aucune "
        f"plage de {fr.duration(stop.minutes)} atteignable dans la journée"
    )


def prizes(stops: Sequence[Stop]) -> list[int]:
    """Integer prize of one occurrence of each stop.

    An optional stop's prize is its demand scaled so that the smallest positive demand is
    worth :data:`MIN_PRIZE` driving seconds (more than a day allows), capped at
    :data:`MAX_PRIZE`; a required stop is worth :data:`REQUIRED_PRIZE`.
    """
    positive = [s.demand for s in stops if s.demand > 0 and not s.required]
    if positive:
        factor = MIN_PRIZE / min(positive)
        factor = min(factor, MAX_PRIZE / max(positive))
    else:
        factor = 0.0
    return [REQUIRED_PRIZE if s.required else round(s.demand * factor) for s in stops]


def leftover_reason(stop: Stop, prize: int, weeks: int, week: int | None) -> str:
    """French reason for an occurrence the solver could place but left out (``week`` 1-based)."""
    if not stop.required and prize == 0:
        return "aucune demande à servir"
    if week is not None:
        horizon = f"en semaine {week}"
    else:
        horizon = "dans la semaine" if weeks == 1 else f"sur le cycle de {weeks} semaines"
    text = f"pas assez de temps {horizon}"
    if not stop.required:
        text += " : d'autres arrêts servent plus de public ou sont mieux placés"
    return text

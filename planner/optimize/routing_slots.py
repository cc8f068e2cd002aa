"""When each stop may be held: its occurrences, their time slots, their prizes, and why not.

A weekly stop on a two-week horizon has one occurrence per week; a fortnightly
stop has one occurrence whose slots span both weeks. A slot is one (week, day,
opening interval) alternative: the host's opening interval that day intersected
with the working windows of the advisors working that day (unknown hours: the
whole window). Slots that no advisor can reach with a single visit (base → stop →
base inside the window and within the driving limit) are dropped; an occurrence
left with no slot carries the French reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from planner import config, fr
from planner.data.hours import DAY_LABELS, DAYS, minutes
from planner.optimize.routing_input import FREQUENCIES, Advisor, Stop, numbered_label

#: Prize (in driving seconds) of the smallest positive demand, the cap, and a required stop.
MIN_PRIZE = 50_000
MAX_PRIZE = 5_000_000
REQUIRED_PRIZE = 50_000_000
#: Travel time used for pairs with no road (seconds, or minutes): never feasible within a day.
NO_ROAD = 10**9


def travel_minutes(durations: np.ndarray) -> np.ndarray:
    """Travel seconds rounded **up** to whole minutes; :data:`NO_ROAD` where there is no road."""
    finite = np.isfinite(durations)
    return np.where(finite, np.ceil(np.where(finite, durations, 0) / 60), NO_ROAD)


@dataclass(frozen=True)
class Slot:
    """One alternative of an occurrence: a day of a week and an opening interval."""

    week: int  # 0-based
    day: str
    lo: int  # minutes since midnight: earliest start
    hi: int  # minutes since midnight: latest end


@dataclass
class Occurrence:
    """One visit a stop asks for, with the slots it may take (or the reason there are none)."""

    stop: int
    week: int | None  # 0-based; None when the occurrence spans the horizon (fortnightly)
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


def occurrences(
    stops: Sequence[Stop],
    advisors: Sequence[Advisor],
    weeks: int,
    travel_min: np.ndarray,
    drive_s: np.ndarray,
) -> list[Occurrence]:
    """List each stop's occurrences with their reachable slots.

    Parameters
    ----------
    stops, advisors
        The checked inputs.
    weeks
        The horizon (1 or 2).
    travel_min
        Travel minutes, rounded up (:data:`NO_ROAD` for no road).
    drive_s
        Driving seconds (``inf`` for no road).

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
    out: list[Occurrence] = []
    for si, stop in enumerate(stops):
        span = FREQUENCIES[stop.frequency]
        groups = [[w] for w in range(weeks)] if span == 1 else [list(range(weeks))]
        common = [d for d in worked if stop.hours is None or d in stop.hours]
        length = float(stop.minutes)
        reason: str | None = None
        raw = [
            Slot(0, d, lo, hi)
            for d in common
            for lo, hi in _intervals(stop, d, envelope[d])
            if hi - lo >= length
        ]
        if not common:
            opened = ", ".join(DAY_LABELS[d] for d in DAYS if stop.hours and d in stop.hours)
            reason = "aucun jour d'ouverture commun avec les jours travaillés" + (
                f" (ouvert : {opened})" if opened else ""
            )
        elif not raw:
            reason = (
                f"aucune plage d'ouverture de {fr.duration(length)} pendant les heures de "
                "travail des conseillers"
            )
        feasible = [s for s in raw if _reachable(s, stop, advisors, travel_min, drive_s)]
        if raw and not feasible:
            reason = _unreachable_reason(stop, advisors, common, drive_s)
        for group in groups:
            slots = [Slot(w, s.day, s.lo, s.hi) for w in group for s in feasible]
            out.append(Occurrence(si, group[0] if span == 1 and weeks > 1 else None, slots, reason))
    return out


def _reachable(
    slot: Slot,
    stop: Stop,
    advisors: Sequence[Advisor],
    travel_min: np.ndarray,
    drive_s: np.ndarray,
) -> bool:
    """Whether some advisor working that day can do base → stop → base in this slot."""
    for a in advisors:
        if slot.day not in a.working_days:
            continue
        ws, we = a.window_minutes
        out, back = travel_min[a.base, stop.index], travel_min[stop.index, a.base]
        start = max(ws + out, slot.lo)
        if start + stop.minutes > slot.hi or start + stop.minutes + back > we:
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
    if math.ceil(out_s / 60) + math.ceil(back_s / 60) + stop.minutes > we - ws:
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
        horizon = "dans la semaine" if weeks == 1 else "sur les deux semaines"
    text = f"pas assez de temps {horizon}"
    if not stop.required:
        text += " : d'autres arrêts servent plus de public ou sont mieux placés"
    return text

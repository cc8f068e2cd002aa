"""Weekly itinerant routes: which advisor holds which permanence, on which day, in what order.

The plan is a prize-collecting vehicle routing problem with time windows and
alternatives, solved with PyVRP (0.14). Inputs are plain dataclasses over a
road matrix: :class:`Advisor` (home base, working days, daily window, optional
daily driving limit) and :class:`Stop` (permanence length, frequency, host
opening hours, demand served, required or optional). :func:`plan_routes`
validates them (French :class:`~planner.schema.DataError` for impossible
settings, never a solver crash), builds the model, solves it (seeded, time
limited) and returns a :class:`RoutePlan`.

Modelling choices
-----------------
* Time is one axis over the horizon: seconds since Monday 00:00 of week 1, so a
  day ``d`` of week ``w`` starts at ``(7 w + d) * 86400``.
* One vehicle type per advisor-day (one vehicle): its depot is the advisor's
  base, its time window the daily window (leave the base and come back inside
  it), ``shift_duration`` the window length.
* One client per (stop occurrence, day, opening interval) alternative, with the
  host's opening interval that day intersected with the advisors' windows that
  day as time window (latest start = close - permanence), so a permanence never
  straddles a closing. A client of day ``d`` can only be served by a vehicle of
  day ``d``: their time windows do not overlap otherwise. Unknown hours: the
  advisors' window on every working day.
* The alternatives of one occurrence form a mutually exclusive client group, so
  an occurrence is visited at most once. A weekly stop on a two-week horizon has
  one occurrence (group) per week; a fortnightly stop has one occurrence whose
  alternatives span both weeks.
* PyVRP's *distance* dimension carries driving **seconds** (not metres): the
  objective is driving time, and the optional daily driving limit is the vehicle
  type's ``max_distance``. Kilometres are reported afterwards from the distance
  matrix.
* The *duration* dimension carries driving time rounded **up** to the whole
  minute, so every time in the plan falls on a minute and arrival = departure +
  that travel time exactly.
* Prizes: an optional occurrence's prize is its demand scaled so that the
  smallest positive demand is worth more driving than a day allows
  (:data:`MIN_PRIZE` seconds), capped at :data:`MAX_PRIZE`; the plan therefore
  keeps every stop that fits and, when not all fit, the most valuable ones.
  Required occurrences are optional groups with a prize far above any optional
  one, so they are always placed when they can be and the plan is never
  "infeasible"; a required occurrence left out is reported with its reason.
* Occurrences whose every alternative fails a single-visit round-trip check
  (base → stop → base inside the window, within the driving limit) never reach
  the solver; they are reported with the reason.
* The engine (:func:`solve_problem`) stops at :data:`NO_IMPROVEMENT_ITERATIONS`
  iterations without improvement or at the time limit, whichever comes first;
  with a fixed seed the plan is reproducible whenever the iteration criterion
  stops it (reported in ``solver.stopped_by``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, VehicleType
from pyvrp import Result as PyVRPResult
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

from planner.hours import DAY_LABELS, DAYS, WeeklyHours, minutes
from planner.schema import DataError

log = logging.getLogger(__name__)

#: Days an advisor may work (lundi..samedi).
WORKING_DAYS: tuple[str, ...] = DAYS[:6]
#: Stop frequencies and the number of weeks between two visits.
FREQUENCIES: dict[str, int] = {"weekly": 1, "fortnightly": 2}
#: Default daily window of an advisor (leaving and coming back to the base).
DEFAULT_WINDOW: tuple[str, str] = ("09:00", "17:00")
#: Default permanence length, minutes.
DEFAULT_STOP_MINUTES = 180.0
#: Default solver time limit, seconds, and seed.
DEFAULT_TIME_LIMIT_S = 10.0
DEFAULT_SEED = 1
#: The search stops after this many iterations without improvement (deterministic).
NO_IMPROVEMENT_ITERATIONS = 5_000
#: Prize (in driving seconds) of the smallest positive demand, the cap, and a required stop.
MIN_PRIZE = 50_000
MAX_PRIZE = 5_000_000
REQUIRED_PRIZE = 50_000_000
#: Travel time used for pairs with no road (seconds): never feasible within a day.
_NO_ROAD = 10**9
_DAY_S = 86_400
_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


# --------------------------------------------------------------------------- inputs


@dataclass
class Advisor:
    """An itinerant advisor.

    Parameters
    ----------
    base
        Row/column of the home base in the travel matrices.
    days
        Working days among ``lun`` .. ``sam`` (:data:`planner.hours.DAYS` keys).
    window
        Daily window ``("HH:MM", "HH:MM")``: leave the base and come back inside it.
    max_drive_minutes
        Optional limit on driving per day, minutes.
    name
        Label of the advisor (shown in plans).
    base_name
        Label of the base (commune or site), used in messages.
    """

    base: int
    days: tuple[str, ...] = ("lun", "mar", "mer", "jeu", "ven")
    window: tuple[str, str] = DEFAULT_WINDOW
    max_drive_minutes: float | None = None
    name: str = ""
    base_name: str = ""


@dataclass
class Stop:
    """A place where a permanence may be held.

    Parameters
    ----------
    index
        Row/column of the place in the travel matrices.
    name
        Label of the place.
    key
        Caller's identifier (e.g. a ``site_id``), copied to the plan.
    minutes
        Permanence length, minutes.
    frequency
        ``"weekly"`` or ``"fortnightly"`` (every two weeks on a two-week horizon).
    hours
        Host's weekly opening hours (:mod:`planner.hours` structure), ``None`` if unknown.
    demand
        Demand served by a visit (the prize of optional stops), ``>= 0``.
    required
        Whether the stop must be visited at its frequency.
    """

    index: int
    name: str = ""
    key: str = ""
    minutes: float = DEFAULT_STOP_MINUTES
    frequency: str = "weekly"
    hours: WeeklyHours | None = None
    demand: float = 1.0
    required: bool = False

    def __post_init__(self) -> None:
        # A missing value read from a table (NaN) means unknown hours.
        if isinstance(self.hours, float) and math.isnan(self.hours):
            self.hours = None


# --------------------------------------------------------------------------- result


@dataclass
class Visit:
    """One permanence in the plan. Times are ``HH:MM`` of that day, plus seconds since midnight."""

    stop: int
    key: str
    name: str
    location: int
    week: int
    day: str
    arrival: str
    start: str
    end: str
    arrival_s: int
    start_s: int
    end_s: int
    wait_minutes: float
    drive_minutes: float
    km: float
    demand: float
    required: bool


@dataclass
class DayPlan:
    """An advisor's day: leave the base, hold the visits in order, come back."""

    advisor: int
    week: int
    day: str
    visits: list[Visit] = field(default_factory=list)
    departure: str | None = None
    back: str | None = None
    departure_s: int | None = None
    back_s: int | None = None
    return_drive_minutes: float = 0.0
    return_km: float = 0.0
    drive_minutes: float = 0.0
    km: float = 0.0

    @property
    def presence_minutes(self) -> float:
        """Minutes of permanence held this day."""
        return sum((v.end_s - v.start_s) / 60 for v in self.visits)


@dataclass
class AdvisorPlan:
    """An advisor's horizon: every working day (empty days included), in order."""

    advisor: int
    name: str
    base: int
    base_name: str
    days: list[DayPlan] = field(default_factory=list)

    @property
    def drive_minutes(self) -> float:
        """Driving minutes over the horizon."""
        return sum(d.drive_minutes for d in self.days)

    @property
    def km(self) -> float:
        """Kilometres driven over the horizon."""
        return sum(d.km for d in self.days)

    @property
    def presence_minutes(self) -> float:
        """Minutes of permanence over the horizon."""
        return sum(d.presence_minutes for d in self.days)

    @property
    def visits(self) -> list[Visit]:
        """Every visit of the advisor, in time order."""
        return [v for d in self.days for v in d.visits]


@dataclass
class Unvisited:
    """A stop occurrence left out of the plan, with the reason in French."""

    stop: int
    key: str
    name: str
    week: int | None
    required: bool
    reason: str


@dataclass
class SolverReport:
    """What the routing engine did."""

    status: str  # "feasible", "infeasible" or "not_run" (nothing to route)
    #: Driving seconds plus the prizes of the occurrences the solver could place but left out.
    objective: int | None
    runtime_s: float
    iterations: int
    seed: int
    time_limit_s: float
    stopped_by: str  # "no_improvement", "time_limit" or "not_run"
    clients: int
    vehicle_types: int

    @property
    def reproducible(self) -> bool:
        """Whether the same seed gives the same plan (the iteration criterion stopped it)."""
        return self.stopped_by in ("no_improvement", "not_run")

    @property
    def status_text(self) -> str:
        """The status, in French."""
        return {
            "feasible": "plan trouvé",
            "infeasible": "aucun plan respectant toutes les contraintes",
            "not_run": "aucun arrêt atteignable : rien à optimiser",
        }.get(self.status, self.status)


@dataclass
class RoutePlan:
    """The weekly plan: per advisor and day, the ordered visits; the stops left out; totals.

    Attributes
    ----------
    advisors
        One :class:`AdvisorPlan` per advisor, in input order.
    unvisited
        Every stop occurrence left out, with its reason in French.
    weeks
        Horizon length (1, or 2 when a stop is fortnightly).
    demand_served
        Demand of the distinct stops visited at least once.
    demand_total
        Demand of all stops.
    solver
        Engine report (status, objective, runtime, iterations, seed, stop criterion).
    """

    advisors: list[AdvisorPlan]
    unvisited: list[Unvisited]
    weeks: int
    demand_served: float
    demand_total: float
    solver: SolverReport

    @property
    def visits(self) -> list[Visit]:
        """Every visit, advisor by advisor, in time order."""
        return [v for a in self.advisors for v in a.visits]

    @property
    def drive_minutes(self) -> float:
        """Driving minutes of all advisors over the horizon."""
        return sum(a.drive_minutes for a in self.advisors)

    @property
    def km(self) -> float:
        """Kilometres of all advisors over the horizon."""
        return sum(a.km for a in self.advisors)

    @property
    def presence_minutes(self) -> float:
        """Minutes of permanence of all advisors over the horizon."""
        return sum(a.presence_minutes for a in self.advisors)

    @property
    def complete(self) -> bool:
        """Whether every stop occurrence is in the plan."""
        return not self.unvisited

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as JSON-ready plain data (English keys, French reasons)."""
        advisors = []
        for a in self.advisors:
            days = []
            for d in a.days:
                days.append(
                    {
                        "week": d.week,
                        "day": d.day,
                        "departure": d.departure,
                        "back": d.back,
                        "visits": [asdict(v) for v in d.visits],
                        "drive_minutes": round(d.drive_minutes, 1),
                        "km": round(d.km, 2),
                        "presence_minutes": d.presence_minutes,
                    }
                )
            advisors.append(
                {
                    "advisor": a.advisor,
                    "name": a.name,
                    "base": a.base,
                    "base_name": a.base_name,
                    "days": days,
                    "drive_minutes": round(a.drive_minutes, 1),
                    "km": round(a.km, 2),
                    "presence_minutes": a.presence_minutes,
                }
            )
        solver = asdict(self.solver)
        solver.update(reproducible=self.solver.reproducible, status_text=self.solver.status_text)
        return {
            "weeks": self.weeks,
            "advisors": advisors,
            "stops": [
                {
                    "key": v.key,
                    "name": v.name,
                    "advisor": a.advisor,
                    "week": v.week,
                    "day": v.day,
                    "arrival": v.arrival,
                    "start": v.start,
                    "end": v.end,
                }
                for a in self.advisors
                for v in a.visits
            ],
            "unvisited": [asdict(u) for u in self.unvisited],
            "demand_served": self.demand_served,
            "demand_total": self.demand_total,
            "drive_hours": round(self.drive_minutes / 60, 2),
            "km": round(self.km, 2),
            "presence_hours": round(self.presence_minutes / 60, 2),
            "solver": solver,
        }


# --------------------------------------------------------------------------- formatting


def format_minutes(value: float) -> str:
    """Return a duration in French: ``"3 h 10"``, ``"2 h"``, ``"45 min"``."""
    total = round(value)
    h, m = divmod(total, 60)
    if h == 0:
        return f"{m} min"
    return f"{h} h" if m == 0 else f"{h} h {m:02d}"


def _clock(seconds: int) -> str:
    """Return ``HH:MM`` for seconds since midnight."""
    total = int(seconds) // 60
    return f"{total // 60:02d}:{total % 60:02d}"


# --------------------------------------------------------------------------- validation


def _advisor_label(i: int, advisor: Advisor) -> str:
    return f"conseiller « {advisor.name} »" if advisor.name else f"conseiller n° {i + 1}"


def _stop_label(i: int, stop: Stop) -> str:
    return f"arrêt « {stop.name} »" if stop.name else f"arrêt n° {i + 1}"


def _parse_clock(text: str, where: str) -> int:
    match = _HHMM.match(str(text).strip())
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise DataError(
            f"{where} : heure invalide « {text} »",
            column="horaires",
            hint="écrivez les heures au format HH:MM, par exemple 09:00",
        )
    return int(match.group(1)) * 60 + int(match.group(2))


def _as_matrix(values: Any, what: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"la matrice des {what} contient des valeurs non numériques", column=what
        ) from exc
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise DataError(
            f"la matrice des {what} doit être carrée et non vide, reçu la forme {array.shape}",
            column=what,
        )
    if np.any(array < 0):
        raise DataError(f"la matrice des {what} contient des valeurs négatives", column=what)
    return np.where(np.isnan(array), np.inf, array)


def _validate(
    advisors: Sequence[Advisor], stops: Sequence[Stop], n: int, weeks: int | None
) -> tuple[list[tuple[int, int]], list[tuple[str, ...]], int]:
    """Check the settings; return each advisor's window (minutes), days, and the horizon."""
    if not advisors:
        raise DataError(
            "aucun conseiller", column="conseillers", hint="indiquez au moins un conseiller"
        )
    if not stops:
        raise DataError(
            "aucun arrêt à planifier", column="arrêts", hint="choisissez au moins un arrêt"
        )
    windows, days = [], []
    for i, a in enumerate(advisors):
        who = _advisor_label(i, a)
        if (
            isinstance(a.base, bool)
            or not isinstance(a.base, (int, np.integer))
            or not 0 <= a.base < n
        ):
            raise DataError(
                f"{who} : la base ({a.base}) n'est pas dans la matrice des temps de trajet "
                f"({n} lieux)",
                column="base",
                hint="choisissez une base située dans le territoire",
            )
        a_days = tuple(dict.fromkeys(a.days))
        if not a_days:
            raise DataError(
                f"{who} : aucun jour travaillé",
                column="jours",
                hint="indiquez par exemple lun,mar,mer,jeu,ven",
            )
        bad = [d for d in a_days if d not in WORKING_DAYS]
        if bad:
            raise DataError(
                f"{who} : jour inconnu ou non travaillé « {bad[0]} »",
                column="jours",
                hint="jours possibles : " + ", ".join(WORKING_DAYS),
            )
        if len(a.window) != 2:
            raise DataError(
                f"{who} : la plage horaire doit avoir un début et une fin", column="plage horaire"
            )
        start, end = (_parse_clock(t, who) for t in a.window)
        if end <= start:
            raise DataError(
                f"{who} : la fin de journée ({a.window[1]}) précède le début ({a.window[0]})",
                column="plage horaire",
            )
        if a.max_drive_minutes is not None and not (
            math.isfinite(float(a.max_drive_minutes)) and float(a.max_drive_minutes) > 0
        ):
            raise DataError(
                f"{who} : limite de conduite quotidienne invalide ({a.max_drive_minutes} min)",
                column="conduite maximale",
                hint="donnez un nombre de minutes positif, ou aucune limite",
            )
        windows.append((start, end))
        days.append(tuple(d for d in WORKING_DAYS if d in a_days))
    longest = max(e - s for s, e in windows)
    for i, s in enumerate(stops):
        what = _stop_label(i, s)
        if (
            isinstance(s.index, bool)
            or not isinstance(s.index, (int, np.integer))
            or not 0 <= s.index < n
        ):
            raise DataError(
                f"{what} : le lieu ({s.index}) n'est pas dans la matrice des temps de trajet ({n} lieux)",
                column="arrêts",
            )
        if not (math.isfinite(float(s.minutes)) and float(s.minutes) > 0):
            raise DataError(
                f"{what} : durée de permanence invalide ({s.minutes} min)", column="durée"
            )
        if s.frequency not in FREQUENCIES:
            raise DataError(
                f"{what} : fréquence inconnue « {s.frequency} »",
                column="fréquence",
                hint="« weekly » (chaque semaine) ou « fortnightly » (toutes les deux semaines)",
            )
        if not (math.isfinite(float(s.demand)) and float(s.demand) >= 0):
            raise DataError(f"{what} : demande invalide ({s.demand})", column="demande")
        if s.minutes > longest:
            raise DataError(
                f"{what} : la permanence ({format_minutes(s.minutes)}) est plus longue que la "
                f"journée de travail la plus longue ({format_minutes(longest)})",
                column="durée",
                hint="raccourcissez la permanence ou allongez la plage horaire des conseillers",
            )
        if s.hours is not None and not isinstance(s.hours, dict):
            raise DataError(
                f"{what} : horaires d'ouverture illisibles ({type(s.hours).__name__})",
                column="horaires",
                hint="utilisez la structure de planner.hours (jour → plages HH:MM)",
            )
        for day, spans in (s.hours or {}).items():
            if day not in DAYS:
                raise DataError(f"{what} : jour d'ouverture inconnu « {day} »", column="horaires")
            for span in spans:
                o, c = (_parse_clock(t, what) for t in span)
                if c <= o:
                    raise DataError(
                        f"{what} : plage d'ouverture vide {span[0]}–{span[1]}", column="horaires"
                    )
    shortest = min(float(s.minutes) for s in stops)
    for i, (a, (start, end)) in enumerate(zip(advisors, windows)):
        if end - start < shortest:
            raise DataError(
                f"{_advisor_label(i, a)} : la journée {a.window[0]}–{a.window[1]} "
                f"({format_minutes(end - start)}) est plus courte qu'une permanence "
                f"({format_minutes(shortest)})",
                column="plage horaire",
                hint="allongez la plage horaire ou raccourcissez les permanences",
            )
    needed = 2 if any(s.frequency == "fortnightly" for s in stops) else 1
    if weeks is None:
        weeks = needed
    if weeks not in (1, 2) or weeks < needed:
        raise DataError(
            f"horizon de {weeks} semaine(s) impossible"
            + (" : un arrêt a lieu toutes les deux semaines" if weeks < needed else ""),
            column="semaines",
            hint="1 ou 2 semaines (2 dès qu'un arrêt est bimensuel)",
        )
    return windows, days, weeks


# --------------------------------------------------------------------------- engine


def solve_problem(
    data: ProblemData,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT_S,
    seed: int = DEFAULT_SEED,
    no_improvement: int = NO_IMPROVEMENT_ITERATIONS,
) -> tuple[PyVRPResult, str]:
    """Run PyVRP with the engine settings the planner uses.

    Parameters
    ----------
    data
        The PyVRP instance.
    time_limit
        Seconds of search at most.
    seed
        Random seed.
    no_improvement
        Stop after this many iterations without a better solution.

    Returns
    -------
    PyVRP's result and which criterion stopped the search (``"no_improvement"`` or
    ``"time_limit"``).
    """
    stop = MultipleCriteria([NoImprovement(no_improvement), MaxRuntime(time_limit)])
    result = pyvrp_solve(data, stop, seed=seed, collect_stats=False, display=False)
    stopped_by = "time_limit" if result.runtime >= time_limit else "no_improvement"
    return result, stopped_by


# --------------------------------------------------------------------------- model


@dataclass
class _Alternative:
    week: int
    day: str
    lo: int  # minutes since midnight: earliest start
    hi: int  # minutes since midnight: latest end


@dataclass
class _Occurrence:
    stop: int
    week: int | None  # None when the occurrence spans the horizon (fortnightly)
    alternatives: list[_Alternative]
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


def _occurrences(
    stops: Sequence[Stop],
    advisors: Sequence[Advisor],
    windows: list[tuple[int, int]],
    days: list[tuple[str, ...]],
    weeks: int,
    travel_min: np.ndarray,
    drive_s: np.ndarray,
) -> list[_Occurrence]:
    """List each stop's occurrences with their feasible alternatives (or the reason there are none)."""
    worked = [d for d in WORKING_DAYS if any(d in ds for ds in days)]
    envelope = {
        d: (
            min(w[0] for w, ds in zip(windows, days) if d in ds),
            max(w[1] for w, ds in zip(windows, days) if d in ds),
        )
        for d in worked
    }
    out: list[_Occurrence] = []
    for si, stop in enumerate(stops):
        span = FREQUENCIES[stop.frequency]
        groups = [[w] for w in range(weeks)] if span == 1 else [list(range(weeks))]
        common = [d for d in worked if stop.hours is None or d in stop.hours]
        length = float(stop.minutes)
        reason: str | None = None
        raw: list[_Alternative] = []
        for d in common:
            for lo, hi in _intervals(stop, d, envelope[d]):
                if hi - lo >= length:
                    raw.append(_Alternative(0, d, lo, hi))
        if not common:
            opened = ", ".join(DAY_LABELS[d] for d in DAYS if stop.hours and d in stop.hours)
            reason = "aucun jour d'ouverture commun avec les jours travaillés" + (
                f" (ouvert : {opened})" if opened else ""
            )
        elif not raw:
            reason = (
                f"aucune plage d'ouverture de {format_minutes(length)} pendant les heures de "
                "travail des conseillers"
            )
        feasible = [
            alt
            for alt in raw
            if _reachable(alt, stop, advisors, windows, days, travel_min, drive_s)
        ]
        if raw and not feasible:
            reason = _unreachable_reason(stop, advisors, windows, days, common, drive_s)
        for group in groups:
            alts = [_Alternative(w, a.day, a.lo, a.hi) for w in group for a in feasible]
            out.append(_Occurrence(si, group[0] if span == 1 and weeks > 1 else None, alts, reason))
    return out


def _reachable(
    alt: _Alternative,
    stop: Stop,
    advisors: Sequence[Advisor],
    windows: list[tuple[int, int]],
    days: list[tuple[str, ...]],
    travel_min: np.ndarray,
    drive_s: np.ndarray,
) -> bool:
    """Whether some advisor working that day can do base → stop → base for this alternative."""
    for a, (ws, we), ds in zip(advisors, windows, days):
        if alt.day not in ds:
            continue
        out, back = travel_min[a.base, stop.index], travel_min[stop.index, a.base]
        start = max(ws + out, alt.lo)
        if start + stop.minutes > alt.hi or start + stop.minutes + back > we:
            continue
        if a.max_drive_minutes is not None and (
            drive_s[a.base, stop.index] + drive_s[stop.index, a.base] > a.max_drive_minutes * 60
        ):
            continue
        return True
    return False


def _unreachable_reason(
    stop: Stop,
    advisors: Sequence[Advisor],
    windows: list[tuple[int, int]],
    days: list[tuple[str, ...]],
    common: list[str],
    drive_s: np.ndarray,
) -> str:
    """French reason for a stop no advisor can reach and serve within a day."""
    candidates = [i for i, ds in enumerate(days) if set(ds) & set(common)]
    trips = [
        (drive_s[advisors[i].base, stop.index] + drive_s[stop.index, advisors[i].base], i)
        for i in candidates
    ]
    trip, i = min(trips)
    a = advisors[i]
    base = a.base_name or f"la base de {_advisor_label(i, a)}"
    if not math.isfinite(trip) or trip >= _NO_ROAD:
        return f"inaccessible par la route depuis {base}"
    ws, we = windows[i]
    out_s, back_s = drive_s[a.base, stop.index], drive_s[stop.index, a.base]
    road = f"{format_minutes(out_s / 60)} de route"
    if format_minutes(out_s / 60) == format_minutes(back_s / 60):
        road += " à l'aller comme au retour"
    else:
        road += f" à l'aller, {format_minutes(back_s / 60)} au retour"
    if math.ceil(out_s / 60) + math.ceil(back_s / 60) + stop.minutes > we - ws:
        return (
            f"hors d'atteinte dans la journée depuis {base} : {road}, pour une permanence de "
            f"{format_minutes(stop.minutes)} dans une journée de {format_minutes(we - ws)}"
        )
    limit = a.max_drive_minutes
    if limit is not None and trip > limit * 60:
        return (
            f"au-delà de la limite de conduite quotidienne ({format_minutes(limit)}) depuis "
            f"{base} : {format_minutes(trip / 60)} de route aller-retour"
        )
    return (
        f"horaires d'ouverture incompatibles avec le trajet depuis {base} ({road}) : aucune "
        f"plage de {format_minutes(stop.minutes)} atteignable dans la journée"
    )


def _prizes(stops: Sequence[Stop]) -> list[int]:
    """Integer prize of one occurrence of each stop (see the module notes)."""
    positive = [s.demand for s in stops if s.demand > 0 and not s.required]
    if positive:
        factor = MIN_PRIZE / min(positive)
        factor = min(factor, MAX_PRIZE / max(positive))
    else:
        factor = 0.0
    return [REQUIRED_PRIZE if s.required else round(s.demand * factor) for s in stops]


def plan_routes(
    advisors: Sequence[Advisor],
    stops: Sequence[Stop],
    durations: Any,
    distances: Any,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT_S,
    seed: int = DEFAULT_SEED,
    weeks: int | None = None,
    no_improvement: int = NO_IMPROVEMENT_ITERATIONS,
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
        Solver time limit, seconds (default 10).
    seed
        Random seed: same inputs and seed give the same plan (see ``solver.stopped_by``).
    weeks
        Horizon in weeks; default 2 when a stop is fortnightly, else 1.
    no_improvement
        Iterations without improvement after which the search stops.

    Returns
    -------
    The plan.

    Raises
    ------
    DataError
        For impossible settings (no working day, a window shorter than a permanence, a
        place outside the matrix...), in French.
    """
    dur = _as_matrix(durations, "temps de trajet")
    dist = _as_matrix(distances, "distances")
    if dist.shape != dur.shape:
        raise DataError(
            f"les matrices de temps ({dur.shape[0]} lieux) et de distances ({dist.shape[0]} lieux) "
            "ne couvrent pas les mêmes lieux",
            column="distances",
        )
    if not (math.isfinite(float(time_limit)) and float(time_limit) > 0):
        raise DataError(f"limite de temps invalide : {time_limit} s", column="limite de temps")
    windows, days, weeks = _validate(advisors, stops, dur.shape[0], weeks)
    # Driving seconds (objective, limit) and whole travel minutes (schedule).
    drive_s = dur
    travel_min = np.where(
        np.isfinite(dur), np.ceil(np.where(np.isfinite(dur), dur, 0) / 60), _NO_ROAD
    )
    occurrences = _occurrences(stops, advisors, windows, days, weeks, travel_min, drive_s)
    prizes = _prizes(stops)

    # Locations: the distinct places used, bases first.
    places = list(dict.fromkeys([a.base for a in advisors] + [s.index for s in stops]))
    pos = {p: i for i, p in enumerate(places)}
    sub = np.ix_(places, places)
    dur_model = (np.minimum(travel_min[sub], _NO_ROAD) * 60).astype(np.int64)
    drive_model = np.where(
        np.isfinite(drive_s[sub]), np.round(np.minimum(drive_s[sub], _NO_ROAD)), _NO_ROAD
    )
    drive_model = drive_model.astype(np.int64)
    np.fill_diagonal(dur_model, 0)
    np.fill_diagonal(drive_model, 0)
    locations = [Location(x=float(p), y=0.0, name=str(p)) for p in places]

    bases = list(dict.fromkeys(a.base for a in advisors))
    depots = [Depot(location=pos[b], name=str(b)) for b in bases]
    vehicle_types, vt_meta = [], []
    for ai, (a, (ws, we), ds) in enumerate(zip(advisors, windows, days)):
        depot = bases.index(a.base)
        for w in range(weeks):
            for d in ds:
                offset = (7 * w + DAYS.index(d)) * _DAY_S
                extra = (
                    {}
                    if a.max_drive_minutes is None
                    else {"max_distance": int(a.max_drive_minutes * 60)}
                )
                vehicle_types.append(
                    VehicleType(
                        num_available=1,
                        start_depot=depot,
                        end_depot=depot,
                        tw_early=offset + ws * 60,
                        tw_late=offset + we * 60,
                        shift_duration=(we - ws) * 60,
                        unit_distance_cost=1,
                        name=f"{ai}:{w + 1}:{d}",
                        **extra,
                    )
                )
                vt_meta.append((ai, w, d, offset))

    clients, groups, client_meta = [], [], []
    for oi, occ in enumerate(occurrences):
        if not occ.alternatives:
            continue
        stop = stops[occ.stop]
        group = ClientGroup(required=False, name=f"{occ.stop}:{oi}")
        for alt in occ.alternatives:
            offset = (7 * alt.week + DAYS.index(alt.day)) * _DAY_S
            group.add_client(len(clients))
            clients.append(
                Client(
                    location=pos[stop.index],
                    service_duration=round(stop.minutes * 60),
                    tw_early=offset + alt.lo * 60,
                    tw_late=offset + round((alt.hi - stop.minutes) * 60),
                    prize=prizes[occ.stop],
                    required=False,
                    group=len(groups),
                    name=f"{occ.stop}:{alt.week + 1}:{alt.day}",
                )
            )
            client_meta.append((oi, alt))
        groups.append(group)

    plans = [
        AdvisorPlan(
            ai,
            a.name,
            a.base,
            a.base_name,
            [DayPlan(ai, w + 1, d) for w in range(weeks) for d in ds],
        )
        for ai, (a, ds) in enumerate(zip(advisors, days))
    ]
    visited: set[int] = set()
    if clients:
        data = ProblemData(
            locations, clients, depots, vehicle_types, [drive_model], [dur_model], groups
        )
        result, stopped_by = solve_problem(
            data, time_limit=time_limit, seed=seed, no_improvement=no_improvement
        )
        best = result.best
        feasible = best.is_feasible()
        if not feasible:  # cannot happen with optional groups, but never trust blindly
            log.warning("PyVRP n'a pas trouvé de plan réalisable")
        else:
            for route in best.routes():
                ai, w, d, offset = vt_meta[route.vehicle_type()]
                day_plan = next(p for p in plans[ai].days if p.week == w + 1 and p.day == d)
                _fill_day(
                    day_plan,
                    route,
                    data,
                    client_meta,
                    occurrences,
                    stops,
                    places,
                    dur,
                    dist,
                    offset,
                )
                visited.update(client_meta[a.idx][0] for a in route.schedule() if a.is_client())
        solver = SolverReport(
            status="feasible" if feasible else "infeasible",
            objective=(
                int(best.distance())
                + sum(
                    prizes[occ.stop]
                    for oi, occ in enumerate(occurrences)
                    if occ.alternatives and oi not in visited
                )
                if feasible
                else None
            ),
            runtime_s=round(result.runtime, 3),
            iterations=result.num_iterations,
            seed=seed,
            time_limit_s=float(time_limit),
            stopped_by=stopped_by,
            clients=len(clients),
            vehicle_types=len(vehicle_types),
        )
    else:
        solver = SolverReport(
            "not_run", None, 0.0, 0, seed, float(time_limit), "not_run", 0, len(vehicle_types)
        )

    unvisited = []
    for oi, occ in enumerate(occurrences):
        if oi in visited:
            continue
        stop = stops[occ.stop]
        week = None if occ.week is None else occ.week + 1
        reason = occ.reason or _leftover_reason(stop, prizes[occ.stop], weeks, week)
        unvisited.append(Unvisited(occ.stop, stop.key, stop.name, week, stop.required, reason))
    served = {occurrences[oi].stop for oi in visited}
    return RoutePlan(
        advisors=plans,
        unvisited=unvisited,
        weeks=weeks,
        demand_served=float(sum(stops[s].demand for s in served)),
        demand_total=float(sum(s.demand for s in stops)),
        solver=solver,
    )


def _leftover_reason(stop: Stop, prize: int, weeks: int, week: int | None) -> str:
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


def _fill_day(
    day_plan: DayPlan,
    route: Any,
    data: ProblemData,
    client_meta: list[tuple[int, _Alternative]],
    occurrences: list[_Occurrence],
    stops: Sequence[Stop],
    places: list[int],
    dur: np.ndarray,
    dist: np.ndarray,
    offset: int,
) -> None:
    """Copy one PyVRP route into a day plan (times of day, legs from the raw matrices)."""
    schedule = route.schedule()
    dur_model = data.duration_matrix(profile=0)
    base_loc = data.depot(schedule[0].idx).location  # model location index
    departure = schedule[0].end_time
    day_plan.departure_s = departure - offset
    day_plan.departure = _clock(day_plan.departure_s)
    prev_loc, prev_end = base_loc, departure
    for act in schedule[1:-1]:
        client = data.client(act.idx)
        oi, _ = client_meta[act.idx]
        stop = stops[occurrences[oi].stop]
        arrival = prev_end + int(dur_model[prev_loc, client.location])
        start, end = act.start_time, act.end_time
        if start != max(arrival, client.tw_early):
            log.warning(
                "horaire PyVRP inattendu pour %s : début %s, arrivée %s", stop.name, start, arrival
            )
        frm, to = places[prev_loc], places[client.location]
        day_plan.visits.append(
            Visit(
                stop=occurrences[oi].stop,
                key=stop.key,
                name=stop.name,
                location=to,
                week=day_plan.week,
                day=day_plan.day,
                arrival=_clock(arrival - offset),
                start=_clock(start - offset),
                end=_clock(end - offset),
                arrival_s=arrival - offset,
                start_s=start - offset,
                end_s=end - offset,
                wait_minutes=(start - arrival) / 60,
                drive_minutes=float(dur[frm, to]) / 60,
                km=float(dist[frm, to]) / 1000,
                demand=float(stop.demand),
                required=stop.required,
            )
        )
        prev_loc, prev_end = client.location, end
    back = prev_end + int(dur_model[prev_loc, base_loc])
    day_plan.back_s = back - offset
    day_plan.back = _clock(day_plan.back_s)
    frm, to = places[prev_loc], places[base_loc]
    day_plan.return_drive_minutes = float(dur[frm, to]) / 60
    day_plan.return_km = float(dist[frm, to]) / 1000
    day_plan.drive_minutes = (
        sum(v.drive_minutes for v in day_plan.visits) + day_plan.return_drive_minutes
    )
    day_plan.km = sum(v.km for v in day_plan.visits) + day_plan.return_km

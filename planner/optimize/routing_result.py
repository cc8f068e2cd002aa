"""The weekly plan as plain objects: visits, days, advisors, stops left out, the engine report.

Times of day are ``HH:MM`` strings plus seconds since midnight; driving is in minutes
and kilometres read from the caller's matrices. :meth:`RoutePlan.to_dict` gives
JSON-ready data (English keys, French reasons).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
    #: Whether the host's hours are its own (False: defaults of its kind, « horaires à confirmer »).
    hours_known: bool = True
    #: Part of the day: "day" (no lunch break), "am" (before it) or "pm" (after it).
    part: str = "day"


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
    #: The lunch break of a day with visits (None: no break that day).
    lunch_start: str | None = None
    lunch_end: str | None = None
    lunch_start_s: int | None = None
    lunch_end_s: int | None = None

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

    status: str  # "feasible", or "not_run" (nothing the solver could place)
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
        Horizon length, the cycle (1, 2 or 4 weeks).
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
                        "lunch_start": d.lunch_start,
                        "lunch_end": d.lunch_end,
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
                    "hours_known": v.hours_known,
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

"""How each operating mode deploys the advisors: its presence places, their weekly hours
and the weekly driving (see :mod:`planner.optimize.modes` for the four modes).

Every builder takes the shared :class:`Context` (demand, existing coverage, candidate
hosts and which demand points each reaches within ``T``) and the number of advisors,
and returns a :class:`Deployment`. Commuting to a fixed place or a base is not counted
as driving, in any mode; a shared partner must leave at least one permanence
(``stop_minutes``) after the round trip; the partners are chosen advisor by advisor
(greedy over advisors, exact for each), and an advisor short of partners spends the
other days at base.

Hosts' hours are respected: a place's presence never exceeds its opening hours on the
working days (its own hours, else the default hours of its kind, « à confirmer »); the
fixed and embedded modes choose among places open at least ``min_open_hours`` a week
(all places when none is), and the shared mode's bases are establishments inside the
territory (partner structures when it has none).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from planner import config, fr
from planner.access.capacity import weekly_hours
from planner.access.coverage import Coverage
from planner.access.demand import DemandModel
from planner.data.hours import WeeklyHours
from planner.optimize.assumptions import ModeAssumptions
from planner.optimize.plan import make_plan
from planner.optimize.settings import PlanSettings
from planner.optimize.siting import MaximalCovering
from planner.territory import Territory
from planner.travel.model import TravelModel

log = logging.getLogger(__name__)


@dataclass
class Context:
    """What every mode shares: demand, existing coverage, hosts and their reach.

    Attributes
    ----------
    hosts
        Candidate places (canonical site rows), one per ``site_id``.
    weights
        Demand per point.
    already
        Whether each point is within ``T`` of an existing covering site.
    reach
        Points × hosts: within ``T`` (boolean, sparse CSC: the pairs within ``T`` only).
    open_hours, open_days
        Per host: hours open a week on the working days, and how many of those days it opens
        (its own hours, else its kind's defaults).
    """

    territory: Territory
    coverage: Coverage
    assumptions: ModeAssumptions
    threshold: float
    travel: TravelModel
    sites: gpd.GeoDataFrame | None
    hosts: gpd.GeoDataFrame
    weights: np.ndarray
    already: np.ndarray
    reach: sp.csc_matrix = field(repr=False)
    demand_model: DemandModel | None = None
    open_hours: np.ndarray | None = None
    open_days: np.ndarray | None = None

    def open_a_week(self, column: int) -> float:
        """Hours host ``column`` opens a week on the working days (unbounded when unknown)."""
        return float("inf") if self.open_hours is None else float(self.open_hours[column])

    def open_a_day(self, column: int) -> float:
        """Hours host ``column`` opens on an average open working day (unbounded when unknown)."""
        if self.open_hours is None or self.open_days is None or not self.open_days[column]:
            return float("inf") if self.open_hours is None else 0.0
        return float(self.open_hours[column] / self.open_days[column])

    def reached(self, columns: Iterable[int]) -> np.ndarray:
        """Boolean per point: within ``T`` of at least one of the host ``columns``."""
        cols = np.asarray(list(columns), dtype=np.int64)
        if cols.size == 0:
            return np.zeros(self.reach.shape[0], dtype=bool)
        return np.asarray(self.reach[:, cols].sum(axis=1)).reshape(-1) > 0

    def columns(self, networks: Iterable[str], inside_only: bool = True) -> np.ndarray:
        """Host columns of the given networks (inside the territory unless told)."""
        keep = self.hosts["network"].isin(list(networks)).to_numpy()
        if inside_only:
            keep = keep & self.hosts["inside"].to_numpy(dtype=bool)
        return np.flatnonzero(keep)


@dataclass
class Deployment:
    """A mode's presence places (host columns, weekly hours), weekly driving and notes (French)."""

    columns: list[int]
    hours: list[float]
    drive_hours: float = 0.0
    notes: list[str] = field(default_factory=list)


def default_bases(territory: Territory, advisors: int) -> tuple[str, ...]:
    """Default itinerant bases: the most populous commune of each of the most populous EPCIs.

    Parameters
    ----------
    territory
        The territory.
    advisors
        Number of advisors (one base each; cycles when there are fewer EPCIs).

    Returns
    -------
    INSEE codes, one per advisor.
    """
    communes = territory.communes.assign(_group=territory.communes["epci"].fillna(territory.communes["insee"]))
    communes = communes.sort_values(["population", "insee"], ascending=[False, True])
    heads = communes.drop_duplicates("_group")["insee"].tolist()
    return tuple(heads[i % len(heads)] for i in range(advisors))


def open_hours(hosts: gpd.GeoDataFrame, days: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hours each host opens a week on ``days`` and how many of ``days`` it opens.

    ``hosts`` carry their hours or their kind's defaults (:func:`planner.data.hours.with_host_hours`).
    """
    days = list(days)
    weeks: list[WeeklyHours] = [h if isinstance(h, dict) else {} for h in hosts["opening_hours"]]
    total = np.array([weekly_hours({d: w[d] for d in days if d in w}) for w in weeks], dtype=float)
    count = np.array([sum(1 for d in days if w.get(d)) for w in weeks], dtype=np.int64)
    return total, count


#: Share of the covered demand's weight when choosing places: among places bringing the
#: same new demand within ``T``, those near more demand win (the served demand).
_COVERED_WEIGHT = 1e-3


def _cover_choice(ctx: Context, columns: np.ndarray, k: int, locked: np.ndarray) -> list[int]:
    """Choose ``k`` host columns by maximal covering of the rows not ``locked`` (already covered).

    Locked rows weigh :data:`_COVERED_WEIGHT` of their demand: a tie-break towards places
    near demand when no place brings new demand within ``T``.
    """
    columns = np.asarray(columns, dtype=np.int64)
    k = min(int(k), columns.size)
    if k <= 0:
        return []
    weights = np.where(locked, _COVERED_WEIGHT * ctx.weights, ctx.weights)
    model = MaximalCovering.from_coverage(
        ctx.reach[:, columns], weights, k, candidates=np.arange(columns.size)
    ).solve(config.SITING_TIME_LIMIT_S)
    if not model.proven_optimal:
        log.warning("couverture maximale non prouvée optimale : %s", model.status_text)
    return [int(c) for c in columns[model.selected]]


def _stationed(ctx: Context, networks: Iterable[str], advisors: int, what: str) -> Deployment:
    """Fixed or embedded: each advisor all week at one host chosen by maximal covering.

    Hosts open at least ``min_open_hours`` a week are preferred (all hosts when none is);
    an advisor's presence is at most the host's opening hours on the working days.
    """
    a = ctx.assumptions
    columns = ctx.columns(networks)
    open_enough = np.array([ctx.open_a_week(int(c)) >= a.min_open_hours for c in columns], dtype=bool)
    notes = []
    if columns.size and not open_enough.any():
        notes.append(f"aucun {what} ouvert au moins {fr.hours(a.min_open_hours)} par semaine")
    chosen = _cover_choice(ctx, columns[open_enough] if open_enough.any() else columns, advisors, ctx.already)
    if not chosen:
        return Deployment([], [], 0.0, [f"aucun {what} dans le territoire"])
    count = [advisors // len(chosen) + (1 if i < advisors % len(chosen) else 0) for i in range(len(chosen))]
    if len(chosen) != advisors:
        notes.append(f"{len(chosen)} {what}(s) seulement : plusieurs conseillers par lieu")
    hours = [n * min(float(a.weekly_hours), ctx.open_a_week(c)) for n, c in zip(count, chosen)]
    return Deployment(chosen, hours, 0.0, notes)


def fixed(ctx: Context, advisors: int) -> Deployment:
    """Each advisor all week at an existing site of the fixed networks (La Poste)."""
    return _stationed(ctx, ctx.assumptions.fixed_networks, advisors, "site d'accueil")


def embedded(ctx: Context, advisors: int) -> Deployment:
    """Each advisor all week in a partner structure."""
    return _stationed(ctx, ctx.assumptions.partner_networks, advisors, "structure partenaire")


def shared(ctx: Context, advisors: int) -> Deployment:
    """Bases at establishments, ``shared_days`` partner days within reach of each base.

    Bases are establishments inside the territory (partner structures when it has
    none), chosen by maximal covering of the uncovered demand within the reach (covered
    demand breaking ties); then, advisor by advisor, the partners by maximal covering
    among those within reach, existing sites, bases and partners already chosen locked
    in. A partner day holds presence for the working day minus the round trip (the
    driving), at most the partner's opening hours that day; days at base at most the
    base's.
    """
    a = ctx.assumptions
    reach_min = float(a.shared_reach_minutes)
    notes = []
    establishments = ctx.columns(a.establishment_networks)
    if establishments.size == 0:
        establishments = ctx.columns(a.partner_networks)
        if establishments.size == 0:
            return Deployment([], [], 0.0, ["aucun établissement du réseau ni structure partenaire dans le territoire"])
        notes.append("aucun établissement du réseau dans le territoire : bases dans des structures partenaires")
    k = min(advisors, establishments.size)
    near = ctx.travel.within(ctx.coverage.points, ctx.hosts.iloc[establishments], max_minutes=reach_min).minutes
    unmet = np.where(ctx.already, _COVERED_WEIGHT * ctx.weights, ctx.weights)
    model = MaximalCovering.from_cost_matrix(near, unmet, reach_min, k).solve(config.SITING_TIME_LIMIT_S)
    bases = [int(b) for b in establishments[model.selected]]
    base_of = [bases[i % len(bases)] for i in range(advisors)]

    partners = np.setdiff1d(ctx.columns(a.partner_networks), bases)
    if partners.size:
        base_rows, part_rows = ctx.hosts.iloc[bases], ctx.hosts.iloc[partners]
        out = ctx.travel.matrix(base_rows, part_rows, max_minutes=reach_min).minutes
        back = ctx.travel.matrix(part_rows, base_rows).minutes.T
    at_base = len(a.days) > a.shared_days  # the bases are presence places only then
    covered = ctx.already | (ctx.reached(bases) if at_base else False)
    used: set[int] = set()
    place_hours: dict[int, float] = {}
    drive = 0.0
    short = 0
    for i in range(advisors):
        b = base_of[i]
        days_out = 0
        if a.shared_days and partners.size:
            j = bases.index(b)
            trip = out[j] + back[j]
            ok = (out[j] <= reach_min) & (np.ceil(out[j]) + np.ceil(back[j]) + a.stop_minutes <= a.daily_minutes)
            ok &= ~np.isin(partners, list(used))
            ok &= np.array([ctx.open_a_day(int(c)) * 60 >= a.stop_minutes for c in partners], dtype=bool)
            chosen = _cover_choice(ctx, partners[ok], a.shared_days, covered)
            for c in chosen:
                t = float(trip[np.flatnonzero(partners == c)[0]])
                place_hours[c] = place_hours.get(c, 0.0) + min((a.daily_minutes - t) / 60, ctx.open_a_day(c))
                drive += t / 60
                used.add(c)
                covered = covered | ctx.reached([c])
            days_out = len(chosen)
        if days_out < a.shared_days:
            short += 1
        at_base_days = len(a.days) - days_out
        place_hours[b] = place_hours.get(b, 0.0) + at_base_days * min(a.daily_minutes / 60, ctx.open_a_day(b))
    if short:
        notes.append(
            f"{short} conseiller(s) sans assez de structures partenaires à moins de "
            f"{fr.duration(reach_min)} de leur base : jours restants à la base"
        )
    if len(bases) < advisors:
        notes.append(f"{len(bases)} établissement(s) seulement : plusieurs conseillers par base")
    ordered = [c for c in bases + [c for c in place_hours if c not in bases] if place_hours[c] > 0]
    return Deployment(ordered, [place_hours[c] for c in ordered], drive, notes)


def itinerant(ctx: Context, advisors: int) -> Deployment:
    """Tours from the bases, by :func:`planner.optimize.plan.make_plan`."""
    a = ctx.assumptions
    settings = PlanSettings(
        advisors=advisors,
        bases=tuple(a.itinerant_bases) or default_bases(ctx.territory, advisors),
        days=tuple(a.days),
        window=a.window,
        stops=a.stops_per_advisor * advisors,
        stop_minutes=float(a.stop_minutes),
        threshold=ctx.threshold,
        networks=tuple(a.covering_networks),
        time_limit=float(a.routing_time_limit_s),
        seed=int(a.seed),
        demand_model=ctx.demand_model,
    )
    result = make_plan(ctx.territory, settings, coverage=ctx.coverage, sites=ctx.sites, travel=ctx.travel)
    weeks = result.routes.weeks
    index = {s: i for i, s in enumerate(ctx.hosts["site_id"])}
    place_hours: dict[int, float] = {}
    for v in result.routes.visits:
        c = index[v.key]
        place_hours[c] = place_hours.get(c, 0.0) + (v.end_s - v.start_s) / 3600 / weeks
    notes = []
    if "demand_added" in result.stops and not (result.stops["demand_added"].fillna(0) > 0).any():
        notes.append(f"aucune demande à servir au-delà de {fr.duration(ctx.threshold)} des sites existants")
    reasons = Counter(u.reason for u in result.routes.unvisited)
    notes += [f"{fr.plural(n, 'arrêt choisi non tenu', 'arrêts choisis non tenus')} : {r}" for r, n in reasons.items()]
    cols = list(place_hours)
    return Deployment(cols, [place_hours[c] for c in cols], result.routes.drive_minutes / 60 / weeks, notes)


#: The builder of each mode.
BUILDERS: dict[str, Callable[[Context, int], Deployment]] = {
    "fixed": fixed,
    "itinerant": itinerant,
    "shared": shared,
    "embedded": embedded,
}

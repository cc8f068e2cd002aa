"""How each operating mode deploys the advisors: its presence places, their weekly hours
and the weekly driving (see :mod:`planner.optimize.modes` for the four modes).

Every builder takes the shared :class:`Context` (demand, existing coverage, candidate
hosts and which demand points each reaches within ``T``) and the number of advisors,
and returns a :class:`Deployment`. Commuting to a fixed place or a base is not counted
as driving, in any mode; a shared partner must leave at least one permanence
(``stop_minutes``) after the round trip; the partners are chosen advisor by advisor
(greedy over advisors, exact for each), and an advisor short of partners spends the
other days at base.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from planner import config, fr
from planner.access.coverage import Coverage
from planner.access.demand import DemandModel
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


def _cover_choice(ctx: Context, columns: np.ndarray, k: int, locked: np.ndarray) -> list[int]:
    """Choose ``k`` host columns by maximal covering, ``locked`` rows already covered."""
    columns = np.asarray(columns, dtype=np.int64)
    k = min(int(k), columns.size)
    if k <= 0:
        return []
    cover = sp.hstack([ctx.reach[:, columns], sp.csc_matrix(locked[:, None])]).tocsc()
    model = MaximalCovering.from_coverage(
        cover, ctx.weights, k, candidates=np.arange(columns.size), locked=[columns.size]
    ).solve(config.SITING_TIME_LIMIT_S)
    if not model.proven_optimal:
        log.warning("couverture maximale non prouvée optimale : %s", model.status_text)
    return [int(c) for c in columns[model.selected]]


def _stationed(ctx: Context, networks: Iterable[str], advisors: int, what: str) -> Deployment:
    """Fixed or embedded: each advisor all week at one host chosen by maximal covering."""
    chosen = _cover_choice(ctx, ctx.columns(networks), advisors, ctx.already)
    if not chosen:
        return Deployment([], [], 0.0, [f"aucun {what} dans le territoire"])
    count = [advisors // len(chosen) + (1 if i < advisors % len(chosen) else 0) for i in range(len(chosen))]
    notes = [] if len(chosen) == advisors else [f"{len(chosen)} {what}(s) seulement : plusieurs conseillers par lieu"]
    return Deployment(chosen, [n * ctx.assumptions.weekly_hours for n in count], 0.0, notes)


def fixed(ctx: Context, advisors: int) -> Deployment:
    """Each advisor all week at an existing site of the fixed networks (La Poste)."""
    return _stationed(ctx, ctx.assumptions.fixed_networks, advisors, "site d'accueil")


def embedded(ctx: Context, advisors: int) -> Deployment:
    """Each advisor all week in a partner structure."""
    return _stationed(ctx, ctx.assumptions.partner_networks, advisors, "structure partenaire")


def shared(ctx: Context, advisors: int) -> Deployment:
    """Bases at establishments, ``shared_days`` partner days within reach of each base.

    Bases are chosen by maximal covering of the uncovered demand within the reach;
    then, advisor by advisor, the partners by maximal covering among those within
    reach, existing sites, bases and partners already chosen locked in. A partner day
    holds presence for the working day minus the round trip (the driving).
    """
    a = ctx.assumptions
    reach_min = float(a.shared_reach_minutes)
    establishments = ctx.columns(a.establishment_networks, inside_only=False)
    if establishments.size == 0:
        return Deployment([], [], 0.0, ["aucun établissement du réseau dans le territoire ni à proximité"])
    k = min(advisors, establishments.size)
    near = ctx.travel.within(ctx.coverage.points, ctx.hosts.iloc[establishments], max_minutes=reach_min).minutes
    unmet = np.where(ctx.already, 0.0, ctx.weights)
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
            chosen = _cover_choice(ctx, partners[ok], a.shared_days, covered)
            for c in chosen:
                t = float(trip[np.flatnonzero(partners == c)[0]])
                place_hours[c] = place_hours.get(c, 0.0) + (a.daily_minutes - t) / 60
                drive += t / 60
                used.add(c)
                covered = covered | ctx.reached([c])
            days_out = len(chosen)
        if days_out < a.shared_days:
            short += 1
        place_hours[b] = place_hours.get(b, 0.0) + (len(a.days) - days_out) * a.daily_minutes / 60
    notes = []
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
    if result.routes.unvisited:
        notes.append(f"{len(result.routes.unvisited)} arrêt(s) choisi(s) non tenu(s) faute de temps ou d'accès")
    cols = list(place_hours)
    return Deployment(cols, [place_hours[c] for c in cols], result.routes.drive_minutes / 60 / weeks, notes)


#: The builder of each mode.
BUILDERS: dict[str, Callable[[Context, int], Deployment]] = {
    "fixed": fixed,
    "itinerant": itinerant,
    "shared": shared,
    "embedded": embedded,
}

"""Itinerant-advisor plans: where to stop (maximal service under capacity), weekly routes
(PyVRP), and the tables every export is written from.

The pipeline for a territory: coverage by the existing sites of the selected networks
(:mod:`planner.access.coverage`) → candidate hosts (town halls, France Services, partner
structures, network sites inside the territory) → ``k`` stops chosen to maximise the
demand served under capacity (each stop: its permanence minutes × frequency), then the
demand newly within ``T``, the existing sites locked in with their own capacities
(:mod:`planner.optimize.siting_capacity`; maximal covering, :mod:`planner.optimize.siting`,
for a coverage without service) → weekly tours of the advisors from their bases, each stop
inside its host's opening hours (:mod:`planner.optimize.routing`) → :class:`PlanResult`
(JSON summary and :class:`planner.optimize.tables.PlanTables`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from planner import config, fr
from planner.access.coverage import Coverage, compute_coverage
from planner.data import hours
from planner.errors import SettingsError
from planner.geo import CRS_WGS84
from planner.optimize.routing import plan_routes
from planner.optimize.routing_input import Advisor, Stop
from planner.optimize.routing_result import RoutePlan
from planner.optimize.routing_slots import single_visit_fits
from planner.optimize.settings import PLAN_SETTINGS, PlanSettings, Progress, check_coverage
from planner.optimize.stop_choice import choose_stops, served_by, weekly_stop_hours
from planner.optimize.tables import PlanTables
from planner.territory import Territory
from planner.travel.model import TravelModel, model_for

log = logging.getLogger(__name__)

#: Why a chosen stop is left out of the routes (French, shown as is).
REASON_OUT_OF_REACH = "hors de portée dans la journée depuis toutes les bases"
REASON_NO_TIME_LEFT = "plus de temps disponible dans le cycle"
REASON_NO_DEMAND_LEFT = "aucune demande restante"


@dataclass
class PlanResult:
    """A plan and what it achieves.

    Attributes
    ----------
    settings, territory, coverage
        The inputs and the coverage by existing sites the plan builds on.
    stops
        The chosen stops (canonical site rows) with the ``demand_added`` each would cover
        and, when chosen under capacity, the ``served_added`` each serves (its flow in the
        siting solution, people a year; the routing prize).
    places
        Bases then stops: the rows of the travel matrices.
    routes
        The :class:`planner.optimize.routing.RoutePlan`.
    siting
        The siting report, ``objective`` ``"served_demand"`` or ``"covered_demand"`` (None
        when stops were hand-picked).
    covered_demand, total_demand
        Demand within ``T`` of an existing site or of a visited stop, and all demand.
    served_demand
        Demand served a year under capacity by the existing sites and the visited stops
        together (each stop: its weekly presence hours; :mod:`planner.access.capacity`).
    """

    settings: PlanSettings
    territory: Territory
    coverage: Coverage
    stops: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    routes: RoutePlan
    siting: dict[str, Any] | None
    covered_demand: float
    total_demand: float
    route_lines: dict[tuple[int, int, str], shapely.Geometry | None] = field(default_factory=dict)
    served_demand: float = float("nan")

    @property
    def covered_share(self) -> float:
        """Covered demand over total demand."""
        return self.covered_demand / self.total_demand if self.total_demand else 0.0

    @property
    def visits(self) -> pd.DataFrame:
        """One row per visit: the ``visits`` table of :meth:`tables` (advisor, day, stop, times)."""
        return self.tables().visits

    def summary(self) -> dict[str, Any]:
        """The ``planner plan --json`` object."""
        stops = self.stops.set_index("site_id")
        advisors = []
        flat = []
        for a in self.routes.advisors:
            days = []
            for d in a.days:
                visits = []
                for v in d.visits:
                    item = {"site_id": v.key, "name": v.name, "insee": stops.at[v.key, "insee"],
                            "advisor": a.advisor + 1, "week": v.week, "day": v.day, "arrival": v.arrival,
                            "start": v.start, "end": v.end, "drive_minutes": v.drive_minutes, "km": v.km,
                            "hours_known": v.hours_known, "hours": hours.to_text(stops.at[v.key, "opening_hours"])}
                    visits.append(item)
                    flat.append({k: item[k] for k in ("site_id", "name", "insee", "advisor", "week", "day", "arrival",
                                                      "start", "end", "hours_known")})
                days.append({"week": d.week, "day": d.day, "departure": d.departure, "back": d.back,
                             "lunch_start": d.lunch_start, "lunch_end": d.lunch_end,
                             "visits": visits, "drive_minutes": round(d.drive_minutes, 1), "km": round(d.km, 1)})
            advisors.append({"advisor": a.advisor + 1, "name": a.name, "base": a.base_name, "days": days,
                             "drive_minutes": round(a.drive_minutes, 1), "km": round(a.km, 1)})
        solver = self.routes.solver
        return {
            "territory": self.territory.spec,
            "method": self.coverage.method,
            "threshold_min": self.settings.threshold,
            "weeks": self.routes.weeks,
            "frequency": self.settings.frequency,
            "lunch": None if not self.settings.lunch else {"window": "-".join(self.settings.lunch),
                                                           "minutes": self.settings.lunch_minutes},
            "stops": flat,
            "advisors": advisors,
            "covered_demand": round(self.covered_demand, 1),
            "covered_demand_share": round(self.covered_share, 4),
            "served_demand": round(self.served_demand, 1),
            "served_demand_existing": round(self.coverage.served_demand, 1),
            "demand_existing": round(float(self.coverage.points["demand"].fillna(0)[self.coverage.within()].sum()), 1),
            "drive_hours": round(self.routes.drive_minutes / 60, 2),
            "presence_hours": round(self.routes.presence_minutes / 60, 2),
            "unvisited": [
                {"site_id": u.key, "name": u.name, "insee": stops.at[u.key, "insee"], "week": u.week, "reason": u.reason}
                for u in self.routes.unvisited
            ],
            "solver": {"status": solver.status, "status_text": solver.status_text, "objective": solver.objective,
                       "runtime_s": round(solver.runtime_s, 2), "seed": solver.seed,
                       "stopped_by": solver.stopped_by, "reproducible": solver.reproducible},
            "siting": self.siting,
        }

    def tables(self, week_start: dt.date | None = None) -> PlanTables:
        """Return the plan as :class:`planner.optimize.tables.PlanTables` for every export."""
        stops = self.stops.set_index("site_id")
        communes = self.territory.communes.set_index("insee")["name"]
        rows, days = [], []
        for a in self.routes.advisors:
            base = self.places.iloc[a.base]
            for d in a.days:
                for order, v in enumerate(d.visits, start=1):
                    s = stops.loc[v.key]
                    rows.append({
                        "advisor": a.advisor + 1, "advisor_name": a.name, "base": a.base_name, "week": v.week,
                        "day": v.day, "order": order, "site_id": v.key, "name": v.name,
                        "address": s["address"], "postcode": s["postcode"], "insee": s["insee"],
                        "commune": communes.get(s["insee"], ""), "lon": s.geometry.x, "lat": s.geometry.y,
                        "arrival": v.arrival, "start": v.start, "end": v.end,
                        "drive_minutes": v.drive_minutes, "km": v.km, "demand": v.demand,
                        "hours_known": v.hours_known, "hours": hours.to_text(s["opening_hours"]),
                        "phone": str(s.get("phone") or "") if "phone" in s.index else "",
                    })
                days.append({
                    "advisor": a.advisor + 1, "advisor_name": a.name, "week": d.week, "day": d.day,
                    "base": a.base_name, "base_lon": base.geometry.x, "base_lat": base.geometry.y,
                    "depart": d.departure, "return": d.back, "drive_minutes": d.drive_minutes, "km": d.km,
                    "lunch_start": d.lunch_start, "lunch_end": d.lunch_end,
                    "route": self.route_lines.get((a.advisor, d.week, d.day)),
                })
        sources = sorted({f"{s} ({v})" for s, v in zip(self.stops["source"], self.stops["vintage"])})
        if self.coverage.method == "road":
            sources.append(config.OSM_ATTRIBUTION)
        meta: dict[str, Any] = {
            "territory": self.territory.label,
            "generated": dt.date.today().isoformat(),
            "sources": sources,
            "unvisited": [{"name": u.name, "insee": stops.at[u.key, "insee"], "reason": u.reason}
                          for u in self.routes.unvisited],
            "frequency": self.settings.frequency, "cycle_weeks": self.routes.weeks,
            "served_demand": round(self.served_demand, 1),
        }
        if week_start is not None:
            meta["week_start"] = week_start
        visit_cols = ["advisor", "advisor_name", "base", "week", "day", "order", "site_id", "name", "address",
                      "postcode", "insee", "commune", "lon", "lat", "arrival", "start", "end", "drive_minutes",
                      "km", "demand", "hours_known", "hours", "phone"]
        return PlanTables(pd.DataFrame(rows, columns=visit_cols), pd.DataFrame(days), meta)


def resolve_bases(territory: Territory, sites: gpd.GeoDataFrame, tokens: Iterable[str]) -> gpd.GeoDataFrame:
    """Return the advisors' bases: an INSEE code (its town hall) or a ``site_id`` of the territory."""
    communes = territory.communes.set_index("insee")
    rows = []
    for token in tokens:
        token = str(token).strip()
        if token.upper() in communes.index:
            c = communes.loc[token.upper()]
            rows.append({"site_id": f"mairie:{token.upper()}", "name": f"Mairie {fr.of(c['name'])}",
                         "insee": token.upper(), "geometry": c["town_hall"]})
        elif token in set(sites["site_id"]):
            s = sites[sites["site_id"] == token].iloc[0]
            if s["insee"] not in communes.index:
                raise SettingsError(f"la base « {token} » est hors du territoire", setting=PLAN_SETTINGS["bases"],
                                    hint="choisissez une commune ou un site du territoire")
            rows.append({"site_id": token, "name": s["name"], "insee": s["insee"], "geometry": s.geometry})
        else:
            raise SettingsError(
                f"base inconnue ou hors du territoire : « {token} »",
                setting=PLAN_SETTINGS["bases"], hint="donnez le code INSEE d'une commune du territoire ou l'identifiant d'un site",
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_WGS84)


def make_plan(
    territory: Territory,
    settings: PlanSettings | None = None,
    *,
    coverage: Coverage | None = None,
    sites: gpd.GeoDataFrame | None = None,
    travel: TravelModel | None = None,
    progress: Progress | None = None,
) -> PlanResult:
    """Choose stops and plan the advisors' weeks for a territory.

    Parameters
    ----------
    territory
        The territory.
    settings
        Advisors, bases, days, stops, permanence, threshold... (:class:`PlanSettings`).
    coverage
        Coverage by existing sites, if already computed for this territory with the same
        networks, threshold (and demand model, when the settings name one).
    sites
        All sites (canonical table) to use instead of the loaded ones (e.g. with user sites).
    travel
        The travel model (default: the territory's).
    progress
        Called with a fraction done and a French message, for progress bars.

    Returns
    -------
    PlanResult

    Raises
    ------
    SettingsError
        For bases or stops outside the territory, or a coverage computed with other
        settings, in French, before any solver runs (the settings check themselves).
    """
    settings = settings or PlanSettings()
    report = progress or (lambda _f, _m: None)
    if coverage is not None:
        check_coverage(coverage, territory, settings.threshold, settings.networks, settings.demand_model)
    all_sites = territory.sites() if sites is None else territory.select_sites(sites)
    inside = hours.with_host_hours(all_sites[all_sites["inside"]], settings.host_hours)  # known or defaults
    bases = resolve_bases(territory, inside, settings.bases or (_main_commune(territory),))
    travel = travel or model_for(territory)
    candidates = candidate_hosts(travel, bases, inside, settings)
    report(0.05, "Couverture actuelle…")
    if coverage is None:
        coverage = compute_coverage(territory, settings.networks, settings.threshold,
                                    demand_model=settings.demand_model, sites=sites, travel=travel)
    points = coverage.points
    weights = points["demand"].fillna(0).to_numpy()
    already = coverage.within()
    report(0.2, "Temps d'accès aux lieux candidats…")
    reach = travel.within(points, candidates, max_minutes=settings.threshold).covers().tocsc()  # sparse
    siting_report, stop_hours = None, weekly_stop_hours(settings.stop_minutes, settings.frequency)
    if settings.chosen_stops:  # by hand: what each serves beside the existing sites
        chosen, served_added = np.arange(len(candidates)), served_by(coverage, reach, stop_hours)
    else:
        report(0.35, "Choix des arrêts…")
        choice = choose_stops(coverage, reach, min(settings.stops, len(candidates)), stop_hours=stop_hours,
                              time_limit=config.SITING_TIME_LIMIT_S)
        chosen, siting_report, served_added = choice.selected, choice.report, choice.served_added
    stops = candidates.iloc[chosen].copy()
    added = reach[:, chosen].toarray() & ~already[:, None]
    stops["demand_added"] = weights @ added
    if served_added is not None:
        stops["served_added"] = served_added  # the routing prize: what the stop serves

    report(0.5, "Temps de trajet entre bases et arrêts…")
    places = pd.concat([bases, stops[["site_id", "name", "insee", "geometry"]]], ignore_index=True)
    places = gpd.GeoDataFrame(places, geometry="geometry", crs=CRS_WGS84)
    between = travel.matrix(places, places)
    n_bases = len(bases)
    advisors = [
        Advisor(base=i % n_bases if n_bases > 1 else 0, days=settings.days, window=settings.window,
                max_drive_minutes=settings.max_drive_minutes, name=f"Conseiller {i + 1}",
                base_name=str(bases.iloc[i % n_bases]["name"]))
        for i in range(settings.advisors)
    ]
    route_stops = [
        Stop(index=n_bases + j, name=str(s["name"]), key=str(s["site_id"]), minutes=settings.stop_minutes,
             frequency=settings.frequency, hours=s["opening_hours"] if isinstance(s["opening_hours"], dict) else None,
             hours_known=bool(s["hours_known"]),
             demand=float(s.get("served_added", s["demand_added"])))
        for j, (_, s) in enumerate(stops.iterrows())
    ]
    report(0.6, "Optimisation des tournées…")
    routes = plan_routes(advisors, route_stops, between.minutes * 60.0, between.km * 1000.0,
                         time_limit=settings.time_limit, seed=settings.seed, lunch=settings.lunch_break)
    visited = sorted({v.stop for v in routes.visits})
    covered = already | added[:, visited].any(axis=1) if visited else already
    left = stops["served_added"].to_numpy() if "served_added" in stops else weights @ (added & ~covered[:, None])
    _true_reasons(routes, *day_reach(travel, bases, stops, settings), left)
    result = PlanResult(settings, territory, coverage, stops, places, routes, siting_report,
                        float(weights[covered].sum()), float(weights.sum()))
    result.served_demand = _served_demand(coverage, weights, reach[:, chosen], routes)
    report(0.9, "Tracé des itinéraires…")
    result.route_lines = _route_lines(travel, places, routes)
    report(1.0, "Plan prêt")
    return result


def _served_demand(coverage: Coverage, weights: np.ndarray, reach: sparse.spmatrix, routes: RoutePlan) -> float:
    """Demand served by the existing sites and the visited stops (weekly presence hours each)."""
    if coverage.service is None:
        return float("nan")
    hours = np.zeros(reach.shape[1])
    for v in routes.visits:
        hours[v.stop] += (v.end_s - v.start_s) / 3600 / routes.weeks
    return coverage.service.with_places(weights, hours, reach).total


def candidate_hosts(
    travel: TravelModel, bases: gpd.GeoDataFrame, inside: gpd.GeoDataFrame, settings: PlanSettings
) -> gpd.GeoDataFrame:
    """The stops chosen by hand, or the candidate hosts that can hold a permanence in a day."""
    if settings.chosen_stops:
        unknown = sorted(set(settings.chosen_stops) - set(inside["site_id"]))
        if unknown:
            raise SettingsError(f"arrêt inconnu ou hors du territoire : « {unknown[0]} »",
                                setting=PLAN_SETTINGS["chosen_stops"])
        return inside[inside["site_id"].isin(settings.chosen_stops)].drop_duplicates("site_id")
    candidates = inside[inside["network"].isin(settings.candidate_networks)].drop_duplicates("site_id")
    candidates = candidates[day_reach(travel, bases, candidates, settings)[1]]
    if candidates.empty:
        raise SettingsError(
            "aucun lieu candidat ne peut accueillir une permanence dans la journée depuis les bases",
            setting=PLAN_SETTINGS["stops"],
            hint="allongez la plage horaire, raccourcissez les permanences ou rapprochez les bases",
        )
    return candidates


def day_reach(
    travel: TravelModel, bases: gpd.GeoDataFrame, hosts: gpd.GeoDataFrame, settings: PlanSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each host can be visited within a day from one of the bases.

    A round trip from one base and back to the same base (legs rounded up to whole
    minutes, as the routes are) must leave room for the permanence and the lunch break
    (``settings.lunch_break``, when the window holds its window) inside the advisor's
    window and the daily driving limit; with the host's opening hours, inside one of its
    opening intervals of a working day as well (hours unknown: the window).

    Returns
    -------
    ``(reachable, fits)``: per host, whether some base reaches it, holds the permanence
    and is back within the day ignoring the opening hours; and respecting them.
    """
    out_min = np.ceil(travel.matrix(bases, hosts).minutes)  # bases × hosts
    back_min = np.ceil(travel.matrix(hosts, bases).minutes.T)
    start, end = (hours.minutes(t) for t in settings.window)
    ok = np.isfinite(out_min) & np.isfinite(back_min)
    brk = settings.lunch_break
    has_lunch = brk is not None and start <= brk.window_minutes[0] and brk.window_minutes[1] <= end
    pause = brk.minutes if brk is not None and has_lunch else 0.0  # the advisor's lunch
    ok &= out_min + back_min + settings.stop_minutes + pause <= end - start
    if settings.max_drive_minutes is not None:
        ok &= out_min + back_min <= settings.max_drive_minutes
    # The routing model's own test of a slot (schedule grid, lunch break on either side).
    fits = np.zeros(len(hosts), dtype=bool)
    for i, opening in enumerate(hosts["opening_hours"]):
        spans = ([(start, end)] if not isinstance(opening, dict) else
                 [(hours.minutes(o), hours.minutes(c)) for day in settings.days for o, c in opening.get(day, [])])
        fits[i] = any(single_visit_fits(max(o, start), min(c, end), settings.stop_minutes, (start, end),
                                        out_min[b, i], back_min[b, i], brk, has_lunch)
                      for b in np.flatnonzero(ok[:, i]) for o, c in spans)
    return ok.any(axis=0), fits


def _true_reasons(routes: RoutePlan, reachable: np.ndarray, fits: np.ndarray,
                  remaining: np.ndarray) -> None:
    """Give each stop left out its true reason (out of reach from every base, no demand left, no time left).

    A stop whose hours alone forbid it keeps the routing's reason (it names the hours).
    """
    for u in routes.unvisited:
        if not reachable[u.stop]:
            u.reason = REASON_OUT_OF_REACH
        elif not fits[u.stop]:
            continue
        elif remaining[u.stop] <= 0:
            u.reason = REASON_NO_DEMAND_LEFT
        else:
            u.reason = REASON_NO_TIME_LEFT


def _main_commune(territory: Territory) -> str:
    """Default base: the most populous commune of the territory."""
    return str(territory.communes.sort_values("population", ascending=False)["insee"].iloc[0])


def _route_lines(travel: TravelModel, places: gpd.GeoDataFrame, routes: RoutePlan) -> dict:
    """Lines of each advisor-day along the roads (None with the crow-fly method)."""
    lines = {}
    for a in routes.advisors:
        for d in a.days:
            if d.visits:
                sequence = [a.base, *[v.location for v in d.visits], a.base]
                lines[(a.advisor, d.week, d.day)] = travel.path_line(places.geometry.iloc[sequence])
    return lines

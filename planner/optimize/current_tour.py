"""Start from the current tour: evaluate it with the plans' model, then propose a better one.

The current tour (:func:`planner.data.sources.current_tour.load_current_tour`, one row per
session) is evaluated as it is: each advisor-day goes from its base to its sessions in
time order and back (drive times from the travel model), the demand within ``T`` of a
stop or of an existing site is covered, and the demand beyond the existing sites' reach
that the stops can serve under their capacity (weekly presence hours × people helped per
advisor-hour, :data:`planner.config.PEOPLE_PER_ADVISOR_HOUR`, over the service weeks of a
year) is served (:func:`planner.access.capacity.allocate`).

The proposal keeps the advisors (as many, same bases), at most the same presence hours
and the stops the user locks (same day and hours, required); the rest of the hours go
to stops chosen as plans choose them (:func:`planner.optimize.stop_choice.choose_stops`:
demand served under capacity, then demand newly covered, the locked stops open with their
own hours) among the plan's candidate hosts and the unlocked stops of the current tour,
and the routes are planned by PyVRP (:func:`planner.optimize.routing.plan_routes`). Both are measured by the same
:func:`tour_figures`. Figures are per week, averaged over the cycle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from planner import config, fr
from planner.access.coverage import Coverage, compute_coverage
from planner.data import hours
from planner.data.hours import minutes as clock_minutes
from planner.data.schema import LoadReport
from planner.errors import SettingsError
from planner.geo import CRS_WGS84
from planner.optimize.plan import PlanResult, candidate_hosts, resolve_bases
from planner.optimize.routing import plan_routes
from planner.optimize.routing_input import FREQUENCIES, Advisor, Stop
from planner.optimize.settings import PLAN_SETTINGS, PlanSettings
from planner.optimize.stop_choice import choose_stops, weekly_stop_hours
from planner.optimize.tables import PlanTables
from planner.territory import Territory
from planner.travel.model import TravelModel, model_for

#: Weeks between two sessions → frequency key of the routes.
_FREQUENCY_OF = {weeks: key for key, weeks in FREQUENCIES.items()}


@dataclass
class TourFigures:
    """What a tour achieves, per week (averaged over its cycle).

    Attributes
    ----------
    visits
        Sessions held per week.
    presence_hours, drive_hours
        Hours of permanence and of driving per week, all advisors.
    covered_demand
        Demand within ``T`` of an existing site or of a stop of the tour.
    served_demand
        People helped a year by the existing sites and the tour's stops under their
        capacity (one allocation, as a plan's ``served_demand``).
    """

    visits: float
    presence_hours: float
    drive_hours: float
    covered_demand: float
    served_demand: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready figures."""
        return {"visits": round(self.visits, 2), "presence_hours": round(self.presence_hours, 2),
                "drive_hours": round(self.drive_hours, 2), "covered_demand": round(self.covered_demand, 1),
                "served_demand": round(self.served_demand, 1)}


@dataclass
class TourComparison:
    """The current tour evaluated and the proposed one.

    Attributes
    ----------
    current, proposed
        Their figures.
    current_visits
        One row per session of the current tour over its cycle (advisor number and name,
        base, week, day, order, stop, times, drive from the previous place, position, locked).
    current_days
        One row per advisor-day of the current tour (departure, return, drive).
    plan
        The proposed tour as a plan (:class:`PlanResult`: tables, exports, maps).
    report
        The load report of the file (rejected and repaired rows).
    weeks
        The current tour's cycle, weeks.
    """

    current: TourFigures
    proposed: TourFigures
    current_visits: pd.DataFrame
    current_days: pd.DataFrame
    plan: PlanResult
    report: LoadReport
    weeks: int
    locked: list[str] = field(default_factory=list)

    def week_start(self, today: dt.date | None = None) -> dt.date:
        """Monday of week 1 of both tours: the next one that starts their cycles (:func:`cycle_start`)."""
        return cycle_start(max(self.weeks, self.plan.routes.weeks), today)

    def current_tables(self) -> PlanTables:
        """The current tour as plan tables (``visits`` and ``days``), for the plan's maps and tables."""
        return PlanTables(self.current_visits, self.current_days,
                          {"territory": self.plan.territory.label, "sources": [self.report.source], "unvisited": [],
                           "week_start": self.week_start(), "cycle_weeks": self.weeks})

    def summary(self) -> dict[str, Any]:
        """The ``planner plan --current-tour --json`` object."""
        return {"current": {**self.current.to_dict(), "weeks": self.weeks},
                "proposed": {**self.proposed.to_dict(), "weeks": self.plan.routes.weeks},
                "locked": self.locked, "week_start": self.week_start().isoformat(),
                "rejected": [i.as_dict() for i in self.report.rejected],
                "corrected": [i.as_dict() for i in self.report.issues if i.action == "corrigée"],
                "warnings": [i.as_dict() for i in self.report.issues if i.action == "suspecte"],
                "file": self.report.file,
                "plan": self.plan.summary()}


def cycle_start(weeks: int, today: dt.date | None = None) -> dt.date:
    """The first Monday after ``today`` whose ISO week ``n`` starts a cycle: ``(n - 1) % weeks == 0``.

    The file's week rhythms count from ISO week 1 (« week 1-53/2 », « impaires »: weeks 1,
    3, 5…), so week 1 of a tour of 2 weeks falls on an odd ISO week and a 4-week tour on
    week 1, 5, 9…. Week 53 (of a 53-week year) is never a start: the next week is ISO week 1,
    so a cycle started there would hold odd-week sessions in even weeks from January on.
    """
    day = (today or dt.date.today()) + dt.timedelta(days=1)
    day += dt.timedelta(days=(7 - day.weekday()) % 7)
    while (day.isocalendar()[1] - 1) % weeks or day.isocalendar()[1] == 53:
        day += dt.timedelta(days=7)
    return day


def tour_figures(coverage: Coverage, reach: sparse.csc_matrix, minutes: sparse.csr_matrix, presence_min: np.ndarray,
             visits: float, drive_min: float, weeks: int) -> TourFigures:
    """Figures of a tour: ``reach``/``minutes`` points × stops, ``presence_min`` per stop over the cycle."""
    weights = coverage.points["demand"].fillna(0).to_numpy(dtype=float)
    already = coverage.within()
    held = presence_min > 0
    covered = already | (np.asarray(reach[:, held].sum(axis=1)).ravel() > 0)
    hours = presence_min / weeks / 60  # weekly advisor-hours of each stop
    served = (coverage.service.with_places(weights, hours, sparse.csr_matrix(reach)).total
              if coverage.service is not None else float("nan"))
    return TourFigures(visits / weeks, presence_min.sum() / weeks / 60, drive_min / weeks / 60,
                       float(weights[covered].sum()), served)


def _assign_advisors(sessions: pd.DataFrame) -> pd.Series:
    """The advisor of each session: the file's, else the first free one of its day (by time)."""
    if sessions["advisor"].notna().all():
        return sessions["advisor"].astype(str)
    out = pd.Series("", index=sessions.index, dtype=object)
    for _, day in sessions.sort_values("start").groupby(["week", "day"]):
        ends: list[int] = []
        for i, row in day.iterrows():
            start = clock_minutes(row["start"])
            free = next((a for a, end in enumerate(ends) if end <= start), None)
            if free is None:
                ends.append(0)
                free = len(ends) - 1
            ends[free] = clock_minutes(row["end"])
            out[i] = f"Conseiller {free + 1}"
    return out


def _expand(sessions: gpd.GeoDataFrame, weeks: int) -> pd.DataFrame:
    """One row per session held in each week of the cycle (``week`` 1-based)."""
    rows = [dict(r, week=w + 1) for _, r in sessions.iterrows() for w in range(weeks)
            if (w - int(r["offset"])) % int(r["period"]) == 0]
    return pd.DataFrame(rows)


def _clock(minute: float) -> str:
    minute = int(min(max(minute, 0), 24 * 60))
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _current_visits(held: pd.DataFrame, stop_index: dict[str, int], bases: gpd.GeoDataFrame,
                    advisors: list[str], minutes: np.ndarray, km: np.ndarray,
                    communes: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The current tour's visits in order (drive from the previous place), its days, and the total drive."""
    n_bases = len(bases)
    rows, days, total = [], [], 0.0
    held = held.assign(_start=held["start"].map(clock_minutes))
    for (advisor, week, day), group in held.sort_values("_start").groupby(["advisor_label", "week", "day"]):
        base = advisors.index(advisor) % n_bases
        point, at = bases.geometry.iloc[base], base
        common = {"advisor": advisors.index(advisor) + 1, "advisor_name": advisor, "base": bases.iloc[base]["name"],
                  "week": int(week), "day": day}
        day_drive = day_km = 0.0
        for order, (_, v) in enumerate(group.iterrows(), start=1):
            here = n_bases + stop_index[v["stop_id"]]
            drive, dist = (float(minutes[at, here]), float(km[at, here])) if at != here else (0.0, 0.0)
            day_drive, day_km = day_drive + np.nan_to_num(drive, posinf=0.0), day_km + np.nan_to_num(dist, posinf=0.0)
            rows.append({**common, "order": order, "site_id": v["stop_id"], "name": v["name"],
                         "address": v["address"], "postcode": None, "insee": v["insee"],
                         "commune": communes.get(v["insee"], ""), "lon": v.geometry.x, "lat": v.geometry.y,
                         "arrival": v["start"], "start": v["start"], "end": v["end"], "drive_minutes": drive,
                         "km": dist, "demand": 0.0, "locked": bool(v["locked"])})
            at = here
        first_out = float(minutes[base, n_bases + stop_index[group["stop_id"].iloc[0]]])
        back = float(minutes[at, base])
        day_drive += np.nan_to_num(back, posinf=0.0)
        day_km += np.nan_to_num(float(km[at, base]), posinf=0.0)
        days.append({**common, "base_lon": point.x, "base_lat": point.y,
                     "depart": _clock(group["_start"].iloc[0] - np.ceil(np.nan_to_num(first_out, posinf=0.0))),
                     "return": _clock(clock_minutes(group["end"].iloc[-1]) + np.ceil(np.nan_to_num(back, posinf=0.0))),
                     "drive_minutes": day_drive, "km": day_km, "route": None})
        total += day_drive
    return pd.DataFrame(rows), pd.DataFrame(days), total


def compare_tour(
    territory: Territory,
    sessions: gpd.GeoDataFrame,
    report: LoadReport,
    settings: PlanSettings | None = None,
    *,
    coverage: Coverage | None = None,
    travel: TravelModel | None = None,
    advisors_asked: int | None = None,
) -> TourComparison:
    """Evaluate the current tour and propose a better one for the same advisors and hours.

    Parameters
    ----------
    territory
        The territory.
    sessions, report
        The current tour, as :func:`planner.data.sources.current_tour.load_current_tour` returns.
    settings
        Bases, days, window, permanence length of the proposed stops, threshold, networks,
        solver limits (:class:`PlanSettings`); ``advisors`` and ``stops`` are taken from the tour.
    coverage, travel
        Coverage by existing sites and the travel model, if already at hand.
    advisors_asked
        The number of advisors the user gave explicitly (``--advisors``), if any: it must be
        the tour's; ``settings.bases`` must give one base, one per advisor of the tour, or none.

    Raises
    ------
    SettingsError
        When ``advisors_asked`` or the number of bases does not match the tour's advisors.

    Returns
    -------
    TourComparison
    """
    settings = settings or PlanSettings()
    file_advisors = _assign_advisors(_expand(sessions, int(sessions["period"].max()))).nunique()
    _check_advisors(file_advisors, advisors_asked, len(settings.bases), report.file)  # before any computation
    travel = travel or model_for(territory)
    if coverage is None:
        coverage = compute_coverage(territory, settings.networks, settings.threshold,
                                    demand_model=settings.demand_model, travel=travel)
    sites = territory.sites()
    inside = hours.with_host_hours(sites[sites["inside"]], settings.host_hours)  # known or defaults, as plans
    bases = resolve_bases(territory, inside, settings.bases or (str(territory.communes.sort_values(
        "population", ascending=False)["insee"].iloc[0]),))
    weeks = int(sessions["period"].max())
    held = _expand(sessions, weeks)
    held["advisor_label"] = _assign_advisors(held).to_numpy()
    advisors = sorted(held["advisor_label"].unique())
    stops = sessions.drop_duplicates("stop_id").reset_index(drop=True)
    stop_index = {s: i for i, s in enumerate(stops["stop_id"])}
    places = gpd.GeoDataFrame(pd.concat([bases[["name", "geometry"]], stops[["name", "geometry"]]], ignore_index=True),
                              geometry="geometry", crs=CRS_WGS84)
    between = travel.matrix(places, places)
    communes = territory.communes.set_index("insee")["name"]
    visits, days, drive = _current_visits(held, stop_index, bases, advisors, between.minutes, between.km, communes)
    points = coverage.points
    near = travel.within(points, stops, max_minutes=settings.threshold)
    presence = np.zeros(len(stops))
    for _, v in held.iterrows():
        presence[stop_index[v["stop_id"]]] += clock_minutes(v["end"]) - clock_minutes(v["start"])
    current = tour_figures(coverage, near.covers().tocsc(), near.minutes, presence, len(held), drive, weeks)
    added = near.covers().tocsc().multiply(~coverage.within()[:, None]).T @ points["demand"].fillna(0).to_numpy()
    visits["demand"] = visits["site_id"].map(dict(zip(stops["stop_id"], np.asarray(added).ravel())))
    plan = _propose(territory, settings, coverage, travel, bases, inside, sessions, stops, len(advisors),
                    presence.sum() / weeks, report.vintage)
    routes = plan.routes
    at = {k: i for i, k in enumerate(plan.stops["site_id"])}
    proposed_presence = np.zeros(len(plan.stops))
    for v in routes.visits:
        proposed_presence[at[v.key]] += (v.end_s - v.start_s) / 60
    reach_p = travel.within(points, plan.stops, max_minutes=settings.threshold)
    proposed = tour_figures(coverage, reach_p.covers().tocsc(), reach_p.minutes, proposed_presence,
                        len(routes.visits), routes.drive_minutes, routes.weeks)
    locked = sorted(stops.loc[stops["locked"], "stop_id"])
    return TourComparison(current, proposed, visits, days, plan, report, weeks, locked)


def _check_advisors(n: int, asked: int | None, n_bases: int, file: str) -> None:
    """Refuse a number of advisors or bases other than the tour's (French, naming the option)."""
    who = fr.plural(n, "conseiller")
    if asked is not None and asked != n:
        raise SettingsError(f"--advisors {asked} : la tournée actuelle ({file}) compte {who}, et la proposition "
                            "garde les mêmes conseillers", setting=PLAN_SETTINGS["advisors"],
                            hint=f"retirez --advisors (ou donnez {n}), ou changez la colonne « conseiller » du fichier")
    if n_bases not in (0, 1, n):
        raise SettingsError(f"{fr.plural(n_bases, 'base')} pour les {who} de la tournée actuelle ({file})",
                            setting=PLAN_SETTINGS["bases"],
                            hint=f"donnez une base commune ou une base par conseiller ({n})")


def _hours_of(sessions: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """The sessions of one stop as weekly hours (:mod:`planner.data.hours` structure)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for day, start, end in zip(sessions["day"], sessions["start"], sessions["end"]):
        out.setdefault(day, []).append((start, end))
    return {d: sorted(v) for d, v in out.items()}


def _window(settings: PlanSettings, locked: gpd.GeoDataFrame, travel: TravelModel,
            bases: gpd.GeoDataFrame) -> tuple[str, str]:
    """The advisors' window, widened so that every locked session can be reached and left in time."""
    start, end = (clock_minutes(t) for t in settings.window)
    if len(locked):
        step = config.SCHEDULE_STEP_MIN
        out = np.nan_to_num(travel.matrix(bases, locked).minutes.min(axis=0), posinf=0.0)
        back = np.nan_to_num(travel.matrix(locked, bases).minutes.min(axis=1), posinf=0.0)
        first = locked["start"].map(clock_minutes).to_numpy() - np.ceil(out / step + 1) * step
        last = locked["end"].map(clock_minutes).to_numpy() + np.ceil(back / step + 1) * step
        start, end = int(max(min(start, first.min()), 0)), int(min(max(end, last.max()), 24 * 60))
    return f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"


def _propose(territory: Territory, settings: PlanSettings, coverage: Coverage, travel: TravelModel,
             bases: gpd.GeoDataFrame, inside: gpd.GeoDataFrame, sessions: gpd.GeoDataFrame,
             stops: gpd.GeoDataFrame, n_advisors: int, weekly_minutes: float, vintage: str) -> PlanResult:
    """The proposed tour: locked sessions kept, the other hours on stops chosen as plans choose them."""
    locked = sessions[sessions["locked"]]
    days = tuple(d for d in config.WORKING_DAYS if d in set(settings.days) | set(locked["day"]))
    window = _window(settings, locked, travel, bases)
    period = FREQUENCIES[settings.frequency]
    horizon = max(period, int(locked["period"].max()) if len(locked) else 1)
    locked_min = float(sum((clock_minutes(e) - clock_minutes(s)) * horizon / p
                           for s, e, p in zip(locked["start"], locked["end"], locked["period"])))
    per_stop = settings.stop_minutes * horizon / period
    k = max(int((weekly_minutes * horizon - locked_min + 1e-6) // per_stop), 0)
    own = stops[~stops["locked"]].assign(site_id=lambda f: f["stop_id"], opening_hours=None)
    pool = candidate_hosts(travel, bases, inside, settings)
    pool = gpd.GeoDataFrame(pd.concat([pool, own[["site_id", "name", "insee", "address", "geometry", "opening_hours"]]],
                                      ignore_index=True), geometry="geometry", crs=CRS_WGS84)
    points = coverage.points
    weights = points["demand"].fillna(0).to_numpy(dtype=float)
    kept = stops[stops["locked"]].reset_index(drop=True)
    kept_reach = travel.within(points, kept, max_minutes=settings.threshold).covers().tocsc()
    already = coverage.within()
    if len(kept):
        already = already | (kept_reach.sum(axis=1).A1 > 0)
    reach = travel.within(points, pool, max_minutes=settings.threshold).covers().tocsc()
    chosen, siting, served = np.zeros(0, dtype=int), None, None
    if k > 0:  # as plans: served under capacity, the kept stops locked with their own hours a week
        held_h = (locked["end"].map(clock_minutes) - locked["start"].map(clock_minutes)) / 60 / locked["period"]
        choice = choose_stops(coverage, reach, min(k, len(pool)),
                              stop_hours=weekly_stop_hours(settings.stop_minutes, settings.frequency),
                              time_limit=min(config.SITING_TIME_LIMIT_S, settings.time_limit),
                              locked_reach=kept_reach if len(kept) else None,
                              locked_hours=held_h.groupby(locked["stop_id"]).sum().reindex(kept["stop_id"]).to_numpy())
        chosen, siting, served = choice.selected, choice.report, choice.served_added
    free = pool.iloc[chosen].copy()
    free["demand_added"] = weights @ (reach[:, chosen].toarray() & ~already[:, None])
    if served is not None:
        free["served_added"] = served  # the routing prize, as in plans
    sessions_of = {sid: _hours_of(group) for sid, group in locked.groupby("stop_id")}
    kept = kept.assign(site_id=kept["stop_id"], opening_hours=kept["stop_id"].map(sessions_of), hours_known=True,
                       demand_added=weights @ (kept_reach.toarray() & ~coverage.within()[:, None]))
    chosen_stops = gpd.GeoDataFrame(pd.concat([kept, free], ignore_index=True), geometry="geometry", crs=CRS_WGS84)
    for column, default in (("postcode", None), ("source", "tournée actuelle"), ("vintage", vintage)):
        if column not in chosen_stops:
            chosen_stops[column] = default
        chosen_stops[column] = chosen_stops[column].fillna(default) if default else chosen_stops[column]
    places = gpd.GeoDataFrame(pd.concat([bases, chosen_stops[["site_id", "name", "insee", "geometry"]]],
                                        ignore_index=True), geometry="geometry", crs=CRS_WGS84)
    between = travel.matrix(places, places)
    n_bases = len(bases)
    advisors = [Advisor(base=i % n_bases, days=days, window=window, max_drive_minutes=settings.max_drive_minutes,
                        name=f"Conseiller {i + 1}", base_name=str(bases.iloc[i % n_bases]["name"]))
                for i in range(n_advisors)]
    position = {sid: j for j, sid in enumerate(kept["stop_id"])}
    route_stops = [Stop(index=n_bases + position[s["stop_id"]], name=str(s["name"]), key=str(s["stop_id"]),
                        minutes=clock_minutes(s["end"]) - clock_minutes(s["start"]),
                        frequency=_FREQUENCY_OF.get(int(s["period"]), "weekly"),
                        hours={s["day"]: [(s["start"], s["end"])]}, hours_known=True,
                        demand=float(kept.at[position[s["stop_id"]], "demand_added"]), required=True,
                        week_offset=int(s["offset"]))  # same odd/even (or 1-in-4) weeks as today
                   for _, s in locked.iterrows()]
    route_stops += [Stop(index=n_bases + len(kept) + j, name=str(s["name"]), key=str(s["site_id"]),
                         minutes=settings.stop_minutes, frequency=settings.frequency,
                         hours=s["opening_hours"] if isinstance(s["opening_hours"], dict) else None,
                         hours_known=bool(s["hours_known"]) if pd.notna(s.get("hours_known")) else False,
                         demand=float(s.get("served_added", s["demand_added"])))
                    for j, (_, s) in enumerate(free.iterrows())]
    routes = plan_routes(advisors, route_stops, between.minutes * 60.0, between.km * 1000.0,
                         time_limit=settings.time_limit, seed=settings.seed, weeks=horizon)
    visited = sorted({v.stop for v in routes.visits})
    reach_all = travel.within(points, chosen_stops, max_minutes=settings.threshold).covers().tocsc()
    held = sorted({route_stops[i].index - n_bases for i in visited})
    covered = coverage.within() | (np.asarray(reach_all[:, held].sum(axis=1)).ravel() > 0)
    proposal = PlanSettings(**{**settings.__dict__, "advisors": n_advisors, "days": days, "window": window,
                               "bases": tuple(bases["site_id"].str.replace("mairie:", "", regex=False)),
                               "stops": max(len(chosen_stops), 1)})
    return PlanResult(proposal, territory, coverage, chosen_stops, places, routes, siting,
                      float(weights[covered].sum()), float(weights.sum()))


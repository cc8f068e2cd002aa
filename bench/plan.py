"""Benchmark of the optimized weekly plan against a k-means baseline, on Corsica (prints figures).

Run: ``python bench/plan.py [--advisors 2] [--bases 2A004,2B033] [--stops 12]
[--stop-minutes 180] [--time-limit 10] [--seed 1]``.

Fair by construction (issue 14, point 7): same territory, demand points, existing coverage
(the help networks' sites within T = 30 min), advisors, bases, days, window, permanence
length, hosts' hours (their own or their kind's defaults, as plans use them) and **the same
filtered candidates** (:func:`planner.optimize.plan.candidate_hosts`:
hosts where a permanence fits in a day from a base) for every method.

* **baseline**: ``k`` weighted k-means centres of the demand not yet within T (scikit-learn,
  metric CRS), each snapped to the nearest free candidate; then nearest-neighbour days
  (from where the advisor is, the nearest stop it can still reach, hold inside the
  host's hours and come back from, within the window); each stop at most once a week;
* **optimized**: maximal service under capacity, then covering (HiGHS,
  :mod:`planner.optimize.siting_capacity`) + PyVRP routes with the largest number of stops
  whose plan holds at most the baseline's presence hours (from as many stops as the baseline
  held, upwards) — hours used, not hours available;
* two hybrids to split the gain: optimizer stops + nearest-neighbour routing, and baseline
  stops + PyVRP routing. The share of the gain due to stop choice is the mean of
  (hybrid A − baseline) and (optimized − hybrid B) over the gain (two-factor Shapley split);
  the rest is due to routing.

Printed per method: stops held, presence and driving hours per week, covered demand (within
T of an existing site or a stop held) and served demand (beyond the existing sites' reach,
served under the stops' capacity: presence hours × people helped per advisor-hour × service
weeks, :func:`planner.optimize.current_tour.tour_figures`). Then the capacity-aware stop
choice against maximal covering on the same inputs (same ``k``, candidates, coverage):
served and covered demand of each choice, and of each plan after routing. Asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import sys
import time
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans

from planner import config, fr
from planner.access.coverage import compute_coverage
from planner.data.hours import minutes as to_minutes
from planner.data.hours import with_host_hours
from planner.errors import PlannerError
from planner.geo import CRS_WGS84
from planner.optimize.current_tour import tour_figures
from planner.optimize.plan import candidate_hosts, make_plan, resolve_bases
from planner.optimize.settings import PlanSettings
from planner.optimize.siting_capacity import MaximalService
from planner.optimize.stop_choice import choose_stops, weekly_stop_hours
from planner.territory import select
from planner.travel.model import model_for

THRESHOLD_MIN = config.DEFAULT_THRESHOLD_MIN
DAYS = config.DEFAULT_DAYS
WINDOW = config.DEFAULT_WINDOW


def kmeans_stops(
    points: gpd.GeoDataFrame, weights: np.ndarray, candidates: gpd.GeoDataFrame, k: int, seed: int, crs: str
) -> gpd.GeoDataFrame:
    """Weighted k-means centres of the demand points (in the metric ``crs``), each snapped
    to the nearest free candidate."""
    metric = points.to_crs(crs)
    xy = np.column_stack([metric.geometry.x, metric.geometry.y])
    keep = weights > 0
    model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(
        xy[keep], sample_weight=weights[keep]
    )
    mass = np.bincount(model.labels_, weights=weights[keep], minlength=k)
    cand = candidates.to_crs(crs)
    tree = cKDTree(np.column_stack([cand.geometry.x, cand.geometry.y]))
    used: list[int] = []
    for c in np.argsort(-mass, kind="stable"):  # heaviest clusters choose first
        _, order = tree.query(model.cluster_centers_[c], k=min(len(cand), k + 1))
        used.append(int(next(j for j in np.atleast_1d(order) if j not in used)))
    return candidates.iloc[used]


def nearest_neighbour_week(
    minutes: np.ndarray,
    n_bases: int,
    advisor_bases: list[int],
    hours: list[dict | None],
    stop_minutes: float,
) -> tuple[list[tuple[int, str, int]], float]:
    """Greedy tours: each advisor-day goes to the nearest feasible stop until none fits.

    Parameters
    ----------
    minutes
        Travel minutes between places (bases first, then stops).
    n_bases
        Number of bases (rows before the stops).
    advisor_bases
        Base row of each advisor.
    hours
        Opening hours of each stop (:mod:`planner.data.hours` structure) or None.
    stop_minutes
        Permanence length.

    Returns
    -------
    The visits ``(stop, day, start minute)`` and the driving minutes of the week.
    """
    legs = np.ceil(np.where(np.isfinite(minutes), minutes, 1e9))  # whole minutes, as routing
    w_start, w_end = (to_minutes(t) for t in WINDOW)
    left = set(range(len(hours)))
    visits, drive = [], 0.0
    for day in DAYS:
        for base in advisor_bases:
            at, clock = base, w_start
            while True:
                best = None
                for s in sorted(left, key=lambda s: (minutes[at, n_bases + s], s)):
                    arrival = clock + legs[at, n_bases + s]
                    spans = (
                        [(w_start, w_end)]
                        if hours[s] is None
                        else [(to_minutes(o), to_minutes(c)) for o, c in hours[s].get(day, [])]
                    )
                    for o, c in spans:
                        start = max(arrival, o)
                        end = start + stop_minutes
                        if end <= c and end + legs[n_bases + s, base] <= w_end:
                            best = (s, start, end)
                            break
                    if best:
                        break
                if best is None:
                    break
                s, start, end = best
                drive += minutes[at, n_bases + s]
                visits.append((s, day, int(start)))
                left.discard(s)
                at, clock = n_bases + s, end
            if at != base:
                drive += minutes[at, base]
    return visits, drive


def _nn_figures(travel, points, coverage, stops, base_rows, advisor_bases, stop_minutes):
    """Nearest-neighbour days over ``stops``: (held stop rows, figures)."""
    places = gpd.GeoDataFrame(
        pd.concat([base_rows[["name", "geometry"]], stops[["name", "geometry"]]], ignore_index=True),
        geometry="geometry", crs=CRS_WGS84,
    )  # fmt: skip
    minutes = travel.matrix(places, places).minutes
    np.fill_diagonal(minutes, 0.0)
    hours = [h if isinstance(h, dict) else None for h in stops["opening_hours"]]
    visits, drive = nearest_neighbour_week(minutes, len(base_rows), advisor_bases, hours, stop_minutes)
    presence = np.zeros(len(stops))
    for s, _, _ in visits:
        presence[s] += stop_minutes
    near = travel.within(points, stops, max_minutes=THRESHOLD_MIN)
    return presence > 0, tour_figures(coverage, near.covers().tocsc(), near.minutes, presence, len(visits), drive, 1)


def _plan_figures(travel, points, coverage, plan):
    """Figures of a plan with the same model as the baseline's."""
    at = {k: i for i, k in enumerate(plan.stops["site_id"])}
    presence = np.zeros(len(plan.stops))
    for v in plan.routes.visits:
        presence[at[v.key]] += (v.end_s - v.start_s) / 60
    near = travel.within(points, plan.stops, max_minutes=THRESHOLD_MIN)
    return tour_figures(coverage, near.covers().tocsc(), near.minutes, presence, len(plan.routes.visits),
                        plan.routes.drive_minutes, plan.routes.weeks)


def _objective_lines(territory, settings, coverage, travel, points, candidates, k, optimized) -> None:
    """The capacity-aware stop choice against maximal covering on the same inputs: after
    siting (served and covered demand of the k stops, exact allocation) and after routing."""
    reach = travel.within(points, candidates, max_minutes=THRESHOLD_MIN).covers().tocsc()
    weights = points["demand"].fillna(0).to_numpy(dtype=float)
    hours = weekly_stop_hours(settings.stop_minutes, settings.frequency)
    model = MaximalService.from_service(coverage.service, weights, reach, hours, k)
    figures = {}
    for label, cov in (("demande servie", coverage), ("couverture", dataclasses.replace(coverage, service=None))):
        tic = time.perf_counter()
        choice = choose_stops(cov, reach, k, stop_hours=hours, time_limit=config.SITING_TIME_LIMIT_S)
        figures[label] = (model.value(choice.selected), float(weights[model.covered_by(choice.selected)].sum()),
                          time.perf_counter() - tic)
    text = " ; ".join(f"objectif {label} → servie {fr.number(s)}, couverte {fr.number(c)} ({fr.number(t, 2)} s)"
                      for label, (s, c, t) in figures.items())
    print(f"Choix de {k} arrêts, mêmes candidats : {text}")
    covering = make_plan(territory, dataclasses.replace(settings, stops=k), travel=travel,
                         coverage=dataclasses.replace(coverage, service=None))
    after = _plan_figures(travel, points, coverage, covering)
    text = " ; ".join(f"objectif {label} → {fr.number(f.visits, 0)} permanences, servie {fr.number(f.served_demand)}, "
                      f"couverte {fr.number(f.covered_demand)}, présence {fr.number(f.presence_hours, 1)} h/sem., "
                      f"conduite {fr.number(f.drive_hours, 1)} h/sem."
                      for label, f in (("demande servie", optimized), ("couverture", after)))
    print(f"Après tournées ({k} arrêts) : {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Plan optimisé contre k-moyennes, à heures utilisées égales.")
    parser.add_argument("--territory", default="2A,2B")
    parser.add_argument("--advisors", type=int, default=2)
    parser.add_argument("--bases", default="2A004,2B033")
    parser.add_argument("--stops", type=int, default=12)
    parser.add_argument("--stop-minutes", type=float, default=180.0)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    try:
        territory = select(args.territory)
        travel = model_for(territory)
        coverage = compute_coverage(territory, threshold=THRESHOLD_MIN, travel=travel)
    except (PlannerError, OSError) as exc:
        print(f"Données indisponibles ({exc}) : rien à mesurer.")
        return 1
    points = coverage.points
    weights = points["demand"].fillna(0).to_numpy(dtype=float)
    already = coverage.within()
    total = weights.sum()
    bases = tuple(b.strip() for b in args.bases.split(",") if b.strip())
    settings = PlanSettings(
        advisors=args.advisors, bases=bases, days=DAYS, window=WINDOW, stops=args.stops,
        stop_minutes=args.stop_minutes, threshold=THRESHOLD_MIN, time_limit=args.time_limit, seed=args.seed,
    )  # fmt: skip
    sites = territory.sites()
    inside = with_host_hours(sites[sites["inside"]], settings.host_hours)  # the hours plans use
    base_rows = resolve_bases(territory, inside, bases)
    advisor_bases = [i % len(base_rows) for i in range(args.advisors)]
    candidates = candidate_hosts(travel, base_rows, inside, settings)  # the optimizer's filtered candidates

    tic = time.perf_counter()
    base_stops = kmeans_stops(points, np.where(already, 0.0, weights), candidates, args.stops, args.seed,
                              territory.crs)
    held, baseline = _nn_figures(travel, points, coverage, base_stops, base_rows, advisor_bases, args.stop_minutes)
    base_s = time.perf_counter() - tic
    # Equal hours used: the largest number of stops whose plan holds at most the baseline's presence.
    tic = time.perf_counter()
    plan, optimized = None, None
    for k in range(int(held.sum()), int(held.sum()) + 8):
        trial = make_plan(territory, dataclasses.replace(settings, stops=k), coverage=coverage, travel=travel)
        figures = _plan_figures(travel, points, coverage, trial)
        if plan is not None and figures.presence_hours > baseline.presence_hours + 1e-9:
            break
        plan, optimized = trial, figures
        if figures.presence_hours >= baseline.presence_hours - 1e-9:
            break
    assert plan is not None and optimized is not None
    opt_s = time.perf_counter() - tic
    _, hybrid_a = _nn_figures(travel, points, coverage, plan.stops, base_rows, advisor_bases, args.stop_minutes)
    chosen = tuple(base_stops["site_id"].iloc[np.flatnonzero(held)])
    hybrid_plan = make_plan(territory, dataclasses.replace(settings, chosen_stops=chosen), coverage=coverage,
                            travel=travel)
    hybrid_b = _plan_figures(travel, points, coverage, hybrid_plan)
    rows = [
        ("k-moyennes + plus proche voisin (référence)", baseline, base_s),
        ("Plan optimisé (HiGHS + PyVRP)", optimized, opt_s),
        ("Arrêts optimisés + plus proche voisin", hybrid_a, math.nan),
        ("Arrêts k-moyennes + tournées PyVRP", hybrid_b, math.nan),
    ]
    method = "la route" if travel.method == "road" else "vol d’oiseau"
    print(f"Territoire : {territory.label} — {len(points)} points de demande, demande totale {fr.number(total)}, "
          f"existant {fr.number(weights[already].sum())}, seuil {THRESHOLD_MIN:g} min par {method}")
    print(f"{args.advisors} conseiller(s), bases {', '.join(base_rows['name'])}, {len(candidates)} lieux candidats "
          f"(les mêmes pour tous), permanences de {args.stop_minutes:g} min ; arrêts choisis : {args.stops} "
          f"(k-moyennes), {len(plan.stops)} (optimisé, pour les mêmes heures tenues)")
    header = (f"{'méthode':<46} {'permanences/sem.':>16} {'présence h/sem.':>15} {'conduite h/sem.':>15} "
              f"{'demande couverte':>17} {'demande servie':>15} {'calcul s':>9}")
    print(header)
    print("-" * len(header))
    for label, f, seconds in rows:
        print(f"{label:<46} {fr.number(f.visits, 1):>16} {fr.number(f.presence_hours, 1):>15} "
              f"{fr.number(f.drive_hours, 1):>15} {fr.number(f.covered_demand):>17} {fr.number(f.served_demand):>15} "
              f"{fr.number(seconds, 1) if math.isfinite(seconds) else '—':>9}")
    print("-" * len(header))
    for what, key in (("couverte", "covered_demand"), ("servie", "served_demand")):
        b, o, a, h = (getattr(f, key) for f in (baseline, optimized, hybrid_a, hybrid_b))
        gain = o - b
        if key == "covered_demand":
            b_gain, o_gain = b - weights[already].sum(), o - weights[already].sum()
            ratio = "∞" if b_gain <= 0 else fr.number(o_gain / b_gain, 2)
            print(f"Demande couverte ajoutée : {fr.number(o_gain)} (optimisé) contre {fr.number(b_gain)} (référence), "
                  f"rapport {ratio}")
        by_stops = ((a - b) + (o - h)) / 2  # two-factor Shapley split of the gain
        text = (f"Demande {what} : écart {fr.number(gain, 1)} = choix des arrêts {fr.number(by_stops, 1)} "
                f"+ tournées {fr.number(gain - by_stops, 1)}")
        if gain > 0:
            text += f" (part due au choix des arrêts : {fr.percent(by_stops / gain)})"
        print(text)
    for label, result in (("du plan optimisé", plan), ("k-moyennes + PyVRP", hybrid_plan)):
        left = Counter(u.reason.split(" :")[0] for u in result.routes.unvisited)
        print(f"Arrêts {label} laissés de côté : "
              + (", ".join(f"{n} × « {r} »" for r, n in left.most_common()) or "aucun"))
    _objective_lines(territory, settings, coverage, travel, points, candidates, len(plan.stops), optimized)
    solver = plan.routes.solver
    print(f"Tournées PyVRP : {solver.status_text}, arrêt par {solver.stopped_by}, "
          f"{fr.number(solver.runtime_s, 1)} s ; choix des arrêts : {plan.siting['status_text']}.")
    return 0 if total > 0 else 1

if __name__ == "__main__":
    sys.exit(main())

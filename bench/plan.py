"""Benchmark of the optimized weekly plan against two baselines, on Corsica (prints figures).

Run: ``python bench/plan.py [--advisors 2] [--bases 2A004,2B033] [--stops 12]
[--stop-minutes 180] [--time-limit 10] [--seed 1]``.

Same territory (2A, 2B, by road), same demand points and existing coverage (the
help networks' sites within T = 30 min), same advisors, bases, working days, daily
window (09:00-17:00) and permanence length for every method:

* **optimized**: :func:`planner.optimize.plan.make_plan` — ``k`` stops by maximal covering
  (HiGHS) of the demand beyond T, then weekly routes with PyVRP inside the hosts'
  opening hours;
* **weighted k-means + nearest neighbour**: ``k`` centres by scikit-learn ``KMeans``
  on the demand points' metric coordinates (the territory's CRS) with ``sample_weight`` = demand (and,
  a stronger variant, = the demand not yet within T), each centre snapped to the
  nearest free candidate host (the candidates of ``make_plan``); then each advisor
  fills its days greedily, day after day: from where it is, the nearest stop (by
  road) that it can still reach, hold inside the host's opening hours and come back
  from within the day's window; each stop at most once a week;
* **status quo**: the existing sites only.

Printed per method: stops held, covered demand (within T of an existing site or of a
stop held), its share, driving hours and presence hours per week.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sklearn.cluster import KMeans

from planner import config, fr
from planner.access.coverage import compute_coverage
from planner.data.hours import minutes as to_minutes
from planner.errors import PlannerError
from planner.geo import CRS_WGS84
from planner.optimize.plan import make_plan, resolve_bases
from planner.optimize.settings import PlanSettings
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Plan optimisé contre k-moyennes et statu quo.")
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
    rows = []

    tic = time.perf_counter()
    plan = make_plan(territory, settings, coverage=coverage, travel=travel)
    rows.append({
        "méthode": "Plan optimisé (HiGHS + PyVRP)", "arrêts tenus": len({v.key for v in plan.routes.visits}),
        "demande couverte": plan.covered_demand, "conduite (h)": plan.routes.drive_minutes / 60,
        "présence (h)": plan.routes.presence_minutes / 60, "calcul (s)": time.perf_counter() - tic,
    })  # fmt: skip

    sites = territory.sites()
    inside = sites[sites["inside"]]
    candidates = inside[inside["network"].isin(config.CANDIDATE_NETWORKS)].drop_duplicates("site_id")
    base_rows = resolve_bases(territory, inside, bases)
    advisor_bases = [i % len(base_rows) for i in range(args.advisors)]
    for label, w in (
        ("demande", weights),
        ("demande non couverte", np.where(already, 0.0, weights)),
    ):
        tic = time.perf_counter()
        stops = kmeans_stops(points, w, candidates, args.stops, args.seed, territory.crs)
        places = gpd.GeoDataFrame(
            pd.concat([base_rows[["name", "geometry"]], stops[["name", "geometry"]]], ignore_index=True),
            geometry="geometry", crs=CRS_WGS84,
        )  # fmt: skip
        minutes = travel.matrix(places, places).minutes
        np.fill_diagonal(minutes, 0.0)
        hours = [h if isinstance(h, dict) else None for h in stops["opening_hours"]]
        visits, drive = nearest_neighbour_week(
            minutes, len(base_rows), advisor_bases, hours, args.stop_minutes
        )
        held = sorted({s for s, _, _ in visits})
        reach = (
            travel.matrix(points, stops.iloc[held], max_minutes=THRESHOLD_MIN).minutes
            <= THRESHOLD_MIN
        )
        covered = already | (reach.any(axis=1) if held else False)
        rows.append({
            "méthode": f"k-moyennes ({label}) + plus proche voisin", "arrêts tenus": len(held),
            "demande couverte": weights[covered].sum(), "conduite (h)": drive / 60,
            "présence (h)": len(visits) * args.stop_minutes / 60, "calcul (s)": time.perf_counter() - tic,
        })  # fmt: skip
    rows.append({
        "méthode": "Statu quo (sites existants)", "arrêts tenus": 0, "demande couverte": weights[already].sum(),
        "conduite (h)": 0.0, "présence (h)": 0.0, "calcul (s)": 0.0,
    })  # fmt: skip

    method = "la route" if travel.method == "road" else "vol d’oiseau"
    print(
        f"Territoire : {territory.label} — {len(points)} points de demande, demande totale "
        f"{fr.number(total)}, seuil {THRESHOLD_MIN:g} min par {method}"
    )
    print(
        f"{args.advisors} conseiller(s), bases {', '.join(base_rows['name'])}, jours {', '.join(DAYS)}, "
        f"{WINDOW[0]}-{WINDOW[1]}, {args.stops} arrêts choisis, permanences de {args.stop_minutes:g} min"
    )
    header = (
        f"{'méthode':<56} {'arrêts tenus':>12} {'demande couverte':>17} {'part':>8} "
        f"{'gain':>7} {'conduite h/sem.':>15} {'présence h/sem.':>15} {'calcul s':>9}"
    )
    print(header)
    print("-" * len(header))
    status_quo = rows[-1]["demande couverte"]
    for r in rows:
        share = fr.number(100 * r["demande couverte"] / total, 2) + " %"
        gain = r["demande couverte"] - status_quo
        print(
            f"{r['méthode']:<56} {r['arrêts tenus']:>12} {fr.number(r['demande couverte']):>17} {share:>8} "
            f"{('+' if gain >= 0 else '') + fr.number(gain):>7} {fr.number(r['conduite (h)'], 1):>15} "
            f"{fr.number(r['présence (h)'], 1):>15} {fr.number(r['calcul (s)'], 1):>9}"
        )
    print("-" * len(header))
    best = rows[0]["demande couverte"] - status_quo
    base = max(r["demande couverte"] for r in rows[1:3]) - status_quo
    ratio = "∞" if base <= 0 else fr.number(best / base, 2)
    print(
        f"Gain de demande couverte du plan optimisé : {fr.number(best)} contre {fr.number(base)} pour la "
        f"meilleure référence k-moyennes (rapport {ratio}), avec les mêmes conseillers et heures."
    )
    solver = plan.routes.solver
    print(
        f"Tournées PyVRP : {solver.status_text}, arrêt par {solver.stopped_by}, "
        f"{fr.number(solver.runtime_s, 1)} s ; choix des arrêts : {plan.siting['status_text']}."
    )
    if math.isnan(total) or total <= 0:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

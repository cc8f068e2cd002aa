"""Benchmark of maximal covering against spopt's MCLP on the same matrix (prints figures).

Run: ``python bench/siting.py [--synthetic] [--time-limit 600]``.

Matrix. By default, Corsica by road: demand points = the 360 town halls of 2A and
2B weighted by their commune's population; candidates = town halls, France
Services and La Poste sites of 2A/2B (``planner.territory`` + ``planner.travel.model``,
real data through ``PLANNER_DATA_DIR``); threshold T = 30 minutes. When that data
layer or the data is missing (or with ``--synthetic``), a **synthetic** matrix is
used instead and labelled as such: 360 demand points and 600 candidates drawn
uniformly in a 180 × 90 km box (seed 0), log-normal weights, minutes = 1.3 ×
crow-fly km at 60 km/h.

Cases. ``k`` = 5, 10 and 20 stops with no existing site; and ``k`` = 10 with the
France Services sites locked in (synthetic: the first 30 candidates).

Compared, per case: covered demand by :class:`planner.optimize.siting.MaximalCovering`
(sparse MILP, greedy start, HiGHS through ``highspy``, gap 0) and by
``spopt.locate.MCLP`` (dense model built with PuLP, solved with PuLP's ``HiGHS``
interface, ``gapRel=0``; locked sites passed as ``predefined_facilities_arr`` with
``p_facilities = k + locked``), and the total wall time of each including model
building (matrix → solved model), and their ratio.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

import numpy as np

from planner import fr
from planner.errors import DataError
from planner.optimize.siting import MaximalCovering
from planner.territory import select, town_halls
from planner.travel import model as travel

THRESHOLD_MIN = 30.0
CASES = ((5, False), (10, False), (20, False), (10, True))


def corsica() -> tuple[np.ndarray, np.ndarray, np.ndarray, str] | None:
    """Return (minutes, weights, locked mask, label) for Corsica by road, or None if unavailable."""
    try:
        territory = select("2A,2B")
        demand = town_halls(territory.communes)
        sites = territory.sites(networks=["town_hall", "france_services", "la_poste"], buffer_km=0)
        sites = sites[sites["inside"]].reset_index(drop=True)
        model = travel.model_for(territory)
        matrix = model.matrix(demand, sites)
    except (DataError, OSError) as exc:
        print(f"Données de Corse indisponibles ({exc}) : matrice synthétique.")
        return None
    counts = sites["network"].value_counts().to_dict()
    label = (
        f"Corse (2A, 2B), temps par {'la route' if matrix.method == 'road' else 'vol d’oiseau'} : "
        f"{len(demand)} mairies (population) × {len(sites)} candidats "
        f"({counts.get('town_hall', 0)} mairies, {counts.get('france_services', 0)} France Services, "
        f"{counts.get('la_poste', 0)} La Poste)"
    )
    weights = demand["population"].to_numpy(dtype=float)
    locked = (sites["network"] == "france_services").to_numpy()
    return matrix.minutes, weights, locked, label


def synthetic(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Return a synthetic matrix (see the module docstring), clearly labelled."""
    rng = np.random.default_rng(seed)
    demand = rng.random((360, 2)) * [180, 90]
    cand = rng.random((600, 2)) * [180, 90]
    minutes = np.linalg.norm(demand[:, None] - cand[None], axis=2) * 1.3
    weights = np.round(rng.lognormal(6, 1.3, 360))
    locked = np.zeros(600, dtype=bool)
    locked[:30] = True
    label = (
        "SYNTHÉTIQUE (pas de données réelles) : 360 points de demande × 600 candidats tirés au "
        "hasard dans 180 × 90 km, minutes = 1,3 × km à vol d'oiseau à 60 km/h, graine 0"
    )
    return minutes, weights, locked, label


def _ours(
    cost: np.ndarray, w: np.ndarray, k: int, locked: np.ndarray, limit: float
) -> tuple[float, float, MaximalCovering]:
    tic = time.perf_counter()
    model = MaximalCovering.from_cost_matrix(
        cost, w, THRESHOLD_MIN, k, locked=np.flatnonzero(locked)
    ).solve(limit)
    return time.perf_counter() - tic, model.objective, model


def _spopt(
    cost: np.ndarray, w: np.ndarray, k: int, locked: np.ndarray, limit: float
) -> tuple[float, np.ndarray, str]:
    # spopt and PuLP are optional (the comparison only): imported by their only user.
    import pulp
    from spopt.locate import MCLP

    solver = pulp.HiGHS(msg=False, gapRel=0.0, timeLimit=limit)
    if not solver.available():
        solver = pulp.PULP_CBC_CMD(msg=False, gapRel=0.0, timeLimit=int(limit))
    tic = time.perf_counter()
    model = MCLP.from_cost_matrix(
        cost,
        w,
        service_radius=THRESHOLD_MIN,
        p_facilities=k + int(locked.sum()),
        predefined_facilities_arr=locked.astype(int) if locked.any() else None,
    )
    model = model.solve(solver)
    elapsed = time.perf_counter() - tic
    chosen = np.array([j for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5])
    return elapsed, chosen, solver.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Couverture maximale : planner contre spopt.")
    parser.add_argument("--synthetic", action="store_true", help="matrice synthétique")
    parser.add_argument("--time-limit", type=float, default=600.0, help="limite par résolution (s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")

    data = None if args.synthetic else corsica()
    cost, w, locked, label = data if data is not None else synthetic()
    print(f"Matrice : {label}")
    print(f"Seuil T = {THRESHOLD_MIN:g} min ; demande totale {fr.integer(w.sum())}")
    header = (
        f"{'k':>3} {'fixes':>5} {'couverte planner':>17} {'couverte spopt':>15} {'égal':>5} "
        f"{'glouton':>12} {'écart MIP':>9} {'planner s':>10} {'spopt s':>8} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    ratios = []
    for k, with_locked in CASES:
        fixed = locked if with_locked else np.zeros_like(locked)
        t_ours, ours_value, model = _ours(cost, w, k, fixed, args.time_limit)
        t_spopt, chosen, solver_name = _spopt(cost, w, k, fixed, args.time_limit)
        spopt_value = model.value(chosen[~fixed[chosen]]) if chosen.size else float("nan")
        same = abs(ours_value - spopt_value) <= 1e-6 * max(1.0, ours_value)
        ratios.append(t_spopt / t_ours)
        print(
            f"{k:>3} {int(fixed.sum()):>5} {fr.integer(ours_value):>17} "
            f"{fr.integer(spopt_value):>15} {'oui' if same else 'NON':>5} "
            f"{fr.integer(model.greedy_value):>12} {model.mip_gap:>9.1e} "
            f"{t_ours:>10.3f} {t_spopt:>8.3f} {t_spopt / t_ours:>6.1f}"
        )
    print("-" * len(header))
    print(
        f"spopt ({solver_name} via PuLP) est en moyenne {np.mean(ratios):.1f} fois plus lent que "
        "planner.optimize.siting (temps total, construction du modèle comprise)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

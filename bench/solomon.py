"""Benchmark of the routing engine on the Solomon VRPTW instances (prints figures; asserts nothing).

Run: ``python bench/solomon.py [--dir DIR] [--all] [--seconds 10] [--seed 1]``.

The instances are read from ``--dir``, else ``SOLOMON_DIR``, else
``../shared/benchmarks/solomon`` next to the checkout (``*.txt`` in Solomon's
format, best-known solutions in ``*.sol``). By default two instances per class
(C1, C2, R1, R2, RC1, RC2); ``--all`` runs the 56.

Engine: :func:`planner.optimize.routing_model.solve_model`, the function the planner
itself calls, with its default settings (PyVRP 0.14's iterated local search with its
default parameters; stop after ``planner.config.NO_IMPROVEMENT_ITERATIONS`` iterations
without improvement or at the time limit, whichever comes first; seed
``planner.config.DEFAULT_SEED``). Each instance is built with :class:`pyvrp.Model`, as
the planner builds its own.

What is compared (Solomon conventions):

* Distances and travel times are Euclidean **truncated to one decimal** (the
  DIMACS convention; PyVRP's own benchmarks use it too, scaled by 10 to integers).
  The best-known costs in the ``.sol`` files follow it: recomputing each file's
  routes with truncated distances gives its ``Cost`` line exactly, while exact
  Euclidean distances give 0.2 to 0.5 % more.
* The objective is the total distance alone (the best-known solutions in the
  files are the minimum-distance ones, not the hierarchical "fewest vehicles
  first" ones), with the fleet capped at the instance's vehicle number; the
  vehicles used are printed next to those of the best-known solution.
* Each solution is re-checked here, independently of PyVRP (load, time windows,
  every customer once), and its cost recomputed from the truncated distances.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import vrplib
from pyvrp import Model

from planner import config
from planner.optimize.routing_model import solve_model

DEFAULT_SET = (
    "C101", "C106", "C201", "C205",
    "R101", "R109", "R201", "R209",
    "RC101", "RC106", "RC201", "RC205",
)  # fmt: skip
SCALE = 10  # one decimal


def _default_dir() -> Path:
    env = os.environ.get("SOLOMON_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "solomon"


def _load(path: Path) -> tuple[Model, dict, np.ndarray]:
    """Return the PyVRP model (integer tenths), the raw instance and the tenths matrix."""
    inst = vrplib.read_instance(path, instance_format="solomon")
    tenths = np.floor(inst["edge_weight"] * SCALE + 1e-9).astype(np.int64)
    tw = (inst["time_window"] * SCALE).astype(np.int64)
    service = (inst["service_time"] * SCALE).astype(np.int64)
    model = Model()
    locations = [model.add_location(x=float(x), y=float(y)) for x, y in inst["node_coord"]]
    depot = model.add_depot(locations[0], tw_early=int(tw[0, 0]), tw_late=int(tw[0, 1]))
    model.add_vehicle_type(
        num_available=int(inst["vehicles"]),
        capacity=[int(inst["capacity"])],
        start_depot=depot,
        end_depot=depot,
        tw_early=int(tw[0, 0]),
        tw_late=int(tw[0, 1]),
    )
    for i in range(1, len(locations)):
        model.add_client(
            locations[i],
            delivery=[int(inst["demand"][i])],
            service_duration=int(service[i]),
            tw_early=int(tw[i, 0]),
            tw_late=int(tw[i, 1]),
        )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            if i != j:
                model.add_edge(frm, to, distance=int(tenths[i, j]), duration=int(tenths[i, j]))
    return model, inst, tenths


def _check(routes: list[list[int]], inst: dict, tenths: np.ndarray) -> int:
    """Check a solution independently; return its cost in tenths (raise on a violation)."""
    tw = inst["time_window"] * SCALE
    service = inst["service_time"] * SCALE
    seen: list[int] = []
    cost = 0
    for route in routes:
        assert sum(inst["demand"][route]) <= inst["capacity"], "capacité dépassée"
        t, prev = tw[0, 0], 0
        for node in [*route, 0]:
            t = max(t + tenths[prev, node], tw[node, 0])
            assert t <= tw[node, 1], f"fenêtre horaire du client {node} dépassée"
            cost += int(tenths[prev, node])
            t += service[node]
            prev = node
        seen += route
    assert sorted(seen) == list(range(1, len(tw))), "clients manquants ou en double"
    return cost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Écart au meilleur résultat connu sur Solomon.")
    parser.add_argument("--dir", type=Path, default=None, help="dossier des instances Solomon")
    parser.add_argument("--all", action="store_true", help="les 56 instances")
    parser.add_argument(
        "--seconds", type=float, default=config.ROUTING_TIME_LIMIT_S, help="limite par instance (s)"
    )
    parser.add_argument("--seed", type=int, default=config.DEFAULT_SEED)
    args = parser.parse_args(argv)

    folder = args.dir or _default_dir()
    if not folder.is_dir():
        print(f"Dossier des instances Solomon introuvable : {folder} (option --dir ou SOLOMON_DIR)")
        return 2
    names = sorted(p.stem for p in folder.glob("*.txt")) if args.all else list(DEFAULT_SET)
    print(
        f"Solomon VRPTW : {len(names)} instances, {args.seconds:g} s au plus chacune, graine "
        f"{args.seed}, arrêt après {config.NO_IMPROVEMENT_ITERATIONS} itérations sans amélioration"
    )
    print("Distances euclidiennes tronquées au dixième ; objectif = distance totale.")
    header = (
        f"{'instance':<8} {'véh.':>4} {'véh. réf.':>9} {'distance':>9} {'référence':>9} "
        f"{'écart %':>8} {'temps s':>8} {'arrêt':<16}"
    )
    print(header)
    print("-" * len(header))
    gaps: list[float] = []
    for name in names:
        model, inst, tenths = _load(folder / f"{name}.txt")
        best_known = vrplib.read_solution(folder / f"{name}.sol")
        tic = time.perf_counter()
        result, stopped_by = solve_model(model, time_limit=args.seconds, seed=args.seed)
        elapsed = time.perf_counter() - tic
        if not result.is_feasible():
            print(f"{name:<8} aucune solution réalisable trouvée")
            continue
        routes = [
            [model.clients[a.idx].location for a in r.schedule() if a.is_client()]
            for r in result.best.routes()
        ]
        cost = _check(routes, inst, tenths) / SCALE
        assert abs(cost - result.best.distance() / SCALE) < 1e-9
        gap = 100 * (cost - best_known["cost"]) / best_known["cost"]
        gaps.append(gap)
        label = "sans amélioration" if stopped_by == "no_improvement" else "limite de temps"
        print(
            f"{name:<8} {len(routes):>4} {len(best_known['routes']):>9} {cost:>9.1f} "
            f"{best_known['cost']:>9.1f} {gap:>8.2f} {elapsed:>8.1f} {label:<16}"
        )
    if gaps:
        print("-" * len(header))
        print(
            f"Écart moyen : {statistics.mean(gaps):.2f} % sur {len(gaps)} instances "
            f"(médian {statistics.median(gaps):.2f} %, max {max(gaps):.2f} %) ; objectif < 1 %"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

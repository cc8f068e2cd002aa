"""Benchmark: capacity-constrained allocation of served demand (planner.access.capacity).

Times, warm, the sparse pairs within 30 minutes and the exact allocation (HiGHS) of the
demand of Corsica (road) and of Lozère (crow-fly) to the default help networks' sites,
with the per-network allocations. Target: Corsica's allocation well under a second.
Run: ``PLANNER_DATA_DIR=... python bench/capacity.py``.
"""

from __future__ import annotations

import time

from planner import fr
from planner.access.capacity import serve
from planner.access.coverage import compute_coverage
from planner.territory import select
from planner.travel.model import model_for


def main() -> None:
    """Print, per territory, the pairs, the time of the pairs and of the allocation, and the figures."""
    for spec, label in (("2A,2B", "Corse"), ("48", "Lozère")):
        territory = select(spec)
        travel = model_for(territory)
        coverage = compute_coverage(territory, threshold=30, travel=travel)  # warm-up: caches filled
        demand = coverage.points["demand"].fillna(0).to_numpy()
        t0 = time.perf_counter()
        pairs = travel.within(coverage.points, coverage.sites, max_minutes=30).minutes
        t1 = time.perf_counter()
        service = serve(demand, coverage.sites, pairs)
        t2 = time.perf_counter()
        a = service.allocation
        print(f"{label} ({travel.method}) : {fr.integer(pairs.nnz)} paires à moins de 30 min en "
              f"{fr.with_unit(t1 - t0, 's', 3)}, répartition exacte (et par réseau) en {fr.with_unit(t2 - t1, 's', 3)} "
              f"(cible Corse < 1 s) ; demande servie {fr.integer(a.total)} sur {fr.integer(a.reachable_total)} "
              "à portée")


if __name__ == "__main__":
    main()

"""Benchmark: warm end-to-end coverage for Corsica (road) and all of France (crow-fly).

Each figure is measured in a fresh process after a warm-up run has filled the caches
(communes, sites, indicators, road graph): territory selection, travel times, demand,
indicators, zones and the JSON summary. Targets: Corsica under 5 s, France under 30 s.
Run: ``PLANNER_DATA_DIR=... python bench/coverage.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from planner import fr

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from planner.access.coverage import compute_coverage
from planner.territory import select
t1 = time.perf_counter()
result = compute_coverage(select(sys.argv[1]))
summary = result.summary()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "run_s": t2 - t1, "method": summary["method"],
                  "share": summary["share_within"], "zones": len(summary["zones"]),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(spec: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, spec], env=os.environ, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Warm up, then time each territory in a fresh process and print the figures."""
    for spec, label, target in (("2A,2B", "Corse", 5.0), ("france", "France métropolitaine", 30.0)):
        _run(spec)  # warm-up: fills the caches
        r = min((_run(spec) for _ in range(2)), key=lambda x: x["run_s"])
        print(f"{label} ({r['method']}) : {fr.with_unit(r['run_s'], 's', 2)} de bout en bout à chaud"
              f" (cible < {fr.with_unit(target, 's')} ; import {fr.with_unit(r['import_s'], 's', 2)}),"
              f" pic mémoire {fr.with_unit(r['peak_mb'], 'Mo')}, {fr.percent(r['share'])} à moins de"
              f" {fr.duration(30)}, {fr.plural(r['zones'], 'zone')}")


if __name__ == "__main__":
    main()

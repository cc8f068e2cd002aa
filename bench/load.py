"""Benchmark: cold and warm load of all of France (communes + every site layer).

Prints the cold load time (empty cache: parse every source), the warm load time (a
second process reading the GeoParquet cache; target under 1.5 s) and peak memory.
Run: ``PLANNER_DATA_DIR=... python bench/load.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from planner import fr

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from planner.data.sources.communes import load_communes
from planner.data.sites import load_sites
t1 = time.perf_counter()
communes = load_communes()
sites, reports = load_sites()
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "communes": len(communes),
                  "sites": len(sites), "peak_mb": peak}))
"""


def _run(cache: str) -> dict:
    env = {**os.environ, "PLANNER_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", _CHILD], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run a cold then two warm loads in fresh processes and print the figures."""
    with tempfile.TemporaryDirectory() as cache:
        cold = _run(cache)
        warm = min((_run(cache) for _ in range(2)), key=lambda r: r["load_s"])
    print(f"France : {fr.plural(cold['communes'], 'commune')}, {fr.plural(cold['sites'], 'site')}")
    print(f"chargement à froid : {fr.with_unit(cold['load_s'], 's', 2)}"
          f" (pic mémoire {fr.with_unit(cold['peak_mb'], 'Mo')})")
    print(f"chargement à chaud : {fr.with_unit(warm['load_s'], 's', 2)} (cible < {fr.with_unit(1.5, 's', 1)} ;"
          f" import {fr.with_unit(warm['import_s'], 's', 2)} ; pic mémoire {fr.with_unit(warm['peak_mb'], 'Mo')})")


if __name__ == "__main__":
    main()

"""Benchmark of road travel times on Corsica (prints figures; asserts nothing).

Run: ``python bench/travel_times.py`` (PLANNER_DATA_DIR must hold roads/corse_drive.graphml.gz).

Prints: the warm load time of the road graph (compact cache, measured in a fresh
process), the matrix time for the 360 town halls of 2A/2B × every site of the
territory (La Poste, France Services, town halls; inside + 15 km), the nearest-site
time for every road node, the isochrone time for all La Poste sites, the per-pair
speed ratio against networkx shortest paths on the osmnx graph loaded from the same
file; then the crow-fly fallback (``fallback_section``): its error per distance band
out of sample (fit 2A test 2B, the reverse, Saint-Germain held-out nodes for dense
classes: pairs, median absolute error, median bias, target met), whether
planner.travel.crowfly.FALLBACK equals a new fit, and road vs fallback on the legs of
a Corsica plan.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fallback_fit import plan_legs, print_plan_legs, print_validation
from fallback_pairs import load_pairs

from planner.data import catalog
from planner.outputs.text.travel import render_road_report, render_snap
from planner.territory import select
from planner.travel.crowfly import FALLBACK
from planner.travel.graph import load_road_graph
from planner.travel.model import TravelModel, origins_of
from planner.travel.readers import read_networkx
from planner.travel.search import node_matrix

NETWORKS = ("la_poste", "france_services", "town_hall")
SAMPLE_PAIRS = 200
REPEAT = 3


def _timed(func, repeat: int = REPEAT) -> tuple[float, object]:
    """Return the median wall time of ``repeat`` calls and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _warm_load_in_fresh_process(path: Path) -> list[float]:
    code = (
        "import time; from planner.travel.graph import load_road_graph; t = time.perf_counter(); "
        f"load_road_graph({str(path)!r}); print(time.perf_counter() - t)"
    )
    out = []
    for _ in range(REPEAT):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env=os.environ.copy())
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    path = next(p for p in catalog.layer("roads").files() if p.name.startswith("corse_drive"))
    print(f"Réseau routier : {path}")

    start = time.perf_counter()
    graph = load_road_graph(path)  # builds the cache on the first run
    first = time.perf_counter() - start
    print(f"Premier chargement dans ce processus : {first:.2f} s ({graph.n_nodes} nœuds, {graph.n_edges} tronçons)")
    print(render_road_report(graph.report))
    warm = _warm_load_in_fresh_process(path)
    print(f"Chargement à chaud (cache CSR, nouveau processus, hachage compris) : "
          f"médiane {statistics.median(warm) * 1000:.1f} ms (essais : {', '.join(f'{w * 1000:.1f}' for w in warm)} ms)")

    territory = select("2A,2B")
    origins = origins_of(territory, "town_hall")
    parts = []
    for network in NETWORKS:
        frame = territory.sites(networks=[network])
        print(f"Sites {network} (territoire + 15 km) : {len(frame)}")
        parts.append(frame)
    sites = pd.concat(parts, ignore_index=True)
    model = TravelModel(graph)
    print(f"Origines (mairies) : {len(origins)} ; destinations : {len(sites)}")

    t_matrix, result = _timed(lambda: model.matrix(origins, sites))
    pairs = result.minutes.size
    per_pair_us = t_matrix / pairs * 1e6
    print(f"Matrice {len(origins)} × {len(sites)} ({pairs} paires, minutes et km) : {t_matrix:.2f} s "
          f"({per_pair_us:.1f} µs par paire)")
    print(render_snap(result.origins))
    print(render_snap(result.destinations))

    t_near, near = _timed(lambda: model.nearest(origins, sites))
    print(f"Site le plus proche pour les {graph.n_nodes} nœuds et les {len(origins)} mairies "
          f"(une seule recherche) : {t_near * 1000:.0f} ms ; écart maximal avec les minima "
          f"de la matrice : {np.max(np.abs(near.minutes - result.minutes.min(axis=1))):.2e} min")

    post = sites[sites["network"] == "la_poste"]
    t_iso, iso = _timed(lambda: model.isochrones(post), repeat=1)
    areas = ", ".join(f"{m:g} min : {a:.0f} km²" for m, a in zip(iso["minutes"], iso["area_km2"]))
    print(f"Isochrones 10/20/30/45 min des {len(post)} bureaux La Poste ensemble : {t_iso:.1f} s ({areas})")

    # networkx on the osmnx graph read from the same file, same sample of node pairs
    import networkx as nx

    rng = np.random.default_rng(0)
    so, sd = result.origins.node, result.destinations.node
    pick_o = rng.integers(0, len(origins), SAMPLE_PAIRS)
    pick_d = rng.integers(0, len(sites), SAMPLE_PAIRS)
    src, dst = so[pick_o], sd[pick_d]
    ok = (src >= 0) & (dst >= 0)
    src, dst = src[ok], dst[ok]
    start = time.perf_counter()
    G, _ = read_networkx(path)
    print(f"Chargement GraphML par osmnx (comparaison) : {time.perf_counter() - start:.1f} s")
    ids = graph.node_id
    start = time.perf_counter()
    nx_secs = np.array([
        nx.shortest_path_length(G, int(ids[u]), int(ids[v]), weight="travel_time") for u, v in zip(src, dst)
    ])
    t_nx = (time.perf_counter() - start) / len(src)
    ours_secs, _ = node_matrix(graph, src, dst)
    diff = np.abs(np.diag(ours_secs) - nx_secs)
    t_pairs, _ = _timed(lambda: [node_matrix(graph, [u], [v]) for u, v in zip(src[:50], dst[:50])])
    t_one = t_pairs / 50
    print(f"networkx.shortest_path_length (travel_time) : {t_nx * 1000:.1f} ms par paire "
          f"sur {len(src)} paires ; écart maximal avec la matrice : {diff.max():.3f} s")
    print(f"Rapport de vitesse par paire : matrice {t_nx / (per_pair_us / 1e6):.0f}× plus rapide ; "
          f"une recherche par paire isolée (sans mutualisation) : {t_nx / t_one:.1f}×")

    pbf_section()
    fallback_section()


def fallback_section() -> None:
    """Print the crow-fly fallback's out-of-sample error per band and road vs fallback on Corsica's plan legs."""
    start = time.perf_counter()
    pairs = load_pairs()
    print(f"\n# Vol d'oiseau (repli) : erreur hors échantillon par bande de distance "
          f"({len(pairs)} paires, chargées en {time.perf_counter() - start:.0f} s)")
    final = print_validation(pairs)
    print("Coefficients de planner.travel.crowfly.FALLBACK : "
          + ("identiques au nouvel ajustement" if final == FALLBACK else "DIFFÉRENTS du nouvel ajustement "
             "(python bench/fallback_fit.py les affiche)"))
    print_plan_legs(plan_legs())


def pbf_section() -> None:
    """Print the streaming PBF import rate (ways per second) and peak memory on the Corsica extract.

    Measured in a fresh process (so the peak memory is the import's own, imports included),
    written into a temporary folder; median of REPEAT runs.
    """
    import json
    import tempfile

    from planner.config import data_dir

    pbf = data_dir() / "osm_pbf" / "corse_drive_from_graphml.osm.pbf"
    if not pbf.is_file():
        print(f"\n# Import PBF : extrait absent ({pbf})")
        return
    runs = []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory() as out:
            code = (f"import json; from planner.travel.pbf import import_pbf; "
                    f"print(json.dumps(import_pbf({str(pbf)!r}, out_dir={out!r})))")
            res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 env=os.environ.copy())
            runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    print(f"\n# Import PBF en flux ({pbf.name}, nouveau processus, médiane de {REPEAT})")
    print(f"Voies lues : {best['ways_read']} (gardées : {best['ways_kept']}) en {best['seconds']:.2f} s, "
          f"soit {best['ways_read'] / best['seconds']:,.0f} voies/s ; graphe {best['nodes']} nœuds, "
          f"{best['edges']} tronçons ; filtre des nœuds : {best['node_filter']}")
    print(f"Mémoire maximale du processus (imports compris) : {best['peak_rss_mb']:.0f} Mio ; "
          "essais : " + ", ".join(f"{r['seconds']:.2f} s" for r in runs))


if __name__ == "__main__":
    main()

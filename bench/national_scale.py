"""Benchmark: the compact road path at the size of France, on a SYNTHETIC graph (for scale only).

The graph is MADE UP: a jittered grid over metropolitan France's bounding box in
Lambert-93 (about 5 M nodes 500 m apart, 12 M directed edges: every east-west link of
a row, one north-south link in five), road lengths 1.05-1.4 × the straight line, speeds
30-90 km/h with a 110 km/h corridor every 20 km. Its travel times say nothing about
France; it measures how the code scales: building the compact graph, its memory,
the nearest of ~60,000 sites for every node (one multi-source Dijkstra from a virtual
super-source), a sparse matrix cut at 30 minutes from the origins, and a projected
road coverage of metropolitan France (nearest-site time of 35,000 demand points,
``TravelModel.nearest``, warm). Targets: graph ≤ 1 GB, nearest site for every node
≤ 10 s, projected coverage ≤ 60 s warm.

Run: ``python bench/national_scale.py [--nodes 5000000] [--sites 60000] [--points 35000]
[--matrix-origins 35000]``. The last line is the summary for the README table.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time

import numpy as np
from pyproj import Transformer

from planner import fr
from planner.travel import search
from planner.travel.graph import RoadGraph
from planner.travel.model import TravelModel
from planner.travel.readers import RoadReport

log = logging.getLogger("bench.national_scale")

#: Metropolitan France's bounding box in Lambert-93 (metres).
X0, X1, Y0, Y1 = 100_000.0, 1_250_000.0, 6_040_000.0, 7_120_000.0
TARGET_GRAPH_BYTES, TARGET_NEAREST_S, TARGET_COVERAGE_S = 1024**3, 10.0, 60.0


def synthetic_graph(n_nodes: int, seed: int = 0) -> RoadGraph:
    """Return the SYNTHETIC France-sized graph (see the module notes), built vectorised."""
    rng = np.random.default_rng(seed)
    step = np.sqrt((X1 - X0) * (Y1 - Y0) / n_nodes)
    nx_, ny_ = int((X1 - X0) / step), int((Y1 - Y0) / step)
    col, row = np.meshgrid(np.arange(nx_), np.arange(ny_))
    col, row = col.ravel(), row.ravel()
    n = nx_ * ny_
    x = X0 + col * step + rng.uniform(-0.3, 0.3, n) * step
    y = Y0 + row * step + rng.uniform(-0.3, 0.3, n) * step
    node = np.arange(n).reshape(ny_, nx_)
    east = np.column_stack([node[:, :-1].ravel(), node[:, 1:].ravel()])
    north = np.column_stack([node[:-1].ravel(), node[1:].ravel()])
    north = north[rng.random(len(north)) < 0.2]
    und = np.concatenate([east, north])
    chord = np.hypot(x[und[:, 1]] - x[und[:, 0]], y[und[:, 1]] - y[und[:, 0]])
    length = np.round(chord * rng.uniform(1.05, 1.4, len(und)), 1)
    fast = (row[und[:, 0]] % 40 == 0) & (row[und[:, 1]] % 40 == 0) | (col[und[:, 0]] % 40 == 0) & (
        col[und[:, 1]] % 40 == 0
    )
    kph = np.where(fast, 110.0, rng.uniform(30.0, 90.0, len(und)))
    time_s = np.round(length / (kph / 3.6), 3)
    tail = np.concatenate([und[:, 0], und[:, 1]])
    head = np.concatenate([und[:, 1], und[:, 0]])
    order = np.lexsort((head, tail))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(tail, minlength=n))]).astype(np.int64)
    lon, lat = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True).transform(x, y)
    report = RoadReport(source="synthétique (grille France, échelle seulement)", nodes_read=n, nodes_kept=n,
                        edges_read=len(tail), edges_kept=len(tail), crs_metric="EPSG:2154")
    return RoadGraph(
        node_id=np.arange(n, dtype=np.int64), lon=np.asarray(lon), lat=np.asarray(lat), x=x, y=y, indptr=indptr,
        indices=head[order].astype(np.int32), time_s=np.concatenate([time_s, time_s])[order],
        length_m=np.concatenate([length, length])[order], crs_metric="EPSG:2154", report=report,
        key=f"synthetic-{n}-{seed}",
    )


def _graph_bytes(graph: RoadGraph) -> int:
    return sum(getattr(graph, a).nbytes for a in ("node_id", "lon", "lat", "x", "y", "indptr", "indices", "time_s",
                                                  "length_m"))


def _csr_bytes(graph: RoadGraph) -> int:
    return sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
               for m in (search.search_csr(graph, False), search.search_csr(graph, True)))


def _ratio(value: float, target: float) -> str:
    return f"{fr.number(value / target, 2)} × la cible"


def main() -> None:
    """Build the synthetic graph, run the searches and print the figures beside their targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5_000_000)
    parser.add_argument("--sites", type=int, default=60_000)
    parser.add_argument("--points", type=int, default=35_000)
    parser.add_argument("--matrix-origins", type=int, default=35_000)
    parser.add_argument("--cutoff", type=float, default=30.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rng = np.random.default_rng(1)

    tic = time.perf_counter()
    graph = synthetic_graph(args.nodes)
    build_s = time.perf_counter() - tic
    gbytes = _graph_bytes(graph)
    print(f"Graphe SYNTHÉTIQUE (échelle seulement) : {fr.number(graph.n_nodes)} nœuds, "
          f"{fr.number(graph.n_edges)} arcs orientés, construit en {fr.with_unit(build_s, 's', 1)}")
    print(f"Mémoire du graphe compact : {fr.size(gbytes)} (cible ≤ {fr.size(TARGET_GRAPH_BYTES)}, "
          f"{_ratio(gbytes, TARGET_GRAPH_BYTES)})")

    sites = rng.choice(graph.n_nodes, args.sites, replace=False)
    weights = search.encode(np.zeros(len(sites)), np.zeros(len(sites)))
    tic = time.perf_counter()
    search.search_csr(graph, True)
    csr_s = time.perf_counter() - tic
    print(f"Graphes de recherche (aller et retour) : {fr.size(_csr_bytes(graph))} en plus, "
          f"préparés en {fr.with_unit(csr_s, 's', 1)}")
    tic, cpu = time.perf_counter(), time.process_time()
    secs, _, source = search.nearest_source(graph, sites, weights, reverse=True)
    nearest_s, nearest_cpu = time.perf_counter() - tic, time.process_time() - cpu
    print(f"Site le plus proche de chaque nœud ({fr.number(args.sites)} sites, une recherche multi-source) : "
          f"{fr.with_unit(nearest_s, 's', 1)} (cible ≤ {fr.with_unit(TARGET_NEAREST_S, 's')}, "
          f"{_ratio(nearest_s, TARGET_NEAREST_S)} ; temps processeur {fr.with_unit(nearest_cpu, 's', 1)}) ; médiane {fr.duration(float(np.median(secs)) / 60)}, "
          f"{fr.number(int((source < 0).sum()))} nœud(s) sans site")

    origins = rng.choice(graph.n_nodes, args.matrix_origins, replace=False)
    tic, cpu = time.perf_counter(), time.process_time()
    i, _, _, _ = search.node_within(graph, origins, sites, max_minutes=args.cutoff)
    matrix_s, matrix_cpu = time.perf_counter() - tic, time.process_time() - cpu
    print(f"Matrice creuse coupée à {fr.duration(args.cutoff)} : {fr.number(args.matrix_origins)} origines × "
          f"{fr.number(args.sites)} sites, {fr.number(len(i))} paires gardées "
          f"({fr.size(len(i) * 12 * 2)} en CSR temps + km, au lieu de "
          f"{fr.size(args.matrix_origins * args.sites * 8 * 2)} en dense), {fr.with_unit(matrix_s, 's', 1)} "
          f"(temps processeur {fr.with_unit(matrix_cpu, 's', 1)})")

    model = TravelModel(graph)
    points = rng.choice(graph.n_nodes, args.points, replace=False)
    jitter = rng.normal(0, 0.002, (args.points, 2))
    point_ll = np.column_stack([graph.lon[points], graph.lat[points]]) + jitter
    site_ll = np.column_stack([graph.lon[sites], graph.lat[sites]])
    model.nearest(point_ll[:100], site_ll)  # warm-up: KD-tree, search graph
    tic, cpu = time.perf_counter(), time.process_time()
    near = model.nearest(point_ll, site_ll)
    coverage_s, coverage_cpu = time.perf_counter() - tic, time.process_time() - cpu
    share = float(np.mean(near.minutes <= args.cutoff))
    print(f"Couverture routière projetée de la métropole ({fr.number(args.points)} points de demande, à chaud) : "
          f"{fr.with_unit(coverage_s, 's', 1)} (cible ≤ {fr.with_unit(TARGET_COVERAGE_S, 's')}, "
          f"{_ratio(coverage_s, TARGET_COVERAGE_S)} ; temps processeur {fr.with_unit(coverage_cpu, 's', 1)}) ; {fr.percent(share)} à moins de {fr.duration(args.cutoff)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"Pic mémoire du processus : {fr.size(peak)}")
    print(f"RÉSUMÉ | graphe synthétique {fr.number(graph.n_nodes)} nœuds / {fr.number(graph.n_edges)} arcs : "
          f"construit {fr.with_unit(build_s, 's', 1)}, {fr.size(gbytes)} ; plus proche site pour tous les nœuds "
          f"{fr.with_unit(nearest_s, 's', 1)} (processeur {fr.with_unit(nearest_cpu, 's', 1)}) ; matrice ≤ {fr.duration(args.cutoff)} "
          f"{fr.with_unit(matrix_s, 's', 0)} ; couverture projetée {fr.with_unit(coverage_s, 's', 1)} "
          f"(processeur {fr.with_unit(coverage_cpu, 's', 1)}) ; "
          f"pic {fr.size(peak)}")


if __name__ == "__main__":
    main()

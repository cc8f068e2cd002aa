"""The lossless packing of compressed compact road graphs (planner.travel.compact).

- property: for any CSR graph (MADE-UP, random), unpacking what was packed gives the
  very arrays, bit for bit and dtype for dtype, whether its times come from a few
  speeds (packed as speed classes) or not;
- a compressed file is written packed, read back unchanged; a compressed file written
  before the packing (no ``packing`` metadata) is still read; an unknown packing is
  refused in French;
- the demo bundle's road graph is packed and reads to the planner's dtypes.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import DataError
from planner.travel import compact
from planner.travel import graph as road_graph
from planner.travel.graph import from_networkx
from tests.travel.made_up import five_node_graph

DEMO_ROADS = Path(__file__).resolve().parents[2] / "geodata" / "demo" / "roads" / "2a_2b.roads.npz"
NAMES = ("node_id", "indptr", "indices", "time_s", "length_m")


@st.composite
def csr_graphs(draw) -> dict[str, np.ndarray]:
    """A MADE-UP directed graph in CSR form: unique (tail, head) pairs sorted, lengths
    from a small pool (reverse edges often alike), times from speeds or arbitrary."""
    n = draw(st.integers(1, 30))
    pairs = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=120))
    pairs = sorted((u, v) for u, v in pairs if u != v)
    tails = np.array([u for u, _ in pairs], np.int64)
    heads = np.array([v for _, v in pairs], np.int32)
    pool = draw(st.lists(st.floats(0.5, 5_000, allow_nan=False), min_size=1, max_size=6))
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=len(pairs), max_size=len(pairs)))
    length = np.array([pool[i] for i in picks], np.float64)
    if draw(st.booleans()):  # symmetric lengths: each reverse edge as long as its edge
        for k, (u, v) in enumerate(pairs):
            if (v, u) in pairs and u > v:
                length[k] = length[pairs.index((v, u))]
    if draw(st.booleans()):
        speeds = np.array(draw(st.lists(st.sampled_from([15.0, 25.0, 30.0, 50.0, 80.0, 110.0]),
                                        min_size=len(pairs), max_size=len(pairs))), np.float64)
        time = length / (speeds / 3.6)
        if len(time) and draw(st.booleans()):
            time[draw(st.integers(0, len(time) - 1))] = 1.0  # a floored time, stored aside
    else:
        time = np.array(draw(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=len(pairs),
                                      max_size=len(pairs))), np.float64)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    node_id = np.array(draw(st.lists(st.integers(0, 2**62), min_size=n, max_size=n)), np.int64)
    return {"node_id": node_id, "lon": np.linspace(8.5, 9.5, n), "lat": np.linspace(41.4, 43.0, n),
            "indptr": indptr, "indices": heads, "time_s": time, "length_m": length}


@settings(max_examples=150, deadline=None)
@given(arrays=csr_graphs())
def test_unpacking_gives_back_the_very_arrays(arrays) -> None:
    packed, packing = compact.pack(arrays)
    back = compact.unpack(packed, packing)
    assert set(back) == set(arrays)
    for name, array in arrays.items():
        assert back[name].dtype == array.dtype, name
        assert back[name].tobytes() == array.tobytes(), name  # bit for bit


def test_speed_times_are_stored_as_classes_made_up() -> None:
    """MADE-UP 3 nodes, edges 0->1, 0->2, 1->0, 2->0, times from 2 speeds."""
    length = np.array([100.0, 250.0, 100.0, 4.0])
    time = length / (np.array([30.0, 50.0, 30.0, 50.0]) / 3.6)
    arrays = {"node_id": np.array([7, 3, 9], np.int64), "indptr": np.array([0, 2, 3, 4], np.int64),
              "indices": np.array([1, 2, 0, 0], np.int32), "time_s": time, "length_m": length}
    packed, packing = compact.pack(arrays)
    assert packing["transforms"]["time_s"] == "speed_classes"
    assert packed["time_s_speeds"].tolist() == [30.0, 50.0] and packed["time_s_aside"].size == 0
    assert packed["time_s"].dtype == np.uint8 and packed["time_s"].tolist() == [0, 1, 0, 1]
    assert packed["indptr"].dtype == np.uint8 and packed["indptr"].tolist() == [2, 1, 1]
    assert packed["indices"].dtype == np.int8 and packed["indices"].tolist() == [1, 2, -1, -2]
    assert packed["node_id"].tolist() == [7, -4, 6]
    # 1 -> 0 is as long as 0 -> 1: not stored; 2 -> 0 is not as long as 0 -> 2: stored
    assert packed["length_m"].tolist() == [100.0, 250.0, 4.0]
    assert np.unpackbits(packed["length_m_copied"], count=4).tolist() == [0, 0, 1, 0]
    back = compact.unpack(packed, packing)
    assert back["time_s"].tolist() == time.tolist() and back["length_m"].tolist() == length.tolist()


def test_a_time_no_speed_gives_is_stored_aside_made_up() -> None:
    """MADE-UP chain of 41 nodes (80 edges at 50 km/h) but one time that no speed gives."""
    n = 41
    pairs = sorted([(i, i + 1) for i in range(n - 1)] + [(i + 1, i) for i in range(n - 1)])
    length = np.arange(1, len(pairs) + 1, dtype=np.float64) * 10.0
    time = length / (50.0 / 3.6)
    time[7] = 1.2345678901  # no speed rounded to 6 decimals gives it back
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount([u for u, _ in pairs], minlength=n), out=indptr[1:])
    arrays = {"node_id": np.arange(n, dtype=np.int64), "indptr": indptr,
              "indices": np.array([v for _, v in pairs], np.int32), "time_s": time, "length_m": length}
    packed, packing = compact.pack(arrays)
    assert packing["transforms"]["time_s"] == "speed_classes" and 50.0 in packed["time_s_speeds"]
    assert packed["time_s_aside"].tolist() == [7] and packed["time_s_aside_values"].tolist() == [time[7]]
    assert compact.unpack(packed, packing)["time_s"].tobytes() == time.tobytes()


def test_compressed_file_is_packed_and_read_back_unchanged(tmp_path) -> None:
    """MADE-UP five-node graph: the compressed file records its packing and reads back."""
    graph = from_networkx(five_node_graph())
    path = tmp_path / "g.roads.npz"
    road_graph.save_compact(graph, path, compress=True)
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
    assert meta["packing"]["version"] == compact.PACKING_VERSION
    again = road_graph.read_compact(path)
    for name in (*NAMES, "lon", "lat", "x", "y"):
        assert getattr(again, name).dtype == getattr(graph, name).dtype, name
        np.testing.assert_array_equal(getattr(again, name), getattr(graph, name))


def _old_compressed(graph, path: Path, meta_extra: dict | None = None) -> None:
    """A compressed compact file as written before the packing: raw arrays, no ``packing``."""
    meta = {"crs_metric": graph.crs_metric, "report": graph.report.summary(),
            "format": road_graph.ROADS_FORMAT, **(meta_extra or {})}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in {"meta": np.array(json.dumps(meta)),
                            **{n: getattr(graph, n) for n in (*NAMES, "lon", "lat")}}.items():
            with archive.open(f"{name}.npy", "w") as fh:
                np.lib.format.write_array(fh, np.asanyarray(array), allow_pickle=False)


def test_file_written_before_the_packing_is_still_read(tmp_path) -> None:
    graph = from_networkx(five_node_graph())
    path = tmp_path / "old.roads.npz"
    _old_compressed(graph, path)
    again = road_graph.read_compact(path)
    for name in NAMES:
        np.testing.assert_array_equal(getattr(again, name), getattr(graph, name))
    np.testing.assert_allclose(again.x, graph.x)


def test_unknown_packing_is_refused_in_french(tmp_path) -> None:
    graph = from_networkx(five_node_graph())
    path = tmp_path / "new.roads.npz"
    _old_compressed(graph, path, {"packing": {"version": 99, "transforms": {}, "dtypes": {}}})
    with pytest.raises(DataError, match=r"graphe routier compact illisible.*version de compactage 99"):
        road_graph.read_compact(path)


def test_demo_bundle_graph_is_packed_and_reads_to_the_planner_dtypes() -> None:
    """REAL: the shipped Corsica graph (31,333 nodes)."""
    with np.load(DEMO_ROADS) as data:
        assert "packing" in json.loads(str(data["meta"]))
    graph = road_graph.read_compact(DEMO_ROADS)
    assert len(graph.node_id) == 31_333 and graph.indptr[-1] == len(graph.indices) == 64_648
    assert (graph.indptr.dtype, graph.indices.dtype, graph.node_id.dtype) == (np.int64, np.int32, np.int64)
    assert graph.time_s.dtype == graph.length_m.dtype == np.float64
    assert graph.time_s.min() == 1.0 and np.all(np.diff(graph.indptr) >= 0)

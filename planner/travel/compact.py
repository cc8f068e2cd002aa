"""Lossless packing of a road graph's arrays for its compressed compact file.

:func:`pack` turns the CSR arrays of a :class:`~planner.travel.graph.RoadGraph` into
arrays that compress far better, and :func:`unpack` gives back the very arrays (same
values bit for bit, same dtypes), so that every travel time computed on a packed file
is the one computed on the graph it was made from:

- ``indptr``: the out-degree of each node, in the smallest unsigned integer type;
- ``indices``: each edge's head minus its tail (neighbouring nodes have close
  numbers), in the smallest signed integer type;
- ``node_id``: differences between successive OSM ids;
- ``length_m``: an edge whose reverse edge has the same length stores no length (a
  bit mask marks it), the length is copied from the reverse edge;
- ``time_s``: the speed class of each edge (``length / (speed / 3.6)`` gives its time
  exactly), the few edges whose time is not that stored as they are.

Each transform is checked when packing: :func:`pack` unpacks what it packed and keeps
the arrays as they are when anything differs. The transforms applied are recorded in
the file's metadata (``packing``); a file without it (written before) is read as is.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

#: Version of the packing, recorded in the file's metadata with the transforms applied.
PACKING_VERSION = 1
#: Most distinct speeds a ``time_s`` may use to be stored as speed classes.
_MAX_SPEEDS = 255
#: Largest share of edges whose time may be stored aside (else ``time_s`` is kept).
_MAX_TIME_EXCEPTIONS = 0.05


def _smallest_int(values: np.ndarray, *, signed: bool) -> np.ndarray:
    """``values`` in the smallest integer type holding them all."""
    kinds = (np.int8, np.int16, np.int32, np.int64) if signed else (np.uint8, np.uint16, np.uint32)
    low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
    for kind in kinds:
        info = np.iinfo(kind)
        if info.min <= low and high <= info.max:
            return values.astype(kind)
    return values.astype(np.int64)


def _edge_keys(indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each edge's tail, and its key ``tail * n + head`` (sorted in CSR order)."""
    n = len(indptr) - 1
    tails = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    return tails, tails * n + indices.astype(np.int64)


def _reverse_edge(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The position of each edge's reverse edge (head -> tail), -1 where there is none."""
    n = len(indptr) - 1
    tails, keys = _edge_keys(indptr, indices)
    order = np.argsort(keys, kind="stable")
    wanted = indices.astype(np.int64) * n + tails
    at = np.minimum(np.searchsorted(keys[order], wanted), max(len(keys) - 1, 0))
    found = (keys[order][at] == wanted) if len(keys) else np.zeros(0, bool)
    return np.where(found, order[at], -1)


def _pack_times(length: np.ndarray, time: np.ndarray) -> dict[str, np.ndarray] | None:
    with np.errstate(all="ignore"):  # zero or huge times: no speed, stored aside
        speed = np.round(length / time * 3.6, 6)
    usable = np.isfinite(speed) & (speed > 0)
    speeds = np.unique(speed[usable])
    if not 0 < len(speeds) <= _MAX_SPEEDS:
        return None
    classes = np.where(usable, np.searchsorted(speeds, np.where(usable, speed, speeds[0])), 0)
    classes = classes.astype(np.uint8)
    with np.errstate(all="ignore"):
        rebuilt = length / (speeds[classes] / 3.6)
    aside = np.flatnonzero(rebuilt.view(np.int64) != time.view(np.int64))
    if len(aside) > _MAX_TIME_EXCEPTIONS * len(time):
        return None
    return {"time_s": classes, "time_s_speeds": speeds,
            "time_s_aside": aside.astype(np.int64), "time_s_aside_values": time[aside]}


def _pack(arrays: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    out = dict(arrays)
    indptr, indices = arrays["indptr"], arrays["indices"]
    tails, _ = _edge_keys(indptr, indices)
    out["indptr"] = _smallest_int(np.diff(indptr), signed=False)
    out["indices"] = _smallest_int(indices.astype(np.int64) - tails, signed=True)
    out["node_id"] = np.diff(arrays["node_id"].astype(np.int64), prepend=np.int64(0))
    length = arrays["length_m"]
    reverse = _reverse_edge(indptr, indices)
    copied = (reverse >= 0) & (tails > indices)
    copied[copied] = length[reverse[copied]].view(np.int64) == length[copied].view(np.int64)
    out["length_m"] = length[~copied]
    out["length_m_copied"] = np.packbits(copied)
    transforms = {"indptr": "degrees", "indices": "head_minus_tail", "node_id": "differences",
                  "length_m": "reverse_copies"}
    times = _pack_times(length, arrays["time_s"])
    if times is not None:
        out.update(times)
        transforms["time_s"] = "speed_classes"
    return out, transforms


def pack(arrays: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """Pack a graph's arrays (see the module docstring), checked lossless.

    Parameters
    ----------
    arrays
        ``node_id``, ``indptr``, ``indices``, ``time_s``, ``length_m`` and any other
        (kept as they are).

    Returns
    -------
    The arrays to store, and the ``packing`` metadata to record with them (the
    transforms applied and the original dtypes; empty, the arrays unchanged, when
    unpacking would not give back the very arrays).
    """
    packed, transforms = _pack(arrays)
    packing: dict[str, object] = {
        "version": PACKING_VERSION, "transforms": transforms,
        "dtypes": {name: arrays[name].dtype.str for name in transforms},
    }
    back = unpack(packed, packing)
    same = all(back[name].dtype == arrays[name].dtype and np.array_equal(back[name], arrays[name])
               for name in arrays)
    return (packed, packing) if same else (dict(arrays), {})


def unpack(stored: Mapping[str, np.ndarray], packing: Mapping[str, object]) -> dict[str, np.ndarray]:
    """Return the graph's arrays from what :func:`pack` stored (``packing``: its metadata).

    Raises
    ------
    ValueError
        For an unknown packing version or transform (a file from a newer planner).
    """
    out = {k: v for k, v in stored.items() if not k.startswith(("time_s_", "length_m_"))}
    if not packing:
        return out
    if packing.get("version") != PACKING_VERSION:
        raise ValueError(f"version de compactage {packing.get('version')} inconnue "
                         "(fichier d'un planificateur plus récent ?)")
    transforms = dict(packing["transforms"])  # type: ignore[call-overload]
    dtypes = dict(packing["dtypes"])  # type: ignore[call-overload]
    known = {"indptr", "indices", "node_id", "length_m", "time_s"}
    if set(transforms) - known:
        raise ValueError(f"transformations inconnues : {sorted(set(transforms) - known)}")
    degrees = stored["indptr"]
    indptr = np.zeros(len(degrees) + 1, np.int64)
    np.cumsum(degrees, dtype=np.int64, out=indptr[1:])
    tails = np.repeat(np.arange(len(degrees), dtype=np.int64), degrees.astype(np.int64))
    out["indptr"] = indptr
    out["indices"] = tails + stored["indices"].astype(np.int64)
    out["node_id"] = np.cumsum(stored["node_id"].astype(np.int64))
    copied = np.unpackbits(stored["length_m_copied"], count=len(tails)).astype(bool)
    length = np.empty(len(tails), np.float64)
    length[~copied] = stored["length_m"]
    reverse = _reverse_edge(indptr, out["indices"])
    length[copied] = length[reverse[copied]]
    out["length_m"] = length
    if "time_s" in transforms:
        speeds = stored["time_s_speeds"]
        with np.errstate(all="ignore"):
            time = length / (speeds[stored["time_s"]] / 3.6)
        time[stored["time_s_aside"]] = stored["time_s_aside_values"]
        out["time_s"] = time
    for name, dtype in dtypes.items():
        out[name] = out[name].astype(np.dtype(dtype), copy=False)
    return out

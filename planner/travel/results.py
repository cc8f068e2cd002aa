"""What the travel model returns: matrices and nearest sites, by road or crow-fly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.travel.search import Snap

#: How times were computed: over a road graph, or crow-fly (no graph covers the territory).
Method = Literal["road", "crow_fly"]


@dataclass
class TravelMatrix:
    """Travel times and distances from N origins to M destinations.

    ``minutes[i, j]`` and ``km[i, j]`` go from origin ``i`` to destination ``j``;
    ``inf`` when unreachable or beyond the cut-off.
    """

    minutes: np.ndarray
    km: np.ndarray
    method: Method
    origins: Snap | None = None
    destinations: Snap | None = None
    max_minutes: float | None = None
    #: Crow-fly only: interval of ``minutes`` from the fallback's measured error (None by road).
    minutes_low: np.ndarray | None = None
    minutes_high: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        """Return the finite pairs as a long table (``origin``, ``destination``, ``minutes``, ``km``)."""
        i, j = np.nonzero(np.isfinite(self.minutes))
        return pd.DataFrame(
            {"origin": i, "destination": j, "minutes": self.minutes[i, j], "km": self.km[i, j]}
        ).assign(method=self.method)


@dataclass
class SparseTravel:
    """Travel times and distances of the origin-destination pairs within a cut-off.

    ``minutes`` and ``km`` are CSR matrices of shape ``(n_origins, n_destinations)``
    with the same structure: a stored entry is a pair within ``max_minutes`` (its value
    may be ``0``, an explicit zero: two points at the same place); a pair not stored is
    beyond the cut-off or unreachable. Equal, below the cut-off, to
    :class:`TravelMatrix` with the same ``max_minutes``. Crow-fly pairs also carry
    their interval (``minutes_low``, ``minutes_high``, same structure).
    """

    minutes: sp.csr_matrix
    km: sp.csr_matrix
    method: Method
    max_minutes: float
    minutes_low: sp.csr_matrix | None = None
    minutes_high: sp.csr_matrix | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_origins, n_destinations)``."""
        return (int(self.minutes.shape[0]), int(self.minutes.shape[1]))

    def covers(self, threshold: float | None = None) -> sp.csr_matrix:
        """Return the boolean CSR matrix of the pairs within ``threshold`` (default the cut-off)."""
        keep = np.ones(self.minutes.nnz, dtype=bool)
        if threshold is not None:
            keep = self.minutes.data <= threshold
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.minutes.indptr))
        return pairs_csr(rows[keep], self.minutes.indices[keep], np.ones(int(keep.sum()), bool), self.shape)

    def dense(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(minutes, km)`` as dense arrays, ``inf`` for the pairs not stored (small matrices only)."""
        minutes, km = np.full(self.shape, np.inf), np.full(self.shape, np.inf)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.minutes.indptr))
        minutes[rows, self.minutes.indices] = self.minutes.data
        km[rows, self.km.indices] = self.km.data
        return minutes, km

    def to_frame(self) -> pd.DataFrame:
        """Return the pairs as a long table (``origin``, ``destination``, ``minutes``, ``km``)."""
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.minutes.indptr))
        return pd.DataFrame(
            {"origin": rows, "destination": self.minutes.indices, "minutes": self.minutes.data, "km": self.km.data}
        ).assign(method=self.method)


def pairs_csr(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """Return a CSR matrix holding ``values`` at distinct ``(rows, cols)``, explicit zeros kept.

    Entries are sorted by row then column, so two calls with the same pairs give the
    same structure (``indptr``, ``indices``).
    """
    order = np.lexsort((cols, rows))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=shape[0]))]).astype(np.int64)
    return sp.csr_matrix((values[order], cols[order].astype(np.int32), indptr), shape=shape)


@dataclass
class NearestSites:
    """Time to the nearest site of every point (and of every road node).

    Attributes
    ----------
    minutes, km
        Per point; ``inf`` when no site is reachable (within the cut-off).
    site
        Position (in the sites given) of each point's nearest site, ``-1`` if none.
    site_id
        The nearest site's ``site_id`` when the sites had that column, else None.
    node_minutes, node_km, node_site
        The same for every node of the road graph (road method only).
    minutes_low, minutes_high
        Crow-fly only: the interval of ``minutes`` (lowest bounds over the sites).
    """

    minutes: np.ndarray
    km: np.ndarray
    site: np.ndarray
    method: Method
    site_id: np.ndarray | None = None
    snap: Snap | None = None
    sites_snap: Snap | None = None
    node_minutes: np.ndarray | None = None
    node_km: np.ndarray | None = None
    node_site: np.ndarray | None = None
    #: Crow-fly only: interval of ``minutes`` from the fallback's measured error (None by road).
    minutes_low: np.ndarray | None = None
    minutes_high: np.ndarray | None = None

    @property
    def unreachable(self) -> int:
        """Number of points with no reachable site."""
        return int((~np.isfinite(self.minutes)).sum())


def apply_cutoff(minutes: np.ndarray, km: np.ndarray, max_minutes: float | None) -> None:
    """Set ``minutes`` and ``km`` to ``inf`` (in place) where the trip exceeds ``max_minutes``."""
    if max_minutes is not None:
        beyond = minutes > max_minutes
        minutes[beyond] = np.inf
        km[beyond] = np.inf

"""What the travel model returns: matrices and nearest sites, by road or crow-fly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

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

    def to_frame(self) -> pd.DataFrame:
        """Return the finite pairs as a long table (``origin``, ``destination``, ``minutes``, ``km``)."""
        i, j = np.nonzero(np.isfinite(self.minutes))
        return pd.DataFrame(
            {"origin": i, "destination": j, "minutes": self.minutes[i, j], "km": self.km[i, j]}
        ).assign(method=self.method)


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

"""Settings: data and cache folders, and the defaults every module shares.

The data folder is read from the environment variable ``PLANNER_DATA_DIR``
(default ``./geodata``); the cache folder from ``PLANNER_CACHE_DIR`` (default
``./geodata/cache``). The data folder may be read-only: nothing is ever written
into it except by ``planner data fetch``.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Coordinate reference systems: WGS84 at the edges, Lambert-93 for metric work.
CRS_WGS84 = "EPSG:4326"
CRS_METRIC = "EPSG:2154"

#: Sites within this distance outside a territory are kept with it (people cross boundaries).
DEFAULT_BUFFER_KM = 15.0
#: A site farther than this from the polygon of any commune gets no commune by position.
SITE_COMMUNE_TOLERANCE_M = 1_000.0
#: A site farther than this from the commune its INSEE code or postcode names is suspect.
SUSPECT_DISTANCE_KM = 20.0
#: Files larger than this are refused (they are not one of the expected exports).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Default access threshold, minutes (national France Services commitment).
DEFAULT_THRESHOLD_MIN = 30.0


def data_dir() -> Path:
    """Return the folder holding the raw exports (``PLANNER_DATA_DIR``)."""
    return Path(os.environ.get("PLANNER_DATA_DIR", "geodata")).expanduser()


def cache_dir() -> Path:
    """Return the cache folder (``PLANNER_CACHE_DIR``), created on demand."""
    path = Path(os.environ.get("PLANNER_CACHE_DIR", Path("geodata") / "cache")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path

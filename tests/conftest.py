"""Test settings: real snapshots through PLANNER_DATA_DIR, a private cache folder.

``PLANNER_DATA_DIR`` is set to ``../shared/data`` (next to the checkout) when it is
unset and that folder exists (``PLANNER_TEST_NO_SHARED=1``: not even then, to run the
suite as on a fresh clone). Tests that need the national snapshots use the
``real_data`` fixture; tests that need only Corsica use ``corsica_data``, which falls
back to the demo bundle (``geodata/demo/``) when the snapshots are absent. Either
skips with a reason when its data is missing, except under ``CI=true``, where
missing snapshots fail the run (CI always tests the real snapshots).

Without snapshots, the per-user data folder is a private empty folder (``XDG_DATA_HOME``
under the test cache), so that nothing the person running the tests fetched is read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from planner import config

ROOT = Path(__file__).resolve().parents[1]
_SHARED = ROOT.parent / "shared" / "data"

#: ``PLANNER_TEST_NO_SHARED=1``: ignore ../shared/data, as on a clone with nothing beside it.
NO_SHARED = os.environ.get("PLANNER_TEST_NO_SHARED") == "1"

if "PLANNER_DATA_DIR" not in os.environ and _SHARED.is_dir() and not NO_SHARED:
    os.environ["PLANNER_DATA_DIR"] = str(_SHARED)
os.environ.setdefault("PLANNER_CACHE_DIR", str(ROOT / "geodata" / "cache" / "tests"))
if "PLANNER_DATA_DIR" not in os.environ:  # the per-user data folder: private and empty
    os.environ["XDG_DATA_HOME"] = str(Path(os.environ["PLANNER_CACHE_DIR"]) / "user-data")


def _missing(message: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def has_snapshots() -> bool:
    """Whether ``PLANNER_DATA_DIR`` holds the real national snapshots."""
    return (Path(os.environ.get("PLANNER_DATA_DIR", "")) / "laposte").is_dir()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real snapshots (national); skip (or fail under CI) when it is missing."""
    path = Path(os.environ.get("PLANNER_DATA_DIR", ""))
    if not has_snapshots():
        where = os.environ.get("PLANNER_DATA_DIR") or "PLANNER_DATA_DIR non défini"
        _missing(f"données nationales absentes ({where}) : réglez PLANNER_DATA_DIR "
                 "(ce test a besoin des exports complets, pas du lot Corse)")
    return path


@pytest.fixture(scope="session")
def corsica_data() -> Path:
    """The folder Corsica is read from: the real snapshots, else the demo bundle.

    Skip (or fail under CI, which must test the snapshots) when neither is there.
    """
    if has_snapshots():
        return Path(os.environ["PLANNER_DATA_DIR"])
    bundle = config.bundle_dir()
    if os.environ.get("CI") != "true" and bundle is not None and (bundle / "laposte").is_dir():
        return bundle
    _missing("ni les données réelles (PLANNER_DATA_DIR) ni le lot geodata/demo/ ne sont là")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--screenshots DIR``: the browser test saves a screenshot of each page there."""
    parser.addoption("--screenshots", default=None, metavar="DIR",
                     help="dossier où le test navigateur enregistre une capture de chaque page")


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest) -> Path | None:
    """The folder given by ``--screenshots`` (created), or None: no screenshots."""
    value = request.config.getoption("--screenshots")
    if not value:
        return None
    path = Path(value).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def corsica_roads(corsica_data: Path) -> Path:
    """The Corsica road file: the snapshot's GraphML, else the bundle's compact graph
    (the very same arrays, tests/data/test_bundle.py checks it)."""
    graphml = corsica_data / "roads" / "corse_drive.graphml.gz"
    return graphml if graphml.is_file() else corsica_data / "roads" / "2a_2b.roads.npz"


# ----------------------------------------------------------------------------- Corsica
# Shared by the pipeline tests (test_plan.py, test_strategies.py): computed once per
# test process (pytest-xdist worker); the tests only read them.


@pytest.fixture(scope="session")
def corsica(corsica_data: Path):
    """The Corsica territory (both départements), from the real snapshots or the bundle."""
    from planner.territory import select

    return select("2A,2B")


@pytest.fixture(scope="session")
def travel(corsica):
    """The travel model of Corsica (road graph when available)."""
    from planner.travel.model import model_for

    return model_for(corsica)


@pytest.fixture(scope="session")
def coverage(corsica, travel):
    """Coverage of Corsica at 30 minutes by the default help networks."""
    from planner.access.coverage import compute_coverage

    return compute_coverage(corsica, threshold=30, travel=travel)

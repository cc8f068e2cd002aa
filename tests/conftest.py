"""Test settings: real snapshots through PLANNER_DATA_DIR, a private cache folder.

``PLANNER_DATA_DIR`` is set to ``../shared/data`` (next to the checkout) when it is
unset and that folder exists. Tests that need the real data use the ``real_data``
fixture: they are skipped with a reason when it is missing, except under
``CI=true``, where missing data fails the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SHARED = ROOT.parent / "shared" / "data"

if "PLANNER_DATA_DIR" not in os.environ and _SHARED.is_dir():
    os.environ["PLANNER_DATA_DIR"] = str(_SHARED)
os.environ.setdefault("PLANNER_CACHE_DIR", str(ROOT / "geodata" / "cache" / "tests"))


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real snapshots; skip (or fail under CI) when it is missing."""
    path = Path(os.environ.get("PLANNER_DATA_DIR", ""))
    if not (path / "laposte").is_dir():
        message = f"données réelles absentes ({path}) : réglez PLANNER_DATA_DIR"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


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


# ----------------------------------------------------------------------------- Corsica
# Shared by the pipeline tests (test_plan.py, test_strategies.py): computed once per
# test process (pytest-xdist worker); the tests only read them.


@pytest.fixture(scope="session")
def corsica(real_data: Path):
    """The Corsica territory (both départements), from the real snapshots."""
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

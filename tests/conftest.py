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

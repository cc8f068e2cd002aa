"""Fixtures of the outputs tests: the made-up plan (see ``made_up_plan.py``)."""

from __future__ import annotations

import pytest

from planner.optimize.tables import PlanTables
from tests.outputs.made_up_plan import make_plan


@pytest.fixture()
def plan() -> PlanTables:
    """A fresh copy of the made-up plan (tests may modify it)."""
    return make_plan()

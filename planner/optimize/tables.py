"""The plan as plain tables: what the plan pipeline makes and every export reads.

``visits`` has one row per visit (advisor, day, week, order, stop, arrival and
departure times, drive from the previous place); ``days`` one row per advisor-day
(drive and presence minutes, the day's route line); ``meta`` the territory label,
generation date, sources, first Monday and the stops left out with their reasons.
The exact columns are checked by :func:`planner.outputs.validate.validate_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class PlanTables:
    """A weekly plan as plain tables: what every export reads (see the module docstring).

    Parameters
    ----------
    visits
        One row per visit.
    days
        One row per advisor-day.
    meta
        Territory label, generation date, sources, first Monday and stops left out.
    """

    visits: pd.DataFrame
    days: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

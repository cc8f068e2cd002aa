"""How a plan chooses its ``k`` stops: capacity-aware when the coverage has a service.

:func:`choose_stops` runs :class:`planner.optimize.siting_capacity.MaximalService`
(demand served under capacity, then demand newly covered) when the coverage was built
with its sites' capacities, else :class:`planner.optimize.siting.MaximalCovering`; used
by :func:`planner.optimize.plan.make_plan` and by the proposal of
:mod:`planner.optimize.current_tour`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner import config
from planner.access.allocation import pattern
from planner.access.capacity import stop_capacity
from planner.access.coverage import Coverage
from planner.optimize.siting import MaximalCovering
from planner.optimize.siting_capacity import MaximalService


def weekly_stop_hours(stop_minutes: float, frequency: str) -> float:
    """Advisor-hours a week of one stop: ``stop_minutes`` once every ``frequency`` cycle."""
    return float(stop_capacity(stop_minutes, 1.0 / config.FREQUENCY_WEEKS[frequency]))


@dataclass(frozen=True)
class StopChoice:
    """The ``k`` stops a plan keeps and how they were chosen.

    Attributes
    ----------
    selected
        Chosen columns of ``reach`` (sorted).
    report
        The siting report (``objective``: ``"served_demand"`` or ``"covered_demand"``).
    served_added
        Demand each chosen stop serves in the solution (people a year), or ``None`` with
        the covering objective (a coverage built without service).
    """

    selected: np.ndarray
    report: dict[str, Any]
    served_added: np.ndarray | None


def choose_stops(
    coverage: Coverage,
    reach: sp.spmatrix,
    k: int,
    *,
    stop_hours: float,
    time_limit: float,
    locked_reach: sp.spmatrix | None = None,
    locked_hours: np.ndarray | None = None,
) -> StopChoice:
    """Choose ``k`` stops among the ``reach`` columns, capacity-aware when the coverage has a service.

    Parameters
    ----------
    coverage
        Coverage by the existing sites (locked, with their capacity when ``service`` is set).
    reach
        Demand points × candidates: pairs within the threshold.
    k
        Stops to choose.
    stop_hours
        Advisor-hours a week of one stop (:func:`weekly_stop_hours`).
    time_limit
        Seconds HiGHS may search (per stage).
    locked_reach, locked_hours
        Further places kept open (e.g. a tour's locked stops) and their hours a week.
    """
    weights = coverage.points["demand"].fillna(0).to_numpy(dtype=float)
    if coverage.service is not None:
        model = MaximalService.from_service(coverage.service, weights, reach, stop_hours, k,
                                            locked_reach=locked_reach, locked_hours=locked_hours,
                                            threshold=coverage.threshold).solve(time_limit)
        return StopChoice(model.selected, model.report(), model.per_column[model.selected])
    already = coverage.within()
    if locked_reach is not None and locked_reach.shape[1]:
        already = already | (np.asarray(pattern(locked_reach).sum(axis=1)).ravel() > 0)
    cover = sp.hstack([sp.csc_matrix(reach), sp.csc_matrix(already[:, None])]).tocsc()
    m = reach.shape[1]
    covering = MaximalCovering.from_coverage(cover, weights, k, candidates=np.arange(m), locked=[m]).solve(time_limit)
    return StopChoice(np.asarray(covering.selected), covering.report(), None)


def served_by(coverage: Coverage, reach: sp.spmatrix, stop_hours: float) -> np.ndarray | None:
    """Demand each of the ``reach`` stops serves beside the existing sites (one exact allocation,
    every stop open ``stop_hours`` a week), or ``None`` for a coverage without service."""
    if coverage.service is None:
        return None
    weights = coverage.points["demand"].fillna(0).to_numpy(dtype=float)
    hours = np.full(reach.shape[1], stop_hours)
    return coverage.service.with_places(weights, hours, reach).per_site[len(coverage.service.capacity):]

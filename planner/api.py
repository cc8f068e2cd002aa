"""The public API: the main job in five calls, each a thin wrapper over one stage.

>>> import planner as pl
>>> t = pl.select("2A,2B")                    # a Territory
>>> cov = pl.coverage(t, threshold=30)        # a Coverage
>>> plan = pl.plan(t, advisors=2, stops=8)    # a PlanResult
>>> files = pl.export(plan, "out/")           # the written paths

Every argument left ``None`` reads its default from :mod:`planner.config` when the
function is called, so setting ``planner.config.X`` in a process takes effect.
``planner`` re-exports these names lazily (see ``planner/__init__.py``): importing
``planner`` loads none of the heavy libraries; the first use of a name does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

from planner import config
from planner.access.coverage import Coverage, compute_coverage
from planner.data.sources.current_tour import load_current_tour
from planner.optimize.assumptions import ModeAssumptions
from planner.optimize.current_tour import TourComparison, compare_tour
from planner.optimize.modes import Comparison, compare_modes
from planner.optimize.plan import PlanResult, make_plan
from planner.optimize.settings import PlanSettings
from planner.optimize.tables import PlanTables
from planner.outputs.export import write_all
from planner.territory import Territory
from planner.territory import select as _select
from planner.travel.model import TravelModel, model_for

__all__ = ["Plan", "compare", "coverage", "export", "plan", "select"]


class Plan(PlanResult):
    """What :func:`plan` returns: a :class:`~planner.optimize.plan.PlanResult` with its visits.

    Attributes
    ----------
    visits
        One row per visit (advisor, week, day, order, stop, address, arrival, drive...).
    stops
        The chosen stops, with the demand each adds.
    """

    @property
    def visits(self) -> pd.DataFrame:
        """One row per visit, as every export reads it."""
        return self.tables().visits


def select(spec: str) -> Territory:
    """Select a territory: its communes, and the sites in or near it.

    Parameters
    ----------
    spec
        Comma-separated département codes (``2A``, ``48``, ``974``), EPCI SIREN codes
        (9 digits), commune INSEE codes (5 characters) or ``france``.

    Returns
    -------
    Territory
    """
    return _select(spec)


def _travel(territory: Territory, travel: str | TravelModel | None) -> TravelModel:
    """Return the travel model for ``travel``: a method name (``road``, ``crow_fly``), a model, or the default."""
    return travel if isinstance(travel, TravelModel) else model_for(territory, travel=travel)


def coverage(
    territory: Territory,
    threshold: float | None = None,
    networks: Iterable[str] | None = None,
    *,
    travel: str | TravelModel | None = None,
    **options: Any,
) -> Coverage:
    """Compute who is within ``threshold`` minutes of help, and the underserved zones.

    Parameters
    ----------
    territory
        The territory (:func:`select`).
    threshold
        Access threshold, minutes (default :data:`planner.config.DEFAULT_THRESHOLD_MIN`).
    networks
        Networks counted as help (default :data:`planner.config.HELP_NETWORKS`).
    travel
        ``"road"``, ``"crow_fly"`` or a :class:`~planner.travel.model.TravelModel`
        (default: road where a graph covers the territory, else crow-fly).
    **options
        Passed on to :func:`planner.access.coverage.compute_coverage` (``level``,
        ``demand_model``, ``sites``...).

    Returns
    -------
    Coverage
        ``.share_within``, ``.communes``, ``.zones``, ``.points``, ``.summary()``...
    """
    threshold = config.DEFAULT_THRESHOLD_MIN if threshold is None else threshold
    networks = config.HELP_NETWORKS if networks is None else tuple(networks)
    return compute_coverage(territory, networks, threshold, travel=_travel(territory, travel), **options)


def plan(
    territory: Territory,
    advisors: int | None = None,
    stops: int | None = None,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    threshold: float | None = None,
    networks: Iterable[str] | None = None,
    days: Iterable[str] | None = None,
    window: tuple[str, str] | None = None,
    stop_minutes: float | None = None,
    bases: Iterable[str] = (),
    coverage: Coverage | None = None,
    travel: str | TravelModel | None = None,
    **settings: Any,
) -> Plan:
    """Choose the stops of itinerant advisors and plan their weekly routes.

    Parameters
    ----------
    territory
        The territory (:func:`select`).
    advisors, stops
        Number of advisors and of stops to choose (defaults in :mod:`planner.config`).
    time_limit, seed
        Seconds given to the route search, and its seed (same seed, same plan).
    threshold, networks
        Access threshold (minutes) and the networks whose existing sites already cover.
    days, window, stop_minutes
        Working days (``lun`` .. ``sam``), daily window (``("09:00", "17:00")``) and
        length of one permanence (minutes).
    bases
        The advisors' bases (INSEE codes or ``site_id``); default the main commune.
    coverage
        Coverage by the existing sites, computed here when not given.
    travel
        ``"road"``, ``"crow_fly"`` or a travel model (default: road where a graph covers the territory).
    **settings
        Any other :class:`planner.optimize.settings.PlanSettings` field.

    Returns
    -------
    Plan
        A :class:`~planner.optimize.plan.PlanResult`: ``.visits`` (one row per visit),
        ``.stops``, ``.routes``, ``.summary()``...
    """
    chosen = PlanSettings(
        advisors=config.DEFAULT_ADVISORS if advisors is None else advisors,
        stops=config.DEFAULT_STOPS if stops is None else stops,
        time_limit=config.ROUTING_TIME_LIMIT_S if time_limit is None else time_limit,
        seed=config.DEFAULT_SEED if seed is None else seed,
        threshold=config.DEFAULT_THRESHOLD_MIN if threshold is None else threshold,
        networks=config.HELP_NETWORKS if networks is None else tuple(networks),
        days=config.DEFAULT_DAYS if days is None else tuple(days),
        window=config.DEFAULT_WINDOW if window is None else window,
        stop_minutes=config.DEFAULT_STOP_MINUTES if stop_minutes is None else stop_minutes,
        bases=tuple(bases),
        **settings,
    )
    model = _travel(territory, travel)
    if coverage is None:
        coverage = compute_coverage(territory, chosen.networks, chosen.threshold, travel=model)
    result = make_plan(territory, chosen, coverage=coverage, travel=model)
    return Plan(**{f.name: getattr(result, f.name) for f in fields(result)})


def current_tour(
    territory: Territory,
    path: str | Path,
    settings: PlanSettings | None = None,
    *,
    travel: str | TravelModel | None = None,
    advisors: int | None = None,
) -> TourComparison:
    """Evaluate the tour a coordinator runs today (CSV/XLSX) and propose a better one.

    Parameters
    ----------
    territory
        The territory (:func:`select`).
    path
        The current tour file (:mod:`planner.data.sources.current_tour`).
    settings
        Bases, days, window, permanence length, threshold... of the proposal.
    travel
        ``"road"``, ``"crow_fly"`` or a travel model.
    advisors
        The number of advisors the caller asked for, if any: it must be the file's (the
        proposal keeps the same advisors), else a :class:`SettingsError`.

    Returns
    -------
    TourComparison
        ``.current`` and ``.proposed`` figures, ``.plan`` (the proposal), ``.summary()``.
    """
    sessions, report = load_current_tour(path, territory.communes)
    return compare_tour(territory, sessions, report, settings, travel=_travel(territory, travel),
                        advisors_asked=advisors)


def compare(
    territory: Territory,
    advisors: int | None = None,
    threshold: float | None = None,
    assumptions: ModeAssumptions | None = None,
    *,
    travel: str | TravelModel | None = None,
    **options: Any,
) -> Comparison:
    """Compare the four operating modes (fixed, itinerant, shared, embedded).

    Parameters
    ----------
    territory
        The territory (:func:`select`).
    advisors
        Number of advisors of every mode (default :data:`planner.config.MODES_ADVISORS`).
    threshold
        Access threshold, minutes (default :data:`planner.config.DEFAULT_THRESHOLD_MIN`).
    assumptions
        The assumptions (:class:`planner.optimize.assumptions.ModeAssumptions`).
    travel
        ``"road"``, ``"crow_fly"`` or a travel model (default: road where a graph covers the territory).
    **options
        Passed on to :func:`planner.optimize.modes.compare_modes` (``coverage``,
        ``modes``, ``sites``...).

    Returns
    -------
    Comparison
        ``.table`` (one row per mode), ``.hosts`` (the presence places), the inputs.
    """
    return compare_modes(
        territory,
        config.MODES_ADVISORS if advisors is None else advisors,
        assumptions,
        config.DEFAULT_THRESHOLD_MIN if threshold is None else threshold,
        travel=_travel(territory, travel),
        **options,
    )


def export(plan: PlanResult | PlanTables, out_dir: str | Path, *, force: bool = False) -> list[Path]:
    """Write every export of a plan (CSV, XLSX, GeoJSON, GPX, ICS, route sheets).

    Parameters
    ----------
    plan
        A plan (:func:`plan`) or its tables.
    out_dir
        The output folder, created if missing.
    force
        Replace existing files (otherwise an existing target writes nothing).

    Returns
    -------
    list of Path
        The written files.
    """
    tables = plan.tables() if isinstance(plan, PlanResult) else plan
    written = write_all(tables, out_dir, force=force)
    return [path for paths in written.values() for path in paths]


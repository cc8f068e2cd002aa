"""Territorial-coverage planner for digital inclusion in France.

Data flows one way: data -> territory -> travel -> coverage -> optimize -> outputs.
The main job in five lines (see the README, « Use it from Python »)::

    import planner as pl
    t = pl.select("2A,2B")                   # a Territory
    cov = pl.coverage(t, threshold=30)       # .share_within, .communes, .zones ...
    plan = pl.plan(t, advisors=2, stops=8, time_limit=5, seed=1)   # .visits, .stops ...
    files = pl.export(plan, "out/")          # the written paths

The names below are loaded lazily (module ``__getattr__``): ``import planner`` loads
none of geopandas, PyVRP, HiGHS, osmnx, folium or Streamlit; the first use of a name
imports the module that defines it.

"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_LAZY: dict[str, str] = {
    "select": "planner.api",
    "coverage": "planner.api",
    "plan": "planner.api",
    "compare": "planner.api",
    "export": "planner.api",
    "Territory": "planner.territory",
    "Coverage": "planner.access.coverage",
    "PlanSettings": "planner.optimize.settings",
    "PlanResult": "planner.optimize.plan",
    "ModeAssumptions": "planner.optimize.assumptions",
    "Comparison": "planner.optimize.modes",
    "PlannerError": "planner.errors",
    "DataError": "planner.errors",
    "SettingsError": "planner.errors",
    "SolverError": "planner.errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562), then keep it in the module."""
    if name not in _LAZY:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

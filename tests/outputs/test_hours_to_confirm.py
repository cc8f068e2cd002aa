"""« horaires à confirmer » wherever a visit is shown: console texts and map tooltips (issue 14, point 2).

MADE-UP plan summaries and tables (not real data); the exports (CSV, XLSX, ICS, GPX, route
sheets) are checked in tests/outputs/test_export_hours_cycles.py.
"""

from __future__ import annotations

import folium
import pandas as pd

from planner.outputs import maps
from planner.outputs.text.current_tour import render_current_tour
from planner.outputs.text.plan import render_plan

VISITS = [{"arrival": "09:30", "start": "09:30", "name": "Mairie de Venaco", "hours_known": True},
          {"arrival": "13:30", "start": "13:30", "name": "Agence postale de Vivario", "hours_known": False}]
ADVISORS = [{"name": "Conseiller 1", "base": "Corte", "days": [{"day": "lun", "week": 1, "visits": VISITS}]}]


def test_plan_text_flags_default_hours() -> None:
    summary = {"covered_demand": 10.0, "covered_demand_share": 0.1, "drive_hours": 1.0, "weeks": 1,
               "advisors": ADVISORS, "unvisited": []}
    assert "  lundi (semaine 1) : 09:30 Mairie de Venaco, 13:30 Agence postale de Vivario (horaires à confirmer)" \
        in render_plan(summary).splitlines()


def test_current_tour_text_flags_default_hours() -> None:
    figures = {"visits": 1.0, "presence_hours": 3.0, "drive_hours": 1.0, "covered_demand": 5.0, "served_demand": 2.0}
    summary = {"current": figures, "proposed": figures, "locked": [], "rejected": [], "corrected": [],
               "warnings": [], "plan": {"advisors": ADVISORS}}
    assert ("  lundi (semaine 1) : 09:30 Mairie de Venaco, 13:30 Agence postale de Vivario (horaires à confirmer)"
            in render_current_tour(summary).splitlines())


def test_map_tooltip_flags_default_hours() -> None:
    visits = pd.DataFrame({
        "advisor": [1, 1], "advisor_name": ["Conseiller 1"] * 2, "week": [1, 1], "day": ["lun", "lun"],
        "order": [1, 2], "name": ["Mairie de Venaco", "Agence postale de Vivario"], "lon": [9.17, 9.17],
        "lat": [42.23, 42.17], "arrival": ["09:30", "13:30"], "start": ["09:30", "13:30"], "end": ["12:30", "16:30"],
        "hours_known": [True, False],
    })
    days = pd.DataFrame({"advisor": [1], "advisor_name": ["Conseiller 1"], "week": [1], "day": ["lun"],
                         "base": ["Mairie de Corte"], "base_lon": [9.15], "base_lat": [42.3], "route": [None]})
    fmap = maps.base_map((9, 42, 9.5, 42.7))
    maps.add_plan(fmap, visits, days)
    tips = [c.text for c in _walk(fmap) if isinstance(c, folium.Tooltip)]
    flagged = [t for t in tips if "horaires à confirmer" in t]
    assert len(flagged) == 1 and "Agence postale de Vivario" in flagged[0]


def _walk(element):
    for child in element._children.values():
        yield child
        yield from _walk(child)

"""The itinerant plan on a map: one toggleable layer per advisor, routes and numbered stops.

folium writes Marker, PolyLine and GeoJson tooltips into JavaScript template literals
(``bindTooltip(`…`)``): every piece from data goes through
:func:`planner.outputs.escape.template_html`, so a place named ``${alert(1)}`` or holding a
backtick is shown as typed and never runs.
"""

from __future__ import annotations

import folium
import pandas as pd
from shapely.geometry import mapping

from planner import fr
from planner.data.hours import DAY_LABELS
from planner.outputs.escape import html_attr, html_text, template_html
from planner.outputs.maps.base import add_legend, layer_name

#: One colour per advisor on plan maps (dark enough for white numbers on top).
ADVISOR_COLOURS: tuple[str, ...] = (
    "#1f4e9c", "#b2182b", "#1b7837", "#6a3d9a", "#b35806", "#01665e", "#8e0152", "#4d4d4d",
    "#7f3b08", "#2d004b",
)


def advisor_colour(advisor: int) -> str:
    """Return the colour of an advisor (1-based), cycling through :data:`ADVISOR_COLOURS`."""
    return ADVISOR_COLOURS[(int(advisor) - 1) % len(ADVISOR_COLOURS)]


def _numbered_icon(number: int | str, colour: str, square: bool = False) -> folium.DivIcon:
    """A round (or square) marker of the advisor's colour showing ``number``."""
    radius = "3px" if square else "50%"
    return folium.DivIcon(
        icon_size=(24, 24), icon_anchor=(12, 12), class_name="planner-stop",
        html=(f'<div style="width:22px;height:22px;border-radius:{radius};background:{html_attr(colour)};'
              'border:2px solid #fff;box-shadow:0 0 2px #000;color:#fff;font:bold 11px/22px sans-serif;'
              f'text-align:center">{html_text(number)}</div>'),
    )


def add_plan(fmap: folium.Map, visits: pd.DataFrame, days: pd.DataFrame, *, day: str | None = None,
             week: int | None = None) -> None:
    """Add an itinerant plan: one toggleable layer per advisor with its routes and numbered stops.

    Parameters
    ----------
    fmap
        The map.
    visits, days
        :class:`planner.optimize.tables.PlanTables` ``visits`` and ``days`` (validated or not).
    day, week
        Show only this day (``"lun"``...) and/or week; all when ``None``.

    Notes
    -----
    Routes follow the roads when ``days.route`` holds a line, else join base, stops and
    base with straight segments (dashed). Stops carry their order in the day; bases are
    squares marked « B ».
    """
    v, d = visits.copy(), days.copy()
    if day is not None:
        v, d = v[v["day"] == day], d[d["day"] == day]
    if week is not None:
        v, d = v[v["week"] == week], d[d["week"] == week]
    labels = DAY_LABELS
    entries = []
    for advisor in sorted(set(d["advisor"]) | set(v["advisor"])):
        colour = advisor_colour(advisor)
        va, da = v[v["advisor"] == advisor], d[d["advisor"] == advisor]
        name = (list(va["advisor_name"]) + list(da["advisor_name"]) + [f"Conseiller {advisor}"])[0]
        group = folium.FeatureGroup(name=layer_name(f"{name} — {fr.plural(len(va), 'visite')}", colour))
        for row in da.itertuples():
            stops = va[(va["week"] == row.week) & (va["day"] == row.day)].sort_values("order")
            route = getattr(row, "route", None)
            tip = f"{template_html(name)} — {template_html(labels.get(row.day, row.day))}, semaine {int(row.week)}"
            if route is not None and not getattr(route, "is_empty", True):
                folium.GeoJson(mapping(route), style_function=lambda _, c=colour: {"color": c, "weight": 4,
                                                                                  "opacity": 0.8},
                               tooltip=tip).add_to(group)
            elif len(stops):
                line = [[row.base_lat, row.base_lon], *zip(stops["lat"], stops["lon"]), [row.base_lat, row.base_lon]]
                folium.PolyLine([[float(a), float(b)] for a, b in line], color=colour, weight=3, opacity=0.8,
                                dash_array="8 6", tooltip=tip).add_to(group)
        for row in va.itertuples():
            tip = (f"<b>{template_html(row.name)}</b><br>{template_html(name)} — {template_html(labels.get(row.day, row.day))} "
                   f"(semaine {int(row.week)}), étape {int(row.order)}<br>"
                   f"permanence {template_html(row.start)}–{template_html(row.end)}, arrivée {template_html(row.arrival)}")
            folium.Marker([float(row.lat), float(row.lon)], icon=_numbered_icon(int(row.order), colour),
                          tooltip=tip).add_to(group)
        for row in da.drop_duplicates("base").itertuples():
            folium.Marker([float(row.base_lat), float(row.base_lon)], icon=_numbered_icon("B", colour, square=True),
                          tooltip=f"Base de {template_html(name)} : {template_html(row.base)}").add_to(group)
        group.add_to(fmap)
        entries.append((colour, name))
    if entries:
        add_legend(fmap, "Conseillers (B : base ; numéros : ordre de passage)", entries)

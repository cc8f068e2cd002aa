"""The itinerant plan on a map: one toggleable layer per advisor, routes and stops numbered in
their day, one colour per day (as on the route sheets) or per advisor, as the legend says.

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
from planner.data.hours import DAY_LABELS, DAYS
from planner.outputs.escape import html_attr, html_text, template_html
from planner.outputs.maps.base import add_legend, layer_name
from planner.outputs.maps.symbols import text_colour
from planner.outputs.route_sheet import DAY_COLOURS
from planner.outputs.tables import HOURS_TO_CONFIRM

#: One colour per advisor on plan maps (dark enough for white numbers on top).
ADVISOR_COLOURS: tuple[str, ...] = (
    "#1f4e9c", "#b2182b", "#1b7837", "#6a3d9a", "#b35806", "#01665e", "#8e0152", "#4d4d4d",
    "#7f3b08", "#2d004b",
)


def advisor_colour(advisor: int) -> str:
    """Return the colour of an advisor (1-based), cycling through :data:`ADVISOR_COLOURS`."""
    return ADVISOR_COLOURS[(int(advisor) - 1) % len(ADVISOR_COLOURS)]


#: Colour of the bases when stops are coloured by day (a base serves every day).
BASE_COLOUR = "#333333"


def _numbered_icon(number: int | str, colour: str, square: bool = False, data: str = "") -> folium.DivIcon:
    """A round (or square) marker filled with ``colour`` showing ``number`` (readable text colour)."""
    radius = "3px" if square else "50%"
    return folium.DivIcon(
        icon_size=(24, 24), icon_anchor=(12, 12), class_name="planner-stop",
        html=(f'<div{data} style="width:22px;height:22px;border-radius:{radius};background:{html_attr(colour)};'
              f'border:2px solid #fff;box-shadow:0 0 0 1px #1b1b1b;color:{text_colour(colour)};'
              f'font:bold 11px/22px sans-serif;text-align:center">{html_text(number)}</div>'),
    )


def add_plan(fmap: folium.Map, visits: pd.DataFrame, days: pd.DataFrame, *, day: str | None = None,
             week: int | None = None, colour_by: str = "day") -> None:
    """Add an itinerant plan: one toggleable layer per advisor with its routes and numbered stops.

    Parameters
    ----------
    fmap
        The map.
    visits, days
        :class:`planner.optimize.tables.PlanTables` ``visits`` and ``days`` (validated or not).
    day, week
        Show only this day (``"lun"``...) and/or week; all when ``None``.
    colour_by
        ``"day"``: each weekday has its colour (the route sheets' :data:`DAY_COLOURS`);
        ``"advisor"``: each advisor has one. The legend says which.

    Notes
    -----
    Routes follow the roads when ``days.route`` holds a line, else join base, stops and
    base with straight segments (dashed). Stops carry their order in their day (1 to n);
    bases are squares marked « B ».
    """
    if colour_by not in ("day", "advisor"):
        raise ValueError(f"colour_by must be 'day' or 'advisor', not {colour_by!r}")
    v, d = visits.copy(), days.copy()
    if day is not None:
        v, d = v[v["day"] == day], d[d["day"] == day]
    if week is not None:
        v, d = v[v["week"] == week], d[d["week"] == week]
    labels = DAY_LABELS
    by_day = colour_by == "day"

    def colour_of(advisor: int, weekday: str) -> str:
        return DAY_COLOURS.get(weekday, BASE_COLOUR) if by_day else advisor_colour(advisor)

    entries = []
    for advisor in sorted(set(d["advisor"]) | set(v["advisor"])):
        va, da = v[v["advisor"] == advisor], d[d["advisor"] == advisor]
        name = (list(va["advisor_name"]) + list(da["advisor_name"]) + [f"Conseiller {advisor}"])[0]
        own = advisor_colour(advisor)
        group = folium.FeatureGroup(name=layer_name(f"{name} — {fr.plural(len(va), 'visite')}",
                                                    BASE_COLOUR if by_day else own))
        for row in da.itertuples():
            colour = colour_of(advisor, row.day)
            stops = va[(va["week"] == row.week) & (va["day"] == row.day)].sort_values("order")
            route = getattr(row, "route", None)
            tip = f"{template_html(name)} — {template_html(labels.get(row.day, row.day))}, semaine {int(row.week)}"
            if route is not None and not getattr(route, "is_empty", True):
                folium.GeoJson(mapping(route), style_function=lambda _, c=colour: {"color": c, "weight": 4,
                                                                                  "opacity": 0.85},
                               tooltip=tip).add_to(group)
            elif len(stops):
                line = [[row.base_lat, row.base_lon], *zip(stops["lat"], stops["lon"]), [row.base_lat, row.base_lon]]
                folium.PolyLine([[float(a), float(b)] for a, b in line], color=colour, weight=3, opacity=0.85,
                                dash_array="8 6", tooltip=tip).add_to(group)
        for row in va.itertuples():
            tip = (f"<b>{template_html(row.name)}</b><br>{template_html(name)} — {template_html(labels.get(row.day, row.day))} "
                   f"(semaine {int(row.week)}), étape {int(row.order)}<br>"
                   f"permanence {template_html(row.start)}–{template_html(row.end)}, arrivée {template_html(row.arrival)}"
                   + ("" if bool(getattr(row, "hours_known", True)) else f"<br><i>{HOURS_TO_CONFIRM}</i>"))
            data = (f' data-advisor="{int(advisor)}" data-week="{int(row.week)}" '
                    f'data-day="{html_attr(row.day)}"')
            folium.Marker([float(row.lat), float(row.lon)],
                          icon=_numbered_icon(int(row.order), colour_of(advisor, row.day), data=data),
                          tooltip=tip).add_to(group)
        for row in da.drop_duplicates("base").itertuples():
            folium.Marker([float(row.base_lat), float(row.base_lon)],
                          icon=_numbered_icon("B", BASE_COLOUR if by_day else own, square=True),
                          tooltip=f"Base de {template_html(name)} : {template_html(row.base)}").add_to(group)
        group.add_to(fmap)
        entries.append((own, name))
    if by_day:
        shown = [k for k in DAYS if k in set(v["day"]) | set(d["day"])]
        counts = v["day"].value_counts()
        day_entries = [(DAY_COLOURS.get(k, BASE_COLOUR), f"{labels.get(k, k)} — "
                        f"{fr.plural(int(counts.get(k, 0)), 'visite')}") for k in shown]
        if day_entries:
            add_legend(fmap, "Couleur : jour de passage (numéros : ordre dans la journée ; B : base)",
                       [*day_entries, (BASE_COLOUR, "base du conseiller", "square")])
    elif entries:
        add_legend(fmap, "Couleur : conseiller (numéros : ordre dans la journée ; B : base)", entries)

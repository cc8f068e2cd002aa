"""The plan on a map (planner.outputs.maps.plan): numbered stops, advisor colours, and
hostile names that cannot run (MADE-UP plans)."""

from __future__ import annotations

import re

import folium
import pandas as pd
from shapely.geometry import LineString

from planner.outputs import maps
from planner.outputs.route_sheet import DAY_COLOURS

EVIL = '<img src=x onerror="alert(1)">'


def _html(fmap: folium.Map) -> str:
    return fmap.get_root().render()


def _icon_htmls(element: folium.Element) -> list[str]:
    """The HTML of every DivIcon under ``element``."""
    out = []
    for child in element._children.values():
        if isinstance(child, folium.DivIcon):
            out.append(child.options["html"])
        out.extend(_icon_htmls(child))
    return out


def test_add_plan_numbers_stops_colours_advisors_and_filters_days() -> None:
    visits = pd.DataFrame({
        "advisor": [1, 1, 2], "advisor_name": ["Conseiller 1", "Conseiller 1", EVIL], "week": [1, 1, 1],
        "day": ["lun", "lun", "mar"], "order": [1, 2, 1], "name": ["A", "B", "C"],
        "lon": [9.0, 9.1, 9.2], "lat": [42.0, 42.1, 42.2], "arrival": ["10:00"] * 3, "start": ["10:00"] * 3,
        "end": ["13:00"] * 3,
    })
    days = pd.DataFrame({
        "advisor": [1, 2], "advisor_name": ["Conseiller 1", EVIL], "week": [1, 1], "day": ["lun", "mar"],
        "base": ["Mairie de Corte", "Mairie de Bastia"], "base_lon": [9.15, 9.45], "base_lat": [42.3, 42.7],
        "route": [LineString([(9.15, 42.3), (9.0, 42.0), (9.1, 42.1), (9.15, 42.3)]), None],
    })
    fmap = maps.base_map((9, 42, 9.5, 42.7))
    maps.add_plan(fmap, visits, days)
    html = _html(fmap)
    assert "<img src=x" not in html
    assert len(re.findall(r"planner-stop", html)) == 3 + 2  # three stops, two bases
    # colour by day (default): the route sheets' day colours, numbers within the day
    stops = [re.search(r'data-day="(\w+)" style="[^"]*?background:(#[0-9a-f]{6});[^>]*>(\d+)<', html).groups()
             for html in _icon_htmls(fmap) if "data-day" in html]
    assert sorted(stops) == [("lun", DAY_COLOURS["lun"], "1"), ("lun", DAY_COLOURS["lun"], "2"),
                             ("mar", DAY_COLOURS["mar"], "1")]
    legend = next(c for c in fmap._children.values() if isinstance(c, maps.Legend))
    assert "Couleur : jour de passage" in legend.html
    assert "lundi — 2 visites" in legend.html and "mardi — 1 visite" in legend.html
    by_advisor = maps.base_map((9, 42, 9.5, 42.7))
    maps.add_plan(by_advisor, visits, days, colour_by="advisor")
    html = _html(by_advisor)
    assert maps.advisor_colour(1) in html and maps.advisor_colour(2) in html
    legend = next(c for c in by_advisor._children.values() if isinstance(c, maps.Legend))
    assert "Couleur : conseiller" in legend.html
    only_monday = maps.base_map((9, 42, 9.5, 42.7))
    maps.add_plan(only_monday, visits, days, day="lun")
    groups = [c for c in only_monday._children.values() if isinstance(c, folium.FeatureGroup)]
    assert len(groups) == 1 and "Conseiller 1 — 2 visites" in groups[0].layer_name


# --------------------------------------------------------------------------- hostile names

#: Made-up hostile names: each would run script if it reached the page unescaped.
HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "`);alert(1);(`",
    "Mairie d'Ota \"centre\"",
    "</script><script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "\\`${alert(1)}",
)
_TEMPLATE = re.compile(r"\.bindTooltip\(\s*`(.*?)`\s*,", re.S)


def hostile_plan() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Made-up plan whose every text field holds a hostile name (one advisor, two days)."""
    n = len(HOSTILE)
    visits = pd.DataFrame({
        "advisor": [1] * n, "advisor_name": [HOSTILE[5]] * n, "week": [1] * n,
        "day": ["lun"] * (n // 2) + ["mar"] * (n - n // 2),
        "order": [i + 1 for i in range(n // 2)] + [i + 1 for i in range(n - n // 2)],
        "name": list(HOSTILE), "lon": [9.0 + 0.01 * i for i in range(n)], "lat": [42.0] * n,
        "arrival": ["10:00"] * n, "start": ["10:00"] * n, "end": ["13:00"] * n,
    })
    days = pd.DataFrame({
        "advisor": [1, 1], "advisor_name": [HOSTILE[5]] * 2, "week": [1, 1], "day": ["lun", "mar"],
        "base": [HOSTILE[2], HOSTILE[6]], "base_lon": [9.2, 9.2], "base_lat": [42.2, 42.2],
        "route": [LineString([(9.2, 42.2), (9.0, 42.0), (9.2, 42.2)]), None],
    })
    return visits, days


def hostile_map() -> folium.Map:
    visits, days = hostile_plan()
    fmap = maps.base_map((8.9, 41.9, 9.3, 42.3), [HOSTILE[1]])
    maps.add_plan(fmap, visits, days)
    maps.add_layer_control(fmap)
    return fmap


def test_hostile_names_cannot_execute_in_the_plan_map() -> None:
    page = _html(hostile_map())
    # no hostile markup reaches the page raw
    for raw in ("<img src=x", "<svg onload", "</script><script>alert", "<script>alert", "${alert"):
        assert raw not in page, raw
    # the page has only folium's own script blocks (a benign map has as many)
    visits, days = hostile_plan()
    benign = maps.base_map((8.9, 41.9, 9.3, 42.3))
    maps.add_plan(benign, visits.assign(name="A", advisor_name="B"), days.assign(base="C", advisor_name="B"))
    maps.add_layer_control(benign)
    assert page.count("<script") == _html(benign).count("<script")
    # every tooltip template literal: no interpolation, no backtick, no backslash escape
    literals = _TEMPLATE.findall(page)
    assert len(literals) == len(visits) + 2 + 2  # stops, two day lines, two bases
    for literal in literals:
        assert "`" not in literal and "${" not in literal and "\\" not in literal
    # and the names read back as typed once the browser decodes the entities
    assert "&#36;{alert(1)}" in page and "&#96;);alert(1);(&#96;" in page

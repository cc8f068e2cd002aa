"""The ICS export (planner.outputs.calendar), read back with icalendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar

from planner.optimize.tables import PlanTables
from planner.outputs.calendar import to_ics_bytes
from planner.outputs.validate import validate_plan
from tests.outputs.made_up_plan import make_plan

PARIS = ZoneInfo("Europe/Paris")


def test_ics_read_back(plan: PlanTables) -> None:
    data = to_ics_bytes(plan)
    cal = icalendar.Calendar.from_ical(data)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = cal.walk("VEVENT")
    assert len(events) == 6
    visits = validate_plan(plan).visits
    for event, row in zip(events, visits.itertuples(index=False)):
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        hh, mm = map(int, row.start.split(":"))
        assert start == dt.datetime.combine(row.date, dt.time(hh, mm), tzinfo=PARIS)
        assert end.strftime("%H:%M") == row.end and end.date() == row.date
        assert str(event["SUMMARY"]) == f"Permanence numérique — {row.name}"
    assert str(events[1]["LOCATION"]) == "21 cours Paoli, 20250 Corte"
    assert str(events[0]["LOCATION"]) == "20218 Morosaglia"
    # Summer time starts on 30 March 2025: same wall-clock hour, different UTC offset.
    assert events[0].decoded("DTSTART").utcoffset() == dt.timedelta(hours=1)
    assert events[3].decoded("DTSTART").utcoffset() == dt.timedelta(hours=2)
    assert "Conseiller : Conseiller 1 (base : Corte)" in str(events[0]["DESCRIPTION"])
    assert "© La Poste (2020)" in str(events[0]["DESCRIPTION"])
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == 6
    assert to_ics_bytes(make_plan()) == data  # stable UIDs, stable stamp

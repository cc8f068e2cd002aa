"""Hours known or flagged, the lunch break, cycles and 5-minute times on a real Corsica plan.

One fortnightly plan (two advisors based at the Ajaccio and Bastia town halls, real sites
and roads) is computed once for the module; every export is written from it.
"""

from __future__ import annotations

import io
import json
import re

import icalendar
import numpy as np
import openpyxl
import pytest

from planner.data import hours
from planner.optimize.plan import PlanResult, day_reach, make_plan, resolve_bases
from planner.optimize.settings import PlanSettings
from planner.outputs.calendar import to_ics_bytes
from planner.outputs.gps import to_geojson_bytes, to_gpx_bytes
from planner.outputs.route_sheet import stop_rows
from planner.outputs.route_sheet_html import route_sheet_html
from planner.outputs.route_sheet_pdf import route_sheet_pdf_bytes
from planner.outputs.spreadsheets import to_csv_bytes, to_xlsx_bytes
from planner.outputs.tables import HOURS_TO_CONFIRM, advisors, day_stops
from planner.outputs.validate import validate_plan

SETTINGS = PlanSettings(advisors=2, bases=("2A004", "2B033"), frequency="fortnightly", time_limit=3)


@pytest.fixture(scope="module")
def result(corsica, coverage, travel) -> PlanResult:
    return make_plan(corsica, SETTINGS, coverage=coverage, travel=travel)


@pytest.fixture(scope="module")
def raw_hours(corsica) -> dict:
    """Each site's hours as its source gives them (None: unknown)."""
    sites = corsica.sites()
    return {sid: (h if isinstance(h, dict) and h else None)
            for sid, h in zip(sites["site_id"], sites["opening_hours"])}


def test_every_visit_is_inside_known_or_default_hours_and_outside_lunch(result, raw_hours) -> None:
    stops = result.stops.set_index("site_id")
    assert result.routes.visits
    ls, le = (hours.minutes(t) * 60 for t in SETTINGS.lunch)
    for a in result.routes.advisors:
        for d in a.days:
            if not d.visits:
                assert d.lunch_start is None
                continue
            lunch = (d.lunch_start_s, d.lunch_end_s)
            assert ls <= lunch[0] and lunch[1] <= le and lunch[1] - lunch[0] >= SETTINGS.lunch_minutes * 60
            for v in d.visits:
                opening = stops.at[v.key, "opening_hours"]
                spans = [(hours.minutes(o) * 60, hours.minutes(c) * 60) for o, c in opening[v.day]]
                assert any(o <= v.start_s and v.end_s <= c for o, c in spans), (v.name, opening)
                assert v.end_s <= lunch[0] or v.start_s >= lunch[1]
                # the flag is false exactly for hosts whose hours are defaults of their kind
                assert v.hours_known == (raw_hours[v.key] is not None)
                if not v.hours_known:
                    kind, network = stops.at[v.key, "kind"], stops.at[v.key, "network"]
                    assert opening == hours.default_hours(kind, network)
    flags = {s["site_id"]: s["hours_known"] for s in result.summary()["stops"]}
    assert flags == {v.key: v.hours_known for v in result.routes.visits}
    assert False in flags.values() and True in flags.values()  # La Poste points and town halls


def test_cycle_is_two_weeks_balanced_and_on_the_5_minute_grid(result) -> None:
    summary = result.summary()
    assert summary["weeks"] == 2 and summary["frequency"] == "fortnightly"
    weeks = [s["week"] for s in summary["stops"]]
    assert abs(weeks.count(1) - weeks.count(2)) <= 1
    assert len(set(s["site_id"] for s in summary["stops"])) == len(weeks)  # once per cycle
    for s in summary["stops"]:
        for key in ("arrival", "start", "end"):
            assert int(s[key][-2:]) % 5 == 0, s
    tables = result.tables()
    assert (tables.visits["start"] == [v.start for a in result.routes.advisors for v in a.visits]).all()


def test_agences_postales_communales_never_fit_a_3_hour_session(corsica, travel) -> None:
    """Default hours 09:00-12:00: no 3-hour permanence after driving from a base."""
    inside = corsica.sites()
    inside = hours.with_host_hours(inside[inside["inside"] & (inside["network"] == "la_poste")])
    bases = resolve_bases(corsica, inside, SETTINGS.bases)
    _, fits = day_reach(travel, bases, inside, SETTINGS)
    apc = (inside["kind"] == "agence postale communale").to_numpy()
    assert apc.sum() > 50 and not fits[apc].any()
    assert fits[~apc].any()


def test_ics_recurs_with_the_cycle_and_describes_the_host(result) -> None:
    plan = validate_plan(result.tables())
    raw = to_ics_bytes(plan)
    cal = icalendar.Calendar.from_ical(raw)
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(plan.visits)
    for event, row in zip(events, plan.visits.itertuples(index=False)):
        assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["INTERVAL"] == [2]
        start = event.decoded("DTSTART")
        assert start.strftime("%H:%M") == row.start and start.minute % 5 == 0
        text = str(event["DESCRIPTION"])
        assert f"Adresse : {row.address}" in text and "Téléphone : " in text
        assert f"Horaires du lieu : {row.hours}" in text
        assert (HOURS_TO_CONFIRM in text) == (not row.hours_known)
        assert "Récurrence : toutes les 2 semaines" in text
    unfolded = raw.decode().replace("\r\n ", "")
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2" in unfolded
    # RFC 5545 escaping: the commas and semicolons of the text are backslash-escaped
    description = re.search(r"DESCRIPTION:(.*)", unfolded).group(1)
    assert "\\," in description and "\\;" in description and not re.search(r"(?<!\\)[,;]", description)


def test_route_sheets_show_phone_hours_and_lunch(result) -> None:
    plan = validate_plan(result.tables())
    for advisor, _ in advisors(plan):
        page = route_sheet_html(plan, advisor)
        assert "Téléphone et horaires" in page and "pause déjeuner" in page
        assert route_sheet_pdf_bytes(plan, advisor).startswith(b"%PDF")
    for day, stops in day_stops(plan):
        if stops.empty:
            continue
        rows = stop_rows(day, stops)
        for cells, row in zip(rows, stops.itertuples(index=False)):
            assert cells[1] == row.arrival and cells[2] == f"{row.start}–{row.end}"
            assert cells[5].startswith("Tél. ") and row.hours in cells[5]
            assert cells[5].endswith(f"({HOURS_TO_CONFIRM})") == (not row.hours_known)


def test_every_export_flags_hours_to_confirm(result) -> None:
    plan = validate_plan(result.tables())
    unknown = int((~plan.visits["hours_known"]).sum())
    assert unknown >= 1
    csv = to_csv_bytes(plan).decode("utf-8-sig")
    assert csv.count(HOURS_TO_CONFIRM) == unknown and "Statut des horaires" in csv
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(plan))).worksheets
    cells = [c.value for ws in sheet for row in ws.iter_rows() for c in row]
    assert cells.count(HOURS_TO_CONFIRM) == unknown
    geo = json.loads(to_geojson_bytes(plan))
    visits = [f["properties"] for f in geo["features"] if f["properties"]["type"] == "visite"]
    assert [not p["horaires_connus"] for p in visits].count(True) == unknown
    assert all(p["statut_horaires"] == HOURS_TO_CONFIRM for p in visits if not p["horaires_connus"])
    gpx = to_gpx_bytes(plan).decode()
    assert gpx.count(HOURS_TO_CONFIRM) == unknown
    html = "".join(route_sheet_html(plan, a) for a, _ in advisors(plan))
    assert html.count(HOURS_TO_CONFIRM) == unknown
    assert np.all(plan.days["lunch_start"].str.match(r"^1[23]:\d[05]$"))

"""Checking a plan's tables (planner.outputs.validate) on the made-up plan."""

from __future__ import annotations

import datetime as dt

import gpxpy
import pandas as pd
import pytest

from planner.errors import DataError
from planner.optimize.tables import PlanTables
from planner.outputs.gps import to_gpx_bytes
from planner.outputs.validate import validate_plan
from tests.outputs.made_up_plan import CALVI, ROUTE, make_plan


def test_validate_sorts_and_dates(plan: PlanTables) -> None:
    checked = validate_plan(plan)
    assert list(checked.visits["order"]) == [1, 2, 1, 1, 1, 2]
    assert list(checked.visits["day"]) == ["lun", "lun", "mer", "lun", "mar", "mar"]
    assert list(checked.visits["date"]) == [dt.date(2025, 3, 24)] * 2 + [
        dt.date(2025, 3, 26),
        dt.date(2025, 3, 31),
        dt.date(2025, 3, 25),
        dt.date(2025, 3, 25),
    ]
    assert checked.days["route"].iloc[3].equals(ROUTE)
    assert checked.days["route"].iloc[:3].isna().all()
    assert checked.meta["week_start"] == dt.date(2025, 3, 24)

def test_validate_drops_working_days_without_visits(plan: PlanTables) -> None:
    idle = {
        "advisor": 2,
        "advisor_name": "Conseiller 2",
        "week": 1,
        "day": "ven",
        "base": "Calvi",
        "base_lon": CALVI[0],
        "base_lat": CALVI[1],
        "depart": None,
        "return": None,
        "drive_minutes": 0.0,
        "km": 0.0,
        "route": None,
    }
    days = pd.concat([plan.days, pd.DataFrame([idle])], ignore_index=True)
    checked = validate_plan(PlanTables(plan.visits, days, plan.meta))
    assert len(checked.days) == 4 and "ven" not in set(checked.days["day"])
    gpx = gpxpy.parse(to_gpx_bytes(PlanTables(plan.visits, days, plan.meta)).decode())
    assert len(gpx.tracks) == 4

def test_validate_defaults_week_start_to_next_monday(plan: PlanTables) -> None:
    plan.meta.pop("week_start")
    start = validate_plan(plan).meta["week_start"]
    today = dt.date.today()
    assert start.weekday() == 0 and today < start <= today + dt.timedelta(days=7)

@pytest.mark.parametrize(
    ("table", "column", "row", "value", "fragment"),
    [
        ("visits", "arrival", 2, "9h30", "« 9h30 » invalide"),
        ("visits", "start", 1, "25:00", "« 25:00 » invalide"),
        ("visits", "week", 3, 5, "l'une des valeurs 1, 2, 3, 4"),
        ("visits", "day", 4, "dimanche prochain", "un jour parmi"),
        ("visits", "lat", 1, float("nan"), "un nombre entre -90 et 90"),
        ("visits", "name", 5, "  ", "un nom non vide"),
        ("days", "depart", 2, "", "une heure « HH:MM »"),
        ("days", "route", 1, "LINESTRING (0 0, 1 1)", "tracé de type « str »"),
    ],
)
def test_validate_names_row_and_column(
    table: str, column: str, row: int, value: object, fragment: str
) -> None:
    plan = make_plan()
    frame = getattr(plan, table)
    frame[column] = frame[column].astype(object)
    frame.loc[row - 1, column] = value
    with pytest.raises(DataError) as err:
        validate_plan(plan)
    assert err.value.row == row and err.value.column == column
    assert fragment in str(err.value)

def test_validate_refuses_missing_column_visit_without_day_and_bad_monday(plan: PlanTables) -> None:
    with pytest.raises(DataError, match="colonne\\(s\\) absente\\(s\\) : km") as err:
        validate_plan(PlanTables(plan.visits.drop(columns="km"), plan.days, plan.meta))
    assert err.value.column == "km"
    with pytest.raises(DataError, match="une journée présente dans le tableau des journées"):
        validate_plan(PlanTables(plan.visits, plan.days.iloc[1:], plan.meta))
    with pytest.raises(DataError, match="n'est pas un lundi"):
        validate_plan(
            PlanTables(plan.visits, plan.days, {**plan.meta, "week_start": "2025-03-25"})
        )
    dup = pd.concat([plan.visits, plan.visits.iloc[:1]], ignore_index=True)
    with pytest.raises(DataError, match="rang unique") as err:
        validate_plan(PlanTables(dup, plan.days, plan.meta))
    assert err.value.row == 7


def test_validate_writes_times_as_two_digit_clock_times(plan: PlanTables) -> None:
    """Made-up: « 9:05 » reads as 09:05 (minutes since midnight via planner.fr.clock)."""
    plan.visits["arrival"] = plan.visits["arrival"].astype(object)
    plan.visits.loc[0, "arrival"] = "9:05"
    plan.visits.loc[0, "start"] = "9:30"
    checked = validate_plan(plan)
    last = checked.visits.iloc[-1]  # input row 0 is the last visit in plan order
    assert (last["arrival"], last["start"]) == ("09:05", "09:30")


def test_validate_returns_a_checked_plan_unchanged(plan: PlanTables) -> None:
    checked = validate_plan(plan)
    assert validate_plan(checked) is checked

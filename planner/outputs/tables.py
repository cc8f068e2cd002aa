"""A checked plan read as tables and rows: the visit table, the totals, each advisor-day.

The spreadsheets, GPS files, calendar and route sheets all read the plan through these
functions (plans are checked by :func:`planner.outputs.validate.validate_plan` first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry import LineString, MultiLineString

from planner.data.hours import DAY_LABELS
from planner.optimize.tables import PlanTables
from planner.outputs.validate import validate_plan

# --------------------------------------------------------------------------- rows

#: What every export says of a host whose hours are the defaults of its kind.
HOURS_TO_CONFIRM = "horaires à confirmer"


def hours_status(known: Any) -> str:
    """``"connus"`` or « horaires à confirmer »."""
    return "connus" if bool(known) else HOURS_TO_CONFIRM


def host_hours_text(row: Any) -> str:
    """The host's hours in French, with « (horaires à confirmer) » when they are defaults."""
    text = getattr(row, "hours", "") or "horaires non renseignés"
    return text if bool(getattr(row, "hours_known", True)) else f"{text} ({HOURS_TO_CONFIRM})"


def cycle_weeks(plan: PlanTables) -> int:
    """Weeks of the plan's cycle: each visit comes back after this many weeks."""
    weeks = [int(plan.meta.get("cycle_weeks") or 0), int(plan.meta.get("interval_weeks") or 1)]
    if len(plan.visits):
        weeks.append(int(plan.visits["week"].max()))
    return max(weeks)


def recurrence_text(weeks: int) -> str:
    """« chaque semaine », « toutes les 2 semaines »..."""
    return "chaque semaine" if weeks == 1 else f"toutes les {weeks} semaines"


def full_address(row: Any) -> str:
    """Return a visit's address, postcode and commune on one line."""
    town = " ".join(x for x in (row.postcode, row.commune) if x)
    return ", ".join(x for x in (row.address, town) if x)


def attribution(plan: PlanTables) -> str:
    """Return the plan's sources joined by « ; » (empty when none)."""
    return " ; ".join(plan.meta["sources"])


def advisors(plan: PlanTables) -> list[tuple[int, str]]:
    """Advisors of the plan (number, name), in order."""
    both = pd.concat(
        [plan.days[["advisor", "advisor_name"]], plan.visits[["advisor", "advisor_name"]]]
    )
    both = both.drop_duplicates("advisor").sort_values("advisor")
    return [(int(a), n or f"Conseiller {a}") for a, n in zip(both["advisor"], both["advisor_name"])]


def minutes_of(hhmm: pd.Series) -> pd.Series:
    """Return ``"HH:MM"`` texts as minutes since midnight."""
    parts = hhmm.str.split(":", expand=True).astype("int64")
    return parts[0] * 60 + parts[1]


def day_stops(plan: PlanTables) -> Iterator[tuple[Any, pd.DataFrame]]:
    """Each advisor-day row (``return`` read as ``back``) with its visits, empty days included."""
    groups = {k: g for k, g in plan.visits.groupby(["advisor", "week", "day"], sort=False)}
    empty = plan.visits.iloc[0:0]
    # "return" is a Python keyword: itertuples would rename it, so it is read as "back".
    for row in plan.days.rename(columns={"return": "back"}).itertuples(index=False):
        yield row, groups.get((row.advisor, row.week, row.day), empty)


def day_lines(day: Any, stops: pd.DataFrame) -> list[np.ndarray]:
    """The day's path as arrays of (lon, lat): the road route, or straight segments."""
    route = getattr(day, "route", None)
    if isinstance(route, LineString):
        return [np.asarray(route.coords)[:, :2]]
    if isinstance(route, MultiLineString):
        return [np.asarray(part.coords)[:, :2] for part in route.geoms]
    base = [[day.base_lon, day.base_lat]]
    return [np.asarray(base + stops[["lon", "lat"]].to_numpy().tolist() + base, dtype=float)]


def local_time(day: dt.date, hhmm: str, tz: dt.tzinfo) -> dt.datetime:
    """Return the aware datetime of ``hhmm`` on ``day`` in the time zone ``tz``."""
    hours, mins = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(minutes=hours * 60 + mins)


# --------------------------------------------------------------------------- tables


def visit_table(plan: PlanTables) -> pd.DataFrame:
    """Return the visits with French headers, in plan order (the CSV and XLSX content).

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    One row per visit; ``Date`` holds :class:`datetime.date` values. Cells are not
    neutralized (the CSV and XLSX writers do it).
    """
    plan = validate_plan(plan)
    v = plan.visits
    return pd.DataFrame(
        {
            "Conseiller": v["advisor_name"],
            "Base": v["base"],
            "Semaine": v["week"],
            "Date": v["date"],
            "Jour": v["day"].map(DAY_LABELS),
            "Ordre": v["order"],
            "Lieu": v["name"],
            "Adresse": v["address"],
            "Code postal": v["postcode"],
            "Commune": v["commune"],
            "Code INSEE": v["insee"],
            "Arrivée": v["arrival"],
            "Début": v["start"],
            "Fin": v["end"],
            "Horaires du lieu": v["hours"].where(v["hours"] != "", "horaires non renseignés"),
            "Statut des horaires": v["hours_known"].map(hours_status),
            "Téléphone": v["phone"],
            "Trajet depuis l'étape précédente (min)": v["drive_minutes"].round(1),
            "Distance depuis l'étape précédente (km)": v["km"].round(1),
            "Demande desservie": v["demand"].round(1),
            "Longitude": v["lon"].round(6),
            "Latitude": v["lat"].round(6),
            "Identifiant du site": v["site_id"],
        }
    )


def summary_table(plan: PlanTables) -> pd.DataFrame:
    """Return totals per advisor plus a ``Total`` row, with French headers.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    Columns ``Conseiller``, ``Base``, ``Journées``, ``Visites``, ``Lieux distincts``,
    ``Heures de permanence``, ``Heures de route``, ``Kilomètres``, ``Demande desservie``
    (over the whole horizon; a site's demand is counted once per advisor, and once in
    the total).
    """
    plan = validate_plan(plan)
    v, d = plan.visits.copy(), plan.days
    v["hours"] = (minutes_of(v["end"]) - minutes_of(v["start"])) / 60 if len(v) else 0.0
    rows = []
    for advisor, name in advisors(plan):
        va, da = v[v["advisor"] == advisor], d[d["advisor"] == advisor]
        bases = list(dict.fromkeys([*da["base"], *va["base"]]))
        rows.append(_summary_row(name, ", ".join(b for b in bases if b), va, da))
    rows.append(_summary_row("Total", "", v, d))
    return pd.DataFrame(rows)


def _summary_row(name: str, base: str, visits: pd.DataFrame, days: pd.DataFrame) -> dict[str, Any]:
    """One row of :func:`summary_table`: totals over ``visits`` (with ``hours``) and ``days``."""
    return {
        "Conseiller": name,
        "Base": base,
        "Journées": len(days),
        "Visites": len(visits),
        "Lieux distincts": visits["site_id"].nunique(),
        "Heures de permanence": round(float(visits["hours"].sum()), 2),
        "Heures de route": round(float(days["drive_minutes"].sum()) / 60, 2),
        "Kilomètres": round(float(days["km"].sum()), 1),
        "Demande desservie": round(float(visits.drop_duplicates("site_id")["demand"].sum()), 1),
    }


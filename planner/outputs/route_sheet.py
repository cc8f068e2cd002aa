"""What an advisor's route sheet shows, whatever its format (HTML or PDF).

A sheet has one page per week: the totals, a sketch map of the tours (projected with
:func:`projector`, with a scale bar from :func:`scale_bar`) and per day the departure,
return, drive and the table of visits (:func:`stop_rows`). The HTML and PDF renderers
(:mod:`planner.outputs.route_sheet_html`, :mod:`planner.outputs.route_sheet_pdf`) draw it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner import fr
from planner.errors import SettingsError
from planner.optimize.tables import PlanTables
from planner.outputs.tables import (
    advisors,
    cycle_weeks,
    day_lines,
    day_stops,
    full_address,
    host_hours_text,
    minutes_of,
    recurrence_text,
)

#: Colour of each working day on the route-sheet maps.
DAY_COLOURS: dict[str, str] = {
    "lun": "#1f77b4",
    "mar": "#d62728",
    "mer": "#2ca02c",
    "jeu": "#9467bd",
    "ven": "#ff7f0e",
    "sam": "#8c564b",
    "dim": "#e377c2",
}
#: Headers of a route sheet's visit table (HTML and PDF).
STOP_HEADERS: tuple[str, ...] = (
    "N°", "Arrivée", "Permanence", "Lieu", "Adresse", "Téléphone et horaires", "Trajet", "km",
)
#: Positions of the numeric columns of that table (right-aligned).
STOP_NUMERIC: tuple[int, ...] = (0, 6, 7)
#: Round distances a scale bar may show, km.
NICE_KM: tuple[float, ...] = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)


def route_sheet_name(advisor: int, suffix: str) -> str:
    """File name of an advisor's route sheet, e.g. ``feuille_de_route_conseiller_1.pdf``."""
    return f"feuille_de_route_conseiller_{int(advisor)}.{suffix}"


@dataclass
class WeekView:
    """What one page of a route sheet shows."""

    week: int
    monday: dt.date
    base: str
    base_lonlat: tuple[float, float]
    days: list[tuple[Any, pd.DataFrame, list[np.ndarray]]]

    def totals(self) -> str:
        """The week's totals: days, visits, presence, drive and distance."""
        visits = sum(len(s) for _, s, _ in self.days)
        drive = sum(d.drive_minutes for d, _, _ in self.days)
        km = sum(d.km for d, _, _ in self.days)
        perm = sum(
            float((minutes_of(s["end"]) - minutes_of(s["start"])).sum())
            for _, s, _ in self.days
            if len(s)
        )
        return (
            f"{fr.plural(len(self.days), 'journée')}, {fr.plural(visits, 'visite')}, "
            f"{fr.duration(perm)} de permanence, {fr.duration(drive)} de route, {fr.km(km)}"
        )


def weeks(plan: PlanTables, advisor: int) -> tuple[str, list[WeekView]]:
    """Return an advisor's name and one :class:`WeekView` per week of a checked plan.

    Raises
    ------
    SettingsError
        When the plan has no such advisor.
    """
    names = dict(advisors(plan))
    if advisor not in names:
        known = ", ".join(str(a) for a in names) or "aucun"
        raise SettingsError(
            f"conseiller {advisor} inconnu dans le plan (conseillers : {known})",
            setting="conseiller",
            hint="choisissez un conseiller du plan",
        )
    views: dict[int, WeekView] = {}
    for day, stops in day_stops(plan):
        if day.advisor != advisor:
            continue
        view = views.setdefault(
            day.week,
            WeekView(
                day.week,
                plan.meta["week_start"] + dt.timedelta(days=7 * (day.week - 1)),
                day.base,
                (day.base_lon, day.base_lat),
                [],
            ),
        )
        view.days.append((day, stops, day_lines(day, stops) if len(stops) else []))
    return names[advisor], [views[w] for w in sorted(views)]


def projector(
    view: WeekView, width: float, height: float, margin: float
) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    """Map (lon, lat) to page coordinates (y downwards) fitting the week; also km per unit."""
    points = np.vstack(
        [np.asarray([view.base_lonlat]), *[ln for _, _, lines in view.days for ln in lines]]
    )
    k = math.cos(math.radians(float(points[:, 1].mean())))
    x, y = points[:, 0] * k, points[:, 1]
    span = max(
        float(x.max() - x.min()) / (width - 2 * margin),
        float(y.max() - y.min()) / (height - 2 * margin),
    )
    scale = 1 / max(span, 1e-6)
    cx, cy = float(x.max() + x.min()) / 2, float(y.max() + y.min()) / 2

    def project(lonlat: np.ndarray) -> np.ndarray:
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        return np.column_stack(
            [width / 2 + (lonlat[:, 0] * k - cx) * scale, height / 2 - (lonlat[:, 1] - cy) * scale]
        )

    return project, 111.32 / scale


def scale_bar(km_per_unit: float, width: float) -> tuple[float, float]:
    """A round distance (km) about a quarter of the map wide, and its length in units."""
    target = width / 4 * km_per_unit
    km = max([n for n in NICE_KM if n <= target] or [NICE_KM[0]])
    return km, km / km_per_unit

def week_heading(plan: PlanTables, view: WeekView) -> str:
    """The line under a route-sheet page's title: territory, base, week and its Monday."""
    return (
        f"Territoire : {plan.meta['territory']} — base : {view.base} — semaine {view.week}, "
        f"du {fr.date(view.monday)} — tournée répétée {recurrence_text(cycle_weeks(plan))}"
    )


def day_summary(day: Any) -> str:
    """Departure, return, drive time and distance of an advisor-day (route sheets)."""
    lunch = (
        f" — pause déjeuner {day.lunch_start}–{day.lunch_end}"
        if getattr(day, "lunch_start", "") else ""
    )
    return (
        f"Départ de {day.base} à {day.depart} — retour à {day.back} — "
        f"{fr.duration(day.drive_minutes)} de route, {fr.km(day.km)}{lunch}"
    )


def last_leg(day: Any, stops: pd.DataFrame) -> tuple[float, float]:
    """Drive minutes and km from the last stop back to the base."""
    return (
        max(0.0, float(day.drive_minutes - stops["drive_minutes"].sum())),
        max(0.0, float(day.km - stops["km"].sum())),
    )


def contact_text(row: Any) -> str:
    """The host's phone and hours on a route sheet (« horaires à confirmer » when defaults)."""
    phone = f"Tél. {row.phone}" if getattr(row, "phone", "") else "Tél. non renseigné"
    return f"{phone} — {host_hours_text(row)}"


def stop_rows(day: Any, stops: pd.DataFrame) -> list[list[str]]:
    """Cells of a day's visit table (:data:`STOP_HEADERS`): the visits, then the way back."""
    rows = [
        [
            str(int(row.order)),
            row.arrival,
            f"{row.start}–{row.end}",
            row.name,
            full_address(row),
            contact_text(row),
            fr.duration(row.drive_minutes),
            fr.number(row.km, 1),
        ]
        for row in stops.itertuples(index=False)
    ]
    minutes_back, km_back = last_leg(day, stops)
    rows.append(
        [
            "",
            day.back,
            "",
            f"Retour à la base ({day.base})",
            "",
            "",
            fr.duration(minutes_back),
            fr.number(km_back, 1),
        ]
    )
    return rows


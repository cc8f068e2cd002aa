"""Inputs of the weekly routes: advisors, stops and the travel matrices, checked.

:class:`Advisor` and :class:`Stop` are frozen parameter classes that check their own
fields when they are made (as PyVRP's parameter classes do) and raise a French
:class:`~planner.errors.SettingsError` naming the setting as the user sees it
(« jours », « plage horaire », « durée de permanence »...). What depends on several
objects (a base inside the matrix, a day longer than a permanence, the horizon) is
checked by :func:`check_inputs`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from planner import config, fr
from planner.data.hours import DAYS, WeeklyHours
from planner.errors import SettingsError

#: Stop frequencies and the number of weeks between two visits.
FREQUENCIES: dict[str, int] = dict(config.FREQUENCY_WEEKS)
#: The frequencies in French, for messages and hints.
FREQUENCY_HINT = ("« weekly » (chaque semaine), « fortnightly » (toutes les deux semaines) ou "
                  "« fourweekly » (toutes les quatre semaines)")
#: The lunch-break settings as the user sees them.
LUNCH_SETTING = "pause déjeuner (--lunch)"
LUNCH_MINUTES_SETTING = "durée minimale de la pause déjeuner (--lunch-min)"

_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def _clock_minutes(text: str, where: str, setting: str) -> int:
    """Minutes since midnight of ``"HH:MM"``, or a :class:`SettingsError` naming ``setting``."""
    match = _HHMM.match(str(text).strip())
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise SettingsError(
            f"{where} : heure invalide « {text} »",
            setting=setting,
            hint="écrivez les heures au format HH:MM, par exemple 09:00",
        )
    return int(match.group(1)) * 60 + int(match.group(2))


def _is_index(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and bool(value >= 0)


def _positive(value: Any) -> bool:
    try:
        return math.isfinite(float(value)) and float(value) > 0
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Advisor:
    """An itinerant advisor.

    Parameters
    ----------
    base
        Row/column of the home base in the travel matrices.
    days
        Working days among ``lun`` .. ``sam`` (:data:`planner.config.WORKING_DAYS`).
    window
        Daily window ``("HH:MM", "HH:MM")``: leave the base and come back inside it.
    max_drive_minutes
        Optional limit on driving per day, minutes.
    name
        Label of the advisor (shown in plans).
    base_name
        Label of the base (commune or site), used in messages.

    Raises
    ------
    SettingsError
        When a field is impossible (no working day, unknown day, bad window...).
    """

    base: int
    days: tuple[str, ...] = field(default_factory=lambda: config.DEFAULT_DAYS)
    window: tuple[str, str] = field(default_factory=lambda: config.DEFAULT_WINDOW)
    max_drive_minutes: float | None = None
    name: str = ""
    base_name: str = ""

    def __post_init__(self) -> None:
        who = self.label
        if not _is_index(self.base):
            raise SettingsError(f"{who} : base invalide ({self.base!r})", setting="bases de départ")
        if not self.days:
            raise SettingsError(
                f"{who} : aucun jour travaillé",
                setting="jours",
                hint="indiquez par exemple lun,mar,mer,jeu,ven",
            )
        bad = [d for d in self.days if d not in config.WORKING_DAYS]
        if bad:
            raise SettingsError(
                f"{who} : jour inconnu ou non travaillé « {bad[0]} »",
                setting="jours",
                hint="jours possibles : " + ", ".join(config.WORKING_DAYS),
            )
        if len(self.window) != 2:
            raise SettingsError(
                f"{who} : la plage horaire doit avoir un début et une fin", setting="plage horaire"
            )
        start, end = self.window_minutes
        if end <= start:
            raise SettingsError(
                f"{who} : la fin de journée ({self.window[1]}) précède le début ({self.window[0]})",
                setting="plage horaire",
            )
        if self.max_drive_minutes is not None and not _positive(self.max_drive_minutes):
            raise SettingsError(
                f"{who} : limite de conduite quotidienne invalide ({self.max_drive_minutes} min)",
                setting="conduite maximale",
                hint="donnez un nombre de minutes positif, ou aucune limite",
            )

    @property
    def label(self) -> str:
        """The advisor in messages: ``conseiller « Anna »`` or ``conseiller``."""
        return f"conseiller « {self.name} »" if self.name else "conseiller"

    @cached_property
    def window_minutes(self) -> tuple[int, int]:
        """The daily window in minutes since midnight."""
        start, end = self.window
        return (
            _clock_minutes(start, self.label, "plage horaire"),
            _clock_minutes(end, self.label, "plage horaire"),
        )

    @property
    def working_days(self) -> tuple[str, ...]:
        """The working days, once each, in week order."""
        return tuple(d for d in config.WORKING_DAYS if d in self.days)


@dataclass(frozen=True)
class Stop:
    """A place where a permanence may be held.

    Parameters
    ----------
    index
        Row/column of the place in the travel matrices.
    name
        Label of the place.
    key
        Caller's identifier (e.g. a ``site_id``), copied to the plan.
    minutes
        Permanence length, minutes.
    frequency
        ``"weekly"``, ``"fortnightly"`` or ``"fourweekly"`` (every 1, 2 or 4 weeks).
    hours
        Host's weekly opening hours (:mod:`planner.data.hours` structure), ``None`` if unknown
        (a ``NaN`` read from a table counts as unknown): the advisors' whole window.
    hours_known
        Whether ``hours`` are the host's own (``False``: defaults of its kind, « horaires
        à confirmer »); default: whether ``hours`` is given.
    demand
        Demand served by a visit (the prize of optional stops), ``>= 0``.
    required
        Whether the stop must be visited at its frequency.
    week_offset
        The week of its period in which the stop is held (0-based: ``0`` = weeks 1, 3, 5…
        of a fortnightly stop, ``1`` = weeks 2, 4…), ``None`` to let the plan choose. A
        locked stop of the current tour keeps its weeks this way.

    Raises
    ------
    SettingsError
        When a field is impossible (permanence length, frequency, demand, opening hours).
    """

    index: int
    name: str = ""
    key: str = ""
    minutes: float = field(default_factory=lambda: config.DEFAULT_STOP_MINUTES)
    frequency: str = "weekly"
    hours: WeeklyHours | None = None
    demand: float = 1.0
    required: bool = False
    hours_known: bool | None = None
    week_offset: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.hours, float) and math.isnan(self.hours):
            object.__setattr__(self, "hours", None)
        if self.hours_known is None:
            object.__setattr__(self, "hours_known", self.hours is not None)
        what = self.label
        if not _is_index(self.index):
            raise SettingsError(f"{what} : lieu invalide ({self.index!r})", setting="arrêts")
        if not _positive(self.minutes):
            raise SettingsError(
                f"{what} : durée de permanence invalide ({self.minutes} min)",
                setting="durée de permanence",
            )
        if self.frequency not in FREQUENCIES:
            raise SettingsError(
                f"{what} : fréquence inconnue « {self.frequency} »",
                setting="fréquence",
                hint=FREQUENCY_HINT,
            )
        period = FREQUENCIES[self.frequency]
        if self.week_offset is not None and not (_is_index(self.week_offset) and self.week_offset < period):
            raise SettingsError(
                f"{what} : semaine du cycle invalide ({self.week_offset!r}) pour une période de "
                f"{fr.plural(period, 'semaine')}",
                setting="semaines",
                hint=f"un décalage entier de 0 à {period - 1} (0 : semaines 1, {1 + period}…), ou aucun",
            )
        try:
            demand = float(self.demand)
        except (TypeError, ValueError):
            demand = math.nan
        if not (math.isfinite(demand) and demand >= 0):
            raise SettingsError(f"{what} : demande invalide ({self.demand})", setting="demande")
        self._check_hours()

    def _check_hours(self) -> None:
        what, setting = self.label, "horaires d'ouverture"
        if self.hours is None:
            return
        if not isinstance(self.hours, dict):
            raise SettingsError(
                f"{what} : horaires d'ouverture illisibles ({type(self.hours).__name__})",
                setting=setting,
                hint="utilisez la structure de planner.data.hours (jour → plages HH:MM)",
            )
        for day, spans in self.hours.items():
            if day not in DAYS:
                raise SettingsError(f"{what} : jour d'ouverture inconnu « {day} »", setting=setting)
            for span in spans:
                opens, closes = (_clock_minutes(t, what, setting) for t in span)
                if closes <= opens:
                    raise SettingsError(
                        f"{what} : plage d'ouverture vide {span[0]}–{span[1]}", setting=setting
                    )

    @property
    def label(self) -> str:
        """The stop in messages: ``arrêt « Corte »`` or ``arrêt``."""
        return f"arrêt « {self.name} »" if self.name else "arrêt"


@dataclass(frozen=True)
class Lunch:
    """The advisor's lunch break: at least ``minutes`` inside ``window``, no work meanwhile.

    Parameters
    ----------
    window
        ``("HH:MM", "HH:MM")`` inside which the break is taken (default
        :data:`planner.config.DEFAULT_LUNCH`).
    minutes
        Shortest break, minutes (default :data:`planner.config.DEFAULT_LUNCH_MINUTES`).

    Raises
    ------
    SettingsError
        When the window is not a pair of times in order or the break does not fit in it.
    """

    window: tuple[str, str] = field(default_factory=lambda: config.DEFAULT_LUNCH)
    minutes: float = field(default_factory=lambda: config.DEFAULT_LUNCH_MINUTES)

    def __post_init__(self) -> None:
        if len(self.window) != 2:
            raise SettingsError("la pause déjeuner doit avoir un début et une fin",
                                setting=LUNCH_SETTING, hint="par exemple 12:00-13:30")
        start, end = self.window_minutes
        if end <= start:
            raise SettingsError(
                f"la fin de la pause déjeuner ({self.window[1]}) précède son début ({self.window[0]})",
                setting=LUNCH_SETTING, hint="par exemple 12:00-13:30",
            )
        if not _positive(self.minutes) or float(self.minutes) > end - start:
            raise SettingsError(
                f"pause déjeuner de {fr.duration(self.minutes)} impossible entre {self.window[0]} et "
                f"{self.window[1]}",
                setting=LUNCH_MINUTES_SETTING,
                hint=f"un nombre de minutes positif, au plus {end - start}",
            )

    @cached_property
    def window_minutes(self) -> tuple[int, int]:
        """The lunch window in minutes since midnight."""
        return (
            _clock_minutes(self.window[0], "pause déjeuner", LUNCH_SETTING),
            _clock_minutes(self.window[1], "pause déjeuner", LUNCH_SETTING),
        )

    def applies(self, advisor: Advisor) -> bool:
        """Whether the advisor's day holds the lunch window (else: a half day, no break)."""
        ws, we = advisor.window_minutes
        ls, le = self.window_minutes
        return ws <= ls and le <= we


def _as_matrix(values: Any, what: str) -> np.ndarray:
    """Square non-negative float matrix with ``inf`` for missing pairs, or raise."""
    setting = f"matrice des {what}"
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            f"la matrice des {what} contient des valeurs non numériques", setting=setting
        ) from exc
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
        raise SettingsError(
            f"la matrice des {what} doit être carrée et non vide, reçu la forme {array.shape}",
            setting=setting,
        )
    if np.any(array < 0):
        raise SettingsError(
            f"la matrice des {what} contient des valeurs négatives", setting=setting
        )
    return np.where(np.isnan(array), np.inf, array)


def numbered_label(item: Advisor | Stop, i: int) -> str:
    """``conseiller n° 2`` for the unnamed third advisor, its label when it has a name."""
    return item.label if item.name else f"{item.label} n° {i + 1}"


def check_inputs(
    advisors: Sequence[Advisor],
    stops: Sequence[Stop],
    durations: Any,
    distances: Any,
    time_limit: float,
    weeks: int | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Check what depends on several inputs; return both matrices and the horizon.

    Parameters
    ----------
    advisors, stops
        The advisors and stops (each already checked its own fields).
    durations, distances
        Square travel-time (seconds) and road-distance (metres) matrices.
    time_limit
        Solver time limit, seconds.
    weeks
        Horizon in weeks (1, 2 or 4), or ``None`` for the longest stop period.

    Returns
    -------
    The durations and distances as float arrays (``inf`` = no road), and the horizon.

    Raises
    ------
    SettingsError
        In French, naming the setting.
    """
    dur = _as_matrix(durations, "temps de trajet")
    dist = _as_matrix(distances, "distances")
    if dist.shape != dur.shape:
        raise SettingsError(
            f"les matrices de temps ({dur.shape[0]} lieux) et de distances ({dist.shape[0]} lieux) "
            "ne couvrent pas les mêmes lieux",
            setting="matrice des distances",
        )
    if not _positive(time_limit):
        raise SettingsError(f"limite de temps invalide : {time_limit} s", setting="temps de calcul")
    if not advisors:
        raise SettingsError(
            "aucun conseiller",
            setting="nombre de conseillers",
            hint="indiquez au moins un conseiller",
        )
    if not stops:
        raise SettingsError(
            "aucun arrêt à planifier",
            setting="nombre d'arrêts",
            hint="choisissez au moins un arrêt",
        )
    n = dur.shape[0]
    for i, a in enumerate(advisors):
        if a.base >= n:
            raise SettingsError(
                f"{numbered_label(a, i)} : la base ({a.base}) n'est pas dans la matrice des temps "
                f"de trajet ({n} lieux)",
                setting="bases",
                hint="choisissez une base située dans le territoire",
            )
    longest = max(e - s for s, e in (a.window_minutes for a in advisors))
    for i, s in enumerate(stops):
        what = numbered_label(s, i)
        if s.index >= n:
            raise SettingsError(
                f"{what} : le lieu ({s.index}) n'est pas dans la matrice des temps de trajet "
                f"({n} lieux)",
                setting="arrêts",
            )
        if s.minutes > longest:
            raise SettingsError(
                f"{what} : la permanence ({fr.duration(s.minutes)}) est plus longue que la "
                f"journée de travail la plus longue ({fr.duration(longest)})",
                setting="durée de permanence",
                hint="raccourcissez la permanence ou allongez la plage horaire des conseillers",
            )
    shortest = min(float(s.minutes) for s in stops)
    for i, a in enumerate(advisors):
        start, end = a.window_minutes
        if end - start < shortest:
            raise SettingsError(
                f"{numbered_label(a, i)} : la journée {a.window[0]}–{a.window[1]} "
                f"({fr.duration(end - start)}) est plus courte qu'une permanence "
                f"({fr.duration(shortest)})",
                setting="plage horaire",
                hint="allongez la plage horaire ou raccourcissez les permanences",
            )
    needed = max(FREQUENCIES[s.frequency] for s in stops)
    if weeks is None:
        weeks = needed
    periods = {FREQUENCIES[s.frequency] for s in stops}
    if weeks not in (1, 2, 4) or any(weeks % p for p in periods):
        raise SettingsError(
            f"horizon de {weeks} semaine(s) impossible"
            + (f" : un arrêt a lieu toutes les {needed} semaines" if weeks < needed else ""),
            setting="semaines",
            hint="1, 2 ou 4 semaines, un multiple de la période de chaque arrêt",
        )
    return dur, dist, weeks

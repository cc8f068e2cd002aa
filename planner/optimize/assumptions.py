"""The assumptions of the operating-mode comparison, checked where they are made.

Defaults are read from :mod:`planner.config` when an object is made (the stop length,
time limit and seed are the plan's). Simplifications, on purpose (see
:mod:`planner.optimize.modes`): presence hours of the fixed, embedded and shared modes
are the advisors' working hours (``weekly_hours / len(days)`` a day) within the hosts'
opening hours (a place open 15 h a week holds 15 h of presence, whatever the advisor's
35 h); the itinerant permanences' daily window is that same working day from
``day_start``, driving included, inside the hosts' hours.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from planner import fr
from planner.data.hours import minutes
from planner.errors import SettingsError
from planner.optimize.settings import (
    as_tuples,
    check_days,
    check_networks,
    finite,
    from_config,
    whole,
)

#: French label of each assumption (field name → label), for the app's form.
ASSUMPTION_LABELS: dict[str, str] = {
    "weekly_hours": "Heures de travail par conseiller et par semaine",
    "days": "Jours travaillés",
    "day_start": "Début de journée",
    "stop_minutes": "Durée d'une permanence itinérante (min)",
    "stops_per_advisor": "Arrêts choisis par conseiller itinérant",
    "itinerant_bases": "Bases des conseillers itinérants",
    "shared_days": "Jours par semaine dans les structures partenaires (mode partagé)",
    "shared_reach_minutes": "Trajet maximal de la base aux structures partenaires (min)",
    "min_open_hours": "Ouverture minimale d'un lieu fixe ou intégré (h par semaine)",
    "covering_networks": "Réseaux dont les sites existants couvrent déjà",
    "fixed_networks": "Réseaux des sites du mode fixe",
    "establishment_networks": "Réseaux des établissements du mode partagé",
    "partner_networks": "Réseaux des structures partenaires",
    "routing_time_limit_s": "Temps de calcul des tournées (s)",
    "seed": "Graine des tournées",
}
#: The ``planner compare`` option of each assumption that has one.
_OPTIONS: dict[str, str] = {
    "weekly_hours": "--weekly-hours",
    "days": "--days",
    "stop_minutes": "--stop-minutes",
    "itinerant_bases": "--bases",
    "shared_days": "--shared-days",
    "shared_reach_minutes": "--shared-reach",
    "covering_networks": "--networks",
    "routing_time_limit_s": "--time-limit",
    "seed": "--seed",
}


def setting(name: str) -> str:
    """The assumption ``name`` as the user sees it: its label, and its CLI option if any."""
    option = _OPTIONS.get(name)
    return ASSUMPTION_LABELS[name] + (f" ({option})" if option else "")


@dataclass(frozen=True)
class ModeAssumptions:
    """Every assumption of the comparison, adjustable (``dataclasses.replace``).

    Parameters
    ----------
    weekly_hours
        Paid hours per advisor and week.
    days
        Working days (``lun`` .. ``sam``); the working day lasts ``weekly_hours / len(days)``.
    day_start
        Start of the working day, ``HH:MM``; the itinerant advisors' daily window is
        ``day_start`` .. ``day_start + daily hours``.
    stop_minutes
        Length of an itinerant permanence (minutes); a shared partner day must hold
        at least that much presence after the round trip.
    stops_per_advisor
        Stops chosen per itinerant advisor (the routes keep those that fit).
    itinerant_bases
        Itinerant advisors' bases (INSEE codes or ``site_id``); default: the most
        populous commune of each of the most populous EPCIs, one per advisor.
    shared_days
        Days a week a shared advisor spends in partner structures.
    shared_reach_minutes
        Partner structures of a shared advisor lie within this drive of its base.
    min_open_hours
        Fixed and embedded advisors go to hosts open at least this many hours a week on
        the working days (all hosts when none is); presence never exceeds a host's hours.
    covering_networks
        Networks whose existing sites count as already covering.
    fixed_networks
        Networks whose existing sites host the fixed advisors (La Poste).
    establishment_networks
        Networks whose establishments are the shared advisors' bases (Croix-Rouge).
    partner_networks
        Networks of the partner structures (shared days and embedded advisors).
    routing_time_limit_s
        Time limit of the itinerant routes' solver (seconds).
    seed
        Seed of the itinerant routes' solver.

    Raises
    ------
    SettingsError
        For an impossible value, in French, naming the assumption.
    """

    weekly_hours: float = from_config("WEEKLY_HOURS")
    days: tuple[str, ...] = from_config("DEFAULT_DAYS")
    day_start: str = from_config("DAY_START")
    stop_minutes: float = from_config("DEFAULT_STOP_MINUTES")
    stops_per_advisor: int = from_config("STOPS_PER_ADVISOR")
    itinerant_bases: tuple[str, ...] = ()
    shared_days: int = from_config("SHARED_DAYS")
    shared_reach_minutes: float = from_config("SHARED_REACH_MIN")
    min_open_hours: float = from_config("MIN_OPEN_HOURS")
    covering_networks: tuple[str, ...] = from_config("HELP_NETWORKS")
    fixed_networks: tuple[str, ...] = from_config("FIXED_NETWORKS")
    establishment_networks: tuple[str, ...] = from_config("ESTABLISHMENT_NETWORKS")
    partner_networks: tuple[str, ...] = from_config("PARTNER_NETWORKS")
    routing_time_limit_s: float = from_config("ROUTING_TIME_LIMIT_S")
    seed: int = from_config("DEFAULT_SEED")

    def __post_init__(self) -> None:
        as_tuples(self)
        _check(self)

    @property
    def daily_minutes(self) -> float:
        """Length of a working day, minutes (``weekly_hours / len(days)``)."""
        return self.weekly_hours * 60.0 / len(self.days)

    @property
    def window(self) -> tuple[str, str]:
        """The itinerant advisors' daily window ``(HH:MM, HH:MM)``."""
        start = minutes(self.day_start)
        return (fr.clock(start), fr.clock(start + math.floor(self.daily_minutes)))

    @staticmethod
    def labels() -> dict[str, str]:
        """French label of each assumption (field name → label), for the app."""
        return dict(ASSUMPTION_LABELS)

    def as_dict(self) -> dict[str, Any]:
        """The assumptions as JSON-ready plain data (field names as keys)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def _check(a: ModeAssumptions) -> None:
    """Refuse impossible assumptions, in French, naming the assumption."""

    def fail(name: str, message: str, hint: str | None = None) -> None:
        raise SettingsError(message, setting=setting(name), hint=hint)

    if not (finite(a.weekly_hours) and 0 < float(a.weekly_hours) <= 6 * 24):
        fail("weekly_hours", f"valeur invalide ({a.weekly_hours})", "donnez un nombre d'heures positif, 35 par défaut")
    check_days(a.days, setting("days"))
    try:
        start = minutes(a.day_start)
    except (AttributeError, ValueError):
        start = -1
    if not 0 <= start < 24 * 60:
        fail("day_start", f"heure invalide « {a.day_start} »", "au format HH:MM, par exemple 09:00")
    if start + a.daily_minutes > 24 * 60:
        fail("weekly_hours", f"{a.weekly_hours:g} h sur {len(a.days)} jour(s) ne tiennent pas "
             f"dans une journée commençant à {a.day_start}")
    if not (finite(a.stop_minutes) and 0 < float(a.stop_minutes) <= a.daily_minutes):
        fail("stop_minutes", f"une permanence de {a.stop_minutes} min ne tient pas dans une journée de "
             f"{fr.duration(a.daily_minutes)}", "raccourcissez la permanence ou allongez la journée")
    if not whole(a.stops_per_advisor) or a.stops_per_advisor < 1:
        fail("stops_per_advisor", f"valeur invalide ({a.stops_per_advisor})", "au moins 1")
    if not whole(a.shared_days) or not 0 <= a.shared_days <= len(a.days):
        fail("shared_days", f"{a.shared_days} jour(s) pour {len(a.days)} jour(s) travaillé(s)",
             f"entre 0 et {len(a.days)}")
    if not (finite(a.shared_reach_minutes) and float(a.shared_reach_minutes) > 0):
        fail("shared_reach_minutes", f"valeur invalide ({a.shared_reach_minutes})", "un nombre de minutes positif")
    if not (finite(a.min_open_hours) and 0 <= float(a.min_open_hours) <= 7 * 24):
        fail("min_open_hours", f"valeur invalide ({a.min_open_hours})", "un nombre d'heures entre 0 et 168")
    check_networks(a.covering_networks, setting("covering_networks"))
    for name in ("fixed_networks", "establishment_networks", "partner_networks"):
        check_networks(getattr(a, name), setting(name), empty=True)
    if not (finite(a.routing_time_limit_s) and float(a.routing_time_limit_s) > 0):
        fail("routing_time_limit_s", f"valeur invalide ({a.routing_time_limit_s})", "un nombre de secondes positif")
    if not whole(a.seed):
        fail("seed", f"valeur invalide ({a.seed})", "un entier")

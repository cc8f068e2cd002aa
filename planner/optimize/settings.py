"""What a coordinator sets for a plan, checked where it is made, and the coverage check.

:class:`PlanSettings` refuses an impossible value at construction
(:class:`planner.errors.SettingsError`, the setting named as the user sees it);
:func:`check_coverage` refuses a coverage computed with other settings than the plan's
or the comparison's. Defaults are read from :mod:`planner.config` when a settings
object is made.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from planner import config, fr
from planner.access.coverage import Coverage
from planner.access.demand import DemandModel
from planner.data.hours import minutes, parse_osm
from planner.data.schema import NETWORKS
from planner.errors import SettingsError
from planner.optimize.routing_input import FREQUENCIES, FREQUENCY_HINT, Lunch
from planner.territory import Territory

#: A progress callback: called with the fraction done and a French message.
Progress = Callable[[float, str], None]

#: Each plan setting as the user sees it: the Itinérance form's label (the app shows the part
#: before the parenthesis), then the CLI option.
PLAN_SETTINGS: dict[str, str] = {
    "advisors": "nombre de conseillers (--advisors)",
    "bases": "bases de départ (--bases)",
    "days": "jours travaillés (--days)",
    "window": "début et fin de journée (--window)",
    "max_drive_minutes": "conduite maximale par jour (--max-drive)",
    "stops": "nombre d'arrêts (--stops)",
    "stop_minutes": "durée d'une permanence (--stop-minutes)",
    "frequency": "fréquence (--frequency)",
    "threshold": "seuil d'accès (--threshold)",
    "networks": "réseaux comptés comme aide (--networks)",
    "candidate_networks": "réseaux des lieux candidats",
    "chosen_stops": "arrêts choisis à la main",
    "time_limit": "temps de calcul des tournées (--time-limit)",
    "seed": "graine de reproductibilité (--seed)",
    "demand_model": "modèle de demande",
    "lunch": "pause déjeuner (--lunch)",
    "lunch_minutes": "durée minimale de la pause déjeuner (--lunch-min)",
    "default_hours": "horaires par défaut des lieux (--default-hours)",
}
#: The territory, as the user sees it (for :func:`check_coverage`).
TERRITORY_SETTING = "territoire (--territory)"


def from_config(name: str) -> Any:
    """A dataclass field whose default is ``planner.config.<name>``, read at construction."""
    return field(default_factory=lambda: getattr(config, name))


@dataclass(frozen=True)
class PlanSettings:
    """Everything a coordinator sets for a plan; checked at construction.

    Parameters
    ----------
    advisors
        Number of itinerant advisors.
    bases
        One base for all or one per advisor: INSEE codes (the town hall) or ``site_id``;
        empty: the most populous commune.
    days, window
        Working days (``lun`` .. ``sam``) and daily window ``(HH:MM, HH:MM)``.
    max_drive_minutes
        Driving limit per advisor-day (None: none).
    stops
        Stops to choose by maximal covering (ignored with ``chosen_stops``).
    stop_minutes
        Length of a permanence, minutes.
    frequency
        ``weekly``, ``fortnightly`` or ``fourweekly``: the cycle is 1, 2 or 4 weeks, the
        stops spread evenly over it.
    threshold
        Access threshold ``T``, minutes.
    networks
        Networks whose existing sites already cover.
    candidate_networks
        Networks whose sites may host a permanence.
    chosen_stops
        Stops chosen by hand (``site_id``), instead of the maximal covering.
    time_limit, seed
        Routing solver's time limit (seconds) and seed.
    demand_model
        Demand weights of the coverage (None: the default when the plan computes it,
        any when a coverage is given).
    lunch, lunch_minutes
        The advisors' lunch window ``(HH:MM, HH:MM)`` and shortest break, minutes (None or
        ``()``: no break).
    default_hours
        OSM ``opening_hours`` by site kind or network (``{"mairie": "Mo-Fr 09:00-12:00"}``)
        over :data:`planner.config.DEFAULT_HOST_HOURS`, for hosts without known hours.

    Raises
    ------
    SettingsError
        For an impossible value, in French, naming the setting.
    """

    advisors: int = from_config("DEFAULT_ADVISORS")
    bases: tuple[str, ...] = ()
    days: tuple[str, ...] = from_config("DEFAULT_DAYS")
    window: tuple[str, str] = from_config("DEFAULT_WINDOW")
    max_drive_minutes: float | None = None
    stops: int = from_config("DEFAULT_STOPS")
    stop_minutes: float = from_config("DEFAULT_STOP_MINUTES")
    frequency: str = "weekly"
    threshold: float = from_config("DEFAULT_THRESHOLD_MIN")
    networks: tuple[str, ...] = from_config("HELP_NETWORKS")
    candidate_networks: tuple[str, ...] = from_config("CANDIDATE_NETWORKS")
    chosen_stops: tuple[str, ...] = ()
    time_limit: float = from_config("ROUTING_TIME_LIMIT_S")
    seed: int = from_config("DEFAULT_SEED")
    demand_model: DemandModel | None = None
    lunch: tuple[str, str] | None = from_config("DEFAULT_LUNCH")
    lunch_minutes: float = from_config("DEFAULT_LUNCH_MINUTES")
    default_hours: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.default_hours, dict):
            object.__setattr__(self, "default_hours", tuple(sorted(self.default_hours.items())))
        if isinstance(self.lunch, str):
            object.__setattr__(self, "lunch", tuple(self.lunch.replace("–", "-").split("-", 1)))
        as_tuples(self)
        _check_plan(self)
        _check_hours_settings(self)

    @property
    def lunch_break(self) -> Lunch | None:
        """The lunch break of the routes (None: none)."""
        return Lunch(tuple(self.lunch), float(self.lunch_minutes)) if self.lunch else None  # type: ignore[arg-type]

    @property
    def host_hours(self) -> dict[str, str]:
        """Default hours by kind or network set for this plan (over the config's)."""
        return dict(self.default_hours)


def as_tuples(settings: Any) -> None:
    """Turn the lists (from JSON, a form) and comma-separated text of tuple fields into tuples."""
    for f in fields(settings):
        value = getattr(settings, f.name)
        if not str(f.type).startswith("tuple"):
            continue
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, (list, set, frozenset)):
            object.__setattr__(settings, f.name, tuple(value))


def finite(value: Any) -> bool:
    """Whether ``value`` is a finite number."""
    if isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def whole(value: Any) -> bool:
    """Whether ``value`` is an integer (``bool`` is not)."""
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def check_days(days: tuple[str, ...], setting: str) -> None:
    """Refuse no working day, an unknown day or a repeated day."""
    if not days:
        raise SettingsError("aucun jour travaillé", setting=setting,
                            hint="choisissez au moins un jour parmi lun..sam")
    bad = [d for d in days if d not in config.WORKING_DAYS]
    if bad:
        raise SettingsError(f"jour inconnu : « {', '.join(map(str, bad))} »", setting=setting,
                            hint="jours possibles : " + ", ".join(config.WORKING_DAYS))
    if len(set(days)) != len(days):
        raise SettingsError("jour répété", setting=setting)


def check_networks(networks: Iterable[str], setting: str, *, empty: bool = False) -> None:
    """Refuse an unknown network (and no network at all unless ``empty``)."""
    networks = list(networks)
    unknown = [n for n in networks if n not in NETWORKS]
    if unknown:
        raise SettingsError(f"réseau inconnu : « {unknown[0]} »", setting=setting,
                            hint="réseaux possibles : " + ", ".join(NETWORKS))
    if not networks and not empty:
        raise SettingsError("aucun réseau", setting=setting, hint="choisissez au moins un réseau")


def _check_plan(s: PlanSettings) -> None:
    """Refuse impossible plan settings, in French, before any solver runs."""
    label = PLAN_SETTINGS
    if not whole(s.advisors) or s.advisors < 1:
        raise SettingsError("il faut au moins un conseiller", setting=label["advisors"])
    check_days(s.days, label["days"])
    if len(s.bases) not in (0, 1, s.advisors):
        raise SettingsError(f"{len(s.bases)} bases pour {s.advisors} conseillers", setting=label["bases"],
                            hint="donnez une base commune à tous ou une base par conseiller")
    if not whole(s.stops) or (s.stops < 1 and not s.chosen_stops):
        raise SettingsError("il faut au moins un arrêt", setting=label["stops"])
    if not (finite(s.stop_minutes) and s.stop_minutes > 0):
        raise SettingsError(f"durée de permanence invalide : {s.stop_minutes} min", setting=label["stop_minutes"],
                            hint="donnez une durée positive, en minutes")
    if s.frequency not in FREQUENCIES:
        raise SettingsError(f"fréquence inconnue « {s.frequency} »", setting=label["frequency"],
                            hint=FREQUENCY_HINT)
    try:
        start, end = (minutes(t) for t in s.window)
    except (AttributeError, TypeError, ValueError):
        start = end = -1
    if len(s.window) != 2 or not 0 <= start < end <= 24 * 60:
        raise SettingsError(f"plage horaire invalide : « {'-'.join(map(str, s.window))} »", setting=label["window"],
                            hint="au format HH:MM-HH:MM, par exemple 09:00-17:00")
    # The routing layer's rule: a day holds a permanence when it is at least as long.
    if end - start < s.stop_minutes:
        raise SettingsError(
            f"la journée {s.window[0]}–{s.window[1]} ({fr.duration(end - start)}) est plus "
            f"courte qu'une permanence ({fr.duration(s.stop_minutes)})",
            setting=label["window"], hint="allongez la plage horaire ou raccourcissez les permanences",
        )
    if s.max_drive_minutes is not None and not (finite(s.max_drive_minutes) and s.max_drive_minutes > 0):
        raise SettingsError(f"conduite maximale invalide : {s.max_drive_minutes} min",
                            setting=label["max_drive_minutes"], hint="un nombre de minutes positif")
    if not (finite(s.threshold) and s.threshold > 0):
        raise SettingsError(f"seuil invalide : {s.threshold} min", setting=label["threshold"],
                            hint="un nombre de minutes positif")
    check_networks(s.networks, label["networks"])
    check_networks(s.candidate_networks, label["candidate_networks"])
    if not (finite(s.time_limit) and s.time_limit > 0):
        raise SettingsError(f"temps de calcul invalide : {s.time_limit} s", setting=label["time_limit"],
                            hint="un nombre de secondes positif")
    if not whole(s.seed):
        raise SettingsError(f"graine invalide : {s.seed!r}", setting=label["seed"], hint="un entier")


def check_coverage(
    coverage: Coverage,
    territory: Territory,
    threshold: float,
    networks: Iterable[str],
    demand_model: DemandModel | None = None,
    *,
    networks_setting: str = PLAN_SETTINGS["networks"],
) -> None:
    """Refuse a coverage computed for another territory, threshold, networks or demand model.

    Parameters
    ----------
    coverage
        The coverage handed to the plan or the comparison.
    territory, threshold, networks
        What the plan or comparison is computed for.
    demand_model
        The demand model it asks for (None: any).
    networks_setting
        The networks setting as the user sees it.

    Raises
    ------
    SettingsError
        Naming the first setting that differs, in French.
    """
    networks = list(networks)
    head = "la couverture fournie ne correspond pas"
    if set(coverage.territory.insee) != set(territory.insee):
        raise SettingsError(f"{head} au territoire (« {coverage.territory.spec} » au lieu de « {territory.spec} »)",
                            setting=TERRITORY_SETTING, hint="calculez-la sur le même territoire")
    if not math.isclose(float(coverage.threshold), float(threshold)):
        raise SettingsError(
            f"{head} au seuil ({fr.duration(coverage.threshold)} au lieu de {fr.duration(threshold)})",
            setting=PLAN_SETTINGS["threshold"], hint=f"calculez-la avec le seuil {threshold:g} min",
        )
    if set(coverage.networks) != set(networks):
        raise SettingsError(f"{head} aux réseaux qui couvrent déjà", setting=networks_setting,
                            hint="calculez-la avec les réseaux " + ", ".join(networks))
    if demand_model is not None and coverage.demand_model != demand_model:
        raise SettingsError(f"{head} au modèle de demande", setting=PLAN_SETTINGS["demand_model"],
                            hint="calculez-la avec le même modèle de demande")


def check_stop_choice(settings: PlanSettings, hosts: int, *, manual: bool = False) -> None:
    """Refuse a manual choice without any stop, or more stops than the territory has hosts.

    Parameters
    ----------
    settings
        The plan settings.
    hosts
        Number of places of the territory that may host a permanence.
    manual
        Whether the user chose to pick the stops by hand.

    Raises
    ------
    SettingsError
        Naming the stops setting as the user sees it, in French.
    """
    if manual and not settings.chosen_stops:
        raise SettingsError("aucun arrêt choisi à la main", setting=PLAN_SETTINGS["chosen_stops"],
                            hint="choisissez au moins un lieu dans la liste, ou laissez l'outil choisir les arrêts")
    if hosts < 1:
        raise SettingsError("le territoire n'a aucun lieu pouvant accueillir une permanence",
                            setting=PLAN_SETTINGS["candidate_networks"],
                            hint="choisissez un territoire plus large (mairies, France Services, La Poste…)")
    if not settings.chosen_stops and settings.stops > hosts:
        raise SettingsError(
            f"{fr.plural(settings.stops, 'arrêt demandé', 'arrêts demandés')} mais le territoire n'a que "
            f"{fr.plural(hosts, 'lieu pouvant', 'lieux pouvant')} accueillir une permanence",
            setting=PLAN_SETTINGS["stops"], hint=f"choisissez {fr.integer(hosts)} arrêts au plus",
        )


def _check_hours_settings(s: PlanSettings) -> None:
    """Refuse an impossible lunch break or default hours, naming the setting."""
    label = PLAN_SETTINGS
    if s.lunch:
        if not (finite(s.lunch_minutes) and s.lunch_minutes > 0):
            raise SettingsError(f"durée de pause invalide : {fr.number(s.lunch_minutes)} min", setting=label["lunch_minutes"],
                                hint="un nombre de minutes positif, par exemple 45")
        s.lunch_break  # noqa: B018 - Lunch checks itself, naming --lunch / --lunch-min
    pairs = s.default_hours
    if any(not (isinstance(p, tuple) and len(p) == 2) for p in pairs):
        raise SettingsError("horaires par défaut illisibles", setting=label["default_hours"],
                            hint="type de lieu=horaires OSM, par exemple mairie=Mo-Fr 09:00-12:00")
    for kind, text in pairs:
        try:
            parsed = parse_osm(text)
        except ValueError as exc:
            raise SettingsError(f"« {kind} » : {exc}", setting=label["default_hours"],
                                hint="au format OSM, par exemple Mo-Fr 09:00-12:00,14:00-17:00") from None
        if not parsed:
            raise SettingsError(f"« {kind} » : aucun horaire", setting=label["default_hours"],
                                hint="au format OSM, par exemple Mo-Fr 09:00-12:00,14:00-17:00")

"""Operating modes compared: four ways of deploying the same advisors on a territory.

The four networks studied deploy their advisors differently. For the same territory,
the same number of advisors and the same weekly hours, :func:`compare_modes` models

``fixed`` (La Poste)
    each advisor receives the public all week at one existing La Poste site of the
    territory; the sites are chosen by maximal covering
    (:class:`planner.siting.MaximalCovering`) of the demand still beyond ``T``
    minutes of the existing help sites (locked in). No driving.
``itinerant`` (Emmaüs Connect)
    advisors tour stops from their bases: :func:`planner.plan.make_plan` (stops by
    maximal covering, weekly routes with PyVRP inside the hosts' opening hours).
    Presence = the permanences held; driving = the tours.
``shared`` (Croix-Rouge)
    each advisor is based at an establishment of the network (inside the territory
    or within its buffer) and spends ``shared_days`` days a week in partner
    structures (town halls, France Services, partners) within
    ``shared_reach_minutes`` of the base. Bases are chosen by maximal covering of
    the uncovered demand within that reach (where the partner days can draw from);
    then, advisor by advisor, the partners by maximal covering among those within
    reach, existing sites, bases and partners already chosen locked in. A partner
    day holds presence for the working day minus the round trip; driving = those
    round trips.
``embedded`` (Groupe SOS)
    each advisor is placed permanently in a partner structure (town halls, France
    Services, partners), chosen by maximal covering. No driving.

Figures (one row per mode, see :data:`COLUMN_LABELS`)
-----------------------------------------------------
A mode's *presence places* are the sites where its advisors receive the public,
each with its weekly presence hours ``h_p``; ``d_p`` is the demand within ``T`` of
place ``p`` (every demand point within ``T``, already covered by an existing site
or not: anyone within reach may come).

* ``demand_new``: demand brought within ``T`` by the mode, i.e. within ``T`` of a
  presence place and not of an existing site of the covering networks — the figure
  shown in the chart; ``demand_covered`` = existing coverage + ``demand_new`` (the
  total, shown in the table), ``covered_share`` its share of all demand.
* ``demand_reached``: demand within ``T`` of at least one presence place.
* ``presence_hours``: ``Σ h_p`` per week (at most advisors × weekly hours).
* ``weighted_presence_hours``: ``Σ h_p d_p / Σ d_p``, the weekly presence hours of
  a place weighted by the demand it serves (how many hours a week the place
  serving a typical person is staffed); 0 when the places serve no demand.
* ``demand_hours``: ``Σ h_p d_p`` (the same, not normalised: breadth × depth).
* ``drive_hours``: driving per week.
* ``demand_per_advisor_hour``: ``demand_reached`` over the advisors' paid hours
  (advisors × weekly hours).

Every assumption sits in :class:`ModeAssumptions` (French labels by
:meth:`ModeAssumptions.labels`). Simplifications, on purpose:

* presence hours of the fixed, embedded and shared modes are the advisors' working
  hours (``weekly_hours / len(days)`` a day); host opening hours only constrain
  the itinerant permanences (the routing layer models them), whose daily window is
  that same working day from ``day_start``, driving included;
* commuting to a fixed place or a base is not counted as driving, in any mode;
* a shared partner must leave at least one permanence (``stop_minutes``) after the
  round trip; the partners are chosen advisor by advisor (greedy over advisors,
  exact for each), and an advisor short of partners spends the other days at base.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner import hours as _hours
from planner.coverage import Coverage, compute_coverage
from planner.plan import SITING_TIME_LIMIT_S, PlanSettings, make_plan
from planner.routing import WORKING_DAYS, format_minutes
from planner.schema import HELP_NETWORKS, NETWORKS, DataError
from planner.settings import DEFAULT_THRESHOLD_MIN
from planner.siting import MaximalCovering
from planner.territory import Territory
from planner.travel import TravelModel, model_for

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Mode:
    """One operating mode: its key, French label and description, and reference network."""

    key: str
    label: str
    network: str
    description: str

    @property
    def colour(self) -> str:
        """Map colour of the reference network (:data:`planner.schema.NETWORKS`)."""
        return NETWORKS[self.network][1]


#: The four modes, in display order.
MODES: dict[str, Mode] = {
    m.key: m
    for m in (
        Mode(
            "fixed",
            "Fixe",
            "la_poste",
            "chaque conseiller reçoit toute la semaine dans un site existant de La Poste",
        ),
        Mode(
            "itinerant",
            "Itinérant",
            "emmaus_connect",
            "les conseillers tiennent des permanences en tournée depuis leur base",
        ),
        Mode(
            "shared",
            "Partagé",
            "croix_rouge",
            "chaque conseiller est basé dans un établissement de la Croix-Rouge et passe une "
            "partie de la semaine dans des structures partenaires proches",
        ),
        Mode(
            "embedded",
            "Intégré",
            "groupe_sos",
            "chaque conseiller est installé à demeure dans une structure partenaire "
            "(mairie, France Services, partenaire)",
        ),
    )
}

#: French labels of the comparison columns (``{T}`` = the threshold in minutes).
COLUMN_LABELS: dict[str, str] = {
    "mode": "Code du mode",
    "label": "Mode de fonctionnement",
    "network": "Réseau de référence",
    "advisors": "Conseillers",
    "places": "Lieux de présence",
    "demand_new": "Demande nouvellement à moins de {T} min",
    "demand_covered": "Demande à moins de {T} min (avec les sites existants)",
    "covered_share": "Part de la demande à moins de {T} min",
    "demand_reached": "Demande à moins de {T} min d'un lieu de présence",
    "presence_hours": "Heures de présence par semaine",
    "weighted_presence_hours": "Heures de présence pondérées par la demande servie",
    "demand_hours": "Heures de présence × demande servie",
    "drive_hours": "Heures de conduite par semaine",
    "advisor_hours": "Heures de travail des conseillers par semaine",
    "demand_per_advisor_hour": "Demande servie par heure de conseiller",
    "note": "Remarque",
}

#: Figures drawn by :func:`chart`, in order, with their (short) French panel titles.
CHART_COLUMNS: dict[str, str] = {
    "demand_new": "Demande nouvellement à moins de {T} min",
    "weighted_presence_hours": "Présence pondérée par la demande (h/sem.)",
    "drive_hours": "Conduite (h/sem.)",
    "demand_per_advisor_hour": "Demande servie par heure de conseiller",
}

_DEFAULT_PARTNERS = ("town_hall", "france_services", "emmaus_connect", "groupe_sos", "reconnect")


@dataclass(frozen=True)
class ModeAssumptions:
    """Every assumption of the comparison, adjustable (``dataclasses.replace``).

    Parameters
    ----------
    weekly_hours
        Paid hours per advisor and week (35).
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
        Days a week a shared advisor spends in partner structures (2).
    shared_reach_minutes
        Partner structures of a shared advisor lie within this drive of its base (45).
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
    """

    weekly_hours: float = 35.0
    days: tuple[str, ...] = ("lun", "mar", "mer", "jeu", "ven")
    day_start: str = "09:00"
    stop_minutes: float = 180.0
    stops_per_advisor: int = 5
    itinerant_bases: tuple[str, ...] = ()
    shared_days: int = 2
    shared_reach_minutes: float = 45.0
    covering_networks: tuple[str, ...] = HELP_NETWORKS
    fixed_networks: tuple[str, ...] = ("la_poste",)
    establishment_networks: tuple[str, ...] = ("croix_rouge",)
    partner_networks: tuple[str, ...] = _DEFAULT_PARTNERS
    routing_time_limit_s: float = 10.0
    seed: int = 1

    def __post_init__(self) -> None:
        # Lists (e.g. from JSON) and comma-separated text become tuples.
        for name in _TUPLE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if isinstance(value, (list, set, frozenset)):
                object.__setattr__(self, name, tuple(value))
        self._validate()

    # -- derived ---------------------------------------------------------

    @property
    def daily_minutes(self) -> float:
        """Length of a working day, minutes (``weekly_hours / len(days)``)."""
        return self.weekly_hours * 60.0 / len(self.days)

    @property
    def window(self) -> tuple[str, str]:
        """The itinerant advisors' daily window ``(HH:MM, HH:MM)``."""
        start = _hours.minutes(self.day_start)
        end = start + math.floor(self.daily_minutes)
        return (f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}")

    # -- labels ----------------------------------------------------------

    @staticmethod
    def labels() -> dict[str, str]:
        """French label of each assumption (field name → label), for the app."""
        return {
            "weekly_hours": "Heures de travail par conseiller et par semaine",
            "days": "Jours travaillés",
            "day_start": "Début de journée",
            "stop_minutes": "Durée d'une permanence itinérante (min)",
            "stops_per_advisor": "Arrêts choisis par conseiller itinérant",
            "itinerant_bases": "Bases des conseillers itinérants",
            "shared_days": "Jours par semaine dans les structures partenaires (mode partagé)",
            "shared_reach_minutes": "Trajet maximal de la base aux structures partenaires (min)",
            "covering_networks": "Réseaux dont les sites existants couvrent déjà",
            "fixed_networks": "Réseaux des sites du mode fixe",
            "establishment_networks": "Réseaux des établissements du mode partagé",
            "partner_networks": "Réseaux des structures partenaires",
            "routing_time_limit_s": "Temps de calcul des tournées (s)",
            "seed": "Graine des tournées",
        }

    def as_dict(self) -> dict[str, Any]:
        """The assumptions as JSON-ready plain data (field names as keys)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def as_frame(self) -> pd.DataFrame:
        """The assumptions as a French table (``Hypothèse``, ``Valeur``), for the app."""
        rows = []
        for name, label in self.labels().items():
            value = getattr(self, name)
            if name == "days":
                text = ", ".join(_hours.DAY_LABELS[d] for d in value)
            elif name.endswith("networks"):
                text = ", ".join(NETWORKS[n][0] for n in value)
            elif name == "itinerant_bases":
                text = ", ".join(value) or "communes les plus peuplées (une par EPCI)"
            else:
                text = f"{value:g}" if isinstance(value, float) else str(value)
            rows.append({"Hypothèse": label, "Valeur": text})
        return pd.DataFrame(rows, columns=["Hypothèse", "Valeur"])

    # -- validation ------------------------------------------------------

    def _validate(self) -> None:
        def fail(name: str, message: str, hint: str | None = None) -> None:
            raise DataError(message, column=self.labels()[name], hint=hint)

        if not (_finite(self.weekly_hours) and 0 < float(self.weekly_hours) <= 6 * 24):
            fail(
                "weekly_hours",
                f"valeur invalide ({self.weekly_hours})",
                "donnez un nombre d'heures positif, 35 par défaut",
            )
        if not self.days:
            fail("days", "aucun jour travaillé", "choisissez au moins un jour parmi lun..sam")
        bad = [d for d in self.days if d not in WORKING_DAYS]
        if bad:
            fail(
                "days", f"jour inconnu « {bad[0]} »", "jours possibles : " + ", ".join(WORKING_DAYS)
            )
        if len(set(self.days)) != len(self.days):
            fail("days", "jour répété")
        try:
            start = _hours.minutes(self.day_start)
        except (AttributeError, ValueError):
            start = -1
        if not 0 <= start < 24 * 60:
            fail(
                "day_start",
                f"heure invalide « {self.day_start} »",
                "au format HH:MM, par exemple 09:00",
            )
        if start + self.daily_minutes > 24 * 60:
            fail(
                "weekly_hours",
                f"{self.weekly_hours:g} h sur {len(self.days)} jour(s) ne tiennent pas "
                f"dans une journée commençant à {self.day_start}",
            )
        if not (_finite(self.stop_minutes) and 0 < float(self.stop_minutes) <= self.daily_minutes):
            fail(
                "stop_minutes",
                f"une permanence de {self.stop_minutes} min ne tient pas dans une journée de "
                f"{format_minutes(self.daily_minutes)}",
                "raccourcissez la permanence ou allongez la journée",
            )
        if _not_int(self.stops_per_advisor) or self.stops_per_advisor < 1:
            fail("stops_per_advisor", f"valeur invalide ({self.stops_per_advisor})", "au moins 1")
        if _not_int(self.shared_days) or not 0 <= self.shared_days <= len(self.days):
            fail(
                "shared_days",
                f"{self.shared_days} jour(s) pour {len(self.days)} jour(s) travaillé(s)",
                f"entre 0 et {len(self.days)}",
            )
        if not (_finite(self.shared_reach_minutes) and float(self.shared_reach_minutes) > 0):
            fail(
                "shared_reach_minutes",
                f"valeur invalide ({self.shared_reach_minutes})",
                "un nombre de minutes positif",
            )
        for name in (
            "covering_networks",
            "fixed_networks",
            "establishment_networks",
            "partner_networks",
        ):
            unknown = [n for n in getattr(self, name) if n not in NETWORKS]
            if unknown:
                fail(
                    name,
                    f"réseau inconnu « {unknown[0]} »",
                    "réseaux possibles : " + ", ".join(NETWORKS),
                )
        if not self.covering_networks:
            fail("covering_networks", "aucun réseau", "choisissez au moins un réseau")
        if not (_finite(self.routing_time_limit_s) and float(self.routing_time_limit_s) > 0):
            fail(
                "routing_time_limit_s",
                f"valeur invalide ({self.routing_time_limit_s})",
                "un nombre de secondes positif",
            )
        if _not_int(self.seed):
            fail("seed", f"valeur invalide ({self.seed})", "un entier")


_TUPLE_FIELDS = tuple(f.name for f in fields(ModeAssumptions) if str(f.type).startswith("tuple"))


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _not_int(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, (int, np.integer))


# --------------------------------------------------------------------------- context


@dataclass
class _Context:
    """What every mode shares: demand, existing coverage, hosts and their reach."""

    territory: Territory
    coverage: Coverage
    assumptions: ModeAssumptions
    threshold: float
    travel: TravelModel
    sites: gpd.GeoDataFrame | None
    hosts: gpd.GeoDataFrame  # candidate places (canonical rows), one per site_id
    weights: np.ndarray  # demand per point
    already: np.ndarray  # within T of an existing covering site
    reach: np.ndarray = field(repr=False)  # points × hosts, within T

    def columns(self, networks: Iterable[str], inside_only: bool = True) -> np.ndarray:
        """Host columns of the given networks (inside the territory unless told)."""
        keep = self.hosts["network"].isin(list(networks)).to_numpy()
        if inside_only:
            keep = keep & self.hosts["inside"].to_numpy(dtype=bool)
        return np.flatnonzero(keep)


@dataclass
class _Deployment:
    """A mode's presence places (host columns, weekly hours) and weekly driving."""

    columns: list[int]
    hours: list[float]
    drive_hours: float = 0.0
    notes: list[str] = field(default_factory=list)


def _cover_choice(ctx: _Context, columns: np.ndarray, k: int, locked: np.ndarray) -> list[int]:
    """Choose ``k`` host columns by maximal covering, ``locked`` rows already covered."""
    columns = np.asarray(columns, dtype=np.int64)
    k = min(int(k), columns.size)
    if k <= 0:
        return []
    cover = sp.hstack(
        [sp.csc_matrix(ctx.reach[:, columns]), sp.csc_matrix(locked[:, None])]
    ).tocsc()
    model = MaximalCovering.from_coverage(
        cover, ctx.weights, k, candidates=np.arange(columns.size), locked=[columns.size]
    ).solve(SITING_TIME_LIMIT_S)
    if not model.proven_optimal:
        log.warning("couverture maximale non prouvée optimale : %s", model.status_text)
    return [int(c) for c in columns[model.selected]]


def _stationed(ctx: _Context, networks: Iterable[str], advisors: int, what: str) -> _Deployment:
    """Fixed or embedded: each advisor all week at one host chosen by maximal covering."""
    a = ctx.assumptions
    columns = ctx.columns(networks)
    chosen = _cover_choice(ctx, columns, advisors, ctx.already)
    if not chosen:
        return _Deployment([], [], 0.0, [f"aucun {what} dans le territoire"])
    count = [
        advisors // len(chosen) + (1 if i < advisors % len(chosen) else 0)
        for i in range(len(chosen))
    ]
    notes = (
        []
        if len(chosen) == advisors
        else [f"{len(chosen)} {what}(s) seulement : plusieurs conseillers par lieu"]
    )
    return _Deployment(chosen, [n * a.weekly_hours for n in count], 0.0, notes)


def _fixed(ctx: _Context, advisors: int) -> _Deployment:
    return _stationed(ctx, ctx.assumptions.fixed_networks, advisors, "site d'accueil")


def _embedded(ctx: _Context, advisors: int) -> _Deployment:
    return _stationed(ctx, ctx.assumptions.partner_networks, advisors, "structure partenaire")


def _shared(ctx: _Context, advisors: int) -> _Deployment:
    """Bases at establishments, ``shared_days`` partner days within reach of each base."""
    a = ctx.assumptions
    reach_min = float(a.shared_reach_minutes)
    establishments = ctx.columns(a.establishment_networks, inside_only=False)
    if establishments.size == 0:
        return _Deployment(
            [], [], 0.0, ["aucun établissement du réseau dans le territoire ni à proximité"]
        )
    points = ctx.coverage.points
    k = min(advisors, establishments.size)
    near = ctx.travel.matrix(points, ctx.hosts.iloc[establishments], max_minutes=reach_min).minutes
    unmet = np.where(ctx.already, 0.0, ctx.weights)
    model = MaximalCovering.from_cost_matrix(near, unmet, reach_min, k).solve(SITING_TIME_LIMIT_S)
    bases = [int(b) for b in establishments[model.selected]]
    base_of = [bases[i % len(bases)] for i in range(advisors)]

    partners = np.setdiff1d(ctx.columns(a.partner_networks), bases)
    if partners.size:
        base_rows = ctx.hosts.iloc[bases]
        part_rows = ctx.hosts.iloc[partners]
        out = ctx.travel.matrix(base_rows, part_rows, max_minutes=reach_min).minutes
        back = ctx.travel.matrix(part_rows, base_rows).minutes.T
    at_base = len(a.days) > a.shared_days  # the bases are presence places only then
    covered = ctx.already | (ctx.reach[:, bases].any(axis=1) if at_base else False)
    used: set[int] = set()
    place_hours: dict[int, float] = {}
    drive = 0.0
    short = 0
    for i in range(advisors):
        b = base_of[i]
        days_out = 0
        if a.shared_days and partners.size:
            j = bases.index(b)
            trip = out[j] + back[j]
            ok = (out[j] <= reach_min) & (
                np.ceil(out[j]) + np.ceil(back[j]) + a.stop_minutes <= a.daily_minutes
            )
            ok &= ~np.isin(partners, list(used))
            chosen = _cover_choice(ctx, partners[ok], a.shared_days, covered)
            for c in chosen:
                t = float(trip[np.flatnonzero(partners == c)[0]])
                place_hours[c] = place_hours.get(c, 0.0) + (a.daily_minutes - t) / 60
                drive += t / 60
                used.add(c)
                covered = covered | ctx.reach[:, c]
            days_out = len(chosen)
        if days_out < a.shared_days:
            short += 1
        place_hours[b] = place_hours.get(b, 0.0) + (len(a.days) - days_out) * a.daily_minutes / 60
    notes = []
    if short:
        notes.append(
            f"{short} conseiller(s) sans assez de structures partenaires à moins de "
            f"{format_minutes(reach_min)} de leur base : jours restants à la base"
        )
    if len(bases) < advisors:
        notes.append(f"{len(bases)} établissement(s) seulement : plusieurs conseillers par base")
    ordered = [c for c in bases + [c for c in place_hours if c not in bases] if place_hours[c] > 0]
    return _Deployment(ordered, [place_hours[c] for c in ordered], drive, notes)


def _itinerant(ctx: _Context, advisors: int) -> _Deployment:
    """Tours from the bases, by :func:`planner.plan.make_plan`."""
    a = ctx.assumptions
    settings = PlanSettings(
        advisors=advisors,
        bases=tuple(a.itinerant_bases) or default_bases(ctx.territory, advisors),
        days=tuple(a.days),
        window=a.window,
        stops=a.stops_per_advisor * advisors,
        stop_minutes=float(a.stop_minutes),
        threshold=ctx.threshold,
        networks=tuple(a.covering_networks),
        time_limit=float(a.routing_time_limit_s),
        seed=int(a.seed),
    )
    result = make_plan(
        ctx.territory, settings, coverage=ctx.coverage, sites=ctx.sites, travel=ctx.travel
    )
    weeks = result.routes.weeks
    index = {s: i for i, s in enumerate(ctx.hosts["site_id"])}
    place_hours: dict[int, float] = {}
    for v in result.routes.visits:
        c = index[v.key]
        place_hours[c] = place_hours.get(c, 0.0) + (v.end_s - v.start_s) / 3600 / weeks
    notes = []
    if result.routes.unvisited:
        left = len(result.routes.unvisited)
        notes.append(f"{left} arrêt(s) choisi(s) non tenu(s) faute de temps ou d'accès")
    cols = list(place_hours)
    return _Deployment(
        cols, [place_hours[c] for c in cols], result.routes.drive_minutes / 60 / weeks, notes
    )


_BUILDERS: dict[str, Callable[[_Context, int], _Deployment]] = {
    "fixed": _fixed,
    "itinerant": _itinerant,
    "shared": _shared,
    "embedded": _embedded,
}


def default_bases(territory: Territory, advisors: int) -> tuple[str, ...]:
    """Default itinerant bases: the most populous commune of each of the most populous EPCIs.

    Parameters
    ----------
    territory
        The territory.
    advisors
        Number of advisors (one base each; cycles when there are fewer EPCIs).

    Returns
    -------
    INSEE codes, one per advisor.
    """
    communes = territory.communes.assign(
        _group=territory.communes["epci"].fillna(territory.communes["insee"])
    )
    communes = communes.sort_values(["population", "insee"], ascending=[False, True])
    heads = communes.drop_duplicates("_group")["insee"].tolist()
    return tuple(heads[i % len(heads)] for i in range(advisors))


# --------------------------------------------------------------------------- public API


def compare_modes(
    territory: Territory,
    advisors: int = 4,
    assumptions: ModeAssumptions = ModeAssumptions(),
    threshold: float = DEFAULT_THRESHOLD_MIN,
    coverage: Coverage | None = None,
    progress: Progress | None = None,
    *,
    modes: Iterable[str] = tuple(MODES),
    sites: gpd.GeoDataFrame | None = None,
    travel: TravelModel | None = None,
) -> pd.DataFrame:
    """Compare the operating modes for the same territory, advisors and hours.

    Parameters
    ----------
    territory
        The territory (:func:`planner.territory.select`).
    advisors
        Number of advisors of every mode.
    assumptions
        The assumptions (:class:`ModeAssumptions`).
    threshold
        Access threshold ``T``, minutes.
    coverage
        Coverage by the existing sites, if already computed with
        ``assumptions.covering_networks`` and ``threshold``.
    progress
        Called with a fraction done and a French message.
    modes
        The modes to compute (keys of :data:`MODES`), default all four.
    sites
        All sites (canonical table) to use instead of the loaded ones.
    travel
        Travel model (default: the territory's).

    Returns
    -------
    One row per mode (English column names, French labels in :data:`COLUMN_LABELS`,
    see :func:`french`), the figures described in the module notes, ``note`` (French)
    and ``hosts`` (the presence places: ``site_id``, ``name``, ``network``, ``insee``,
    ``hours``, ``demand_served``, ``lon``, ``lat``). ``frame.attrs`` holds the
    territory, threshold, advisors, travel method, total and existing demand, and
    the assumptions (see :func:`summary`).

    Raises
    ------
    DataError
        For impossible settings, in French, before any solver runs.
    """
    report = progress or (lambda _f, _m: None)
    if _not_int(advisors) or advisors < 1:
        raise DataError(
            f"nombre de conseillers invalide : {advisors!r}", column="advisors", hint="au moins 1"
        )
    if not (_finite(threshold) and float(threshold) > 0):
        raise DataError(
            f"seuil invalide : {threshold!r} min",
            column="threshold",
            hint="un nombre de minutes positif",
        )
    if not isinstance(assumptions, ModeAssumptions):
        raise DataError("hypothèses invalides", hint="utilisez planner.strategies.ModeAssumptions")
    modes = list(dict.fromkeys(modes))
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise DataError(
            f"mode inconnu : « {unknown[0] if unknown else ''} »",
            column="modes",
            hint="modes possibles : " + ", ".join(MODES),
        )
    threshold = float(threshold)
    mismatch = coverage is not None and (
        not math.isclose(coverage.threshold, threshold)
        or set(coverage.networks) != set(assumptions.covering_networks)
    )
    if mismatch:
        raise DataError(
            "la couverture fournie ne correspond pas au seuil ou aux réseaux qui couvrent déjà",
            hint=f"calculez-la avec le seuil {threshold:g} min et les réseaux "
            + ", ".join(assumptions.covering_networks),
        )
    if "itinerant" in modes:
        # Refuse bad bases before any solver runs (make_plan checks them again).
        bases = tuple(assumptions.itinerant_bases)
        if len(bases) not in (0, 1, advisors):
            raise DataError(
                f"{len(bases)} bases pour {advisors} conseillers",
                column=ModeAssumptions.labels()["itinerant_bases"],
                hint="donnez une base commune à tous ou une base par conseiller",
            )
    all_sites = territory.sites() if sites is None else territory.select_sites(sites)
    _check_bases(territory, all_sites, assumptions, modes)
    travel = travel or model_for(territory)
    if coverage is None:
        report(0.02, "Couverture actuelle…")
        coverage = compute_coverage(
            territory, assumptions.covering_networks, threshold, sites=sites, travel=travel
        )
    report(0.15, "Temps d'accès aux lieux d'accueil possibles…")
    keep = (
        all_sites["inside"].to_numpy(dtype=bool)
        | all_sites["network"].isin(list(assumptions.establishment_networks)).to_numpy()
    )
    hosts = all_sites[keep].drop_duplicates("site_id").reset_index(drop=True)
    points = coverage.points
    weights = points["demand"].fillna(0).to_numpy(dtype=float)
    reach = (
        travel.matrix(points, hosts, max_minutes=threshold).minutes <= threshold
        if len(hosts)
        else np.zeros((len(points), 0), dtype=bool)
    )
    ctx = _Context(
        territory,
        coverage,
        assumptions,
        threshold,
        travel,
        sites,
        hosts,
        weights,
        coverage.within(),
        reach,
    )
    rows = []
    for i, key in enumerate(modes):
        report(0.2 + 0.75 * i / len(modes), f"Mode {MODES[key].label.lower()}…")
        deployment = _BUILDERS[key](ctx, advisors)
        rows.append(_figures(ctx, key, deployment, advisors))
    frame = pd.DataFrame(rows, columns=[*COLUMN_LABELS, "hosts"])
    frame.attrs.update(
        territory=territory.spec,
        label=territory.label,
        method=coverage.method,
        threshold_min=threshold,
        advisors=int(advisors),
        demand_total=float(weights.sum()),
        demand_existing=float(weights[ctx.already].sum()),
        assumptions=assumptions.as_dict(),
    )
    report(1.0, "Comparaison prête")
    return frame


def _check_bases(
    territory: Territory, sites: gpd.GeoDataFrame, a: ModeAssumptions, modes: list[str]
) -> None:
    """Refuse unknown itinerant bases before any solver runs."""
    if "itinerant" not in modes:
        return
    codes = set(territory.communes["insee"])
    inside = set(sites.loc[sites["inside"].to_numpy(dtype=bool), "site_id"])
    for token in a.itinerant_bases:
        if str(token).strip().upper() not in codes and str(token).strip() not in inside:
            raise DataError(
                f"base inconnue ou hors du territoire : « {token} »",
                column=ModeAssumptions.labels()["itinerant_bases"],
                hint="donnez le code INSEE d'une commune du territoire ou l'identifiant d'un site",
            )


def _figures(ctx: _Context, key: str, dep: _Deployment, advisors: int) -> dict[str, Any]:
    """The comparison row of one mode."""
    mode = MODES[key]
    w = ctx.weights
    cols = np.asarray(dep.columns, dtype=np.int64)
    h = np.asarray(dep.hours, dtype=float)
    reach = ctx.reach[:, cols]
    served = reach.any(axis=1) if cols.size else np.zeros(len(w), dtype=bool)
    d_p = w @ reach if cols.size else np.zeros(0)
    advisor_hours = advisors * float(ctx.assumptions.weekly_hours)
    total = float(w.sum())
    new = float(w[served & ~ctx.already].sum())
    covered = float(w[served | ctx.already].sum())
    reached = float(w[served].sum())
    hosts = []
    for c, hours, d in zip(cols, h, d_p):
        row = ctx.hosts.iloc[int(c)]
        hosts.append(
            {
                "site_id": row["site_id"],
                "name": row["name"],
                "network": row["network"],
                "insee": row["insee"],
                "hours": round(float(hours), 2),
                "demand_served": round(float(d), 1),
                "lon": float(row.geometry.x),
                "lat": float(row.geometry.y),
            }
        )
    return {
        "mode": key,
        "label": mode.label,
        "network": mode.network,
        "advisors": int(advisors),
        "places": int(cols.size),
        "demand_new": new,
        "demand_covered": covered,
        "covered_share": covered / total if total else 0.0,
        "demand_reached": reached,
        "presence_hours": float(h.sum()),
        "weighted_presence_hours": float(h @ d_p / d_p.sum())
        if cols.size and d_p.sum() > 0
        else 0.0,
        "demand_hours": float(h @ d_p) if cols.size else 0.0,
        "drive_hours": float(dep.drive_hours),
        "advisor_hours": advisor_hours,
        "demand_per_advisor_hour": reached / advisor_hours,
        "note": " ; ".join(dep.notes),
        "hosts": hosts,
    }


def french(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the comparison with French column labels and mode names (places list dropped).

    Parameters
    ----------
    frame
        A frame from :func:`compare_modes`.

    Returns
    -------
    The same rows, for display and exports.
    """
    threshold = frame.attrs.get("threshold_min", DEFAULT_THRESHOLD_MIN)
    out = frame.drop(columns=["hosts", "mode"], errors="ignore").copy()
    out["network"] = out["network"].map(lambda n: NETWORKS[n][0])
    return out.rename(columns={k: v.format(T=f"{threshold:g}") for k, v in COLUMN_LABELS.items()})


def summary(frame: pd.DataFrame) -> dict[str, Any]:
    """The ``planner compare --json`` object.

    Parameters
    ----------
    frame
        A frame from :func:`compare_modes`.

    Returns
    -------
    ``{"territory", "label", "method", "advisors", "threshold_min", "demand_total",
    "demand_existing", "assumptions", "modes": [{"mode": "fixed", ...}, ...]}``.
    """
    attrs = frame.attrs
    modes = []
    for row in frame.to_dict("records"):
        item = {}
        for k, v in row.items():
            if isinstance(v, (float, np.floating)):
                item[k] = round(float(v), 4 if k == "covered_share" else 2)
            elif isinstance(v, np.integer):
                item[k] = int(v)
            else:
                item[k] = v
        modes.append(item)
    return {
        "territory": attrs.get("territory"),
        "label": attrs.get("label"),
        "method": attrs.get("method"),
        "advisors": attrs.get("advisors"),
        "threshold_min": attrs.get("threshold_min"),
        "demand_total": round(float(attrs.get("demand_total", math.nan)), 1),
        "demand_existing": round(float(attrs.get("demand_existing", math.nan)), 1),
        "assumptions": attrs.get("assumptions"),
        "modes": modes,
    }


def chart(frame: pd.DataFrame) -> Any:
    """Return an Altair chart of the comparison: one bar panel per figure, network colours.

    Parameters
    ----------
    frame
        A frame from :func:`compare_modes`.

    Returns
    -------
    ``altair.FacetChart`` (``st.altair_chart(chart(frame))`` in the app): the new
    demand within ``T``, the weighted presence hours, the driving hours and the
    demand served per advisor-hour, each mode in its reference network's colour.
    """
    import altair as alt

    threshold = frame.attrs.get("threshold_min", DEFAULT_THRESHOLD_MIN)
    titles = {c: t.format(T=f"{threshold:g}") for c, t in CHART_COLUMNS.items()}
    long = frame.melt(id_vars=["mode", "label"], value_vars=list(CHART_COLUMNS), var_name="figure")
    long["indicateur"] = long["figure"].map(titles)
    long["valeur"] = long["value"].astype(float).round(2)
    domain = [MODES[m].label for m in frame["mode"]]
    colours = [MODES[m].colour for m in frame["mode"]]
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=domain, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("valeur:Q", title=None, axis=alt.Axis(format="~s")),
            color=alt.Color(
                "label:N",
                sort=domain,
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(title="Mode", orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Mode"),
                alt.Tooltip("indicateur:N", title="Indicateur"),
                alt.Tooltip("valeur:Q", title="Valeur", format=",.2f"),
            ],
        )
        .properties(width=170, height=200)
    )
    return bars.facet(
        facet=alt.Facet(
            "indicateur:N",
            title=None,
            sort=[titles[c] for c in CHART_COLUMNS],
            header=alt.Header(labelLimit=260),
        ),
        columns=2,
    ).resolve_scale(y="independent")


def render(data: dict[str, Any]) -> str:
    """Return the :func:`summary` object as French text (for ``planner compare``)."""

    def num(value: float, digits: int = 0) -> str:
        return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")

    t = f"{data['threshold_min']:g}"
    head = f"Territoire : {data['label']} ({data['territory']}) — {data['advisors']} conseiller(s)"
    total, existing = num(data["demand_total"]), num(data["demand_existing"])
    lines = [
        f"{head}, seuil {t} min",
        f"Demande totale : {total} — à moins de {t} min d'un site existant : {existing}",
    ]
    for m in data["modes"]:
        text = (
            f"{m['label']} ({NETWORKS[m['network']][0]}) : +{num(m['demand_new'])} demande "
            f"à moins de {t} min (total {num(100 * m['covered_share'], 1)} %), "
            f"{m['places']} lieu(x), {num(m['presence_hours'], 1)} h de présence "
            f"(pondérée : {num(m['weighted_presence_hours'], 1)} h), "
            f"{num(m['drive_hours'], 1)} h de conduite par semaine, "
            f"{num(m['demand_per_advisor_hour'], 1)} demande servie par heure de conseiller"
        )
        lines.append(text + (f" — {m['note']}" if m["note"] else ""))
    return "\n".join(lines)

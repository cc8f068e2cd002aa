"""Operating modes compared: four ways of deploying the same advisors on a territory.

The four networks studied deploy their advisors differently. For the same territory,
the same number of advisors and the same weekly hours, :func:`compare_modes` models
(builders in :mod:`planner.optimize.deployments`, assumptions in
:class:`planner.optimize.assumptions.ModeAssumptions`)

``fixed`` (La Poste)
    each advisor receives the public all week at one existing La Poste site of the
    territory; the sites are chosen by maximal covering
    (:class:`planner.optimize.siting.MaximalCovering`) of the demand still beyond ``T``
    minutes of the existing help sites (locked in). No driving.
``itinerant`` (Emmaüs Connect)
    advisors tour stops from their bases: :func:`planner.optimize.plan.make_plan` (stops by
    maximal covering, weekly routes with PyVRP inside the hosts' opening hours).
    Presence = the permanences held; driving = the tours.
``shared`` (Croix-Rouge)
    each advisor is based at an establishment of the network (inside the territory
    or within its buffer) and spends ``shared_days`` days a week in partner
    structures (town halls, France Services, partners) within
    ``shared_reach_minutes`` of the base. Presence = the working days at base and
    at the partners; driving = the partner days' round trips.
``embedded`` (Groupe SOS)
    each advisor is placed permanently in a partner structure (town halls, France
    Services, partners), chosen by maximal covering. No driving.

Figures (one row per mode, :data:`COLUMNS`)
-------------------------------------------
A mode's *presence places* are the sites where its advisors receive the public,
each with its weekly presence hours ``h_p``; ``d_p`` is the demand within ``T`` of
place ``p`` (every demand point within ``T``, already covered by an existing site
or not: anyone within reach may come).

* ``demand_new``: demand brought within ``T`` by the mode, i.e. within ``T`` of a
  presence place and not of an existing site of the covering networks;
  ``demand_covered`` = existing coverage + ``demand_new``, ``covered_share`` its
  share of all demand.
* ``demand_reached``: demand within ``T`` of at least one presence place.
* ``presence_hours``: ``Σ h_p`` per week (at most advisors × weekly hours).
* ``weighted_presence_hours``: ``Σ h_p d_p / Σ d_p``, the weekly presence hours of
  a place weighted by the demand it serves; 0 when the places serve no demand.
* ``demand_hours``: ``Σ h_p d_p`` (the same, not normalised: breadth × depth).
* ``drive_hours``: driving per week.
* ``demand_per_advisor_hour``: ``demand_reached`` over the advisors' paid hours.
* ``hours_per_place``: ``presence_hours / places``, how long each place is open a week.

Served demand (« demande servie », :mod:`planner.access.capacity`): a place serves at
most ``h_p × rate × weeks`` people a year (``capacity``); ``demand_served`` is the
demand the mode's places serve alone, allocated exactly under their capacity;
``served_added`` what they add to the existing sites' service (the existing sites and
the mode's places together, less the existing sites alone). Every mode has the same
paid hours (advisors × weekly hours): served demand compares them on equal terms.

French labels, text and the chart are in :mod:`planner.outputs.text.modes` and
:mod:`planner.outputs.charts`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner import config, fr
from planner.access.capacity import allocate, people_per_year
from planner.access.coverage import Coverage, compute_coverage
from planner.access.demand import DemandModel
from planner.data.hours import with_host_hours
from planner.data.schema import NETWORKS
from planner.errors import SettingsError
from planner.optimize.assumptions import ModeAssumptions, setting
from planner.optimize.deployments import BUILDERS, Context, Deployment, open_hours
from planner.optimize.settings import PLAN_SETTINGS, Progress, check_coverage, finite, whole
from planner.territory import Territory
from planner.travel.model import TravelModel, model_for


@dataclass(frozen=True)
class Mode:
    """One operating mode: its key, French label and description, and reference network."""

    key: str
    label: str
    network: str
    description: str

    @property
    def colour(self) -> str:
        """Map colour of the reference network (:data:`planner.data.schema.NETWORKS`)."""
        return NETWORKS[self.network][1]


#: The four modes, in display order.
MODES: dict[str, Mode] = {
    m.key: m
    for m in (
        Mode("fixed", "Fixe", "la_poste", "chaque conseiller reçoit toute la semaine dans un site existant de La Poste"),
        Mode("itinerant", "Itinérant", "emmaus_connect",
             "les conseillers tiennent des permanences en tournée depuis leur base"),
        Mode("shared", "Partagé", "croix_rouge",
             "chaque conseiller est basé dans un établissement de la Croix-Rouge et passe une "
             "partie de la semaine dans des structures partenaires proches"),
        Mode("embedded", "Intégré", "groupe_sos",
             "chaque conseiller est installé à demeure dans une structure partenaire "
             "(mairie, France Services, partenaire)"),
    )
}

#: Columns of :attr:`Comparison.table`, in order (see the module notes).
COLUMNS: tuple[str, ...] = (
    "mode", "label", "network", "advisors", "places", "hours_per_place", "demand_new", "demand_covered",
    "covered_share", "demand_reached", "capacity", "demand_served", "served_added", "presence_hours",
    "weighted_presence_hours", "demand_hours", "drive_hours", "advisor_hours", "demand_per_advisor_hour", "note",
)
#: Columns of :attr:`Comparison.hosts`: the mode, then the presence place (``hours_known``:
#: the host's own hours, else its kind's defaults; ``served``: the demand it serves alone).
HOST_COLUMNS: tuple[str, ...] = (
    "mode", "site_id", "name", "network", "insee", "hours", "hours_known", "demand_reached", "served", "lon", "lat",
)
#: The modes compared, as the user sees the setting.
MODES_SETTING = "modes comparés"


@dataclass
class Comparison:
    """The operating modes compared, and what they were compared on.

    Attributes
    ----------
    table
        One row per mode, :data:`COLUMNS` (English names; ``note`` is French text).
    hosts
        One row per presence place of each mode, :data:`HOST_COLUMNS` (``hours`` a week,
        ``demand_reached`` within ``T``, ``served`` under its capacity).
    territory, coverage, assumptions
        The inputs: the territory, the coverage by existing sites, the assumptions.
    advisors, threshold, networks
        Advisors of every mode, access threshold ``T`` (minutes), covering networks.
    demand_total, demand_existing
        All demand, and the demand within ``T`` of an existing site.
    """

    table: pd.DataFrame
    hosts: pd.DataFrame
    territory: Territory
    coverage: Coverage
    assumptions: ModeAssumptions
    advisors: int
    threshold: float
    networks: tuple[str, ...]
    demand_total: float
    demand_existing: float

    @property
    def method(self) -> str:
        """Travel method of the coverage (``road`` or ``crow_fly``)."""
        return self.coverage.method

    @property
    def modes(self) -> list[str]:
        """The keys of the modes compared, in order."""
        return self.table["mode"].tolist()

    def hosts_of(self, mode: str) -> pd.DataFrame:
        """The presence places of one mode (:data:`HOST_COLUMNS` less ``mode``)."""
        rows = self.hosts[self.hosts["mode"] == mode]
        return rows.drop(columns="mode").reset_index(drop=True)


def compare_modes(
    territory: Territory,
    advisors: int | None = None,
    assumptions: ModeAssumptions | None = None,
    threshold: float | None = None,
    coverage: Coverage | None = None,
    progress: Progress | None = None,
    *,
    modes: Iterable[str] = tuple(MODES),
    sites: gpd.GeoDataFrame | None = None,
    travel: TravelModel | None = None,
    demand_model: DemandModel | None = None,
) -> Comparison:
    """Compare the operating modes for the same territory, advisors and hours.

    Parameters
    ----------
    territory
        The territory (:func:`planner.territory.select`).
    advisors
        Number of advisors of every mode (default :data:`planner.config.MODES_ADVISORS`).
    assumptions
        The assumptions (default :class:`ModeAssumptions`).
    threshold
        Access threshold ``T``, minutes (default :data:`planner.config.DEFAULT_THRESHOLD_MIN`).
    coverage
        Coverage by the existing sites, if already computed for this territory with
        ``assumptions.covering_networks`` and ``threshold``.
    progress
        Called with a fraction done and a French message.
    modes
        The modes to compute (keys of :data:`MODES`), default all four.
    sites
        All sites (canonical table) to use instead of the loaded ones.
    travel
        Travel model (default: the territory's).
    demand_model
        Demand weights (None: the default, or any model of a given coverage).

    Returns
    -------
    Comparison

    Raises
    ------
    SettingsError
        For impossible settings or a coverage computed with others, in French, before
        any solver runs.
    """
    report = progress or (lambda _f, _m: None)
    advisors = config.MODES_ADVISORS if advisors is None else advisors
    assumptions = ModeAssumptions() if assumptions is None else assumptions
    threshold = config.DEFAULT_THRESHOLD_MIN if threshold is None else threshold
    modes = _check_request(advisors, assumptions, threshold, modes)
    threshold = float(threshold)
    if coverage is not None:
        check_coverage(coverage, territory, threshold, assumptions.covering_networks, demand_model,
                       networks_setting=setting("covering_networks"))
    all_sites = territory.sites() if sites is None else territory.select_sites(sites)
    if "itinerant" in modes:
        _check_bases(territory, all_sites, assumptions, advisors)
    travel = travel or model_for(territory)
    if coverage is None:
        report(0.02, "Couverture actuelle…")
        coverage = compute_coverage(territory, assumptions.covering_networks, threshold,
                                    demand_model=demand_model, sites=sites, travel=travel)
    report(0.15, "Temps d'accès aux lieux d'accueil possibles…")
    keep = (
        all_sites["inside"].to_numpy(dtype=bool)
        | all_sites["network"].isin(list(assumptions.establishment_networks)).to_numpy()
    )
    hosts = with_host_hours(all_sites[keep].drop_duplicates("site_id").reset_index(drop=True))
    hours_open, days_open = open_hours(hosts, assumptions.days)
    points = coverage.points
    weights = points["demand"].fillna(0).to_numpy(dtype=float)
    # points × hosts within T: sparse (all of France: 35,000 × 62,000 pairs would take 17 GB dense)
    reach = (
        travel.within(points, hosts, max_minutes=threshold).covers().tocsc()
        if len(hosts)
        else sp.csc_matrix((len(points), 0), dtype=bool)
    )
    ctx = Context(territory, coverage, assumptions, threshold, travel, sites, hosts, weights, coverage.within(),
                  reach, demand_model, hours_open, days_open)
    rows, places = [], []
    for i, key in enumerate(modes):
        report(0.2 + 0.75 * i / len(modes), f"Mode {MODES[key].label.lower()}…")
        deployment = BUILDERS[key](ctx, advisors)
        row, hosted = _figures(ctx, key, deployment, advisors)
        rows.append(row)
        places += hosted
    report(1.0, "Comparaison prête")
    return Comparison(
        table=pd.DataFrame(rows, columns=list(COLUMNS)),
        hosts=pd.DataFrame(places, columns=list(HOST_COLUMNS)),
        territory=territory,
        coverage=coverage,
        assumptions=assumptions,
        advisors=int(advisors),
        threshold=threshold,
        networks=tuple(assumptions.covering_networks),
        demand_total=float(weights.sum()),
        demand_existing=float(weights[ctx.already].sum()),
    )


def _check_request(advisors: Any, assumptions: Any, threshold: Any, modes: Iterable[str]) -> list[str]:
    """Refuse impossible advisors, assumptions, threshold or modes; return the modes, once each."""
    if not whole(advisors) or advisors < 1:
        raise SettingsError(f"nombre de conseillers invalide : {advisors!r}", setting=PLAN_SETTINGS["advisors"],
                            hint="au moins 1")
    if not (finite(threshold) and float(threshold) > 0):
        raise SettingsError(f"seuil invalide : {threshold!r} min", setting=PLAN_SETTINGS["threshold"],
                            hint="un nombre de minutes positif")
    if not isinstance(assumptions, ModeAssumptions):
        raise SettingsError("hypothèses invalides", setting="hypothèses",
                            hint="utilisez planner.optimize.assumptions.ModeAssumptions")
    modes = list(dict.fromkeys(modes))
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise SettingsError(f"mode inconnu : « {unknown[0] if unknown else ''} »", setting=MODES_SETTING,
                            hint="modes possibles : " + ", ".join(MODES))
    return modes


def _check_bases(territory: Territory, sites: gpd.GeoDataFrame, a: ModeAssumptions, advisors: int) -> None:
    """Refuse itinerant bases that make_plan would refuse, before any solver runs."""
    if len(a.itinerant_bases) not in (0, 1, advisors):
        raise SettingsError(f"{len(a.itinerant_bases)} bases pour {advisors} conseillers",
                            setting=setting("itinerant_bases"),
                            hint="donnez une base commune à tous ou une base par conseiller")
    codes = set(territory.communes["insee"])
    inside = set(sites.loc[sites["inside"].to_numpy(dtype=bool), "site_id"])
    for token in a.itinerant_bases:
        if str(token).strip().upper() not in codes and str(token).strip() not in inside:
            raise SettingsError(
                f"base inconnue ou hors du territoire : « {token} »", setting=setting("itinerant_bases"),
                hint="donnez le code INSEE d'une commune du territoire ou l'identifiant d'un site",
            )


def _figures(ctx: Context, key: str, dep: Deployment, advisors: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The comparison row of one mode and its presence places."""
    mode = MODES[key]
    w = ctx.weights
    cols = np.asarray(dep.columns, dtype=np.int64)
    h = np.asarray(dep.hours, dtype=float)
    reach = ctx.reach[:, cols]
    served = np.asarray(reach.sum(axis=1)).reshape(-1) > 0 if cols.size else np.zeros(len(w), dtype=bool)
    d_p = np.asarray(reach.T @ w).reshape(-1) if cols.size else np.zeros(0)
    alone, added = _served(ctx, h, reach)
    advisor_hours = advisors * float(ctx.assumptions.weekly_hours)
    total = float(w.sum())
    covered = float(w[served | ctx.already].sum())
    reached = float(w[served].sum())
    known = ctx.hosts["hours_known"].to_numpy(dtype=bool) if "hours_known" in ctx.hosts else np.ones(len(ctx.hosts), bool)
    hosts = []
    for c, hours, d, s in zip(cols, h, d_p, alone.per_site):
        site = ctx.hosts.iloc[int(c)]
        hosts.append({
            "mode": key, "site_id": site["site_id"], "name": site["name"], "network": site["network"],
            "insee": site["insee"], "hours": round(float(hours), 2), "hours_known": bool(known[int(c)]),
            "demand_reached": round(float(d), 1), "served": round(float(s), 1),
            "lon": float(site.geometry.x), "lat": float(site.geometry.y),
        })  # fmt: skip
    idle = advisor_hours - float(h.sum()) - float(dep.drive_hours)
    notes = [*dep.notes]
    if idle > 0.05:
        notes.append(f"{fr.hours(idle)} payées par semaine sans accueil ni conduite")
    row = {
        "mode": key,
        "label": mode.label,
        "network": mode.network,
        "advisors": int(advisors),
        "places": int(cols.size),
        "hours_per_place": float(h.sum() / cols.size) if cols.size else 0.0,
        "demand_new": float(w[served & ~ctx.already].sum()),
        "demand_covered": covered,
        "covered_share": covered / total if total else 0.0,
        "demand_reached": reached,
        "capacity": float(people_per_year(h.sum(), *_rate(ctx))),
        "demand_served": alone.total,
        "served_added": added,
        "presence_hours": float(h.sum()),
        "weighted_presence_hours": float(h @ d_p / d_p.sum()) if cols.size and d_p.sum() > 0 else 0.0,
        "demand_hours": float(h @ d_p) if cols.size else 0.0,
        "drive_hours": float(dep.drive_hours),
        "advisor_hours": advisor_hours,
        "demand_per_advisor_hour": reached / advisor_hours,
        "note": " ; ".join(notes),
    }
    return row, hosts


def _rate(ctx: Context) -> tuple[float | None, float | None]:
    """People per advisor-hour and weeks a year of the coverage's service (defaults without one)."""
    service = ctx.coverage.service
    return (None, None) if service is None else (service.rate, service.weeks)


def _served(ctx: Context, hours: np.ndarray, reach: sp.spmatrix) -> tuple[Any, float]:
    """The mode's places serving alone, and the demand they add to the existing sites' service."""
    alone = allocate(ctx.weights, people_per_year(hours, *_rate(ctx)), sp.csr_matrix(reach))
    service = ctx.coverage.service
    if service is None:
        return alone, float("nan")
    together = service.with_places(ctx.weights, hours, reach)
    return alone, max(together.total - service.allocation.total, 0.0)

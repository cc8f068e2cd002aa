"""Capacity-aware service: weekly advisor-hours of each site and demand served under them.

A site within reach of a demand point does not help everybody there: it helps at most
``advisor_hours × rate × weeks`` people a year (:func:`people_per_year`), its weekly
advisor-hours from its opening hours, staff and share of time on digital help
(:func:`site_capacity`; an itinerant stop: :func:`stop_capacity`), ``rate`` the people
helped per advisor-hour (:data:`planner.config.PEOPLE_PER_ADVISOR_HOUR`) and ``weeks``
the service weeks a year (:data:`planner.config.SERVICE_WEEKS_PER_YEAR`).
:func:`~planner.access.allocation.allocate` shares the demand among the reachable sites
so that as much as possible is served (« demande servie »), exactly: a
capacity-constrained assignment solved by HiGHS; what is within reach but beyond every
reachable site's capacity is « à portée mais non servie » (AccessMod's « reachable but
not served »).

The default rate, from the published activity of conseillers numériques
(:func:`rate_from_activity`)::

    2,920,045 accompaniments (ANCT activity reports, all départements, 2023-11)
    / 3,925 advisors (validated posts, cnfs_structures_2023-04.csv)
    / (90 service weeks × 35 h)                          = 0.236 → 0.24 per advisor-hour

an estimate: one accompaniment counted as one person helped; the reports' period (from
the first advisors in post, autumn 2021, to 2023-11) is assumed, the file states none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner import config
from planner.access.allocation import Allocation, allocate, pattern
from planner.data import hours
from planner.errors import SettingsError

__all__ = [
    "Allocation",
    "Service",
    "allocate",
    "pattern",
    "people_per_year",
    "rate_from_activity",
    "serve",
    "served_fields",
    "site_capacity",
    "stop_capacity",
    "weekly_hours",
]


def weekly_hours(week: hours.WeeklyHours | None) -> float:
    """Return the hours a week of weekly opening hours (0 for ``None`` or empty)."""
    return sum(hours.minutes(b) - hours.minutes(a) for spans in (week or {}).values() for a, b in spans) / 60


def _by_network(table: Mapping[str, float], networks: pd.Series) -> np.ndarray:
    return networks.map(lambda n: table.get(str(n), table.get("*", 1.0))).to_numpy(dtype=float)


def site_capacity(
    sites: pd.DataFrame,
    *,
    staff: Mapping[str, float] | None = None,
    help_share: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Return the weekly capacity of each site in advisor-hours, and how it was obtained.

    ``advisor_hours = open hours a week × people helping × share of their time on
    digital help``: the site's own opening hours (France Services, permanences of
    conseillers numériques...) else the default hours of its kind
    (:func:`planner.data.hours.default_hours`); its ``advisors`` (conseillers numériques
    of a structure, aidants of an Aidants Connect structure) else
    :data:`planner.config.SITE_STAFF`; the share is :data:`planner.config.SITE_HELP_SHARE`.

    Parameters
    ----------
    sites
        Canonical site table (``network``, ``kind``, ``opening_hours``, ``advisors``).
    staff, help_share
        Per-network overrides of :data:`~planner.config.SITE_STAFF` and
        :data:`~planner.config.SITE_HELP_SHARE` (``"*"``: any other network).

    Returns
    -------
    DataFrame on the sites' index: ``open_hours`` (a week), ``staff``, ``help_share``,
    ``advisor_hours``, ``hours_known`` (the site's own hours), ``staff_known`` (its own count).
    """
    staff = {**config.SITE_STAFF, **(staff or {})}
    share = {**config.SITE_HELP_SHARE, **(help_share or {})}
    opening = sites["opening_hours"] if "opening_hours" in sites else pd.Series(None, index=sites.index, dtype=object)
    kinds = sites["kind"] if "kind" in sites else pd.Series("", index=sites.index)
    known = np.array([isinstance(h, dict) and bool(h) for h in opening], dtype=bool)
    open_hours = np.array([
        weekly_hours(h if ok else hours.default_hours(k, n))
        for h, ok, k, n in zip(opening, known, kinds, sites["network"])
    ], dtype=float)
    advisors = pd.to_numeric(sites["advisors"], errors="coerce") if "advisors" in sites else pd.Series(
        np.nan, index=sites.index)
    staff_known = (advisors > 0).to_numpy()
    people = np.where(staff_known, advisors.to_numpy(dtype=float), _by_network(staff, sites["network"]))
    shares = _by_network(share, sites["network"])
    return pd.DataFrame({
        "open_hours": open_hours, "staff": people, "help_share": shares,
        "advisor_hours": open_hours * people * shares, "hours_known": known, "staff_known": staff_known,
    }, index=sites.index)


def stop_capacity(stop_minutes: np.ndarray | float, visits_per_week: np.ndarray | float) -> np.ndarray:
    """Return the advisor-hours a week of itinerant stops: permanence minutes × visits a week / 60.

    ``visits_per_week``: 1 weekly, 0.5 fortnightly, 0.25 every four weeks (one advisor per visit).
    """
    return np.asarray(stop_minutes, dtype=float) * np.asarray(visits_per_week, dtype=float) / 60


def people_per_year(advisor_hours: np.ndarray | float, rate: float | None = None, weeks: float | None = None) -> np.ndarray:
    """Return the people a year that advisor-hours a week can help.

    ``advisor_hours × rate × weeks``, ``rate`` default
    :data:`planner.config.PEOPLE_PER_ADVISOR_HOUR`, ``weeks`` default
    :data:`planner.config.SERVICE_WEEKS_PER_YEAR`.
    """
    rate = config.PEOPLE_PER_ADVISOR_HOUR if rate is None else rate
    weeks = config.SERVICE_WEEKS_PER_YEAR if weeks is None else weeks
    if not (np.isfinite(rate) and rate > 0):
        raise SettingsError(f"rythme invalide : {rate!r}", setting="personnes aidées par heure de conseiller",
                            hint="donnez un nombre positif (par défaut 0,24)")
    if not (np.isfinite(weeks) and 0 < weeks <= 53):
        raise SettingsError(f"semaines invalides : {weeks!r}", setting="semaines de service par an",
                            hint="donnez un nombre de semaines entre 1 et 53")
    return np.asarray(advisor_hours, dtype=float) * rate * weeks


def rate_from_activity(
    accompaniments: float,
    advisors: float,
    weeks: float | None = None,
    hours_per_week: float | None = None,
) -> float:
    """Return people helped per advisor-hour: ``accompaniments / advisors / (weeks × hours_per_week)``.

    The default of :data:`planner.config.PEOPLE_PER_ADVISOR_HOUR` comes from the national
    figures: 2,920,045 accompaniments (ANCT activity reports, sum over the départements,
    2023-11) / 3,925 advisors (validated posts, 2023-04) / (90 weeks × 35 h) = 0.236.
    ``weeks`` and ``hours_per_week`` default to :data:`planner.config.ACTIVITY_PERIOD_WEEKS`
    and :data:`planner.config.ACTIVITY_HOURS_PER_WEEK`.
    """
    weeks = config.ACTIVITY_PERIOD_WEEKS if weeks is None else weeks
    hours_per_week = config.ACTIVITY_HOURS_PER_WEEK if hours_per_week is None else hours_per_week
    return float(accompaniments) / float(advisors) / (float(weeks) * float(hours_per_week))


@dataclass(frozen=True)
class Service:
    """Demand served by a set of sites under their capacity (what :func:`serve` returns).

    Attributes
    ----------
    allocation
        The allocation over all the sites.
    capacity
        :func:`site_capacity` of the sites plus ``capacity`` (people a year) and ``served``.
    by_network
        Demand served when each network's sites alone are counted (same capacities).
    rate, weeks
        People helped per advisor-hour and service weeks a year used.
    pairs
        Travel minutes of the reachable (point, site) pairs the allocation used.
    """

    allocation: Allocation
    capacity: pd.DataFrame
    by_network: dict[str, float]
    rate: float
    weeks: float
    pairs: sp.csr_matrix

    def with_places(self, demand: np.ndarray, advisor_hours: np.ndarray, reach: sp.spmatrix) -> Allocation:
        """Allocate demand to these sites plus new places (columns after the sites').

        Parameters
        ----------
        demand
            Demand of each point (the same points).
        advisor_hours
            Weekly advisor-hours of each new place (:func:`stop_capacity` for a stop).
        reach
            Points × new places: the reachable pairs (boolean or minutes).

        Returns
        -------
        The allocation over ``[sites..., places...]``: ``per_site[len(sites):]`` are the
        places' (together, exactly the demand they add: the existing sites serve first);
        ``total - allocation.total`` is the demand the places add (``minutes_mean`` is left
        meaningless: the tie-break is by kind of place, not by travel time).
        """
        extra = people_per_year(np.asarray(advisor_hours, dtype=float), self.rate, self.weeks)
        cap = np.r_[self.capacity["capacity"].to_numpy(dtype=float), extra]
        pairs = sp.hstack([pattern(self.pairs), pattern(reach)]).tocsr()
        # At the maximum served, people go to the existing sites first, so a place's flow
        # is what it adds to their service.
        new = (pairs.indices >= len(self.capacity)).astype(float)
        return allocate(demand, cap, pairs, sp.csr_matrix((new, pairs.indices, pairs.indptr), pairs.shape))


def serve(
    demand: np.ndarray,
    sites: pd.DataFrame,
    pairs: sp.csr_matrix,
    *,
    rate: float | None = None,
    weeks: float | None = None,
) -> Service:
    """Serve demand points from sites under the sites' yearly capacity.

    Parameters
    ----------
    demand
        Demand of each point (people in digital difficulty).
    sites
        Canonical site table, in the order of ``pairs``' columns.
    pairs
        Travel minutes of the reachable (point, site) pairs (``SparseTravel.minutes``).
    rate, weeks
        People per advisor-hour and service weeks a year (see :func:`people_per_year`).

    Returns
    -------
    Service
    """
    rate = config.PEOPLE_PER_ADVISOR_HOUR if rate is None else float(rate)
    weeks = config.SERVICE_WEEKS_PER_YEAR if weeks is None else float(weeks)
    table = site_capacity(sites)
    table["capacity"] = people_per_year(table["advisor_hours"].to_numpy(), rate, weeks)
    cap = table["capacity"].to_numpy()
    result = allocate(demand, cap, pairs, pairs)
    table["served"] = result.per_site
    networks = sites["network"].to_numpy()
    by_network = {}
    for network in pd.unique(networks):
        cols = np.flatnonzero(networks == network)
        by_network[str(network)] = allocate(demand, cap[cols], pairs[:, cols], pairs[:, cols]).total
    return Service(result, table, by_network, rate, weeks, sp.csr_matrix(pairs))


#: How the allocation was solved (:attr:`Allocation.method`), as the summary says it.
_METHODS = {
    "direct": "allocation exacte sous capacité (aucun lieu saturé : chacun au lieu le plus proche)",
    "lp": "allocation exacte sous capacité (programme linéaire, HiGHS ; lieux les plus proches d'abord)",
    "max_flow": "allocation exacte sous capacité (flot maximal ; même total, sans préférence de proximité)",
}


def served_fields(service: Service | None) -> dict[str, object]:
    """The served-demand fields of a JSON summary (``planner coverage --json``);
    ``served_demand`` is None for a coverage built without service."""
    if service is None:
        return {"served_demand": None}
    a, table = service.allocation, service.capacity
    return {
        "served_demand": round(a.total, 1),
        "unserved_reachable_demand": round(a.unserved_reachable, 1),
        "served_demand_by_network": {n: round(v, 1) for n, v in service.by_network.items()},
        "capacity": {
            "people_per_advisor_hour": service.rate,
            "service_weeks_per_year": service.weeks,
            "advisor_hours_per_week": round(float(table["advisor_hours"].sum()), 1),
            "people_per_year": round(float(table["capacity"].sum()), 1),
            "sites": len(table),
            "sites_hours_known": int(table["hours_known"].sum()),
            "sites_staff_known": int(table["staff_known"].sum()),
            "method": _METHODS[service.allocation.method],
        },
    }

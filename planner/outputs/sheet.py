"""The « Fiche territoire »: one commune or EPCI at a glance, for elected officials.

:func:`territory_sheet` gathers, from a computed :class:`~planner.access.coverage.Coverage`,
who covers the place, the time to the nearest help per network, its fragility, its
underserved-zone membership and the nearest permanences with their hours. Its French
texts are in :mod:`planner.outputs.sheet_text`; it renders as one printable HTML page or
a PDF (:mod:`planner.outputs.sheet_render`).

Nothing is recomputed here but lookups and sums; the population-weighted fragility is
:func:`planner.access.stats.weighted_fragility`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.access.coverage import Coverage
from planner.access.demand import BASE_RATE
from planner.access.stats import weighted_fragility
from planner.data.schema import NETWORKS
from planner.errors import SettingsError
from planner.outputs.maps.base import network_label, source_attributions
from planner.outputs.sheet_parts import (
    address,
    commune_names,
    compact_hours,
    fragility_sources,
    observed_activity,
    population_share,
    sheet_layers,
    site_table,
    value_at,
)
from planner.territory import departement_names

#: Most permanences listed on a sheet.
MAX_PERMANENCES = 8
#: Most communes listed on an EPCI sheet (those with the longest access first).
MAX_COMMUNES = 20


@dataclass
class TerritorySheet:
    """Everything a « Fiche territoire » shows.

    Attributes
    ----------
    kind
        ``"commune"`` or ``"epci"``.
    code, name
        INSEE code or EPCI SIREN, and name.
    context
        Where it lies (département, EPCI), in French.
    territory
        Label of the analysed territory.
    threshold, method
        Access threshold (minutes) and travel method (``road`` or ``crow_fly``).
    population, population_within, demand, demand_within
        Inhabitants and estimated people in digital difficulty, in all and within the
        threshold of a counted network (inhabitants beyond: :attr:`population_out`, the
        sum of the communes' rounded figures, so an EPCI's equals its commune table's).
    fragility_factor
        Fragility factor (1 = average), population-weighted for an EPCI.
    counted
        Networks counted as help.
    access
        One row per network: ``network``, ``réseau``, ``compté`` (bool), ``minutes``,
        ``minutes_low``, ``minutes_high`` (the crow-fly interval; equal to ``minutes``
        by road), ``km`` (from the town hall; for an EPCI the longest over its communes),
        ``site`` (nearest site name), ``commune_site``, ``horaires``, ``dans_le_seuil``.
    covered_by
        Labels of the counted networks with a site within the threshold.
    absent
        Labels of the networks with no site in or near the territory (not in ``access``).
    zones
        Underserved zones the place belongs to: ``zone_id``, ``rank``, ``population``,
        ``unmet_demand``, ``communes`` (names), ``uncertain`` (names « à confirmer »).
    permanences
        Nearest sites with their hours: ``site_id``, ``nom``, ``réseau``, ``network``, ``adresse``,
        ``horaires``, ``minutes``, ``km``, ``compté``.
    communes
        For an EPCI: per commune ``commune``, ``insee``, ``population``, ``minutes``,
        ``population_hors_seuil``, ``zone``, ``à_confirmer`` (the crow-fly interval
        straddles the threshold); empty for a commune.
    fragility_sources
        Share of the population whose fragility factor comes from each source, with its
        vintage: ``(fragility_source, vintage, share)``, largest first.
    activity
        Observed activity of conseillers numériques in the place's département(s), one
        dict per département: ``departement``, ``users``, ``accompaniments``, ``source``,
        ``vintage`` (a département figure, not the commune's); empty when the file is absent.
    sources
        Attributions of the data shown (source and vintage).
    generated
        Date of the sheet.
    share_within_low, share_within_high
        Share of inhabitants within the threshold at the interval's high and low ends
        (crow-fly; equal to :attr:`share_within` by road, ``None`` when unknown).
    uncertain
        Names of the place's communes whose interval straddles the threshold (« à confirmer »).
    halls_within, halls
        Town halls of the place with a counted network within the threshold, and all of them.
    base_rate
        Share of people in digital difficulty at fragility 1 (the demand model's).
    """

    kind: str
    code: str
    name: str
    context: str
    territory: str
    threshold: float
    method: str
    population: int
    population_within: float
    demand: float
    demand_within: float
    fragility_factor: float | None
    counted: list[str]
    access: pd.DataFrame
    covered_by: list[str]
    absent: list[str]
    zones: list[dict[str, Any]]
    permanences: pd.DataFrame
    communes: pd.DataFrame = field(default_factory=pd.DataFrame)
    fragility_sources: list[tuple[str, str, float]] = field(default_factory=list)
    activity: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    generated: dt.date = field(default_factory=dt.date.today)
    share_within_low: float | None = None
    share_within_high: float | None = None
    uncertain: list[str] = field(default_factory=list)
    halls_within: int = 0
    halls: int = 0
    base_rate: float = BASE_RATE

    @property
    def title(self) -> str:
        """``Fiche territoire — <name>``."""
        return f"Fiche territoire — {self.name}"

    @property
    def share_within(self) -> float | None:
        """Share of the population within the threshold (``None`` without population)."""
        return self.population_within / self.population if self.population else None

    @property
    def population_out(self) -> int:
        """Inhabitants beyond the threshold."""
        return round(self.population - self.population_within)

    @property
    def demand_out(self) -> float:
        """People in digital difficulty beyond the threshold."""
        return self.demand - self.demand_within

    def summary(self) -> dict[str, Any]:
        """Return the sheet's figures as plain JSON-ready values."""
        return {
            "kind": self.kind,
            "code": self.code,
            "name": self.name,
            "threshold_min": self.threshold,
            "method": self.method,
            "population": self.population,
            "population_within": round(self.population_within),
            "population_out": self.population_out,
            "share_within_low": _rounded(self.share_within_low),
            "share_within_high": _rounded(self.share_within_high),
            "communes_uncertain": self.uncertain,
            "town_halls_within": self.halls_within,
            "town_halls": self.halls,
            "demand": round(self.demand, 1),
            "demand_within": round(self.demand_within, 1),
            "fragility_factor": None if self.fragility_factor is None else round(self.fragility_factor, 3),
            "covered_by": self.covered_by,
            "zones": [z["zone_id"] for z in self.zones],
            "access": {
                r.network: None if not np.isfinite(r.minutes) else round(float(r.minutes), 1)
                for r in self.access.itertuples()
            },
        }


def _rounded(share: float | None) -> float | None:
    return None if share is None or not np.isfinite(share) else round(share, 4)


# --------------------------------------------------------------------------- building


def _networks(coverage: Coverage, extra: Coverage | None) -> list[tuple[str, Coverage, bool]]:
    out = [(n, coverage, True) for n in coverage.networks]
    if extra is not None:
        out += [(n, extra, False) for n in extra.networks if n not in coverage.networks]
    order = {n: i for i, n in enumerate(NETWORKS)}
    return sorted(out, key=lambda t: (not t[2], order.get(t[0], len(order))))


def territory_sheet(
    coverage: Coverage,
    code: str,
    *,
    extra: Coverage | None = None,
    today: dt.date | None = None,
) -> TerritorySheet:
    """Return the « Fiche territoire » of a commune or an EPCI of the covered territory.

    Parameters
    ----------
    coverage
        Coverage of a territory containing the place, with the networks counted as help.
    code
        INSEE code of a commune, or SIREN of an EPCI, of that territory.
    extra
        Coverage of the same territory for networks shown but not counted (e.g. La
        Poste): they appear in the access table, marked « non compté ».
    today
        Date printed on the sheet (default today).

    Returns
    -------
    TerritorySheet

    Raises
    ------
    SettingsError
        When the code names no commune or EPCI of the covered territory.
    """
    code = str(code).strip().upper()
    communes = coverage.communes
    if code in set(communes["insee"]):
        kind, rows = "commune", communes[communes["insee"] == code]
    elif code in set(communes["epci"].dropna()):
        kind, rows = "epci", communes[communes["epci"] == code]
    else:
        raise SettingsError(
            f"« {code} » n'est ni une commune ni un EPCI du territoire analysé ({coverage.territory.label})",
            setting="commune ou EPCI",
            hint="choisissez une commune (code INSEE) ou un EPCI (SIREN) du territoire, "
            "ou changez de territoire",
        )
    first = rows.iloc[0]
    dep = departement_names().get(first["departement"], first["departement"])
    if kind == "commune":
        name = str(first["name"])
        context = f"Commune {code} — {dep} ({first['departement']})"
        if isinstance(first["epci_name"], str):
            context += f" — {first['epci_name']}"
    else:
        name = str(first["epci_name"])
        context = f"EPCI {code} — {len(rows)} communes — {dep} ({first['departement']})"

    insee = set(rows["insee"])
    points = coverage.points[coverage.points["insee"].isin(insee)]
    within = (points["minutes"] <= coverage.threshold).to_numpy()
    population = int(rows["population"].sum())
    beyond = rows["population_out"].fillna(0).round().astype("int64")  # as the commune table shows it
    demand_points = points["demand"].fillna(0).to_numpy()
    shares = [population_share(points, f"minutes_{edge}", coverage.threshold) for edge in ("high", "low")]
    fragility = weighted_fragility(rows)

    sites = site_table(coverage, extra)
    site_commune = commune_names(sites.reset_index(), coverage) if len(sites) else pd.Series(dtype="str")
    if len(sites):
        site_commune.index = sites.index
    access_rows: list[dict[str, Any]] = []
    nearest: dict[str, tuple[float, float, bool]] = {}
    for network, cov, counted in _networks(coverage, extra):
        table = cov.communes[cov.communes["insee"].isin(insee)]
        minutes = table[f"minutes_{network}"].astype(float)
        worst = int(np.argmax(minutes.to_numpy())) if len(minutes) else 0
        best_site = table[f"site_{network}"].iloc[worst] if len(table) else None
        value = float(minutes.iloc[worst]) if len(minutes) else np.inf
        km = float(table[f"km_{network}"].astype(float).iloc[worst]) if len(table) else np.inf
        low, high = (value_at(table, f"minutes_{edge}_{network}", worst, value) for edge in ("low", "high"))
        site = sites.loc[best_site] if isinstance(best_site, str) and best_site in sites.index else None
        access_rows.append({
            "network": network,
            "réseau": network_label(network),
            "compté": counted,
            "minutes": value,
            "minutes_low": low,
            "minutes_high": high,
            "km": km,
            "site": None if site is None else site["name"],
            "commune_site": None if site is None else site_commune.get(best_site),
            "horaires": None if site is None else compact_hours(site.get("opening_hours")),
            "dans_le_seuil": bool(np.isfinite(value) and value <= coverage.threshold),
        })
        for sid, m, k in zip(table[f"site_{network}"], minutes, table[f"km_{network}"].astype(float)):
            if isinstance(sid, str) and np.isfinite(m) and (sid not in nearest or m < nearest[sid][0]):
                nearest[sid] = (m, k, counted)
    absent = [r["réseau"] for r in access_rows if r["site"] is None and not np.isfinite(r["minutes"])]
    access = pd.DataFrame(
        [r for r in access_rows if r["réseau"] not in absent],
        columns=["network", "réseau", "compté", "minutes", "minutes_low", "minutes_high", "km", "site",
                 "commune_site", "horaires", "dans_le_seuil"],
    )
    covered_by = [r["réseau"] for r in access_rows if r["compté"] and r["dans_le_seuil"]]

    perm_rows = []
    for sid, (m, k, counted) in sorted(nearest.items(), key=lambda kv: kv[1][0])[:MAX_PERMANENCES]:
        if sid not in sites.index:
            continue
        site = sites.loc[sid]
        perm_rows.append({
            "site_id": sid, "nom": site["name"], "réseau": network_label(site["network"]), "network": site["network"],
            "adresse": address(site, site_commune.get(sid)), "horaires": compact_hours(site.get("opening_hours")),
            "minutes": m, "km": k, "compté": counted,
        })
    permanences = pd.DataFrame(
        perm_rows, columns=["site_id", "nom", "réseau", "network", "adresse", "horaires", "minutes", "km", "compté"]
    )

    zones = []
    for rank, zone in enumerate(coverage.zones.itertuples(), start=1):
        if insee & set(zone.communes):
            doubtful = set(getattr(zone, "communes_uncertain", ()))
            zones.append({"zone_id": zone.zone_id, "rank": rank, "population": int(zone.population),
                          "unmet_demand": float(zone.unmet_demand), "communes": list(zone.commune_names),
                          "uncertain": [n for c, n in zip(zone.communes, zone.commune_names) if c in doubtful]})

    table = pd.DataFrame()
    if kind == "epci":
        table = pd.DataFrame({
            "commune": rows["name"].to_numpy(), "insee": rows["insee"].to_numpy(),
            "population": rows["population"].to_numpy(), "minutes": rows["minutes"].astype(float).to_numpy(),
            "population_hors_seuil": rows["population_out"].fillna(0).round().astype("int64").to_numpy(),
            "zone": rows["zone_id"].to_numpy(),
            "à_confirmer": rows["uncertain"].fillna(False).astype(bool).to_numpy(),
        }).sort_values(["minutes", "population"], ascending=[False, False], ignore_index=True)

    shown_sites = pd.concat([c.sites for c in (coverage, extra) if c is not None], ignore_index=True)
    origins = fragility_sources(points)
    activity = observed_activity(set(rows["departement"]))
    halls = rows["minutes"].astype(float).to_numpy() <= coverage.threshold
    return TerritorySheet(
        kind=kind, code=code, name=name, context=context, territory=coverage.territory.label,
        threshold=coverage.threshold, method=coverage.method, population=population,
        population_within=float(population - beyond.sum()), demand=float(demand_points.sum()),
        demand_within=float(demand_points[within].sum()), fragility_factor=None if math.isnan(fragility) else fragility,
        counted=list(coverage.networks), access=access, covered_by=covered_by, absent=absent, zones=zones,
        permanences=permanences, communes=table,
        fragility_sources=origins, activity=activity,
        sources=source_attributions(shown_sites, sheet_layers(coverage.method, origins, bool(activity))),
        generated=today or dt.date.today(), share_within_low=shares[0], share_within_high=shares[1],
        uncertain=rows.loc[rows["uncertain"].fillna(False).astype(bool), "name"].astype(str).tolist(),
        halls_within=int(halls.sum()), halls=len(rows), base_rate=coverage.demand_model.base_rate,
    )

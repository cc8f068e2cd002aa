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
from planner.access.stats import weighted_fragility
from planner.data import catalog, hours
from planner.data.schema import NETWORKS
from planner.data.sources.activity import activity_available, load_activity_departements
from planner.data.sources.communes import load_communes
from planner.errors import SettingsError
from planner.outputs.maps.base import network_label, source_attributions
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
        Population and estimated people in digital difficulty, in all and within the
        threshold of a counted network.
    fragility_factor
        Fragility factor (1 = average), population-weighted for an EPCI.
    counted
        Networks counted as help.
    access
        One row per network: ``network``, ``réseau``, ``compté`` (bool), ``minutes``,
        ``km`` (from the town hall; for an EPCI the longest over its communes),
        ``site`` (nearest site name), ``commune_site``, ``horaires``, ``dans_le_seuil``.
    covered_by
        Labels of the counted networks with a site within the threshold.
    absent
        Labels of the networks with no site in or near the territory (not in ``access``).
    zones
        Underserved zones the place belongs to: ``zone_id``, ``rank``, ``population``,
        ``unmet_demand``, ``communes`` (names).
    permanences
        Nearest sites with their hours: ``site_id``, ``nom``, ``réseau``, ``network``, ``adresse``,
        ``horaires``, ``minutes``, ``km``, ``compté``.
    communes
        For an EPCI: per commune ``commune``, ``insee``, ``population``, ``minutes``,
        ``population_hors_seuil``, ``zone``; empty for a commune.
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

    @property
    def title(self) -> str:
        """``Fiche territoire — <name>``."""
        return f"Fiche territoire — {self.name}"

    @property
    def share_within(self) -> float | None:
        """Share of the population within the threshold (``None`` without population)."""
        return self.population_within / self.population if self.population else None

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


# --------------------------------------------------------------------------- building


def _site_table(*coverages: Coverage | None) -> pd.DataFrame:
    frames = [c.sites for c in coverages if c is not None and len(c.sites)]
    if not frames:
        return pd.DataFrame(columns=["site_id", "name", "network", "address", "postcode", "opening_hours"])
    sites = pd.concat([pd.DataFrame(f.drop(columns="geometry")) for f in frames], ignore_index=True)
    return sites.drop_duplicates("site_id").set_index("site_id")


def _commune_names(sites: pd.DataFrame, coverage: Coverage) -> pd.Series:
    names = coverage.territory.communes.set_index("insee")["name"]
    missing = sites["insee"].dropna()
    missing = missing[~missing.isin(names.index)]
    if len(missing):
        others = load_communes().set_index("insee")["name"]
        names = pd.concat([names, others.reindex(missing.unique()).dropna()])
    return sites["insee"].map(names)


def _address(site: pd.Series, commune: object) -> str:
    town = " ".join(str(x) for x in (site.get("postcode"), commune) if isinstance(x, str) and x)
    street = site.get("address")
    return ", ".join(x for x in (street if isinstance(street, str) else "", town) if x)

def compact_hours(value: object) -> str:
    """Render weekly hours in French, consecutive days with the same hours grouped.

    For example ``"lundi–vendredi 09:00–12:00, 14:00–17:00 ; samedi 09:00–12:00"``.
    """
    if not isinstance(value, dict) or not value:
        return hours.to_text(None)
    runs: list[tuple[list[str], str]] = []
    previous = None
    for index, day in enumerate(hours.DAYS):
        if day not in value:
            previous = None
            continue
        spans = ", ".join(f"{a}–{b}" for a, b in value[day])
        if runs and previous == index - 1 and runs[-1][1] == spans:
            runs[-1][0].append(day)
        else:
            runs.append(([day], spans))
        previous = index
    parts = []
    for days, spans in runs:
        first, last = hours.DAY_LABELS[days[0]], hours.DAY_LABELS[days[-1]]
        label = first if len(days) == 1 else (f"{first}, {last}" if len(days) == 2 else f"{first}–{last}")
        parts.append(f"{label} {spans}")
    return " ; ".join(parts)




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
    pop_points = points["population"].to_numpy()
    demand_points = points["demand"].fillna(0).to_numpy()
    fragility = weighted_fragility(rows)

    sites = _site_table(coverage, extra)
    site_commune = _commune_names(sites.reset_index(), coverage) if len(sites) else pd.Series(dtype="str")
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
        site = sites.loc[best_site] if isinstance(best_site, str) and best_site in sites.index else None
        access_rows.append({
            "network": network,
            "réseau": network_label(network),
            "compté": counted,
            "minutes": value,
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
        columns=["network", "réseau", "compté", "minutes", "km", "site", "commune_site", "horaires",
                 "dans_le_seuil"],
    )
    covered_by = [r["réseau"] for r in access_rows if r["compté"] and r["dans_le_seuil"]]

    perm_rows = []
    for sid, (m, k, counted) in sorted(nearest.items(), key=lambda kv: kv[1][0])[:MAX_PERMANENCES]:
        if sid not in sites.index:
            continue
        site = sites.loc[sid]
        perm_rows.append({
            "site_id": sid, "nom": site["name"], "réseau": network_label(site["network"]), "network": site["network"],
            "adresse": _address(site, site_commune.get(sid)), "horaires": compact_hours(site.get("opening_hours")),
            "minutes": m, "km": k, "compté": counted,
        })
    permanences = pd.DataFrame(
        perm_rows, columns=["site_id", "nom", "réseau", "network", "adresse", "horaires", "minutes", "km", "compté"]
    )

    zones = []
    for rank, zone in enumerate(coverage.zones.itertuples(), start=1):
        if insee & set(zone.communes):
            zones.append({"zone_id": zone.zone_id, "rank": rank, "population": int(zone.population),
                          "unmet_demand": float(zone.unmet_demand), "communes": list(zone.commune_names)})

    table = pd.DataFrame()
    if kind == "epci":
        table = pd.DataFrame({
            "commune": rows["name"].to_numpy(), "insee": rows["insee"].to_numpy(),
            "population": rows["population"].to_numpy(), "minutes": rows["minutes"].astype(float).to_numpy(),
            "population_hors_seuil": rows["population_out"].fillna(0).round().astype("int64").to_numpy(),
            "zone": rows["zone_id"].to_numpy(),
        }).sort_values(["minutes", "population"], ascending=[False, False], ignore_index=True)

    shown_sites = pd.concat([c.sites for c in (coverage, extra) if c is not None], ignore_index=True)
    layers = ["ifn_iris", "ifn_scores"] + (["roads"] if coverage.method == "road" else [])
    return TerritorySheet(
        kind=kind, code=code, name=name, context=context, territory=coverage.territory.label,
        threshold=coverage.threshold, method=coverage.method, population=population,
        population_within=float(pop_points[within].sum()), demand=float(demand_points.sum()),
        demand_within=float(demand_points[within].sum()), fragility_factor=None if math.isnan(fragility) else fragility,
        counted=list(coverage.networks), access=access, covered_by=covered_by, absent=absent, zones=zones,
        permanences=permanences, communes=table,
        fragility_sources=_fragility_sources(points), activity=_activity(set(rows["departement"])),
        sources=source_attributions(shown_sites, layers), generated=today or dt.date.today(),
    )


def _fragility_sources(points: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Population share of each source of the fragility factor, with its vintage."""
    if "fragility_vintage" not in points or not points["population"].sum():
        return []
    shares = points.groupby(["fragility_source", "fragility_vintage"])["population"].sum()
    shares = (shares / shares.sum()).sort_values(ascending=False)
    return [(str(src), str(vintage), float(v)) for (src, vintage), v in shares.items()]


def _activity(departements: set[str]) -> list[dict[str, Any]]:
    """The observed activity of conseillers numériques in these départements (file present)."""
    if not activity_available()["activity_departements"]:
        return []
    table, report = load_activity_departements()
    layer = catalog.layer("activity_departements")
    found = table[table["departement"].isin(departements)]
    return [{"departement": r.departement, "users": r.users, "accompaniments": r.accompaniments,
             "source": layer.source, "vintage": report.vintage} for r in found.itertuples()]

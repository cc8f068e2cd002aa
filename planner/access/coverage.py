"""Coverage: who is within reach of digital-inclusion help, and where it is missing.

Demand points are IRIS (the town hall for the IRIS holding it, a point inside the
polygon for the others, :func:`planner.access.demand.iris_points`; each carrying the
IRIS population, rescaled to today's commune population) where the IFN IRIS files
exist, and town halls elsewhere. Each carries a demand weight (people in digital
difficulty, see :mod:`planner.access.demand`). For every demand point and every commune
(from its town hall) the model gives the travel time and distance to the nearest
site of each selected network and of any of them, and which site that is. From there:
indicators per territory, EPCI and commune, complementarity of networks, the
distribution of access times, and underserved zones (:mod:`planner.access.zones`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import config
from planner.access.capacity import Service, serve, served_fields
from planner.access.demand import DemandModel, demand_weight, fragility, iris_points
from planner.access.inputs import coverage_warnings, load_hosts, load_iris
from planner.access.stats import weighted_fragility, weighted_quantile
from planner.access.zones import underserved_zones, zone_members
from planner.data.needs import LayerWarning, messages
from planner.data.schema import NETWORKS
from planner.data.sources.ifn2023 import attach_ifn2023
from planner.data.sources.indicators import load_indicators, scale_iris_population
from planner.errors import SettingsError
from planner.geo import CRS_WGS84
from planner.territory import Territory
from planner.travel.model import TravelModel, model_for

#: The settings of a coverage, as the user sees them.
LEVEL_SETTING = "points de demande (--level)"
NETWORKS_SETTING = "réseaux comptés comme aide (--networks)"
THRESHOLD_SETTING = "seuil d'accès (--threshold)"


def demand_points(
    territory: Territory, model: DemandModel | None = None, level: str = "iris"
) -> gpd.GeoDataFrame:
    """Return the territory's demand points with their population and demand weight.

    Parameters
    ----------
    territory
        The territory.
    model
        The demand model (default :class:`~planner.access.demand.DemandModel`).
    level
        ``"iris"``: one point per IRIS where the IFN IRIS files cover the commune, the
        town hall elsewhere; ``"commune"``: one point per commune, at its town hall.

    Returns
    -------
    GeoDataFrame (EPSG:4326 points): ``point_id``, ``insee``, ``iris`` (code or None),
    ``population`` (float), ``demand``, ``fragility_factor``, ``fragility_source``,
    ``fragility_vintage``.
    """
    if level not in ("iris", "commune"):
        raise SettingsError(f"niveau de demande inconnu : « {level} »", setting=LEVEL_SETTING,
                            hint="choisissez « iris » ou « commune »")
    model = model or DemandModel()
    communes = territory.communes
    indicators, _ = load_indicators(communes)
    base = communes[["insee", "population"]].join(indicators.drop(columns=["insee"], errors="ignore"))
    base = attach_ifn2023(base)
    iris = load_iris(communes["departement"].dropna().unique()) if level == "iris" else None
    if iris is not None and len(iris):
        iris = iris[iris["insee"].isin(communes["insee"])].copy()
        iris["population"] = scale_iris_population(iris, communes)
        iris = attach_ifn2023(iris[iris["population"].notna() & iris.geometry.notna()])
    with_iris = set(iris["insee"]) if iris is not None and len(iris) else set()
    by_commune = base[~base["insee"].isin(with_iris)].copy()
    halls = communes.set_index("insee")["town_hall"]
    parts = [
        gpd.GeoDataFrame(
            {"point_id": by_commune["insee"].to_numpy(), "insee": by_commune["insee"].to_numpy(), "iris": None,
             "population": by_commune["population"].astype("float64").to_numpy()},
            geometry=gpd.GeoSeries(halls.loc[by_commune["insee"]].to_numpy(), crs=CRS_WGS84),
            crs=CRS_WGS84,
        ).join(_weights(by_commune.reset_index(drop=True), model))
    ]
    if with_iris and iris is not None:
        points = iris_points(iris.geometry.to_numpy(), iris["insee"].to_numpy(),
                             halls.reindex(iris["insee"]).to_numpy())
        frame = gpd.GeoDataFrame(
            {"point_id": iris["code_iris"].to_numpy(), "insee": iris["insee"].to_numpy(),
             "iris": iris["code_iris"].to_numpy(), "population": iris["population"].to_numpy()},
            geometry=gpd.GeoSeries(points, crs=CRS_WGS84),
            crs=CRS_WGS84,
        )
        parts.append(frame.join(_weights(iris.reset_index(drop=True), model)))
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS_WGS84)


def _weights(frame: pd.DataFrame, model: DemandModel) -> pd.DataFrame:
    weights = fragility(frame, model)
    weights["demand"] = demand_weight(frame, model)
    return weights[["demand", "fragility_factor", "fragility_source", "fragility_vintage"]]


def select_sites(
    sites: gpd.GeoDataFrame,
    networks: Iterable[str],
    kinds: Mapping[str, Iterable[str]] | None = None,
) -> gpd.GeoDataFrame:
    """Keep the sites of the given networks, and of the given kinds per network if set.

    ``kinds`` maps a network to the kinds to keep (e.g. ``{"la_poste": ["bureau de
    poste"]}``); networks absent from it keep every kind.
    """
    networks = list(networks)
    unknown = [n for n in networks if n not in NETWORKS]
    if unknown:
        raise SettingsError(
            f"réseau inconnu : « {', '.join(unknown)} »", setting=NETWORKS_SETTING,
            hint=f"réseaux possibles : {', '.join(NETWORKS)}",
        )
    keep = sites["network"].isin(networks).to_numpy().copy()
    for network, allowed in (kinds or {}).items():
        of_network = (sites["network"] == network).to_numpy()
        keep &= ~of_network | sites["kind"].isin(list(allowed)).to_numpy()
    return sites[keep]


@dataclass
class Coverage:
    """Access of every demand point and commune to the selected networks, and what follows.

    Attributes
    ----------
    territory, networks, threshold, method
        The inputs and the travel method (``road`` or ``crow_fly``).
    points
        Demand points with ``minutes``/``km``/``site_id`` to the nearest site of any
        selected network and ``minutes_<network>``, ``km_<network>``, ``site_<network>``
        for each network (with ``minutes_low_<network>``/``minutes_high_<network>``, the
        crow-fly interval; equal to the minutes by road).
    communes
        The same from each commune's town hall, plus the commune's demand figures
        aggregated from its points (``population_within``, ``demand_within``,
        ``population_out``, ``demand_out`` at the threshold).
    zones
        Underserved zones (see :func:`planner.access.zones.underserved_zones`).
    sites
        The sites counted (selected networks and kinds, inside or near the territory).
    """

    territory: Territory
    networks: list[str]
    threshold: float
    method: str
    points: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    demand_model: DemandModel = field(default_factory=DemandModel)
    #: Optional layers this coverage went without (absent or unreadable), with what that changes.
    warnings: list[LayerWarning] = field(default_factory=list)
    #: Demand served under the sites' capacity (:func:`planner.access.capacity.serve`);
    #: ``points["served"]``, ``communes["served"]`` and the sites' ``capacity``/``served`` hold it too.
    service: Service | None = None

    @property
    def served_demand(self) -> float:
        """Demand served under capacity (« demande servie »), NaN when not computed."""
        return self.service.allocation.total if self.service is not None else float("nan")

    # -- indicators ------------------------------------------------------

    @property
    def share_within(self) -> float:
        """Share of the population within the threshold of a site, in [0, 1] (NaN without population)."""
        return self._share(self.within())

    @property
    def share_within_low(self) -> float:
        """Share within the threshold even at the interval's high end (``minutes_high``); by road, ``share_within``."""
        return self._share((self.points["minutes_high"] <= self.threshold).to_numpy())

    @property
    def share_within_high(self) -> float:
        """Share within the threshold at the interval's low end (``minutes_low``); by road, ``share_within``."""
        return self._share((self.points["minutes_low"] <= self.threshold).to_numpy())

    def _share(self, flags: np.ndarray) -> float:
        pop = self.points["population"].to_numpy(dtype=float)
        total = pop.sum()
        return float(pop[flags].sum() / total) if total else float("nan")

    @property
    def uncertain(self) -> list[str]:
        """INSEE codes of the communes whose interval (from the town hall) straddles the threshold.

        Crow-fly only: ``minutes_low <= threshold < minutes_high``; empty by road.
        """
        c = self.communes
        return c.loc[c["uncertain"].fillna(False).astype(bool), "insee"].astype(str).tolist()

    def within(self, threshold: float | None = None, network: str | None = None) -> np.ndarray:
        """Boolean per demand point: nearest site (of ``network`` or any) within the threshold."""
        column = "minutes" if network is None else f"minutes_{network}"
        return (self.points[column] <= (self.threshold if threshold is None else threshold)).to_numpy()

    def totals(self, thresholds: Iterable[float] | None = None) -> pd.DataFrame:
        """Population and demand within each threshold, as counts and shares (territory).

        ``thresholds`` defaults to :data:`planner.config.COVERAGE_THRESHOLDS_MIN`; the
        coverage's own threshold is always added.
        """
        thresholds = config.COVERAGE_THRESHOLDS_MIN if thresholds is None else thresholds
        pop, dem = self.points["population"].to_numpy(), self.points["demand"].fillna(0).to_numpy()
        rows = []
        for t in sorted({*thresholds, self.threshold}):
            w = self.within(t)
            rows.append({"seuil_min": t, "population": pop[w].sum(), "part_population": pop[w].sum() / pop.sum(),
                         "demande": dem[w].sum(), "part_demande": dem[w].sum() / dem.sum() if dem.sum() else np.nan})
        return pd.DataFrame(rows)

    def by_area(self, key: str = "epci", thresholds: Iterable[float] | None = None) -> pd.DataFrame:
        """Population and demand within each threshold per EPCI (``key="epci"``) or commune."""
        thresholds = config.COVERAGE_THRESHOLDS_MIN if thresholds is None else thresholds
        communes = self.territory.communes.set_index("insee")
        area = self.points["insee"].map(communes[key]) if key != "insee" else self.points["insee"]
        frame = pd.DataFrame({"area": area, "population": self.points["population"],
                              "demand": self.points["demand"].fillna(0)})
        out = frame.groupby("area")[["population", "demand"]].sum()
        for t in sorted({*thresholds, self.threshold}):
            w = self.within(t)
            sub = frame[w].groupby("area")[["population", "demand"]].sum().reindex(out.index, fill_value=0)
            out[f"population_{t:g}min"] = sub["population"]
            out[f"part_population_{t:g}min"] = sub["population"] / out["population"].where(out["population"] > 0)
            out[f"demande_{t:g}min"] = sub["demand"]
        if key == "epci":
            out.insert(0, "nom", communes.drop_duplicates("epci").set_index("epci")["epci_name"].reindex(out.index))
        else:
            out.insert(0, "nom", communes["name"].reindex(out.index))
        return out

    def unique_population(self) -> dict[str, float]:
        """Population each network covers that no other selected network covers."""
        covered = {n: self.within(network=n) for n in self.networks}
        pop = self.points["population"].to_numpy()
        out = {}
        for n in self.networks:
            others = np.zeros(len(pop), dtype=bool)
            for m in self.networks:
                if m != n:
                    others |= covered[m]
            out[n] = float(pop[covered[n] & ~others].sum())
        return out

    def overlap(self) -> pd.DataFrame:
        """Population covered by both networks of each pair (diagonal: by the network)."""
        pop = self.points["population"].to_numpy()
        covered = np.column_stack([self.within(network=n) for n in self.networks]).astype(float)
        matrix = covered.T @ (covered * pop[:, None])
        labels = [NETWORKS[n][0] for n in self.networks]
        return pd.DataFrame(matrix.round(0), index=labels, columns=labels)

    def distribution(self) -> dict[str, dict[str, float]]:
        """Median, 90th percentile and max of access times weighted by population and demand."""
        minutes = self.points["minutes"].to_numpy()
        out = {}
        for name, column in (("population", "population"), ("demande", "demand")):
            out[name] = {
                "mediane_min": weighted_quantile(minutes, self.points[column].fillna(0).to_numpy(), 0.5),
                "p90_min": weighted_quantile(minutes, self.points[column].fillna(0).to_numpy(), 0.9),
                "max_min": float(np.nanmax(np.where(np.isfinite(minutes), minutes, np.nan))) if len(minutes) else np.nan,
            }
        return out

    def by_network(self) -> dict[str, dict[str, int]]:
        """Population within the threshold of each network, and its unique coverage."""
        pop = self.points["population"].to_numpy()
        unique = self.unique_population()
        return {
            n: {"population_within": round(float(pop[self.within(network=n)].sum())),
                "unique_population": round(float(unique[n]))}
            for n in self.networks
        }

    def summary(self) -> dict[str, Any]:
        """The ``planner coverage --json`` object."""
        pop, dem = self.points["population"], self.points["demand"].fillna(0)
        w = self.within()
        zones = [
            {"id": z.zone_id, "communes": list(z.communes), "population": int(z.population),
             "demand": round(float(z.demand), 1), "unmet_demand": round(float(z.unmet_demand), 1),
             "unserved_demand": _round(z.unserved_demand),
             "minutes_max": _round(z.minutes_max), "centroid": [z.centroid_lon, z.centroid_lat],
             "hosts": list(z.hosts), "communes_uncertain": list(z.communes_uncertain)}
            for z in self.zones.itertuples()
        ]
        return {
            "territory": self.territory.spec,
            "method": self.method,
            "threshold_min": self.threshold,
            "networks": self.networks,
            "population": round(float(pop.sum())),
            "population_within": round(float(pop[w].sum())),
            "share_within": round(float(pop[w].sum() / pop.sum()), 4) if pop.sum() else None,
            "share_within_low": _round_share(self.share_within_low),
            "share_within_high": _round_share(self.share_within_high),
            "communes_uncertain": len(self.uncertain),
            "communes_uncertain_insee": self.uncertain,
            "demand": round(float(dem.sum()), 1),
            "demand_within": round(float(dem[w].sum()), 1),
            **served_fields(self.service),
            "communes_underserved": int((self.communes["population_out"] > 0).sum()),
            "population_underserved": round(float(pop[~w].sum())),
            "distribution": self.distribution(),
            "zones": zones,
            "by_network": self.by_network(),
            "warnings": messages(self.warnings),
            "missing_layers": [w.as_dict() for w in self.warnings],
        }


def compute_coverage(
    territory: Territory,
    networks: Iterable[str] | None = None,
    threshold: float | None = None,
    *,
    kinds: Mapping[str, Iterable[str]] | None = None,
    demand_model: DemandModel | None = None,
    level: str = "iris",
    max_extent_km: float | None = None,
    sites: gpd.GeoDataFrame | None = None,
    travel: TravelModel | None = None,
) -> Coverage:
    """Compute access, indicators and underserved zones for a territory.

    Parameters
    ----------
    territory
        The territory (:func:`planner.territory.select`).
    networks
        Networks counted as help (default :data:`planner.config.HELP_NETWORKS`).
    threshold
        Access threshold in minutes (default :data:`planner.config.DEFAULT_THRESHOLD_MIN`).
    kinds
        Kinds to keep per network (see :func:`select_sites`).
    demand_model
        Demand weights (default :class:`~planner.access.demand.DemandModel`).
    level
        Demand points: ``"iris"`` (default) or ``"commune"``.
    max_extent_km
        Maximum extent of an underserved zone (default
        :data:`planner.config.DEFAULT_MAX_EXTENT_KM`).
    sites
        Sites to use instead of the loaded ones (canonical schema), e.g. with user sites.
    travel
        Travel model (default: :func:`planner.travel.model.model_for` the territory).

    Returns
    -------
    Coverage
    """
    asked = None if networks is None else list(networks)
    networks = list(config.HELP_NETWORKS if asked is None else asked)
    threshold = config.DEFAULT_THRESHOLD_MIN if threshold is None else threshold
    if not networks:
        raise SettingsError("aucun réseau sélectionné", setting=NETWORKS_SETTING,
                            hint="choisissez au moins un réseau qui compte comme aide")
    if not np.isfinite(threshold) or threshold <= 0:
        raise SettingsError(f"seuil invalide : {threshold} min", setting=THRESHOLD_SETTING,
                            hint="donnez un seuil positif, en minutes")
    model = demand_model or DemandModel()
    if sites is None:
        hosts, site_warnings = load_hosts(territory, asked)
    else:
        hosts, site_warnings = territory.select_sites(sites), []
    chosen = select_sites(hosts, networks, kinds)
    travel = travel or model_for(territory)
    points = demand_points(territory, model, level)
    halls = gpd.GeoDataFrame(
        territory.communes[["insee", "name", "population"]].copy(),
        geometry=gpd.GeoSeries(territory.communes["town_hall"], crs=CRS_WGS84).to_numpy(), crs=CRS_WGS84,
    )
    _access(travel, points, chosen, networks)
    _access(travel, halls, chosen, networks)
    pairs = travel.within(points, chosen, max_minutes=threshold).minutes
    service = serve(points["demand"].fillna(0).to_numpy(), chosen, pairs)
    points["served"] = service.allocation.served
    chosen = chosen.assign(**{c: service.capacity[c].to_numpy() for c in ("advisor_hours", "capacity", "served")})

    limit = points["minutes"] <= threshold
    agg = pd.DataFrame({
        "insee": points["insee"],
        "population_within": points["population"].where(limit, 0.0),
        "demand": points["demand"].fillna(0),
        "demand_within": points["demand"].fillna(0).where(limit, 0.0),
        "served": points["served"],
        "population_out": points["population"].where(~limit, 0.0),
        "demand_out": points["demand"].fillna(0).where(~limit, 0.0),
    }).groupby("insee").sum()
    agg["fragility_factor"] = weighted_fragility(points, by="insee")
    communes = territory.communes.drop(columns=["town_hall_hours"]).merge(
        pd.DataFrame(halls.drop(columns=["name", "population", "geometry"])), on="insee", how="left"
    )
    communes = communes.merge(agg.reset_index(), on="insee", how="left")
    communes = gpd.GeoDataFrame(communes, geometry="geometry", crs=CRS_WGS84)
    communes["uncertain"] = (communes["minutes_low"] <= threshold) & (communes["minutes_high"] > threshold)
    under = communes[zone_members(communes, threshold)].copy()
    under["minutes"] = under["insee"].map(
        points.assign(_m=points["minutes"].where(~limit)).groupby("insee")["_m"].max()
    )
    zones = underserved_zones(under, hosts, max_extent_km, crs=territory.crs)
    communes["zone_id"] = communes["insee"].map(
        {c: z for z, cs in zip(zones["zone_id"], zones["communes"]) for c in cs}
    )
    doubtful = set(communes.loc[communes["uncertain"], "insee"])
    zones["communes_uncertain"] = [tuple(c for c in cs if c in doubtful) for cs in zones["communes"]]
    warnings = coverage_warnings(territory, level, travel.method, site_warnings)
    return Coverage(territory, networks, float(threshold), travel.method, points, communes, zones, chosen, model,
                    warnings, service)


def _access(travel: TravelModel, points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, networks: list[str]) -> None:
    """Add nearest-site time, distance and id per network and for any network (in place)."""
    best = np.full(len(points), np.inf)
    best_km = np.full(len(points), np.inf)
    best_id = np.full(len(points), None, dtype=object)
    best_low, best_high = np.full(len(points), np.inf), np.full(len(points), np.inf)
    for network in networks:
        of_network = sites[sites["network"] == network]
        if len(of_network) == 0:
            minutes, km = np.full(len(points), np.inf), np.full(len(points), np.inf)
            ids: np.ndarray = np.full(len(points), None, dtype=object)
            low, high = minutes, minutes
        else:
            nearest = travel.nearest(points, of_network)
            minutes, km, ids = nearest.minutes, nearest.km, np.asarray(nearest.site_id, dtype=object)
            low = minutes if nearest.minutes_low is None else nearest.minutes_low
            high = minutes if nearest.minutes_high is None else nearest.minutes_high
        points[f"minutes_{network}"] = minutes
        points[f"km_{network}"] = km
        points[f"site_{network}"] = ids
        points[f"minutes_low_{network}"], points[f"minutes_high_{network}"] = low, high
        better = minutes < best
        best = np.where(better, minutes, best)
        best_km = np.where(better, km, best_km)
        best_id = np.where(better, ids, best_id)
        best_low, best_high = np.minimum(best_low, low), np.minimum(best_high, high)
    points["minutes"], points["km"], points["site_id"] = best, best_km, best_id
    # the interval of the time to the nearest site of any network (equal to minutes by road)
    points["minutes_low"], points["minutes_high"] = best_low, best_high


def _round_share(value: float) -> float | None:
    return round(value, 4) if np.isfinite(value) else None


def _round(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 1)

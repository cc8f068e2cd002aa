"""Lookups behind a « Fiche territoire » (:mod:`planner.outputs.sheet`): the sites shown,
their addresses and hours, the sources of the fragility factor, observed activity, the
catalog layers a sheet's figures come from, population shares."""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.access.coverage import Coverage
from planner.data import catalog, hours
from planner.data.sources.activity import activity_available, load_activity_departements
from planner.data.sources.communes import load_communes


def site_table(*coverages: Coverage | None) -> pd.DataFrame:
    """The sites of the coverages given (no geometry), one row per ``site_id`` (the index)."""
    frames = [c.sites for c in coverages if c is not None and len(c.sites)]
    if not frames:
        return pd.DataFrame(columns=["site_id", "name", "network", "address", "postcode", "opening_hours"])
    sites = pd.concat([pd.DataFrame(f.drop(columns="geometry")) for f in frames], ignore_index=True)
    return sites.drop_duplicates("site_id").set_index("site_id")


def commune_names(sites: pd.DataFrame, coverage: Coverage) -> pd.Series:
    """The name of each site's commune (``insee``), inside the territory or in its margin."""
    names = coverage.territory.communes.set_index("insee")["name"]
    missing = sites["insee"].dropna()
    missing = missing[~missing.isin(names.index)]
    if len(missing):
        others = load_communes().set_index("insee")["name"]
        names = pd.concat([names, others.reindex(missing.unique()).dropna()])
    return sites["insee"].map(names)


def address(site: pd.Series, commune: object) -> str:
    """``street, postcode commune`` of a site, the parts it has."""
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





#: Catalog layers behind each source of the fragility factor.
_ORIGIN_LAYERS = {"ifn": ("ifn_iris", "ifn_scores"), "ifn_2023": ("ifn_2023_communes", "ifn_2023_epci"),
                  "proxy": ("ifn_iris", "filosofi"), "proxy_chomage": ("comparateur",)}


def sheet_layers(method: str, origins: list[tuple[str, str, float]], activity: bool) -> list[str]:
    """The catalog layers a sheet's figures come from (their source and vintage are printed)."""
    layers = [layer for src, _, _ in origins for layer in _ORIGIN_LAYERS.get(src, ())]
    layers += ["roads"] if method == "road" else ["densite"]
    layers += ["activity_departements"] if activity else []
    return list(dict.fromkeys(layers))


def value_at(table: pd.DataFrame, column: str, row: int, default: float) -> float:
    """``table[column]`` at position ``row`` as float (``default`` when absent)."""
    if column not in table.columns or not len(table):
        return default
    return float(table[column].astype(float).iloc[row])


def population_share(points: pd.DataFrame, column: str, threshold: float) -> float | None:
    """Population share of ``points`` whose ``column`` is within ``threshold`` (None without)."""
    pop = points["population"].to_numpy(dtype=float)
    if column not in points.columns or not pop.sum():
        return None
    return float(pop[(points[column] <= threshold).to_numpy()].sum() / pop.sum())


def fragility_sources(points: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Population share of each source of the fragility factor, with its vintage."""
    if "fragility_vintage" not in points or not points["population"].sum():
        return []
    shares = points.groupby(["fragility_source", "fragility_vintage"])["population"].sum()
    shares = (shares / shares.sum()).sort_values(ascending=False)
    return [(str(src), str(vintage), float(v)) for (src, vintage), v in shares.items()]


def observed_activity(departements: set[str]) -> list[dict[str, Any]]:
    """The observed activity of conseillers numériques in these départements (file present)."""
    if not activity_available()["activity_departements"]:
        return []
    table, report = load_activity_departements()
    layer = catalog.layer("activity_departements")
    found = table[table["departement"].isin(departements)]
    return [{"departement": r.departement, "users": r.users, "accompaniments": r.accompaniments,
             "source": layer.source, "vintage": report.vintage} for r in found.itertuples()]

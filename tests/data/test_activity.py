"""Activity reports of conseillers numériques (ANCT): real files and made-up edge cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from planner.data.sources.activity import (
    FIX_AMBIGUOUS,
    FIX_LEADING,
    FIX_TRAILING,
    load_activity_departements,
    load_activity_postcodes,
    read_activity_departements,
    read_activity_postcodes,
    restore_postcode,
)


def test_real_departements(real_data):
    frame, report = load_activity_departements()
    assert report.rows_read == len(frame) == 101
    assert frame["users"].sum() == 1_892_840
    assert frame["accompaniments"].sum() == 2_920_045
    assert {"2A", "2B", "971", "976", "01"} <= set(frame["departement"])
    assert frame["departement"].is_unique and not report.issues
    corse = frame.set_index("departement").loc[["2A", "2B"], "users"]
    assert (corse > 0).all()
    assert report.vintage == "2023-11" and report.source.startswith("ANCT")


def test_real_postcodes(real_data):
    frame, report = load_activity_postcodes()
    assert report.rows_read == 4_812
    rejected = sorted(i.reason.split(" n'est")[0] for i in report.rejected)
    assert rejected == ["« 24 54 »", "« null »", "« undef »"]
    assert report.rows_kept == 4_809
    assert len(frame) == 4_783 and frame["postcode"].is_unique
    assert frame["postcode"].str.fullmatch(r"\d{5}").all()
    # 26 codes lost a zero: every one that decides lost its last digit
    fixed = [i for i in report.issues if "rétabli" in i.reason]
    assert len(fixed) == 26
    assert "«  2817 » : zéro final rétabli → 28170" in " ".join(i.reason for i in fixed)
    assert sum("ambigu" in i.reason for i in fixed) == 4  # 4310, 9110 (twice), 9400
    by_code = frame.set_index("postcode")
    assert by_code.loc["01000", "users"] == 171 + 288 + 210 + 484 + 263
    statuses = [c for c in frame.columns if c.startswith("status_")]
    ages = [c for c in frame.columns if c.startswith("age_")]
    assert np.allclose(frame[ages].sum(axis=1), frame["users"])
    assert len(statuses) == 5


# --------------------------------------------------------------------------- made-up data


def test_made_up_leading_zero_restored():
    """Made-up codes: a spreadsheet dropped the leading zero of Bourg-en-Bresse's 01000."""
    known = {"01000", "01053", "20000", "28170"}
    out = restore_postcode(["1000", "1053", " 20000", "null", "2A004", "20000.0"], known=known)
    assert out["postcode"].tolist()[:3] == ["01000", "01053", "20000"]
    assert out["postcode"].isna().tolist()[3:5] == [True, True]
    assert out["postcode"].iloc[5] == "20000"
    assert out["postcode_fix"].tolist()[:3] == [FIX_LEADING, FIX_LEADING, ""]


def test_made_up_ambiguous_codes_follow_the_file():
    """Made-up: 1000 is ambiguous (01000 and 10000 exist); alone it takes the leading zero,
    beside a code that can only have lost its last zero (2817 → 28170) it follows it."""
    known = {"01000", "10000", "28170"}
    alone = restore_postcode(["1000"], known=known)
    assert alone.iloc[0].tolist() == ["01000", FIX_AMBIGUOUS]
    beside = restore_postcode(["1000", "2817"], known=known)
    assert beside["postcode"].tolist() == ["10000", "28170"]
    assert beside["postcode_fix"].iloc[1] == FIX_TRAILING


@given(st.lists(st.one_of(st.from_regex(r"\A\s?\d{4,5}\s?\Z"), st.text(max_size=6)), max_size=30))
def test_restored_codes_are_five_digits_or_missing(values):
    out = restore_postcode(values, known={"01000", "20000", "10000"})
    assert len(out) == len(values)
    kept = out["postcode"].dropna()
    assert kept.str.fullmatch(r"\d{5}").all()
    for raw, code in zip(values, out["postcode"]):
        if raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) == 5:
            assert code == raw.strip()


def test_made_up_empty_totals_and_leading_zero(tmp_path):
    """Made-up files: a département with empty totals; postcodes that lost a zero and merge."""
    path = tmp_path / "conum_cra_departements_2099-01.json"
    path.write_text(json.dumps([
        {"departement": "2A", "usagers": 10, "accompagnements": 12, "statut": {"retraite": 4},
         "plus60ans": 4},
        {"departement": "5", "usagers": None, "accompagnements": "", "statut": {}},
        {"usagers": 3},
    ]), encoding="utf-8")
    frame, report = read_activity_departements(path)
    assert frame["departement"].tolist() == ["05", "2A"]
    assert np.isnan(frame.set_index("departement").loc["05", "users"])
    assert frame["users"].sum() == 10  # an empty total stays missing, never 0
    assert [(i.row, i.action) for i in report.issues] == [
        (2, "manquante"), (2, "manquante"), (3, "rejetée")]

    csv = tmp_path / "conum_cra_codes_postaux_2099-01.csv"
    header = ("CodePostal,Somme de Moins12ans,Somme de De12a18ans,Somme de De18a35ans,"
              "Somme de De35a60ans,Somme de Plus60ans,Somme de Etudiant,Somme de SansEmploi,"
              "Somme de EnEmploi,Somme de Retraite,Somme de Heterogene\n")
    csv.write_text(header + " 1053,0,0,0,1,2,0,0,1,2,0\n01053,1,0,0,0,0,1,0,0,0,0\n"
                   "undef,0,0,0,0,5,0,0,0,5,0\n20000,,,,,,,,,,\n", encoding="utf-8")
    table, rep = read_activity_postcodes(csv, known={"01053", "20000"})
    assert table["postcode"].tolist() == ["01053", "20000"]
    assert table.set_index("postcode").loc["01053", "users"] == 4  # 3 + 1, merged
    assert np.isnan(table.set_index("postcode").loc["20000", "users"])
    assert rep.rows_read == 4 and len(rep.rejected) == 1
    assert isinstance(table, pd.DataFrame)


def test_corsica_departements_as_in_the_file(corsica_data):
    """2A and 2B in conum_cra_departements_2023-11.json: the same on the national file and
    on the bundle's extract."""
    frame, report = load_activity_departements()
    corse = frame.set_index("departement").loc[["2A", "2B"]]
    assert corse["users"].tolist() == [2_365, 5_326]
    assert corse["accompaniments"].tolist() == [3_537, 8_146]
    assert report.vintage == "2023-11"


def test_corsica_postcodes_as_in_the_file(corsica_data):
    frame, _ = load_activity_postcodes()
    corse = frame[frame["postcode"].str.startswith("20")].set_index("postcode")["users"]
    assert len(corse) == 63
    assert corse.loc[["20000", "20090", "20100"]].tolist() == [577, 504, 77]

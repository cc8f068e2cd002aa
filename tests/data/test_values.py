"""Cleaning of values read from files (planner.data.values), on MADE-UP values."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.data import values
from planner.data.schema import LoadReport

CORSICA = ("2A", "2B")


@settings(deadline=None)
@given(st.integers(1, 99_999))
def test_fix_code_restores_leading_zeros(number):
    for text in (str(number), f"{number}.0", f" {number} "):
        fixed = values.fix_code(pd.Series([text]))[0]
        assert fixed == f"{number:05d}"
    assert values.fix_code(pd.Series([f"{number:05d}"]))[0] == f"{number:05d}"


@settings(deadline=None)
@given(st.text(max_size=12))
def test_fix_code_output_is_a_code_or_missing(text):
    fixed = values.fix_code(pd.Series([text]))[0]
    assert pd.isna(fixed) or (len(fixed) == 5 and (fixed.isdigit() or fixed[:2] in CORSICA))


def test_parse_number_accepts_comma_point_and_no_break_space() -> None:
    """MADE-UP values: French and English decimals, a thousands space, blanks and text."""
    out = values.parse_number(["3,5", "3.5", "1\u00a0234,5", "", None, "abc"])
    np.testing.assert_array_equal(out[:3], [3.5, 3.5, 1234.5])
    assert np.isnan(out[3:]).all()


def test_parse_numeric_column_reports_text_but_not_secrets() -> None:
    """MADE-UP column: ``s`` (secret) and blanks are missing silently; ``abc`` is reported."""
    frame = pd.DataFrame({"med16": ["19721", "s", "", "abc", "0"], "_row": [1, 2, 3, 4, 5]})
    report = LoadReport("filosofi", "x.csv", "", "", "")
    out = values.parse_numeric_column(frame, "med16", report, "x.csv", zero_missing=True)
    assert out.iloc[0] == 19721 and out.iloc[1:].isna().all()
    assert [(i.row, i.column, i.action) for i in report.issues] == [(4, "med16", "corrigée")]
    assert report.issues[0].reason == "x.csv : valeur non numérique, laissée manquante"


def test_postcode_from_text_and_join_text() -> None:
    """MADE-UP texts: a postcode that lost its zero, and address parts partly missing."""
    postcode, city = values.postcode_from_text(pd.Series(["1000 BOURG EN BRESSE", "20220 L'ILE", "x"]))
    assert postcode.tolist()[:2] == ["01000", "20220"] and pd.isna(postcode.iloc[2])
    assert city.tolist()[:2] == ["BOURG EN BRESSE", "L'ILE"]
    joined = values.join_text(pd.Series(["1 rue A", None, "3 rue C"], dtype="str"),
                              pd.Series(["bât. B", "lieu-dit", None], dtype="str"))
    assert joined.tolist() == ["1 rue A, bât. B", "lieu-dit", "3 rue C"]


def test_parse_hours_column_reports_unreadable_hours() -> None:
    """MADE-UP hours: one valid OSM text, one missing, one unreadable (reported, row 3)."""
    report = LoadReport("custom", "x.csv", "", "", "")
    out = values.parse_hours_column(pd.Series(["Mo 09:00-12:00", None, "lundi matin"]),
                                    np.array([1, 2, 3]), "horaires", report)
    assert out == [{"lun": [("09:00", "12:00")]}, None, None]
    assert [(i.row, i.column, i.action) for i in report.issues] == [(3, "horaires", "corrigée")]


def test_isin_matches_a_large_pool_and_never_missing_values() -> None:
    """MADE-UP codes."""
    out = values.isin(pd.Series(["2A004", None, "99999"], dtype="str"), ["2A004", "2B033"])
    assert out.tolist() == [True, False, False]

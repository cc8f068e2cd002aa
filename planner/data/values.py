"""Cleaning the values read from source files: texts, numbers, codes, opening hours.

Every loader cleans its columns through these functions, so that the same bad value
(a decimal comma, a code that lost its leading zero, unreadable hours) is handled the
same way everywhere, and reported rather than dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from planner.data import hours
from planner.data.schema import LoadReport

_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
#: Texts meaning "no value" in the statistical files (secret, not available).
_NO_VALUE = ("nan", "na", "n/a", "s", "nd")


def clean_text(values: pd.Series) -> pd.Series:
    """Strip spaces; empty strings become missing."""
    text = values.astype("str").str.strip()
    return text.mask(text == "")


def as_text(values: pd.Series) -> pd.Series:
    """Turn JSON values (numbers, strings, ``None``) into cleaned strings."""
    out = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
           for v in values]
    return clean_text(pd.Series(out, dtype="str"))


def parse_number(values: pd.Series | Sequence[Any]) -> np.ndarray:
    """Parse numbers written with a decimal point or a decimal comma; others give NaN."""
    text = pd.Series(values, dtype="str").str.strip().str.replace("\u00a0", "", regex=False)
    text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def parse_numeric_column(
    frame: pd.DataFrame, column: str, report: LoadReport, file: str, zero_missing: bool = False
) -> pd.Series:
    """Parse a text column of a statistical file as float, reporting unreadable values.

    Parameters
    ----------
    frame
        The table, with the text ``column`` and ``_row`` (1-based row in the file).
    column
        The column to parse (decimal point or comma).
    report
        Receives one ``corrigée`` issue per unreadable value (left missing).
    file
        The file's name, for the issues.
    zero_missing
        Read 0 as missing (the IFN writes 0 for "not computed").

    Returns
    -------
    Float Series: empty, secret (``s``, ``nd``...) and unreadable values give NaN.
    """
    text = frame[column].astype("str").str.strip()
    values = pd.Series(parse_number(text), index=frame.index, dtype="float64")
    bad = values.isna() & text.ne("") & text.notna() & ~text.str.casefold().isin(_NO_VALUE)
    if bad.any():
        report.add(frame.loc[bad, "_row"].tolist(), column,
                   f"{file} : valeur non numérique, laissée manquante", "corrigée")
    if zero_missing:
        values = values.mask(values == 0)
    return values


def fix_code(values: pd.Series) -> pd.Series:
    """Normalise INSEE codes or postcodes: strip, upper case, drop a trailing ``.0``,
    restore leading zeros lost by spreadsheets (``1053`` → ``01053``).

    Values that are not 5 characters of the form ``NNNNN`` or ``2ANNN``/``2BNNN`` after
    that become missing.
    """
    text = pd.Series(values, dtype="str").str.strip().str.upper()
    text = text.str.replace(r"\.0+$", "", regex=True).str.replace(" ", "", regex=False)
    digits = text.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    text = text.mask(digits, text.str.zfill(5))
    valid = text.str.fullmatch(_CODE.pattern).fillna(False).astype(bool)
    return text.where(valid)


def postcode_from_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split ``"1000 BOURG EN BRESSE"`` into a postcode (``"01000"``) and a town name."""
    parts = pd.Series(values, dtype="str").str.strip().str.extract(r"^(\d{4,5})\s*(.*)$")
    return fix_code(parts[0]), clean_text(parts[1])


def join_text(first: pd.Series, *others: pd.Series | None, sep: str = ", ") -> pd.Series:
    """Join text columns row by row, skipping missing parts (vectorized)."""
    out = first.astype("str").reset_index(drop=True)
    for col in others:
        if col is None:
            continue
        col = col.astype("str").reset_index(drop=True)
        both = out.notna() & col.notna()
        out = out.fillna(col).mask(both, out + sep + col)
    return out


def isin(values: pd.Series | Sequence[Any], pool: Iterable[Any]) -> np.ndarray:
    """Fast membership of a column in a large pool (pandas' Arrow-string ``isin`` is slow)."""
    members = set(pool)
    items = pd.Series(values).to_numpy(dtype=object)
    return np.fromiter((v in members for v in items), dtype=bool, count=len(items))


def parse_hours_column(
    values: pd.Series, rows: np.ndarray, column: str, report: LoadReport,
    parse: Callable[[str | None], hours.WeeklyHours | None] = hours.parse_osm,
) -> list[hours.WeeklyHours | None]:
    """Parse opening-hours texts (OSM by default, or with ``parse``, e.g.
    :func:`planner.data.hours.parse_any`); unreadable ones give ``None`` and a report issue."""
    out: list[hours.WeeklyHours | None] = []
    for row, text in zip(rows, values):
        try:
            out.append(parse(None if pd.isna(text) else str(text)))
        except ValueError as exc:
            out.append(None)
            report.add([row], column, f"{exc} : horaires ignorés", "corrigée")
    return out

"""The app's tables get their French text from ``planner.fr`` (not from the browser's locale)."""

from __future__ import annotations

import math

import pandas as pd

from app_pages.common import csv_bytes, french_formats

THIN, NBSP = "\u202f", "\u00a0"


def test_french_formats_by_column_kind() -> None:
    frame = pd.DataFrame({  # made-up rows
        "réseau": ["France Services", "Croix-Rouge"], "population": [296_132, 8_626],
        "part": [0.8841, math.nan], "temps (min)": [12.25, 3.0], "ligne": [1234, 5],
        "nullable": pd.array([1500, None], dtype="Int64"), "compté": [True, False],
    })
    formats = french_formats(frame, percent=("part",))
    assert set(formats) == {"population", "part", "temps (min)", "ligne", "nullable"}
    assert [formats["population"](v) for v in frame["population"]] == [f"296{THIN}132", f"8{THIN}626"]
    assert [formats["part"](v) for v in frame["part"]] == [f"88,4{NBSP}%", "—"]
    assert [formats["temps (min)"](v) for v in frame["temps (min)"]] == ["12,25", "3"]
    assert [formats["ligne"](v) for v in frame["ligne"]] == ["1234", "5"]  # row numbers stay plain
    assert [formats["nullable"](v) for v in frame["nullable"]] == [f"1{THIN}500", "—"]
    assert french_formats(frame, digits=1)["temps (min)"](12.25) == "12,2"  # ties to even, as fr.number


def test_csv_for_french_excel_neutralizes_formulas() -> None:
    frame = pd.DataFrame({"lieu": ["=1+2", "Mairie d'Ajaccio"], "minutes": [12.5, 3.0]})  # made-up
    text = csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines() == ["lieu;minutes", "'=1+2;12,5", "Mairie d'Ajaccio;3,0"]

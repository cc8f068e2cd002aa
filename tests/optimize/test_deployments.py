"""Tests of planner.optimize.deployments on MADE-UP inputs (inline, no snapshot needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from planner.optimize.deployments import default_bases


def _territory() -> SimpleNamespace:
    """A MADE-UP territory of five communes in two EPCIs (one commune without EPCI)."""
    communes = pd.DataFrame({
        "insee": ["00001", "00002", "00003", "00004", "00005"],
        "epci": ["A", "A", "B", "B", None],
        "population": [500, 9_000, 3_000, 3_000, 100],
    })  # fmt: skip
    return SimpleNamespace(communes=communes)


def test_default_bases_are_the_heads_of_the_most_populous_epcis() -> None:
    # A's head is 00002; B's is 00003 (tie broken by INSEE code); 00005 stands alone.
    assert default_bases(_territory(), 3) == ("00002", "00003", "00005")


def test_default_bases_cycle_when_advisors_outnumber_epcis() -> None:
    assert default_bases(_territory(), 5) == ("00002", "00003", "00005", "00002", "00003")
    assert default_bases(_territory(), 1) == ("00002",)

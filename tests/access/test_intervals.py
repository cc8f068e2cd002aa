"""Crow-fly intervals in coverage: minutes_low/high, share_within_low/high, uncertain communes (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.access.coverage import Coverage, compute_coverage
from planner.cli import app
from planner.outputs.coverage_files import write_coverage
from planner.travel.model import model_for

runner = CliRunner()


@pytest.fixture(scope="module")
def crow(corsica) -> Coverage:
    """Coverage of Corsica at 30 minutes, crow-fly although a road graph exists."""
    return compute_coverage(corsica, threshold=30, travel=model_for(corsica, travel="crow_fly"))


def test_crow_fly_interval_contains_the_estimate(crow: Coverage) -> None:
    assert crow.method == "crow_fly"
    for frame in (crow.points, crow.communes):
        finite = np.isfinite(frame["minutes"])
        assert finite.all()
        assert (frame["minutes_low"] <= frame["minutes"]).all()
        assert (frame["minutes"] <= frame["minutes_high"]).all()
        moving = frame["minutes"] > 0  # a site at the point itself: 0 minutes, no uncertainty
        assert (frame.loc[moving, "minutes_low"] < frame.loc[moving, "minutes_high"]).all()
    assert crow.share_within_low <= crow.share_within <= crow.share_within_high
    assert crow.share_within_low < crow.share_within_high


def test_uncertain_communes_straddle_the_threshold(crow: Coverage) -> None:
    summary = crow.summary()
    c = crow.communes.set_index("insee")
    codes = summary["communes_uncertain_insee"]
    assert summary["communes_uncertain"] == len(codes) > 0
    assert ((c.loc[codes, "minutes_low"] <= 30) & (c.loc[codes, "minutes_high"] > 30)).all()
    others = c.drop(index=codes)
    assert ((others["minutes_high"] <= 30) | (others["minutes_low"] > 30)).all()
    # zones list their uncertain communes, among their own
    for zone in summary["zones"]:
        assert set(zone["communes_uncertain"]) <= set(zone["communes"]) & set(codes)
    assert summary["share_within_low"] <= summary["share_within"] <= summary["share_within_high"]


def test_by_road_the_interval_is_the_value(coverage: Coverage) -> None:
    assert coverage.method == "road"
    for frame in (coverage.points, coverage.communes):
        np.testing.assert_array_equal(frame["minutes_low"], frame["minutes"])
        np.testing.assert_array_equal(frame["minutes_high"], frame["minutes"])
    summary = coverage.summary()
    assert summary["share_within_low"] == summary["share_within"] == summary["share_within_high"]
    assert summary["communes_uncertain"] == 0 and summary["communes_uncertain_insee"] == []


def test_files_carry_the_interval(crow: Coverage, tmp_path: Path) -> None:
    write_coverage(crow, tmp_path)
    table = pd.read_csv(tmp_path / "communes.csv", sep=";", encoding="utf-8-sig", dtype={"insee": str})
    cols = list(table.columns)
    assert cols[cols.index("minutes") + 1: cols.index("minutes") + 3] == ["minutes_low", "minutes_high"]
    assert sorted(table.loc[table["uncertain"], "insee"]) == sorted(crow.uncertain)
    zones = pd.read_csv(tmp_path / "zones.csv", sep=";", encoding="utf-8-sig")
    assert "communes_uncertain" in zones.columns


def test_cli_travel_option(corsica_data: Path) -> None:
    crow = runner.invoke(app, ["coverage", "--territory", "2A,2B", "--travel", "crow_fly", "--json"])
    assert crow.exit_code == 0, crow.output
    payload = json.loads(crow.output)
    assert payload["method"] == "crow_fly"
    assert payload["communes_uncertain"] > 0
    assert payload["share_within_low"] < payload["share_within"] < payload["share_within_high"]
    road = runner.invoke(app, ["coverage", "--territory", "2A,2B", "--travel", "road", "--json"])
    assert road.exit_code == 0, road.output
    payload = json.loads(road.output)
    assert payload["method"] == "road"
    assert payload["share_within_low"] == payload["share_within"] == payload["share_within_high"]
    bad = runner.invoke(app, ["coverage", "--territory", "23", "--travel", "road", "--json"])
    assert bad.exit_code != 0

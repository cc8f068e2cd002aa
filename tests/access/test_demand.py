"""Demand weight (planner.access.demand): formula, proxies and their calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.access import demand
from planner.access.demand import DemandModel, LinearProxy, demand_weight, fragility
from planner.errors import DataError, SettingsError


@pytest.fixture(scope="module")
def communes(corsica_data: Path) -> pd.DataFrame:
    from planner.data.sources.communes import load_communes
    from planner.data.sources.indicators import load_indicators

    indicators, _ = load_indicators()
    return load_communes()[["insee", "name", "departement", "population"]].merge(
        indicators, on="insee"
    )


def test_weight_of_real_communes(communes: pd.DataFrame) -> None:
    frame = communes.set_index("insee")
    ajaccio = frame.loc["2A004"]
    weight = demand_weight(frame.loc[["2A004"]]).iloc[0]
    assert weight == pytest.approx(ajaccio["population"] * 0.154 * ajaccio["ifn_score"] / 100)
    # Bonifacio has no IFN row and no IRIS shares: the unemployment proxy applies
    bonifacio = frame.loc[["2A041"]]
    fz = fragility(bonifacio)
    assert fz["fragility_source"].iloc[0] == "proxy_chomage"
    expected = 0.806 + 1.609 * bonifacio["unemployment_rate"].iloc[0]
    assert fz["fragility_factor"].iloc[0] == pytest.approx(expected)


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_sources_over_france(communes: pd.DataFrame) -> None:
    fz = fragility(communes)
    assert fz["fragility_source"].value_counts().to_dict() == {
        "ifn": 34_748,
        "proxy_chomage": 97,
        "neutre": 30,
    }
    assert fz["fragility_factor"].between(0.5, 2.0).all()
    # base 100 is a mean: nationally the factor averages about 1 over people
    total = demand_weight(communes).sum()
    assert total / communes["population"].sum() == pytest.approx(0.154, abs=0.002)


def test_iris_frame_works_too(corsica_data: Path) -> None:
    from planner.data.sources.indicators import load_ifn_iris

    iris = load_ifn_iris(["2A", "2B"])
    weights = demand_weight(iris)
    assert weights.notna().all()
    assert (fragility(iris)["fragility_source"] == "ifn").all()
    expected = iris["population"] * 0.154 * (iris["ifn_score"] / 100).clip(0.5, 2.0)
    np.testing.assert_allclose(weights.to_numpy(), expected.to_numpy())


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_proxy_constants_reproduce_the_fit(corsica_data: Path) -> None:
    proxy, fallback = demand.calibrate()
    for stored, fitted in ((demand.PROXY, proxy), (demand.FALLBACK_PROXY, fallback)):
        assert fitted.inputs == stored.inputs
        assert fitted.n == stored.n
        assert round(fitted.intercept, 3) == stored.intercept
        assert tuple(round(c, 3) for _, c in fitted.coefficients) == tuple(
            c for _, c in stored.coefficients
        )
        assert round(fitted.r2, 3) == stored.r2
    assert 0.3 < proxy.r2 < 0.4


def test_proxy_used_where_ifn_missing() -> None:
    frame = pd.DataFrame(
        {
            "population": [1000, 1000, 1000, 1000],
            "ifn_score": [120.0, np.nan, np.nan, np.nan],
            "share_65_plus": [0.3, 0.3, np.nan, np.nan],
            "share_low_diploma": [0.4, 0.4, 0.4, np.nan],
            "poverty_rate": [0.2, 0.2, 0.2, 0.2],
            "unemployment_rate": [0.1, 0.1, 0.1, np.nan],
        }
    )
    fz = fragility(frame)
    assert fz["fragility_source"].tolist() == ["ifn", "proxy", "proxy_chomage", "neutre"]
    assert fz["fragility_factor"].tolist() == pytest.approx(
        [
            1.2,
            0.609 + 0.278 * 0.3 + 0.924 * 0.4 + 0.086 * 0.2,
            0.806 + 0.1609,
            1.0,
        ]
    )
    no_ifn = fragility(frame, DemandModel(use_ifn=False))
    assert no_ifn["fragility_source"].iloc[0] == "proxy"
    no_proxy = fragility(frame, DemandModel(proxy=None, fallback_proxy=None))
    assert no_proxy["fragility_source"].tolist() == ["ifn", "neutre", "neutre", "neutre"]


def test_weight_of_three_made_up_rows() -> None:
    """MADE-UP 3-row table: one row per fragility source (IFN, unemployment proxy, neutral)."""
    frame = pd.DataFrame({
        "population": [1000.0, 2000.0, 500.0],
        "ifn_score": [150.0, np.nan, np.nan],
        "unemployment_rate": [np.nan, 0.1, np.nan],
    })
    fz = fragility(frame)
    assert fz["fragility_source"].tolist() == ["ifn", "proxy_chomage", "neutre"]
    assert demand_weight(frame).tolist() == pytest.approx(
        [1000 * 0.154 * 1.5, 2000 * 0.154 * (0.806 + 1.609 * 0.1), 500 * 0.154 * 1.0]
    )
    model = DemandModel(base_rate=0.2, factor_max=1.2)
    assert demand_weight(frame, model).tolist() == pytest.approx(
        [1000 * 0.2 * 1.2, 2000 * 0.2 * (0.806 + 1.609 * 0.1), 500 * 0.2]
    )


def test_missing_population_stays_missing() -> None:
    frame = pd.DataFrame({"population": [100.0, np.nan], "ifn_score": [100.0, 100.0]})
    weights = demand_weight(frame)
    assert weights.iloc[0] == pytest.approx(15.4)
    assert np.isnan(weights.iloc[1])
    with pytest.raises(DataError, match="population"):
        demand_weight(pd.DataFrame({"ifn_score": [100.0]}))


scores = st.one_of(st.none(), st.floats(0, 400))
shares = st.one_of(st.none(), st.floats(0, 1))


@given(
    pops=st.lists(st.floats(0, 1e6), min_size=2, max_size=20),
    score=scores,
    s65=shares,
    dip=shares,
    pov=shares,
    unemp=shares,
    base=st.floats(0.01, 1.0),
    bounds=st.tuples(st.floats(0.1, 1.0), st.floats(1.0, 5.0)),
)
@settings(deadline=None)  # pandas on a shared, busy machine: a timing limit would be flaky
def test_weight_monotone_in_population_and_factor_bounded(
    pops, score, s65, dip, pov, unemp, base, bounds
) -> None:
    model = DemandModel(base_rate=base, factor_min=bounds[0], factor_max=bounds[1])
    pops = sorted(pops)
    frame = pd.DataFrame(
        {
            "population": pops,
            "ifn_score": score,
            "share_65_plus": s65,
            "share_low_diploma": dip,
            "poverty_rate": pov,
            "unemployment_rate": unemp,
        }
    ).astype("float64")
    fz = fragility(frame, model)
    assert fz["fragility_factor"].between(bounds[0], bounds[1]).all()
    weights = demand_weight(frame, model).to_numpy()
    assert (np.diff(weights) >= -1e-9 * max(1.0, weights.max())).all()
    np.testing.assert_allclose(weights, np.array(pops) * base * fz["fragility_factor"].to_numpy())


def test_config_roundtrip_and_validation() -> None:
    model = DemandModel(base_rate=0.17, factor_max=3.0)
    assert DemandModel.from_dict(model.to_dict()) == model
    assert DemandModel.from_dict({"base_rate": "0,2"}).base_rate == 0.2
    assert hash(model) == hash(DemandModel.from_dict(model.to_dict()))
    with pytest.raises(SettingsError, match="taux de base invalide") as err:
        DemandModel(base_rate=1.5)
    assert err.value.setting == "taux de base (--base-rate)"
    with pytest.raises(SettingsError, match="bornes du facteur") as err:
        DemandModel(factor_min=2.0, factor_max=1.0)
    assert err.value.setting == "facteur maximum (--factor-max)"
    with pytest.raises(SettingsError, match="bornes du facteur") as err:
        DemandModel(factor_min=0.0)
    assert err.value.setting == "facteur minimum (--factor-min)"
    with pytest.raises(SettingsError, match="paramètre de demande inconnu : taux"):
        DemandModel.from_dict({"taux": 0.1})
    with pytest.raises(SettingsError, match="valeur non numérique"):
        DemandModel.from_dict({"base_rate": "beaucoup"})
    assert model.with_changes(base_rate=0.1).base_rate == 0.1


def test_fit_proxy_recovers_exact_linear_relation() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 200)
    frame = pd.DataFrame(
        {"x": x, "ifn_score": 100 * (0.5 + 0.8 * x), "population": rng.uniform(1, 10, 200)}
    )
    fit = demand.fit_proxy(frame, ["x"])
    assert isinstance(fit, LinearProxy)
    assert fit.intercept == pytest.approx(0.5) and fit.coefficients[0][1] == pytest.approx(0.8)
    assert fit.r2 == pytest.approx(1.0) and fit.n == 200
    with pytest.raises(DataError, match="trop peu de lignes"):
        demand.fit_proxy(frame.head(2), ["x"])

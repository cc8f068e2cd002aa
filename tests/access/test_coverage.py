"""Coverage (planner.access.coverage) and underserved zones on Corsica (real data, road graph)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist

from planner.access.coverage import compute_coverage, demand_points
from planner.access.zones import adjacency
from planner.config import HELP_NETWORKS
from planner.errors import SettingsError
from planner.geo import CRS_METRIC
from planner.territory import select

pytestmark = pytest.mark.usefixtures("corsica_data")
CORSICA_POPULATION = 334_938


@pytest.fixture(scope="module")
def by_commune(corsica):
    """Default help networks, demand at town halls (the issue's reference setting)."""
    return compute_coverage(corsica, level="commune")


@pytest.fixture(scope="module")
def by_iris(corsica):
    return compute_coverage(corsica, ["la_poste", "france_services", "conseiller_numerique", "croix_rouge"])


def test_reference_figures_from_town_halls(by_commune, corsica):
    s = by_commune.summary()
    assert s["method"] == "road"
    assert s["population"] == CORSICA_POPULATION
    assert s["share_within"] == pytest.approx(0.935, abs=0.003)
    minutes = by_commune.communes["minutes"]
    assert minutes.median() == pytest.approx(24.5, abs=1.5)
    assert minutes.quantile(0.9) == pytest.approx(50, abs=3)
    with_poste = compute_coverage(corsica, [*HELP_NETWORKS, "la_poste"], level="commune")
    assert with_poste.summary()["share_within"] == pytest.approx(0.997, abs=0.002)


def test_readme_reference_figures(by_iris, coverage):
    """The README's figures: four networks (IRIS demand) and the default help networks."""
    s = by_iris.summary()
    # demand points at the town hall of a one-IRIS commune (issue 13): 99.55 % → 99.63 %
    assert (s["population_within"], s["share_within"]) == (333_682, 0.9963)
    assert (s["communes_underserved"], s["population_underserved"], len(s["zones"])) == (8, 1_256, 6)
    top = [(z["id"], len(z["communes"]), z["population"], z["unmet_demand"]) for z in s["zones"][:3]]
    assert top == [("Z01", 1, 695, 106.8), ("Z02", 3, 275, 37.2), ("Z03", 1, 100, 14.2)]
    assert [round(v, 3) for v in s["zones"][0]["centroid"]] == [8.735, 42.112]
    default = coverage.summary()
    # Aidants Connect (2024-02) counts as help by default: 0.9351, 155 communes, 16 zones without it
    assert default["share_within"] == 0.9357
    assert (default["communes_underserved"], len(default["zones"])) == (154, 16)


def test_commune_fragility_is_population_weighted_over_its_points(by_iris):
    points = by_iris.points
    ajaccio = points[points["insee"] == "2A004"]
    expected = (ajaccio["fragility_factor"] * ajaccio["population"]).sum() / ajaccio["population"].sum()
    communes = by_iris.communes.set_index("insee")
    assert communes.loc["2A004", "fragility_factor"] == pytest.approx(expected, rel=1e-12)
    assert communes["fragility_factor"].between(0.5, 2).all()


def test_iris_demand_points_keep_commune_populations(corsica):
    points = demand_points(corsica)
    assert points["population"].sum() == pytest.approx(CORSICA_POPULATION)
    per_commune = points.groupby("insee")["population"].sum()
    expected = corsica.communes.set_index("insee")["population"]
    assert np.allclose(per_commune.reindex(expected.index), expected)
    # Ajaccio is split into its IRIS; Bonifacio (absent from the IFN files) is one point
    assert (points["insee"] == "2A004").sum() > 10
    assert (points["insee"] == "2A041").sum() == 1
    assert points["demand"].notna().all() and (points["demand"] > 0).sum() > 300


def test_zones_partition_the_underserved(by_iris):
    s = by_iris.summary()
    assert sum(z["population"] for z in s["zones"]) == s["population_underserved"]
    assert s["population_within"] + s["population_underserved"] == s["population"]
    zoned = [c for z in s["zones"] for c in z["communes"]]
    assert len(zoned) == len(set(zoned)) == s["communes_underserved"]
    unmet = [z["unmet_demand"] for z in s["zones"]]
    assert unmet == sorted(unmet, reverse=True)


def test_zones_are_contiguous_and_bounded(by_commune):
    communes = by_commune.communes.set_index("insee")
    centroids = communes.geometry.to_crs(CRS_METRIC).centroid
    for zone in by_commune.zones.itertuples():
        members = list(zone.communes)
        xy = np.column_stack([centroids.loc[members].x, centroids.loc[members].y])
        if len(members) > 1:
            assert pdist(xy).max() <= 40_000
            adj = adjacency(communes.loc[members].geometry.to_crs(CRS_METRIC))
            assert connected_components(adj, directed=False)[0] == 1, zone.zone_id


def test_raising_the_threshold_never_lowers_coverage(by_iris, corsica):
    totals = by_iris.totals([5, 10, 15, 20, 30, 45, 60, 90])
    assert totals["population"].is_monotonic_increasing
    assert totals["demande"].is_monotonic_increasing
    # recomputed end to end at each threshold, zones included
    runs = [compute_coverage(corsica, by_iris.networks, t).summary() for t in (20, 30, 45)]
    within = [r["population_within"] for r in runs]
    assert within == sorted(within) and within[0] < within[-1]
    assert runs[1]["population_within"] == by_iris.summary()["population_within"]
    assert [r["communes_underserved"] for r in runs] == sorted((r["communes_underserved"] for r in runs), reverse=True)


def test_adding_a_site_never_lowers_coverage(corsica):
    sites = corsica.sites()
    fs = sites.index[sites["network"] == "france_services"]
    fewer = compute_coverage(corsica, ["france_services"], level="commune", sites=sites.drop(fs[:5]))
    more = compute_coverage(corsica, ["france_services"], level="commune", sites=sites)
    assert more.summary()["population_within"] >= fewer.summary()["population_within"]
    assert (more.points["minutes"] <= fewer.points["minutes"] + 1e-9).all()


def test_unique_population_is_what_removing_the_network_loses(by_iris, corsica):
    networks = by_iris.networks
    total = by_iris.summary()["population_within"]
    for network in ("la_poste", "conseiller_numerique"):
        without = compute_coverage(corsica, [n for n in networks if n != network])
        lost = total - without.summary()["population_within"]
        assert by_iris.by_network()[network]["unique_population"] == pytest.approx(lost, abs=1)


def test_town_halls_cover_every_commune_at_zero_minutes(corsica):
    result = compute_coverage(corsica, ["town_hall"], level="commune")
    assert (result.communes["minutes"] < 1e-6).all()
    assert result.summary()["share_within"] == 1.0
    assert len(result.zones) == 0


def test_overlap_matrix_diagonal_is_each_network_coverage(by_iris):
    overlap = by_iris.overlap()
    by_network = by_iris.by_network()
    for i, network in enumerate(by_iris.networks):
        assert overlap.iloc[i, i] == pytest.approx(by_network[network]["population_within"], abs=1)
    assert np.allclose(overlap.to_numpy(), overlap.to_numpy().T)


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_crow_fly_fallback_where_no_road_graph():
    lozere = select("48")
    result = compute_coverage(lozere, level="commune")
    s = result.summary()
    assert s["method"] == "crow_fly"
    assert s["population"] == int(lozere.communes["population"].sum())
    assert 0 < s["share_within"] < 1


def test_bad_inputs_are_refused_in_french(corsica):
    with pytest.raises(SettingsError, match="réseau inconnu") as err:
        compute_coverage(corsica, ["la_poste", "pigeons"])
    assert err.value.setting == "réseaux comptés comme aide (--networks)"
    with pytest.raises(SettingsError, match="seuil") as err:
        compute_coverage(corsica, threshold=0)
    assert "--threshold" in str(err.value)
    with pytest.raises(SettingsError, match="niveau de demande inconnu"):
        demand_points(corsica, level="canton")
    with pytest.raises(SettingsError, match="étendue de zone invalide"):
        compute_coverage(corsica, max_extent_km=0)


def test_cli_demand_settings_scale_the_demand(corsica_data):
    import json

    from typer.testing import CliRunner

    from planner.cli import app

    runner = CliRunner()
    base = json.loads(runner.invoke(app, ["coverage", "--territory", "2A004", "--json"]).stdout)
    doubled = json.loads(
        runner.invoke(app, ["coverage", "--territory", "2A004", "--base-rate", "0.308", "--json"]).stdout
    )
    assert doubled["demand"] == pytest.approx(2 * base["demand"], abs=0.2)
    assert doubled["population"] == base["population"]
    bad = runner.invoke(app, ["coverage", "--territory", "2A004", "--base-rate", "3"])
    assert bad.exit_code != 0

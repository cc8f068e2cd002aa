"""Tests of planner.optimize.modes: the four operating modes compared on real Corsica
(with their French table, JSON, text and chart from planner.outputs)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from planner import cli, config, fr
from planner.access.capacity import weekly_hours
from planner.data.hours import host_hours
from planner.data.schema import NETWORKS
from planner.errors import SettingsError
from planner.optimize.assumptions import ModeAssumptions
from planner.optimize.deployments import default_bases
from planner.optimize.modes import COLUMNS, MODES, Comparison, compare_modes
from planner.optimize.plan import make_plan
from planner.optimize.settings import PlanSettings
from planner.optimize.siting import MaximalCovering
from planner.outputs.charts import modes_chart
from planner.outputs.text.modes import COLUMN_LABELS, french, render, summary

ADVISORS = 4
FAST = ModeAssumptions(routing_time_limit_s=3)
#: People a year one advisor-hour a week serves (default rate × service weeks).
RATE_YEAR = config.PEOPLE_PER_ADVISOR_HOUR * config.SERVICE_WEEKS_PER_YEAR

pytestmark = pytest.mark.xdist_group("corsica_modes")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def result(corsica, coverage, travel) -> Comparison:
    return compare_modes(corsica, ADVISORS, FAST, 30, coverage=coverage, travel=travel)


@pytest.fixture(scope="module")
def frame(result: Comparison):
    return result.table


def _row(result: Comparison, mode: str) -> dict:
    """The mode's row, with its presence places as ``hosts`` (a list of dicts)."""
    row = result.table.set_index("mode").loc[mode].to_dict()
    row["hosts"] = result.hosts_of(mode).to_dict("records")
    return row


def _lonlat(hosts: list[dict]) -> np.ndarray:
    return np.array([[h["lon"], h["lat"]] for h in hosts])


# ----------------------------------------------------------------------------- the table


def test_one_row_per_mode_with_its_network(result, frame, corsica, coverage) -> None:
    assert frame.columns.tolist() == list(COLUMNS)  # English names only
    assert frame["mode"].tolist() == result.modes == ["fixed", "itinerant", "shared", "embedded"]
    assert frame["network"].tolist() == ["la_poste", "emmaus_connect", "croix_rouge", "groupe_sos"]
    assert frame["label"].tolist() == ["Fixe", "Itinérant", "Partagé", "Intégré"]
    assert result.method == "road" and result.threshold == 30.0 and result.advisors == ADVISORS
    assert result.territory is corsica and result.coverage is coverage and result.assumptions is FAST
    assert result.networks == FAST.covering_networks
    assert set(result.hosts["mode"]) == set(result.modes)
    shown = french(result)
    assert "Demande nouvellement à moins de 30 min" in shown.columns
    assert "Demande à moins de 30 min (avec les sites existants)" in shown.columns
    assert shown["Réseau de référence"].tolist() == [
        "La Poste", "Emmaüs Connect", "Croix-Rouge française", "Groupe SOS",
    ]  # fmt: skip
    assert len(shown.columns) == len(COLUMN_LABELS) - 1  # the mode code is dropped


def test_every_modes_figures_are_consistent(result, frame, coverage) -> None:
    weights = coverage.points["demand"].fillna(0).to_numpy()
    total, existing = weights.sum(), weights[coverage.within()].sum()
    assert result.demand_total == pytest.approx(total)
    assert result.demand_existing == pytest.approx(existing)
    for row in (_row(result, m) for m in result.modes):
        assert 0 <= row["demand_new"] <= total - existing + 1e-6
        assert row["demand_covered"] == pytest.approx(existing + row["demand_new"])
        assert 0 <= row["covered_share"] <= 1
        assert row["covered_share"] == pytest.approx(row["demand_covered"] / total)
        assert row["demand_new"] <= row["demand_reached"] + 1e-6
        assert 0 < row["presence_hours"] <= ADVISORS * 35 + 1e-9
        assert row["presence_hours"] + row["drive_hours"] <= ADVISORS * 35 + 1e-9
        assert row["drive_hours"] >= 0 and row["advisor_hours"] == ADVISORS * 35
        assert row["demand_per_advisor_hour"] == pytest.approx(row["demand_reached"] / 140)
        hosts = row["hosts"]
        assert row["places"] == len(hosts) == len({h["site_id"] for h in hosts})
        h = np.array([x["hours"] for x in hosts])
        d = np.array([x["demand_reached"] for x in hosts])
        assert h.sum() == pytest.approx(row["presence_hours"], abs=0.01 * len(hosts))
        # served demand: at most the capacity of the presence hours, at most what is within reach,
        # and what the places add to the existing sites' service is at most what they serve alone
        assert row["capacity"] == pytest.approx(row["presence_hours"] * RATE_YEAR, rel=1e-9)
        assert 0 <= row["served_added"] <= row["demand_served"] + 1e-6
        assert row["demand_served"] <= min(row["capacity"], row["demand_reached"]) + 1e-6
        served = np.array([x["served"] for x in hosts])
        assert (served <= h * RATE_YEAR + 0.1).all() and (served <= d + 0.1).all()
        assert served.sum() == pytest.approx(row["demand_served"], abs=0.1 * len(hosts) + 1e-6)
        assert row["hours_per_place"] == pytest.approx(row["presence_hours"] / row["places"])
        assert row["weighted_presence_hours"] == pytest.approx((h * d).sum() / d.sum(), rel=1e-3)
        assert row["demand_hours"] == pytest.approx((h * d).sum(), rel=1e-3)
    # Each mode brings demand within 30 min on Corsica, where 6.5 % of the demand is beyond
    # (Aidants Connect counted as help since the 2024 structures file).
    assert (frame["demand_new"] > 0).all()
    assert existing / total == pytest.approx(0.9346, abs=1e-4)  # IRIS holding the town hall: demand there


def _open_hours(corsica, site_ids) -> dict[str, float]:
    """Hours each host opens Monday to Friday (its own hours, else its kind's defaults)."""
    sites = corsica.sites().drop_duplicates("site_id").set_index("site_id")
    out = {}
    for sid in site_ids:
        s = sites.loc[sid]
        week, _ = host_hours(s["opening_hours"], s["kind"], s["network"])
        out[sid] = weekly_hours({d: week[d] for d in ("lun", "mar", "mer", "jeu", "ven") if d in week})
    return out


def test_fixed_and_embedded_stay_put_within_the_hosts_hours(result, corsica) -> None:
    partners = set(ModeAssumptions().partner_networks)
    for mode, allowed in (("fixed", {"la_poste"}), ("embedded", partners)):
        row = _row(result, mode)
        assert row["drive_hours"] == 0.0
        assert row["places"] == ADVISORS
        assert {h["network"] for h in row["hosts"]} <= allowed
        opened = _open_hours(corsica, [h["site_id"] for h in row["hosts"]])
        # an advisor is present at most 35 h and at most while the host is open, at hosts open >= 24 h
        for h in row["hosts"]:
            assert h["hours"] == pytest.approx(min(35.0, opened[h["site_id"]]))
            assert opened[h["site_id"]] >= config.MIN_OPEN_HOURS
        assert row["presence_hours"] == pytest.approx(sum(h["hours"] for h in row["hosts"]))
        idle = ADVISORS * 35 - row["presence_hours"]
        assert (f"{fr.hours(idle)} payées par semaine sans accueil ni conduite" in row["note"]) == (idle > 0.05)


def test_shared_advisors_split_the_week_between_base_and_partners(result, corsica, travel) -> None:
    row = _row(result, "shared")
    hosts = row["hosts"]
    bases = [h for h in hosts if h["network"] == "croix_rouge"]
    partners = [h for h in hosts if h["network"] != "croix_rouge"]
    # One base each, inside Corsica, 3 days there within its (default) hours: 3 x 6 h.
    assert len(bases) == ADVISORS and all(h["hours"] == pytest.approx(18) for h in bases)
    assert {h["insee"] for h in bases} <= set(corsica.communes["insee"])
    assert len(partners) == 2 * ADVISORS
    assert {h["network"] for h in partners} <= set(ModeAssumptions().partner_networks)
    # A partner day holds at least one permanence, at most the 7-hour day less the round trip.
    assert all(3 <= h["hours"] < 7 for h in partners)
    assert row["presence_hours"] + row["drive_hours"] <= ADVISORS * 35
    # Every partner lies within 45 minutes of a base.
    minutes = travel.matrix(_lonlat(bases), _lonlat(partners)).minutes
    assert (minutes.min(axis=0) <= 45).all()


def test_shared_days_zero_or_all_week(corsica, coverage, travel) -> None:
    at_base = dataclasses.replace(FAST, shared_days=0)
    row = _row(compare_modes(corsica, 2, at_base, coverage=coverage, travel=travel, modes=["shared"]), "shared")
    # five days at base, within the bases' (default) 6 hours a day
    assert row["drive_hours"] == 0 and row["presence_hours"] == 60 and row["places"] == 2
    assert {h["network"] for h in row["hosts"]} == {"croix_rouge"}
    # Every day out: the base is no presence place, five partners a week each.
    away = dataclasses.replace(FAST, shared_days=5)
    row = _row(compare_modes(corsica, 2, away, coverage=coverage, travel=travel, modes=["shared"]), "shared")
    assert "croix_rouge" not in {h["network"] for h in row["hosts"]}
    assert row["places"] == 10 and row["drive_hours"] > 0
    assert row["presence_hours"] + row["drive_hours"] <= 70


def test_itinerant_is_the_weekly_plan_of_make_plan(result, corsica, coverage, travel) -> None:
    row = _row(result, "itinerant")
    bases = default_bases(corsica, ADVISORS)
    assert bases == ("2A004", "2B033", "2A247", "2B042")  # Ajaccio, Bastia, Porto-Vecchio, Borgo
    settings = PlanSettings(
        advisors=ADVISORS, bases=bases, window=("09:00", "16:00"), stops=5 * ADVISORS,
        stop_minutes=180, time_limit=3, seed=1,
    )  # fmt: skip
    plan = make_plan(corsica, settings, coverage=coverage, travel=travel)
    visits = plan.routes.visits
    # the plan's served demand: the existing sites' plus at most what its presence hours can serve
    presence = sum((v.end_s - v.start_s) / 3600 for v in visits) / plan.routes.weeks
    assert coverage.served_demand - 1e-6 <= plan.served_demand <= coverage.served_demand + presence * RATE_YEAR + 1e-6
    assert plan.summary()["served_demand"] == round(plan.served_demand, 1)
    # Each stop held once a week for 3 h: presence = 3 h per place.
    assert row["presence_hours"] == pytest.approx(3 * len(visits))
    assert row["weighted_presence_hours"] == pytest.approx(3)
    assert row["presence_hours"] + row["drive_hours"] <= ADVISORS * 35
    if plan.routes.solver.reproducible:
        assert row["demand_covered"] == pytest.approx(plan.covered_demand)
        assert row["drive_hours"] == pytest.approx(plan.routes.drive_minutes / 60)
        assert sorted(h["site_id"] for h in row["hosts"]) == sorted({v.key for v in visits})


def test_more_advisors_never_cover_less_when_stationed(corsica, coverage, travel) -> None:
    runs = {
        k: compare_modes(corsica, k, FAST, coverage=coverage, travel=travel, modes=("fixed", "embedded"))
        for k in (1, 2, 4, 6)
    }
    for mode in ("fixed", "embedded"):
        values = [_row(runs[k], mode)["demand_new"] for k in sorted(runs)]
        assert all(b >= a - 1e-6 for a, b in itertools.pairwise(values))
    # One advisor: the best single La Poste office and partner structure for Corsica.
    assert runs[1].hosts_of("fixed")["name"].tolist() == ["SISCO BP"]
    assert _row(runs[1], "fixed")["demand_new"] == pytest.approx(269.5, abs=0.1)
    assert runs[1].hosts_of("embedded")["name"].tolist() == ["Mairie de Pietra-di-Verde"]


# ----------------------------------------------------------------------------- assumptions


@pytest.fixture()
def no_solver(monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("un calcul a été lancé malgré des réglages impossibles")

    monkeypatch.setattr("planner.optimize.modes.compute_coverage", boom)
    monkeypatch.setattr("planner.optimize.deployments.make_plan", boom)
    monkeypatch.setattr(MaximalCovering, "solve", boom)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"advisors": 0}, "nombre de conseillers invalide : 0"),
        ({"threshold": 0}, "seuil invalide : 0 min"),
        ({"modes": ("fixed", "mobile")}, "mode inconnu : « mobile »"),
        (
            {"assumptions": ModeAssumptions(itinerant_bases=("75056",))},
            "base inconnue ou hors du territoire : « 75056 »",
        ),
        (
            {"assumptions": ModeAssumptions(itinerant_bases=("2A004", "2B033"))},
            "2 bases pour 4 conseillers",
        ),
    ],
)
def test_impossible_settings_are_refused_before_any_solver(
    corsica, no_solver, kwargs, message
) -> None:
    kwargs = {"advisors": ADVISORS, **kwargs}
    with pytest.raises(SettingsError) as info:
        compare_modes(corsica, **kwargs)
    assert message in str(info.value)


def test_a_coverage_computed_with_other_settings_is_refused(corsica, coverage, no_solver) -> None:
    with pytest.raises(SettingsError, match="ne correspond pas au seuil") as info:
        compare_modes(corsica, 2, FAST, threshold=45, coverage=coverage)
    assert "--threshold" in info.value.setting
    with pytest.raises(SettingsError, match="ne correspond pas aux réseaux") as info:
        compare_modes(corsica, 2, ModeAssumptions(covering_networks=("la_poste",)), coverage=coverage)
    assert info.value.setting.startswith("Réseaux dont les sites existants couvrent déjà")


# ----------------------------------------------------------------------------- chart, JSON, CLI


def test_chart_uses_the_networks_colours(result, frame) -> None:
    spec = modes_chart(result).to_dict()
    colour = spec["spec"]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["Fixe", "Itinérant", "Partagé", "Intégré"]
    assert colour["range"] == [
        NETWORKS[n][1] for n in ("la_poste", "emmaus_connect", "croix_rouge", "groupe_sos")
    ]
    assert [MODES[m].colour for m in frame["mode"]] == colour["range"]
    assert spec["resolve"]["scale"]["y"] == "independent"
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 4 * 4  # four figures for four modes
    assert {d["indicateur"] for d in data} == {
        "Demande nouvellement à moins de 30 min",
        "Présence pondérée par la demande (h/sem.)",
        "Conduite (h/sem.)",
        "Demande servie en plus des sites existants (par an)",
    }


def test_summary_and_text_are_french_and_json_ready(result) -> None:
    data = json.loads(json.dumps(summary(result)))
    assert [m["mode"] for m in data["modes"]] == list(MODES)
    assert [len(m["hosts"]) for m in data["modes"]] == result.table["places"].tolist()
    text = render(data)
    assert text.startswith("Territoire : Corse-du-Sud, Haute-Corse (2A,2B) — 4 conseillers, seuil 30\u00a0min")
    assert "Partagé (Croix-Rouge française) : +" in text and "\u00a0h de conduite par semaine" in text


def test_cli_compare_prints_the_four_modes(corsica_data, result) -> None:
    args = ["compare", "--territory", "2A,2B", "--advisors", "4", "--time-limit", "3", "--json"]
    run = CliRunner().invoke(cli.app, args)
    assert run.exit_code == 0, run.output
    data = json.loads(run.stdout)
    assert {"territory", "advisors", "threshold_min", "assumptions", "modes"} <= set(data)
    assert (data["territory"], data["advisors"], data["threshold_min"]) == ("2A,2B", 4, 30.0)
    assert data["assumptions"]["shared_days"] == 2 and data["assumptions"]["weekly_hours"] == 35
    assert [m["mode"] for m in data["modes"]] == ["fixed", "itinerant", "shared", "embedded"]
    for m in data["modes"]:
        for key in ("demand_new", "demand_covered", "weighted_presence_hours", "drive_hours",
                    "demand_per_advisor_hour"):  # fmt: skip
            assert isinstance(m[key], float)
    # The stationed and shared modes are exact optima: the CLI gives the library's figures.
    expected = summary(result)["modes"]
    for got, want in zip(data["modes"], expected):
        if got["mode"] != "itinerant":
            assert got == want


# ----------------------------------------------------------------------------- served demand, conclusion


def _figures_of(sentence: str) -> list[int]:
    """The whole numbers of a French sentence (« 1 067 » is one number)."""
    return [int(re.sub(r"\D", "", n)) for n in re.findall(r"\d[\d\u202f\u00a0]*", sentence)]


def test_the_conclusion_is_built_from_the_table(result) -> None:
    data = summary(result)
    text = data["conclusion"]
    assert text == render(data).split("\n")[-1]
    modes = {m["mode"]: m for m in data["modes"]}
    it = modes["itinerant"]
    best = max((m for k, m in modes.items() if k != "itinerant"), key=lambda m: m["served_added"])
    a, b = round(it["served_added"]), round(best["served_added"])
    assert text.startswith(f"À heures égales ({ADVISORS} conseillers, 140\u00a0h payées par semaine), l'itinérance sert ")
    assert ("de plus" in text) == (a > b) and ("de moins" in text) == (a < b)
    name = {"fixed": "le mode fixe", "shared": "le mode partagé", "embedded": "le mode intégré"}[best["mode"]]
    assert f"par an que {name} ({fr.integer(a)} contre {fr.integer(b)} en plus des sites existants)" in text
    numbers = _figures_of(text)
    assert abs(a - b) in numbers and round(it["demand_new"]) in numbers and round(best["demand_new"]) in numbers
    if it["hours_per_place"] < best["hours_per_place"]:
        assert f"chaque lieu n'est ouvert que {fr.hours(it['hours_per_place'], 0)} par semaine" in text


@pytest.mark.parametrize("spec", ["48", "48096", "200069151"])  # Lozère, Meyrueis, Gorges Causses Cévennes
def test_shared_bases_stay_inside_the_territory(real_data, spec) -> None:
    from planner.territory import select

    territory = select(spec)
    comparison = compare_modes(territory, ADVISORS, FAST, 30, modes=("shared", "fixed"))
    inside = set(territory.communes["insee"])
    shared = _row(comparison, "shared")
    assert shared["places"] > 0
    assert {h["insee"] for h in shared["hosts"]} <= inside  # bases and partners
    assert {h["insee"] for h in _row(comparison, "fixed")["hosts"]} <= inside
    # the bases reach demand: none sits idle, 0 demand within reach (Le Vigan, in the Gard, did)
    assert all(h["demand_reached"] > 0 for h in shared["hosts"])
    for mode in comparison.modes:
        row = _row(comparison, mode)
        assert row["demand_served"] <= row["demand_reached"] + 1e-6
    coverage = comparison.coverage
    assert coverage.served_demand <= coverage.service.allocation.reachable_total + 1e-6

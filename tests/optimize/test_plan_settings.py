"""Tests of planner.optimize.settings: plan settings that check themselves, and the
coverage check shared by make_plan and compare_modes.

Every input here is MADE-UP (inline): no snapshot is needed.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pandas as pd
import pytest

from planner import config
from planner.access.demand import DemandModel
from planner.errors import SettingsError
from planner.optimize.settings import PlanSettings, check_coverage

# ----------------------------------------------------------------------------- PlanSettings


def test_defaults_are_read_from_config_when_made(monkeypatch) -> None:
    settings = PlanSettings()
    assert (settings.advisors, settings.stops, settings.days, settings.window) == (
        config.DEFAULT_ADVISORS, config.DEFAULT_STOPS, config.DEFAULT_DAYS, config.DEFAULT_WINDOW,
    )  # fmt: skip
    assert (settings.stop_minutes, settings.time_limit, settings.seed) == (180.0, 10.0, 1)
    assert settings.networks == config.HELP_NETWORKS
    assert settings.candidate_networks == config.CANDIDATE_NETWORKS
    monkeypatch.setattr(config, "DEFAULT_STOPS", 7)
    assert PlanSettings().stops == 7  # read at construction, not at import


def test_settings_are_frozen_and_lists_become_tuples() -> None:
    settings = PlanSettings(days=["lun", "mar"], bases=["2A004"], window=["08:00", "16:00"])
    assert settings.days == ("lun", "mar") and settings.bases == ("2A004",)
    assert settings.window == ("08:00", "16:00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.advisors = 3  # type: ignore[misc]
    assert dataclasses.replace(settings, advisors=1).advisors == 1


@pytest.mark.parametrize(
    ("changes", "message", "setting"),
    [
        ({"advisors": 0}, "il faut au moins un conseiller", "--advisors"),
        ({"days": ()}, "aucun jour travaillé", "--days"),
        ({"days": ("lun", "dim")}, "jour inconnu : « dim »", "--days"),
        ({"days": ("lun", "lun")}, "jour répété", "--days"),
        ({"bases": ("2A004", "2B033", "2A247")}, "3 bases pour 2 conseillers", "--bases"),
        ({"stops": 0}, "il faut au moins un arrêt", "--stops"),
        ({"stop_minutes": 0}, "durée de permanence invalide : 0 min", "--stop-minutes"),
        ({"frequency": "monthly"}, "fréquence inconnue « monthly »", "--frequency"),
        ({"window": ("9h", "17h")}, "plage horaire invalide : « 9h-17h »", "--window"),
        ({"window": ("17:00", "09:00")}, "plage horaire invalide : « 17:00-09:00 »", "--window"),
        ({"window": ("09:00", "11:00")},
         "la journée 09:00–11:00 (2\u00a0h) est plus courte qu'une permanence (3\u00a0h)", "--window"),
        ({"max_drive_minutes": -5}, "conduite maximale invalide : -5 min", "--max-drive"),
        ({"threshold": 0}, "seuil invalide : 0 min", "--threshold"),
        ({"networks": ("poste",)}, "réseau inconnu : « poste »", "--networks"),
        ({"networks": ()}, "aucun réseau", "--networks"),
        ({"candidate_networks": ("mairie",)}, "réseau inconnu : « mairie »", "lieux candidats"),
        ({"time_limit": 0}, "temps de calcul invalide : 0 s", "--time-limit"),
        ({"seed": 1.5}, "graine invalide : 1.5", "--seed"),
    ],
)
def test_impossible_settings_are_refused_in_french_at_construction(
    changes: dict, message: str, setting: str
) -> None:
    with pytest.raises(SettingsError) as info:
        PlanSettings(**changes)
    assert message in str(info.value)
    assert setting in info.value.setting and str(info.value).startswith("réglage « ")


def test_a_day_exactly_one_permanence_long_is_accepted() -> None:
    """The routing layer's rule: a day holds a permanence when it is at least as long."""
    PlanSettings(window=("09:00", "12:00"), stop_minutes=180)
    with pytest.raises(SettingsError, match="plus courte qu'une permanence"):
        PlanSettings(window=("09:00", "11:59"), stop_minutes=180)


def test_hand_picked_stops_need_no_stop_count() -> None:
    assert PlanSettings(stops=0, chosen_stops=("a", "b")).chosen_stops == ("a", "b")


# ----------------------------------------------------------------------------- check_coverage


def _territory(spec: str, codes: list[str]) -> SimpleNamespace:
    """A MADE-UP territory: only what the check reads (spec and INSEE codes)."""
    return SimpleNamespace(spec=spec, insee=pd.Index(codes))


def _coverage(territory, threshold=30.0, networks=("france_services", "croix_rouge"), model=None):
    """A MADE-UP coverage: only what the check reads."""
    return SimpleNamespace(territory=territory, threshold=threshold, networks=list(networks),
                           demand_model=model or DemandModel())


HERE = _territory("made-up", ["00001", "00002"])


def test_a_coverage_with_the_same_settings_passes() -> None:
    coverage = _coverage(HERE)
    check_coverage(coverage, HERE, 30, ("croix_rouge", "france_services"))  # order does not matter
    check_coverage(coverage, _territory("other spec, same communes", ["00002", "00001"]), 30.0,
                   ["france_services", "croix_rouge"], DemandModel())
    # No demand model asked for: any model of the coverage is accepted.
    check_coverage(_coverage(HERE, model=DemandModel(base_rate=0.3)), HERE, 30, coverage.networks)


@pytest.mark.parametrize(
    ("territory", "threshold", "networks", "model", "message", "setting"),
    [
        (_territory("elsewhere", ["00001"]), 30, ("france_services", "croix_rouge"), None,
         "au territoire (« made-up » au lieu de « elsewhere »)", "--territory"),
        (HERE, 45, ("france_services", "croix_rouge"), None,
         "au seuil (30\u00a0min au lieu de 45\u00a0min)", "--threshold"),
        (HERE, 30, ("france_services",), None, "aux réseaux qui couvrent déjà", "--networks"),
        (HERE, 30, ("france_services", "croix_rouge"), DemandModel(base_rate=0.3),
         "au modèle de demande", "modèle de demande"),
    ],
)
def test_a_coverage_with_other_settings_is_refused(
    territory, threshold, networks, model, message: str, setting: str
) -> None:
    with pytest.raises(SettingsError) as info:
        check_coverage(_coverage(HERE), territory, threshold, networks, model)
    assert f"la couverture fournie ne correspond pas {message}" in str(info.value)
    assert setting in info.value.setting


def test_the_networks_setting_is_named_as_the_caller_shows_it() -> None:
    with pytest.raises(SettingsError) as info:
        check_coverage(_coverage(HERE), HERE, 30, ("la_poste",), networks_setting="Réseaux qui couvrent")
    assert info.value.setting == "Réseaux qui couvrent"

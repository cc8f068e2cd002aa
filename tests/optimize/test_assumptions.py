"""Tests of planner.optimize.assumptions: the comparison's assumptions check themselves.

Every input here is MADE-UP (inline): no snapshot is needed.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from planner import config
from planner.errors import SettingsError
from planner.optimize.assumptions import ModeAssumptions, setting


def test_assumptions_are_frozen_documented_and_adjustable() -> None:
    a = ModeAssumptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.weekly_hours = 30  # type: ignore[misc]
    assert set(a.labels()) == {f.name for f in dataclasses.fields(a)}
    assert a.window == ("09:00", "16:00") and a.daily_minutes == 420
    four_days = dataclasses.replace(a, weekly_hours=32, days=["lun", "mar", "jeu", "ven"])
    assert four_days.days == ("lun", "mar", "jeu", "ven") and four_days.window == ("09:00", "17:00")
    assert ModeAssumptions(itinerant_bases="2A004, 2B033").itinerant_bases == ("2A004", "2B033")
    assert json.loads(json.dumps(a.as_dict()))["covering_networks"][0] == "france_services"


def test_the_plans_defaults_are_shared_and_read_when_made(monkeypatch) -> None:
    a = ModeAssumptions()
    assert (a.stop_minutes, a.routing_time_limit_s, a.seed, a.days) == (
        config.DEFAULT_STOP_MINUTES, config.ROUTING_TIME_LIMIT_S, config.DEFAULT_SEED, config.DEFAULT_DAYS,
    )  # fmt: skip
    assert a.partner_networks == config.PARTNER_NETWORKS == (
        "town_hall", "france_services", "emmaus_connect", "groupe_sos", "reconnect",
    )  # fmt: skip
    assert set(config.PARTNER_NETWORKS) <= set(config.HOST_NETWORKS)
    monkeypatch.setattr(config, "DEFAULT_SEED", 7)
    assert ModeAssumptions().seed == 7


@pytest.mark.parametrize(
    ("changes", "message", "name"),
    [
        ({"weekly_hours": 0}, "valeur invalide (0)", "weekly_hours"),
        ({"days": ()}, "aucun jour travaillé", "days"),
        ({"days": ("lun", "dim")}, "jour inconnu : « dim »", "days"),
        ({"days": ("lun", "lun")}, "jour répété", "days"),
        ({"day_start": "9h"}, "heure invalide « 9h »", "day_start"),
        ({"weekly_hours": 35, "days": ("lun",), "day_start": "20:00"}, "ne tiennent pas", "weekly_hours"),
        ({"stop_minutes": 480}, "une permanence de 480 min ne tient pas dans une journée de 7\u00a0h",
         "stop_minutes"),
        ({"shared_days": 6}, "6 jour(s) pour 5 jour(s) travaillé(s)", "shared_days"),
        ({"shared_reach_minutes": -5}, "valeur invalide (-5)", "shared_reach_minutes"),
        ({"covering_networks": ("poste",)}, "réseau inconnu : « poste »", "covering_networks"),
        ({"covering_networks": ()}, "aucun réseau", "covering_networks"),
        ({"partner_networks": ("mairie",)}, "réseau inconnu : « mairie »", "partner_networks"),
        ({"stops_per_advisor": 0}, "valeur invalide (0)", "stops_per_advisor"),
        ({"routing_time_limit_s": 0}, "valeur invalide (0)", "routing_time_limit_s"),
        ({"seed": "un"}, "valeur invalide (un)", "seed"),
    ],
)
def test_impossible_assumptions_are_refused_in_french(changes: dict, message: str, name: str) -> None:
    with pytest.raises(SettingsError) as info:
        ModeAssumptions(**changes)
    assert message in str(info.value)
    assert info.value.setting == setting(name) and str(info.value).startswith("réglage « ")


def test_settings_name_the_cli_option_when_there_is_one() -> None:
    assert setting("shared_reach_minutes") == (
        "Trajet maximal de la base aux structures partenaires (min) (--shared-reach)"
    )
    assert setting("day_start") == "Début de journée"  # a form field only

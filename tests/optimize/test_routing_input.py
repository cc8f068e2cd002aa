"""Tests of planner.optimize.routing_input: advisors and stops check themselves.

Every input here is MADE-UP (hand-written matrices and settings, no real data).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from planner import config
from planner.errors import SettingsError
from planner.optimize.routing_input import Advisor, Stop, check_inputs

# MADE-UP: 3 places, travel seconds and metres.
DURATIONS = np.array([[0, 600, 1200], [600, 0, 900], [1200, 900, 0]], dtype=float)
DISTANCES = DURATIONS * 10


@pytest.mark.parametrize(
    ("kwargs", "setting", "message"),
    [
        ({"days": ()}, "jours", "» : conseiller : aucun jour travaillé"),
        ({"days": ("dim",), "name": "Anna"}, "jours", "conseiller « Anna » : jour inconnu ou non travaillé « dim »"),
        ({"window": ("17:00", "09:00")}, "plage horaire", r"la fin de journée \(09:00\) précède le début \(17:00\)"),
        ({"window": ("9h", "17:00")}, "plage horaire", "heure invalide « 9h »"),
        ({"window": ("09:00",)}, "plage horaire", "doit avoir un début et une fin"),
        ({"max_drive_minutes": 0}, "conduite maximale", "limite de conduite quotidienne invalide"),
        ({"base": -1}, "bases de départ", "base invalide"),
        ({"base": True}, "bases de départ", "base invalide"),
    ],
)  # fmt: skip
def test_advisor_checks_itself_at_construction(kwargs: dict, setting: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        Advisor(**({"base": 0} | kwargs))
    assert caught.value.setting == setting
    assert str(caught.value).startswith(f"réglage « {setting} » : ")


@pytest.mark.parametrize(
    ("kwargs", "setting", "message"),
    [
        ({"minutes": 0}, "durée de permanence", "durée de permanence invalide"),
        ({"minutes": math.inf}, "durée de permanence", "durée de permanence invalide"),
        ({"frequency": "monthly"}, "fréquence", "fréquence inconnue « monthly »"),
        ({"demand": -1}, "demande", "demande invalide"),
        ({"hours": {"lun": [("12:00", "09:00")]}}, "horaires d'ouverture", "plage d'ouverture vide 12:00–09:00"),
        ({"hours": {"xyz": [("09:00", "12:00")]}}, "horaires d'ouverture", "jour d'ouverture inconnu « xyz »"),
        ({"hours": "Mo-Fr 09:00-12:00"}, "horaires d'ouverture", "horaires d'ouverture illisibles"),
        ({"index": 1.5}, "arrêts", "lieu invalide"),
    ],
)  # fmt: skip
def test_stop_checks_itself_at_construction(kwargs: dict, setting: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        Stop(**({"index": 1, "name": "Corte"} | kwargs))
    assert caught.value.setting == setting


def test_defaults_come_from_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Advisor(0).days == config.DEFAULT_DAYS
    assert Advisor(0).window == config.DEFAULT_WINDOW
    assert Stop(1).minutes == config.DEFAULT_STOP_MINUTES
    monkeypatch.setattr(config, "DEFAULT_STOP_MINUTES", 90.0)
    assert Stop(1).minutes == 90.0  # read when the stop is made


def test_derived_fields() -> None:
    advisor = Advisor(0, days=("ven", "lun", "lun"), window=("08:30", "16:45"))
    assert advisor.working_days == ("lun", "ven")
    assert advisor.window_minutes == (510, 1005)
    assert Stop(1, hours=math.nan).hours is None  # a missing table value means unknown hours


def test_check_inputs_returns_matrices_and_horizon() -> None:
    durations = DURATIONS.copy()
    durations[0, 2] = np.nan
    dur, dist, weeks = check_inputs([Advisor(0)], [Stop(1), Stop(2)], durations, DISTANCES, 5, None)
    assert dur[0, 2] == math.inf and dur[0, 1] == 600
    assert dist.shape == (3, 3) and weeks == 1
    fortnightly = [Stop(1, frequency="fortnightly")]
    assert check_inputs([Advisor(0)], fortnightly, DURATIONS, DISTANCES, 5, None)[2] == 2
    with pytest.raises(SettingsError, match="horizon de 3 semaine") as caught:
        check_inputs([Advisor(0)], [Stop(1)], DURATIONS, DISTANCES, 5, 3)
    assert caught.value.setting == "semaines"

"""The error family (:mod:`planner.errors`), on MADE-UP messages: no snapshot needed."""

from __future__ import annotations

import pickle

import pytest

from planner.errors import DataError, PlannerError, SettingsError, SolverError


def test_data_error_names_file_row_column_and_hint() -> None:
    err = DataError("valeur illisible", file="/data/sites/poste.csv", row=12, column="insee",
                    hint="corrigez le code INSEE")
    assert str(err) == ("fichier « poste.csv », ligne 12, colonne « insee » : valeur illisible"
                        " — corrigez le code INSEE")
    assert (err.file, err.row, err.column, err.hint) == ("/data/sites/poste.csv", 12, "insee", "corrigez le code INSEE")
    assert err.message == "valeur illisible"


def test_data_error_parts_are_optional() -> None:
    assert str(DataError("fichier vide", file="a/b.csv")) == "fichier « b.csv » : fichier vide"
    assert str(DataError("ligne en trop", row=3)) == "ligne 3 : ligne en trop"
    assert str(DataError("rien")) == "rien"


def test_settings_error_names_the_setting_as_the_user_sees_it() -> None:
    err = SettingsError("il faut au moins un conseiller", setting="nombre de conseillers",
                        hint="choisissez 1 ou plus")
    assert str(err) == "réglage « nombre de conseillers » : il faut au moins un conseiller — choisissez 1 ou plus"
    assert err.setting == "nombre de conseillers"
    assert str(SettingsError("seuil invalide")) == "seuil invalide"


def test_solver_error_and_hint() -> None:
    assert str(SolverError("HiGHS n'a pas trouvé de solution", hint="réduisez le nombre d'arrêts")) == (
        "HiGHS n'a pas trouvé de solution — réduisez le nombre d'arrêts"
    )


@pytest.mark.parametrize(("cls", "builtin"), [
    (DataError, ValueError), (SettingsError, ValueError), (SolverError, RuntimeError),
])
def test_family(cls: type[PlannerError], builtin: type[Exception]) -> None:
    assert issubclass(cls, PlannerError) and issubclass(cls, builtin)
    with pytest.raises(PlannerError, match=r"^panne$"):
        raise cls("panne")


@pytest.mark.parametrize("err", [
    DataError("valeur illisible", file="x/poste.csv", row=2, column="insee", hint="corrigez"),
    SettingsError("trop court", setting="--window", hint="allongez"),
    SolverError("échec"),
])
def test_errors_survive_pickling(err: PlannerError) -> None:
    """Errors cross process boundaries (pytest-xdist, worker pools) with their parts."""
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert str(back) == str(err)
    assert back.__dict__ == err.__dict__

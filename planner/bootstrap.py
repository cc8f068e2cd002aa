"""``python -m planner`` from a fresh clone: run the command in the project's environment.

An interpreter without the project's dependencies (a fresh clone's system Python) runs
``python -m planner …`` again in the clone's ``.venv``, creating it first with
``make install`` when it is absent or incomplete; what it does is said in French on the
standard error (the standard output stays for the command's JSON). Standard library only:
it runs before any dependency can be imported.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

#: The clone's root (``Makefile``, ``pyproject.toml``) and its environment's interpreter.
ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
#: Dependencies whose absence means « not the project's environment ».
NEEDED = ("geopandas", "typer", "highspy", "pyvrp")


def missing() -> list[str]:
    """The dependencies this interpreter cannot import."""
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def ensure_environment(argv: list[str]) -> None:
    """Return if this interpreter has the dependencies; else re-run ``argv`` in ``.venv``
    (installed first with ``make install``), or exit with a French message saying what to do."""
    absent = missing()
    if not absent:
        return
    inside = Path(sys.prefix).resolve() == VENV_PYTHON.parent.parent.resolve()
    makefile = ROOT / "Makefile"
    if not inside and makefile.exists() and shutil.which("make"):
        if not VENV_PYTHON.exists() or subprocess.run(
                [str(VENV_PYTHON), "-c", "import " + ", ".join(NEEDED)], capture_output=True).returncode:
            _say("Première utilisation : installation de l'environnement du projet (.venv, make install)…")
            done = subprocess.run(["make", "-s", "-C", str(ROOT), "install"], stdout=sys.stderr)
            if done.returncode:
                _fail(absent, "« make install » a échoué (voir ci-dessus : accès au dépôt de paquets ?)")
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), "-m", "planner", *argv])
    _fail(absent, "cet interpréteur n'a pas les dépendances du projet")


def _fail(absent: list[str], why: str) -> None:
    _say(f"Erreur : {why} ; modules absents : {', '.join(absent)}.\n"
         f"Que faire : dans {ROOT}, lancez « make install » (ou « pip install -e . ») avec un accès "
         "au dépôt de paquets, puis « .venv/bin/python -m planner … ».")
    raise SystemExit(1)

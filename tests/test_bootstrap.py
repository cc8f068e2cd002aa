"""``python -m planner`` from an interpreter without the dependencies (a fresh clone's system Python)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner import bootstrap

ROOT = Path(__file__).resolve().parents[1]


def _bare_python() -> str | None:
    """A Python ≥ 3.11 of this machine that lacks geopandas (the system one, usually)."""
    for name in ("/usr/bin/python3", shutil.which("python3")):
        if not name or not Path(name).exists() or Path(name).resolve() == Path(sys.executable).resolve():
            continue
        probe = subprocess.run([name, "-c", "import sys, importlib.util; print(sys.version_info >= (3, 11) and "
                                "importlib.util.find_spec('geopandas') is None)"], capture_output=True, text=True)
        if probe.stdout.strip() == "True":
            return name
    return None


def test_this_environment_has_every_dependency() -> None:
    assert bootstrap.missing() == []
    bootstrap.ensure_environment(["layers"])  # returns: nothing to do here


def test_a_python_without_the_dependencies_runs_the_command_in_the_venv(tmp_path) -> None:
    python = _bare_python()
    if python is None or not bootstrap.VENV_PYTHON.exists():
        pytest.skip("pas d'interpréteur sans les dépendances, ou pas de .venv, sur cette machine")
    env = {k: v for k, v in os.environ.items() if k not in ("PLANNER_DATA_DIR", "VIRTUAL_ENV", "PYTHONPATH")}
    env["HOME"] = str(tmp_path)
    done = subprocess.run([python, "-m", "planner", "layers", "--territory", "2A,2B", "--json"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)  # stdout holds the JSON alone
    assert payload["communes"] == 360 and payload["sites"]["france_services"] == 37


def test_without_make_it_says_what_to_do_in_french(monkeypatch, capsys) -> None:
    monkeypatch.setattr(bootstrap, "missing", lambda: ["geopandas"])
    monkeypatch.setattr(bootstrap.shutil, "which", lambda _name: None)
    with pytest.raises(SystemExit) as done:
        bootstrap.ensure_environment(["layers"])
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Erreur : cet interpréteur n'a pas les dépendances du projet ; modules absents : geopandas.")
    assert "lancez « make install »" in err and "Traceback" not in err


def test_a_failed_install_is_reported_not_retried(monkeypatch, capsys, tmp_path) -> None:
    """Made-up clone: a venv path that does not exist and a ``make`` that fails."""
    monkeypatch.setattr(bootstrap, "missing", lambda: ["geopandas"])
    monkeypatch.setattr(bootstrap, "VENV_PYTHON", tmp_path / ".venv" / "bin" / "python")
    calls = []
    monkeypatch.setattr(bootstrap.subprocess, "run",
                        lambda cmd, **kw: calls.append(cmd) or subprocess.CompletedProcess(cmd, 2))
    monkeypatch.setattr(bootstrap.os, "execv", lambda *a: pytest.fail("execv after a failed install"))
    with pytest.raises(SystemExit):
        bootstrap.ensure_environment(["layers"])
    assert calls == [["make", "-s", "-C", str(bootstrap.ROOT), "install"]]
    err = capsys.readouterr().err
    assert "Première utilisation" in err and "« make install » a échoué" in err

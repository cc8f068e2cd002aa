"""The ``planner`` command line: help, ``python -m planner``, French errors, ``layers``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from planner import config
from planner.cli import app

runner = CliRunner()


def _planner(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m planner ARGS`` in a fresh process (the test's environment)."""
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=cwd, env=dict(os.environ),
                          capture_output=True, text=True, timeout=600)


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("layers", "data", "travel", "coverage", "plan", "compare"):
        assert command in result.output
    assert "Planificateur de couverture territoriale" in result.output


def test_option_defaults_come_from_config() -> None:
    result = runner.invoke(app, ["plan", "--help"], terminal_width=200, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"default: {config.DEFAULT_TERRITORY}" in text
    assert f"default: {','.join(config.DEFAULT_DAYS)}" in text
    assert f"default: {'-'.join(config.DEFAULT_WINDOW)}" in text
    assert f"default: {config.DEFAULT_STOPS}" in text


def test_python_dash_m_planner_help(tmp_path: Path) -> None:
    done = _planner("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "plan" in done.stdout and "coverage" in done.stdout


def test_bad_territory_is_a_french_message_exit_2(corsica_data: Path, tmp_path: Path) -> None:
    done = _planner("layers", "--territory", "ZZ", cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("Erreur : ")
    assert "ZZ" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_bad_option_value_exit_2_without_traceback(tmp_path: Path) -> None:
    done = _planner("plan", "--advisors", "beaucoup", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout


def test_layers_json_on_corsica(corsica_data: Path) -> None:
    result = runner.invoke(app, ["layers", "--territory", "2A,2B", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["territory"] == "2A,2B"
    assert payload["communes"] == 360
    assert payload["population"] == 334_938
    assert payload["sites"]["la_poste"] == 194
    assert payload["sites"]["france_services"] == 37
    assert payload["sites"]["conseiller_numerique"] == 20
    assert payload["sites"]["croix_rouge"] == 12
    assert payload["sites"]["town_hall"] == 360
    suspects = payload["skipped_rows"]["croix_rouge"]["in_territory"]
    assert any(s["insee"] and "position" in s["motif"] for s in suspects)


def test_layers_text_on_corsica(corsica_data: Path) -> None:
    result = runner.invoke(app, ["layers", "--territory", "2A"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Territoire : ")
    assert "Communes : 124" in result.stdout

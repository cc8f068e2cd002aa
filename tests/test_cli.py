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
    assert f"défaut : {config.DEFAULT_TERRITORY}" in text
    assert f"défaut : {','.join(config.DEFAULT_DAYS)}" in text
    assert f"défaut : {'-'.join(config.DEFAULT_WINDOW)}" in text
    assert f"défaut : {config.DEFAULT_STOPS}" in text


#: click's and Typer's own English words, none of which may remain in a ``--help``.
ENGLISH_HELP = ("Usage:", "Options", "Commands", "Show this message", "Arguments", "[default: ", "[required]",
                "[OPTIONS]", "COMMAND [ARGS]", "<str>", "<int>", "<float>", "<bool>", "<path>")


def test_every_help_is_french() -> None:
    for args in ([], ["plan"], ["data"], ["data", "fetch"], ["roads", "import"], ["coverage"], ["compare"]):
        result = runner.invoke(app, [*args, "--help"], terminal_width=200, env={"COLUMNS": "200"})
        assert result.exit_code == 0, (args, result.output)
        text = " ".join(result.output.split())
        assert text.startswith("Utilisation : "), (args, text[:80])
        assert "Afficher cette aide et quitter." in text
        assert [w for w in ENGLISH_HELP if w in text] == [], args
    entries = runner.invoke(app, ["roads", "import", "--help"], terminal_width=200, env={"COLUMNS": "200"}).output
    assert "Entrées" in entries and "[obligatoire]" in entries and "<chemin>" in entries


def test_usage_errors_are_french(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "--stops", "abc"], terminal_width=200, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "Valeur invalide pour '--stops' : un nombre entier est attendu" in text
    assert "Essayez « " in text and "Try " not in text
    unknown = runner.invoke(app, ["plan", "--bogus"], terminal_width=200, env={"COLUMNS": "200"})
    assert "Réglage inconnu : --bogus" in " ".join(unknown.output.split())
    assert "Commande inconnue : « nope »" in " ".join(runner.invoke(app, ["nope"]).output.split())


def test_python_dash_m_planner_help(tmp_path: Path) -> None:
    done = _planner("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "plan" in done.stdout and "coverage" in done.stdout
    assert "Utilisation : " in done.stdout and "Show this message" not in done.stdout


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

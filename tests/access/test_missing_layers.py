"""Missing data degrades, never blocks: optional layers fail soft (named, with what they
change and what helps), needed ones fail loud.

Data folders here are the real snapshots, symlinked, with one layer removed or replaced
by a MADE-UP broken file (an empty file, as a cut download leaves).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner.access.coverage import compute_coverage
from planner.errors import DataError
from planner.outputs.text.coverage import render_coverage
from planner.territory import select


def _folder(corsica_data: Path, root: Path, *, drop: str = "", empty: str = "") -> Path:
    """The snapshot folder symlinked file by file, without ``drop`` and with ``empty`` emptied."""
    for src in corsica_data.rglob("*"):
        rel = src.relative_to(corsica_data).as_posix()
        if src.is_dir() or (drop and rel.startswith(drop)):
            continue
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if rel == empty:
            dest.write_bytes(b"")
        else:
            dest.symlink_to(src)
    return root


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_empty_la_poste_file_does_not_stop_a_coverage_that_does_not_count_it(
    corsica_data: Path, tmp_path: Path
) -> None:
    data = _folder(corsica_data, tmp_path / "data", empty="laposte/laposte_poincont2_2020.csv")
    env = {**os.environ, "PLANNER_DATA_DIR": str(data)}
    done = subprocess.run(
        [sys.executable, "-m", "planner.cli", "coverage", "--territory", "48", "--level", "commune",
         "--json"], capture_output=True, text=True, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert "la_poste" not in payload["networks"]
    assert payload["population"] > 70_000 and payload["share_within"] > 0.5
    la_poste = [w for w in payload["warnings"] if w.startswith("La Poste — points de contact illisible")]
    assert len(la_poste) == 1
    assert "sites non comptés" in la_poste[0] and "fichier vide" in la_poste[0]
    assert "planner data fetch --layers la_poste" in la_poste[0]  # fetch can get this one
    assert [m["layer"] for m in payload["missing_layers"]].count("la_poste") == 1


def test_a_broken_network_asked_for_by_name_fails_loud(
    corsica_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _folder(corsica_data, tmp_path / "data", empty="laposte/laposte_poincont2_2020.csv")
    monkeypatch.setenv("PLANNER_DATA_DIR", str(data))
    with pytest.raises(DataError, match="vide"):
        compute_coverage(select("48"), ["la_poste"], level="commune")


def test_missing_density_means_default_speeds(
    corsica_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _folder(corsica_data, tmp_path / "data", drop="indicators/densite")
    monkeypatch.setenv("PLANNER_DATA_DIR", str(data))
    result = compute_coverage(select("48"), level="commune")
    summary = result.summary()
    density = [w for w in summary["warnings"] if w.startswith("densité absente : vitesses par défaut")]
    assert len(density) == 1
    assert "planner data fetch --layers densite" in density[0]
    assert summary["population"] > 70_000
    text = render_coverage(summary)
    assert "Données manquantes (le calcul continue sans elles) :" in text
    assert "densité absente : vitesses par défaut" in text


def test_broken_ifn_falls_back_with_a_warning(
    corsica_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _folder(corsica_data, tmp_path / "data", empty="indicators/ifn_2020/iris/48.csv")
    monkeypatch.setenv("PLANNER_DATA_DIR", str(data))
    result = compute_coverage(select("48"), level="iris")
    summary = result.summary()
    assert summary["population"] > 70_000
    ifn = [w for w in summary["warnings"] if w.startswith("IFN")]
    assert ifn, summary["warnings"]
    # IFN 2020 cannot be fetched: the message says how to get it, never « planner data fetch »
    assert all("planner data fetch" not in w and "fragilite-numerique.fr" in w for w in ifn)
    # no IRIS point for Lozère: demand per commune, every factor from a documented source
    assert result.points["iris"].isna().all()
    assert result.points["fragility_factor"].notna().all()


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_complete_data_gives_no_warning(corsica_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_DATA_DIR", str(corsica_data))
    summary = compute_coverage(select("2A"), level="commune").summary()
    assert summary["method"] == "road"
    assert summary["warnings"] == [] and summary["missing_layers"] == []

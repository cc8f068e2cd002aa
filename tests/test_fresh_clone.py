"""A clone with nothing beside it: the CLI and the app run on the demo bundle.

The repository's files (``git ls-files``, with the files not yet committed that git
does not ignore, so ``geodata/demo/``) are copied into an empty folder; the commands
run there with a fresh ``HOME``, no ``PLANNER_*`` variable and no data folder, as a new
user would after ``git clone``: the Corsica figures are those of the full snapshots.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner import fr

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

#: What ``planner layers --territory 2A,2B --json`` gives on the full snapshots.
CORSICA_SITES = {"la_poste": 194, "france_services": 37, "conseiller_numerique": 20,
                 "croix_rouge": 12, "town_hall": 360}

_APP_CHECK = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=600)
at.run()
print(json.dumps({
    "exceptions": [e.value for e in at.exception],
    "errors": [e.value for e in at.error],
    "titles": [t.value for t in at.title],
    "metrics": {m.label: m.value for m in at.metric},
    "warnings": [w.value for w in at.warning],
}, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The repository copied to an empty folder, and the environment of a new user."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    files = [f for f in listed if f and (ROOT / f).is_file()]
    assert "geodata/demo/manifest.json" in files, "le lot geodata/demo/ n'est pas suivi par git"
    base = tmp_path_factory.mktemp("fresh")
    target = base / "clone"
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    home = base / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PLANNER_", "XDG_", "PYTEST", "STREAMLIT")) and k != "CI"}
    env.update(HOME=str(home), PYTHONPATH=str(target))
    return target, env


def _run(clone: tuple[Path, dict[str, str]], *args: str) -> subprocess.CompletedProcess[str]:
    folder, env = clone
    return subprocess.run([sys.executable, *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=1200)


def test_cli_on_a_fresh_clone_gives_the_snapshot_counts(clone) -> None:
    done = _run(clone, "-m", "planner", "layers", "--territory", "2A,2B", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out["communes"] == 360 and out["population"] == 334_938
    assert {k: out["sites"][k] for k in CORSICA_SITES} == CORSICA_SITES
    folder, _ = clone
    bundle = str(folder / "geodata" / "demo")
    assert out["sources"]["la_poste"]["file"].startswith(bundle)  # the clone's own bundle
    # planner data status reads the same folders: the per-user one (empty), the bundle behind
    status = _run(clone, "-m", "planner", "data", "status", "--json")
    assert status.returncode == 0, status.stderr[-3000:]
    report = json.loads(status.stdout)
    assert report["data_dir"] == str(Path(clone[1]["HOME"]) / ".local" / "share" / "planner")
    layers = {entry["name"]: entry for entry in report["layers"]}
    assert layers["la_poste"]["present"] and layers["la_poste"]["rows"] == 194
    assert layers["la_poste"]["folder"] == bundle
    assert layers["roads"]["files"] == ["roads/2a_2b.roads.npz"]


def test_app_on_a_fresh_clone_shows_the_full_couverture_page(clone) -> None:
    done = _run(clone, "-c", _APP_CHECK)
    assert done.returncode == 0, done.stderr[-3000:]
    page = json.loads(done.stdout.strip().splitlines()[-1])
    assert page["exceptions"] == [] and page["errors"] == [], page
    assert page["titles"][0] == "Couverture de l'aide au numérique"
    # the page's figure is the CLI's in the same clone (which tests/data/test_bundle.py
    # checks equal to the full snapshots')
    cli = _run(clone, "-m", "planner", "coverage", "--territory", "2A,2B", "--json")
    assert cli.returncode == 0, cli.stderr[-3000:]
    coverage = json.loads(cli.stdout)
    assert coverage["method"] == "road"
    shown = page["metrics"][f"Population à moins de {fr.duration(30)}"]
    assert shown == fr.integer(coverage["population_within"])
    assert coverage["population_within"] > 300_000
    assert not [w for w in page["warnings"] if "absent" in w], page["warnings"]

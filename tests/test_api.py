"""The public API (``import planner as pl``): the README's five lines, laziness, names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What ``import planner`` must not load.
HEAVY = ("geopandas", "pyvrp", "streamlit", "highspy", "osmnx", "folium")


def readme_python_block() -> str:
    """The first ``python`` code block of the README's « Use it from Python » section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use it from Python", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "no python block in the README's « Use it from Python » section"
    return match.group(1)


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (the test's environment, so PLANNER_DATA_DIR)."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=dict(os.environ),
        capture_output=True, text=True, timeout=900,
    )


def test_readme_block_is_the_five_lines() -> None:
    lines = [line.split("#")[0].strip() for line in readme_python_block().strip().splitlines()]
    assert lines == [
        "import planner as pl",
        't = pl.select("2A,2B")',
        "cov = pl.coverage(t, threshold=30)",
        "plan = pl.plan(t, advisors=2, stops=8, time_limit=5, seed=1)",
        'files = pl.export(plan, "out/")',
    ]


@pytest.mark.slow
def test_readme_five_lines_run_in_a_fresh_process(corsica_data: Path, tmp_path: Path) -> None:
    check = """
import dataclasses, json, pandas, geopandas
modes = pl.compare(t, advisors=4, coverage=cov)
print(json.dumps({
    "compare_dataclass": dataclasses.is_dataclass(modes), "modes": modes.table["mode"].tolist(),
    "territory": type(t).__name__, "label": t.label,
    "share_within": cov.share_within, "share_type": type(cov.share_within).__name__,
    "communes_gdf": isinstance(cov.communes, geopandas.GeoDataFrame), "communes": len(cov.communes),
    "zones": len(cov.zones),
    "visits_df": isinstance(plan.visits, pandas.DataFrame), "visits": len(plan.visits),
    "stops": len(plan.stops), "advisors": sorted(set(plan.visits["advisor"].tolist())),
    "files": [str(f) for f in files],
}))
"""
    done = run_python(readme_python_block() + check, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["territory"] == "Territory"
    assert out["compare_dataclass"]
    assert sorted(out["modes"]) == ["embedded", "fixed", "itinerant", "shared"]
    assert out["share_type"] == "float"
    assert 0 < out["share_within"] <= 1
    assert out["communes_gdf"] and out["communes"] == 360  # Corsica's communes
    assert out["visits_df"] and out["visits"] >= 1
    assert 1 <= out["stops"] <= 8
    assert set(out["advisors"]) <= {1, 2}
    files = [Path(f) if Path(f).is_absolute() else tmp_path / f for f in out["files"]]
    suffixes = {f.suffix for f in files}
    assert {".csv", ".xlsx", ".geojson", ".gpx", ".ics", ".html", ".pdf"} <= suffixes
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)
    assert all(f.resolve().parent == (tmp_path / "out").resolve() for f in files)


def test_import_planner_is_light(tmp_path: Path) -> None:
    code = (
        "import json, sys\nimport planner as pl\n"
        f"before = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "pl.PlannerError, pl.DataError, pl.SettingsError, pl.SolverError\n"
        f"after = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print(json.dumps([before, after]))\n"
    )
    done = run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[], []]


def test_public_names_resolve_to_their_modules(tmp_path: Path) -> None:
    code = """
import json, planner as pl
import planner.api, planner.access.coverage, planner.errors, planner.optimize.plan, planner.optimize.settings, planner.territory
print(json.dumps({
    "select": pl.select is planner.api.select,
    "coverage": pl.coverage is planner.api.coverage,
    "plan": pl.plan is planner.api.plan,
    "export": pl.export is planner.api.export,
    "compare": pl.compare is planner.api.compare,
    "Territory": pl.Territory is planner.territory.Territory,
    "Coverage": pl.Coverage is planner.access.coverage.Coverage,
    "PlanResult": pl.PlanResult is planner.optimize.plan.PlanResult,
    "PlanSettings": pl.PlanSettings is planner.optimize.settings.PlanSettings,
    "errors": [issubclass(getattr(pl, n), pl.PlannerError) for n in ("DataError", "SettingsError", "SolverError")],
    "in_dir": sorted(set(pl.__all__) - set(dir(pl))),
}))
"""
    done = run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert out.pop("errors") == [True, True, True]
    assert out.pop("in_dir") == []
    assert all(out.values()), out


def test_coverage_is_the_api_function_whatever_is_imported_first(tmp_path: Path) -> None:
    """``pl.coverage`` stays the API function when the stage modules are imported too."""
    code = """
import planner.access.coverage
import planner as pl
import planner.api
print(pl.coverage is planner.api.coverage, callable(pl.coverage))
"""
    done = run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True", "True"]


def test_unknown_name_is_an_attribute_error() -> None:
    import planner

    with pytest.raises(AttributeError, match="no_such_thing"):
        planner.no_such_thing  # noqa: B018


def test_settings_error_for_a_bad_threshold(corsica_data: Path) -> None:
    from planner.api import coverage, select
    from planner.errors import SettingsError

    with pytest.raises(SettingsError):
        coverage(select("2A"), threshold=-5)

"""Tests of planner.optimize.siting_highs: HiGHS solves silently (MADE-UP tiny MILPs)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import scipy.sparse as sp

from planner.optimize.siting_highs import solve_milp


def _milp(row_lower: float, row_upper: float, start: np.ndarray | None = None):
    """MADE-UP: maximise 3 x0 + 2 x1 over binaries with row_lower <= x0 + x1 <= row_upper."""
    return solve_milp(
        sense_max=True,
        cost=np.array([3.0, 2.0]),
        lower=np.zeros(2),
        upper=np.ones(2),
        integer=np.array([True, True]),
        matrix=sp.csc_matrix(np.ones((1, 2))),
        row_lower=np.array([row_lower]),
        row_upper=np.array([row_upper]),
        start=start,
        time_limit=10.0,
        mip_rel_gap=0.0,
        seed=0,
    )


def test_optimum_and_report() -> None:
    out = _milp(1, 1, start=np.array([0.0, 1.0]))
    assert out.status == "optimal" and out.values.tolist() == [1.0, 0.0]
    assert out.objective == 3.0 and out.mip_gap == 0.0


def test_infeasible_model_has_no_values() -> None:
    out = _milp(3, 3)
    assert out.status == "infeasible" and out.values is None


def test_nothing_is_printed() -> None:
    # In a fresh process: HiGHS writes its banner once per process, on the C stdout.
    code = (
        "import numpy as np, scipy.sparse as sp\n"
        "from planner.optimize.siting_highs import solve_milp\n"
        "solve_milp(sense_max=True, cost=np.ones(1), lower=np.zeros(1), upper=np.ones(1),\n"
        "    integer=np.array([True]), matrix=sp.csc_matrix(np.ones((1, 1))),\n"
        "    row_lower=np.zeros(1), row_upper=np.ones(1), start=None, time_limit=5.0,\n"
        "    mip_rel_gap=0.0, seed=0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout == "" and run.stderr == ""

"""One MILP solved with HiGHS (``highspy``), silently, and what HiGHS reports about it.

HiGHS writes its log, and once per process an English banner, on the C standard
output; :class:`planner.highs.QuietHighs` switches the log off (``output_flag``) before the banner
can be written, so nothing reaches the console.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from planner.highs import QuietHighs

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
}


@dataclass(frozen=True)
class MilpResult:
    """What HiGHS returned for one MILP.

    Attributes
    ----------
    status
        ``"optimal"``, ``"time_limit"``, ``"infeasible"`` or HiGHS's own status text.
    values
        Column values when HiGHS has a feasible solution, else ``None``.
    objective, dual_bound, mip_gap
        Objective of the solution (``nan`` without one), best bound, relative gap.
    nodes, runtime_s
        Branch-and-bound nodes and solve time (seconds).
    """

    status: str
    values: np.ndarray | None
    objective: float
    dual_bound: float
    mip_gap: float
    nodes: int
    runtime_s: float


def solve_milp(
    *,
    sense_max: bool,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    matrix: sp.csc_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    start: np.ndarray | None,
    time_limit: float,
    mip_rel_gap: float,
    seed: int,
) -> MilpResult:
    """Solve ``row_lower <= matrix @ x <= row_upper``, ``lower <= x <= upper`` with HiGHS.

    Parameters
    ----------
    sense_max
        Maximise ``cost @ x`` (else minimise).
    cost, lower, upper, integer
        Per column: objective coefficient, bounds, whether it is integer.
    matrix, row_lower, row_upper
        The constraint rows.
    start
        A feasible starting solution (``setSolution``), or ``None``.
    time_limit, mip_rel_gap, seed
        HiGHS options ``time_limit`` (seconds), ``mip_rel_gap``, ``random_seed``.

    Returns
    -------
    The status, values and figures HiGHS reports.
    """
    lp = highspy.HighsLp()
    lp.num_col_ = int(cost.size)
    lp.num_row_ = int(row_lower.size)
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.sense_ = highspy.ObjSense.kMaximize if sense_max else highspy.ObjSense.kMinimize
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
        for flag in integer
    ]
    matrix = matrix.tocsc()
    matrix.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)

    h = QuietHighs()
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", int(seed))
    h.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = list(map(float, start))
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    code = _STATUS.get(status, h.modelStatusToString(status))
    has_values = info.primal_solution_status == 2  # kSolutionStatusFeasible
    gap = float(info.mip_gap) if has_values else math.inf
    return MilpResult(
        status=code,
        values=np.asarray(h.getSolution().col_value, dtype=float) if has_values else None,
        objective=float(info.objective_function_value) if has_values else math.nan,
        dual_bound=float(info.mip_dual_bound),
        mip_gap=0.0 if code == "optimal" and gap < 1e-9 else gap,
        nodes=int(info.mip_node_count),
        runtime_s=float(h.getRunTime()),
    )

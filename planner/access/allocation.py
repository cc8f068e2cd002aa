"""Demand allocated exactly to capacity-limited sites (:func:`allocate`), solved by HiGHS.

The capacity-constrained assignment of :mod:`planner.access.capacity`: demand points ×
reachable sites as a transportation linear programme (maximise the demand served under
each point's demand and each site's capacity, then, at that maximum, the travel time),
built from the sparse pairs (:class:`planner.travel.results.SparseTravel`). The pairs
split into independent groups (connected components of the point–site graph); a group
where no site can be saturated is answered directly (each point at its nearest site), the
others are solved by HiGHS (``highspy``) — or, beyond
:data:`planner.config.ALLOCATION_LP_MAX_PAIRS` pairs (all of France), as a maximum flow
(Dinic, :func:`scipy.sparse.csgraph.maximum_flow`, demand counted to the thousandth of
a person): the same total served, without the nearer-site tie-break.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, maximum_flow

from planner import config
from planner.errors import SettingsError, SolverError
from planner.highs import QuietHighs

__all__ = ["Allocation", "allocate", "pattern"]

@dataclass(frozen=True)
class Allocation:
    """Demand served by capacity-limited sites.

    Attributes
    ----------
    served
        Demand served of each demand point (``<= demand``).
    per_site
        Demand served by each site (``<= capacity``).
    flows
        CSR matrix (points × sites): the demand of each point served at each site, on
        the reachable pairs.
    total
        Demand served in all (``served.sum()``).
    reachable_total
        Demand of the points with at least one site within reach (« demande à portée »).
    minutes_mean
        Mean travel time of the demand served (weighted by it), NaN without minutes or service.
    method
        How it was solved: ``"direct"`` (no site can be saturated), ``"lp"`` (HiGHS, nearer
        sites first) or ``"max_flow"`` (beyond the LP size: same total, no tie-break).
    """

    served: np.ndarray
    per_site: np.ndarray
    flows: sp.csr_matrix
    total: float
    reachable_total: float
    minutes_mean: float = float("nan")
    method: str = "direct"

    @property
    def unserved_reachable(self) -> float:
        """Demand within reach but not served (« à portée mais non servie »)."""
        return max(self.reachable_total - self.total, 0.0)


def allocate(
    demand: np.ndarray,
    capacity: np.ndarray,
    reach: sp.csr_matrix,
    minutes: sp.csr_matrix | None = None,
) -> Allocation:
    """Allocate demand to reachable sites under their capacity, serving as much as possible.

    The linear programme: one variable ``x[i, j] >= 0`` per reachable pair (point ``i``,
    site ``j``); ``sum_j x[i, j] <= demand[i]``, ``sum_i x[i, j] <= capacity[j]``;
    maximise ``sum x``. With ``minutes``, a second pass keeps that maximum and minimises
    ``sum minutes[i, j] * x[i, j]`` (people go to nearer sites first). When no site can
    be saturated (each site's capacity covers all the demand that reaches it) the answer
    is direct: every point served in full at its nearest site, no solver.

    Parameters
    ----------
    demand
        Demand of each point (people a week; NaN counts as 0), shape ``(n_points,)``.
    capacity
        Demand each site can serve a week (``inf``: unbounded), shape ``(n_sites,)``.
    reach
        CSR matrix ``(n_points, n_sites)``: a stored entry is a reachable pair (stored
        ``False`` of a boolean matrix excepted), so :attr:`SparseTravel.minutes
        <planner.travel.results.SparseTravel>` itself, zeros included, may be passed.
    minutes
        Travel time of the pairs (same shape; read on the pairs of ``reach``), or None.

    Returns
    -------
    Allocation

    Raises
    ------
    SettingsError
        Negative or NaN capacity, negative or infinite demand, shapes that disagree.
    SolverError
        HiGHS finds no optimal solution (not expected: the problem is always feasible).
    """
    d = np.nan_to_num(np.asarray(demand, dtype=float), nan=0.0)
    cap = np.asarray(capacity, dtype=float)
    _check(d, cap, reach)
    rows, cols, m = _pairs(reach, minutes)
    reachable = np.zeros(len(d), dtype=bool)
    reachable[rows] = True
    reachable_total = float(d[reachable].sum())
    keep = (d[rows] > 0) & (cap[cols] > 0)
    rows, cols, m = rows[keep], cols[keep], (None if m is None else m[keep])
    x = _nearest(d, rows, m)
    hard = _saturable(d, cap, rows, cols)
    method = "direct"
    if hard.any():
        sub = (rows[hard], cols[hard], None if m is None else m[hard])
        method = "lp" if hard.sum() <= config.ALLOCATION_LP_MAX_PAIRS else "max_flow"
        x[hard] = (_solve if method == "lp" else _max_flow)(d, cap, *sub)
    x = _feasible(x, d, cap, rows, cols)
    flows = sp.csr_matrix((x, (rows, cols)), shape=(len(d), len(cap)))
    served = np.bincount(rows, weights=x, minlength=len(d))
    per_site = np.bincount(cols, weights=x, minlength=len(cap))
    total = float(served.sum())
    mean = float(np.dot(m, x) / total) if m is not None and total > 0 else float("nan")
    return Allocation(served, per_site, flows, total, reachable_total, mean, method)


def pattern(pairs: sp.spmatrix) -> sp.csr_matrix:
    """The boolean CSR matrix of the stored pairs (stored zeros kept as pairs, stored ``False`` dropped)."""
    m = sp.csr_matrix(pairs)
    keep = m.data.astype(bool) if m.dtype == bool else np.ones(m.nnz, dtype=bool)
    out = sp.csr_matrix((keep, m.indices.copy(), m.indptr.copy()), shape=m.shape)
    out.eliminate_zeros()  # on copies: the caller's matrix keeps its stored pairs
    return out


def _check(d: np.ndarray, cap: np.ndarray, reach: sp.spmatrix) -> None:
    if d.ndim != 1 or cap.ndim != 1 or reach.shape != (len(d), len(cap)):
        raise SettingsError(
            f"dimensions incohérentes : {len(d)} points, {len(cap)} sites, paires {reach.shape}",
            setting="capacité des lieux",
        )
    if (d < 0).any() or not np.isfinite(d).all():
        raise SettingsError("demande négative ou infinie", setting="demande")
    if np.isnan(cap).any() or (cap < 0).any():
        raise SettingsError("capacité négative ou non renseignée", setting="capacité des lieux",
                            hint="donnez une capacité positive ou nulle (inf : sans limite)")


def _pairs(reach: sp.spmatrix, minutes: sp.spmatrix | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Return the reachable pairs (rows, columns) and their minutes (or None)."""
    r = sp.csr_matrix(reach)
    r.sum_duplicates()
    rows = np.repeat(np.arange(r.shape[0]), np.diff(r.indptr))
    cols = r.indices.astype(np.int64)
    if r.dtype == bool:
        ok = r.data.astype(bool)
        rows, cols = rows[ok], cols[ok]
    if minutes is None:
        return rows, cols, None
    mm = sp.csr_matrix(minutes)
    if mm.shape != r.shape:
        raise SettingsError(f"dimensions incohérentes : temps {mm.shape}, paires {r.shape}", setting="temps de trajet")
    same = r.dtype != bool and np.array_equal(mm.indptr, r.indptr) and np.array_equal(mm.indices, r.indices)
    if same:
        values = mm.data.astype(float)
    elif rows.size == 0:
        values = np.zeros(0)
    else:
        values = np.asarray(mm[rows, cols], dtype=float).ravel()
    return rows, cols, values


def _saturable(d: np.ndarray, cap: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Mask of the pairs in a group (connected component of points and sites) holding a
    site whose capacity is below the demand that reaches it; elsewhere nearest is optimal."""
    reaching = np.bincount(cols, weights=d[rows], minlength=len(cap))
    short = reaching > cap
    if not short.any():
        return np.zeros(len(rows), dtype=bool)
    n = len(d)
    graph = sp.coo_matrix((np.ones(len(rows)), (rows, n + cols)), shape=(n + len(cap),) * 2)
    _, label = connected_components(graph, directed=False)
    hard_group = np.zeros(label.max() + 1, dtype=bool)
    hard_group[label[n + np.flatnonzero(short)]] = True
    return hard_group[label[rows]]


def _nearest(d: np.ndarray, rows: np.ndarray, m: np.ndarray | None) -> np.ndarray:
    """All of each point's demand at its nearest pair (its first pair without minutes)."""
    if len(rows) == 0:
        return np.zeros(0)
    key = np.zeros(len(rows)) if m is None else m
    order = np.lexsort((key, rows))
    first = order[np.r_[True, rows[order][1:] != rows[order][:-1]]]
    x = np.zeros(len(rows))
    x[first] = d[rows[first]]
    return x


def _max_flow(d: np.ndarray, cap: np.ndarray, rows: np.ndarray, cols: np.ndarray, m: np.ndarray | None) -> np.ndarray:
    """The most demand served, as a maximum flow source → points → sites → sink (Dinic).

    Capacities are integers: demand in thousandths of a person (fewer when the total
    would overflow 32 bits); an unbounded site takes the demand that reaches it. ``m``
    is not used: at this size the flow keeps no nearer-site tie-break.
    """
    points, r = np.unique(rows, return_inverse=True)
    sites, c = np.unique(cols, return_inverse=True)
    dp, reaching = d[points], np.bincount(c, weights=d[rows], minlength=len(sites))
    cs = np.minimum(cap[sites], reaching)
    scale = min(1000.0, (2**31 - 1) / max(float(dp.sum()), 1.0))
    units = lambda v: np.floor(v * scale).astype(np.int64)  # noqa: E731 - local unit conversion
    n_p, n_s = len(points), len(sites)
    source, sink = n_p + n_s, n_p + n_s + 1
    tails = np.r_[np.full(n_p, source), r, n_p + np.arange(n_s)]
    heads = np.r_[np.arange(n_p), n_p + c, np.full(n_s, sink)]
    caps = np.r_[units(dp), units(dp[r]), units(cs)].astype(np.int32)
    graph = sp.csr_matrix((caps, (tails, heads)), shape=(sink + 1, sink + 1))
    flow = maximum_flow(graph, source, sink).flow.tocsr()
    return np.asarray(flow[r, n_p + c], dtype=float).ravel() / scale


def _solve(d: np.ndarray, cap: np.ndarray, rows: np.ndarray, cols: np.ndarray, m: np.ndarray | None) -> np.ndarray:
    """Solve the transportation LP (max served, then min minutes at that maximum) with HiGHS."""
    n_pairs, n_points = len(rows), len(d)
    # constraint rows: points 0..n_points-1, then sites
    a = sp.csc_matrix(
        (np.ones(2 * n_pairs), (np.r_[rows, n_points + cols], np.r_[np.arange(n_pairs), np.arange(n_pairs)])),
        shape=(n_points + len(cap), n_pairs),
    )
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_pairs, a.shape[0]
    lp.col_cost_ = np.ones(n_pairs)
    lp.col_lower_, lp.col_upper_ = np.zeros(n_pairs), np.full(n_pairs, inf)
    lp.row_lower_ = np.full(a.shape[0], -inf)
    lp.row_upper_ = np.r_[d, np.where(np.isfinite(cap), cap, inf)]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_pairs, a.shape[0]
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    h = QuietHighs()
    h.passModel(lp)
    _run(h)
    if m is not None:
        best = float(h.getInfo().objective_function_value)
        everything = np.arange(n_pairs, dtype=np.int32)
        h.addRow(best, inf, n_pairs, everything, np.ones(n_pairs))
        h.changeColsCost(n_pairs, everything, np.asarray(m, dtype=float))
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        _run(h)
    return np.asarray(h.getSolution().col_value, dtype=float)


def _run(h: highspy.Highs) -> None:
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"répartition de la demande sous capacité : HiGHS s'arrête sans optimum ({h.modelStatusToString(status)})")


def _feasible(x: np.ndarray, d: np.ndarray, cap: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Clip the solver's tolerances away: ``x >= 0``, then scale rows and columns down to their bounds."""
    x = np.clip(x, 0.0, None)
    for index, bound in ((rows, d), (cols, cap)):
        sums = np.bincount(index, weights=x, minlength=len(bound))
        over = sums > bound
        scale = np.ones(len(bound))
        scale[over] = bound[over] / sums[over]
        x = x * scale[index]
    return x

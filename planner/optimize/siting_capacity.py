"""Where to stop when each place serves at most its capacity: capacitated maximal service.

A stop visited 3 hours a week helps at most ``stop_capacity × rate × weeks`` people a
year (:mod:`planner.access.capacity`, ≈ 32 for a weekly 3-hour permanence), so covering
the demand within ``T`` is the wrong objective. :class:`MaximalService` chooses ``k``
stops among free candidate columns to maximise the demand *served* under capacity by
the chosen stops and the locked (existing) sites together, then, at that optimum, the
demand newly *covered* (within ``T`` of a chosen stop), so that ties between stops of
equal service go to the ones that bring help within reach of more people.

The MILP (HiGHS through :func:`planner.optimize.siting_highs.solve_milp`): ``z_j``
binary (open free candidate ``j``), flows ``x_ij >= 0`` on the reachable pairs (demand
point ``i``, place ``j``) of the candidates and of the locked sites, ``y_r`` in
``[0, 1]`` (row ``r`` newly covered); ``sum_j x_ij <= demand_i``, ``sum_i x_ij <=
cap_j z_j`` (free) or ``<= cap_j`` (locked), ``sum_j z_j = k``, ``y_r <= sum_{j covers r}
z_j``. Stage 1 maximises ``sum x``; stage 2 adds ``sum x >= served* - tol`` (``tol`` =
:data:`SERVED_TOLERANCE` relative) and maximises ``sum w_r y_r``, warm-started from
stage 1. A greedy selection (marginal served demand, then covered) starts stage 1.

Reduction (exact): the pairs split into connected components of the point–place graph.
A component no free candidate touches holds locked sites only: no decision changes it,
so its demand served (one allocation, :func:`planner.access.allocation.allocate`) is
added as a constant and its rows and columns are left out of the MILP. Each capacity is
first clipped to the demand that can reach it (no flow can exceed it).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from planner import config
from planner.access.allocation import Allocation, allocate, pattern
from planner.access.capacity import Service, people_per_year
from planner.errors import SolverError
from planner.optimize import siting_input as checks
from planner.optimize.siting import STATUS_TEXT, SolverStatus
from planner.optimize.siting_highs import MilpResult, solve_milp

log = logging.getLogger(__name__)

#: Relative slack on the served demand when stage 2 maximises the covered demand.
SERVED_TOLERANCE = 1e-6
_NAME = "service maximal sous capacité"


class MaximalService(SolverStatus):
    """Capacitated maximal service with locked existing sites (lexicographic: served, then covered).

    Build it with :meth:`from_matrices` or :meth:`from_service`, then call :meth:`solve`.

    Attributes (after :meth:`solve`)
    --------------------------------
    selected
        Chosen free columns (sorted), ``k`` of them.
    objective, served_demand
        Demand served by the chosen stops and the locked sites (exact allocation).
    covered_demand, covered
        Demand within reach of a chosen stop or a locked site; boolean per row.
    per_column
        Demand served by each column (its flow in the exact allocation of the chosen
        stops and the locked sites); ``served_added`` of a stop.
    locked_served_demand, locked_weight
        Demand served, and covered, by the locked sites alone.
    fixed_served
        Served demand of the components no candidate touches (the constant of the reduction).
    greedy_selected, greedy_value, greedy_covered
        The greedy start: selection, served and covered demand.
    status, status_text, dual_bound, mip_gap, covered_mip_gap, nodes, runtime_s, build_s
        HiGHS report (``dual_bound`` and ``mip_gap`` of the served demand, stage 1;
        ``covered_mip_gap`` of stage 2; runtimes summed over both stages).
    """

    def __init__(self, reach: sp.spmatrix | sp.sparray, weights: np.ndarray, capacity: np.ndarray, k: int,
                 free: np.ndarray, locked: np.ndarray, threshold: float | None = None, name: str = _NAME) -> None:
        self.reach = sp.csc_matrix(pattern(reach), dtype=bool)
        self.weights, self.k, self.free, self.locked = weights, k, free, locked
        self.threshold, self.name = threshold, name
        reaching = np.asarray(self.reach.T @ weights).ravel()
        self.capacity = np.minimum(capacity, reaching)  # exact: no flow can exceed it
        self._locked_cover = np.asarray(self.reach[:, locked].sum(axis=1)).ravel() > 0
        self.locked_weight = float(weights[self._locked_cover].sum())
        self.locked_served_demand = self.value(np.zeros(0, dtype=np.int64))
        self.selected = np.zeros(0, dtype=np.int64)
        self.covered = self._locked_cover.copy()
        self.per_column = np.zeros(capacity.size)
        self.objective = self.served_demand = self.covered_demand = math.nan
        self.fixed_served = 0.0
        self.status, self.nodes = "not_solved", 0
        self.dual_bound = self.mip_gap = self.covered_mip_gap = math.nan
        self.runtime_s = self.build_s = math.nan
        self.greedy_selected: np.ndarray | None = None
        self.greedy_value = self.greedy_covered = math.nan
        self.model_size: dict[str, int] = {}

    @classmethod
    def from_matrices(cls, reach: Any, weights: Any, capacity: Any, k: int, *, threshold: float | None = None,
                      candidates: Sequence[int] | np.ndarray | None = None,
                      locked: Sequence[int] | np.ndarray | None = None, name: str = _NAME) -> MaximalService:
        """Build the model from the reachable pairs, the demand and the capacities.

        Parameters
        ----------
        reach
            ``(n_demand, n_sites)``. Without ``threshold``: the reachable pairs, a boolean
            array or a sparse matrix whose stored entries are the pairs (stored zeros
            included, :func:`planner.access.allocation.pattern`). With ``threshold``:
            travel minutes (``NaN``/``inf`` or not stored = no road), pairs within it.
        weights
            Demand of each row (people a year), ``>= 0``.
        capacity
            People a year each column can serve (``inf``: unbounded), ``>= 0``.
        k
            Number of stops to choose among the free candidates.
        threshold
            Access threshold in minutes, when ``reach`` holds minutes.
        candidates, locked
            Columns that may be chosen (default all but the locked) and existing sites,
            always open with their own capacity, not counted in ``k``.
        name
            Label of the model.

        Raises ``SettingsError`` for an impossible input, naming it in French.
        """
        pairs = checks.as_pairs(reach, threshold)
        n, m = pairs.shape
        w = checks.as_weights(weights, n)
        cap = checks.as_capacity(capacity, m)
        free, locked_idx = checks.free_and_locked(m, candidates, locked)
        return cls(pairs, w, cap, checks.check_k(k, free.size), free, locked_idx, threshold, name)

    @classmethod
    def from_service(cls, service: Service, weights: Any, reach: sp.spmatrix, advisor_hours: Any, k: int, *,
                     locked_reach: sp.spmatrix | None = None, locked_hours: Any = None,
                     threshold: float | None = None, name: str = _NAME) -> MaximalService:
        """Build the model from a coverage's service: candidate places, then its sites, locked.

        Columns: the ``reach`` columns (free candidates, ``advisor_hours`` a week each,
        :func:`planner.access.capacity.stop_capacity`), then the service's sites (their
        ``capacity``, people a year, and ``pairs``), then ``locked_reach`` places with
        ``locked_hours`` a week (e.g. stops of a tour that are kept), locked too.
        """
        m = reach.shape[1]
        blocks = [pattern(reach), pattern(service.pairs)]
        caps = [np.broadcast_to(people_per_year(np.asarray(advisor_hours, dtype=float), service.rate,
                                                service.weeks), (m,)),
                service.capacity["capacity"].to_numpy(dtype=float)]
        if locked_reach is not None and locked_reach.shape[1]:
            blocks.append(pattern(locked_reach))
            caps.append(people_per_year(np.asarray(locked_hours, dtype=float), service.rate, service.weeks))
        pairs, cap = sp.hstack(blocks).tocsr(), np.concatenate(caps)
        model = cls.from_matrices(pairs, weights, cap, k, candidates=np.arange(m),
                                  locked=np.arange(m, pairs.shape[1]), name=name)
        model.threshold = threshold  # the pairs are already those within it (reported only)
        return model

    # ---- evaluation

    def covered_by(self, selection: Sequence[int] | np.ndarray) -> np.ndarray:
        """Boolean per row: within reach of a selected column or a locked site."""
        cols = np.asarray(selection, dtype=np.int64).reshape(-1)
        return (np.asarray(self.reach[:, cols].sum(axis=1)).ravel() > 0) | self._locked_cover

    def allocation(self, selection: Sequence[int] | np.ndarray) -> Allocation:
        """The exact allocation of the demand to a selection of columns plus the locked sites.

        At the maximum served, people go to the locked sites first: a chosen column's flow
        is then what it adds to the locked sites' service (its marginal served demand), not
        demand the existing sites would serve anyway.
        """
        open_ = np.zeros(self.capacity.size, dtype=bool)
        open_[self.locked] = True
        open_[np.asarray(selection, dtype=np.int64).reshape(-1)] = True
        reach = sp.csr_matrix(self.reach)
        locked = np.zeros(self.capacity.size, dtype=bool)
        locked[self.locked] = True
        cost = sp.csr_matrix((np.where(locked[reach.indices], 0.0, 1.0), reach.indices, reach.indptr), reach.shape)
        return allocate(self.weights, np.where(open_, self.capacity, 0.0), reach, cost)

    def value(self, selection: Sequence[int] | np.ndarray) -> float:
        """Demand served by a selection of columns plus the locked sites (exact allocation)."""
        return self.allocation(selection).total

    # ---- heuristic and MILP

    def greedy(self) -> np.ndarray:
        """Pick ``k`` stops one by one: the most demand served in addition, then the most newly covered.

        The added service of a candidate is ``min(capacity, demand left unserved within
        its reach)`` after an exact allocation of the stops picked so far; ties go to the
        most uncovered demand, then to the lowest column. Sets ``greedy_selected``,
        ``greedy_value`` and ``greedy_covered``.
        """
        cover = self.reach[:, self.free]
        available = np.ones(self.free.size, dtype=bool)
        picked: list[int] = []
        open_cap = np.zeros(self.capacity.size)
        open_cap[self.locked] = self.capacity[self.locked]
        pairs = sp.csr_matrix(self.reach)
        for _ in range(self.k):
            left = self.weights - allocate(self.weights, open_cap, pairs).served
            uncovered = np.where(self.covered_by(picked), 0.0, self.weights)
            served = np.minimum(self.capacity[self.free], cover.T @ np.clip(left, 0.0, None))
            served = np.where(available, served, -1.0)
            ties = served >= served.max() - SERVED_TOLERANCE * max(served.max(), 1.0)
            best = int(np.argmax(np.where(ties & available, cover.T @ uncovered, -1.0)))
            picked.append(int(self.free[best]))
            available[best] = False
            open_cap[self.free[best]] = self.capacity[self.free[best]]
        self.greedy_selected = np.asarray(picked, dtype=np.int64)
        self.greedy_value = self.value(self.greedy_selected)
        self.greedy_covered = float(self.weights[self.covered_by(self.greedy_selected)].sum())
        return self.greedy_selected

    def _split(self, reduce: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The model's pairs (rows, columns) and the fixed pairs' mask (reduction)."""
        coo = sp.coo_matrix(self.reach)
        usable = np.zeros(self.capacity.size, dtype=bool)
        usable[np.r_[self.free, self.locked]] = True
        keep = (self.weights[coo.row] > 0) & (self.capacity[coo.col] > 0) & usable[coo.col]
        rows, cols = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64)
        if not reduce:
            return rows, cols, np.zeros(rows.size, dtype=bool)
        n = self.weights.size
        graph = sp.coo_matrix((np.ones(rows.size), (rows, n + cols)), shape=(n + self.capacity.size,) * 2)
        _, label = connected_components(graph, directed=False)
        touched = np.zeros(label.max() + 1, dtype=bool)
        touched[label[n + self.free]] = True
        return rows, cols, ~touched[label[rows]]

    def solve(self, time_limit: float | None = None, *, mip_rel_gap: float = 0.0, warm_start: bool = True,
              reduce: bool = True, seed: int = 0) -> MaximalService:
        """Solve both stages with HiGHS (served demand, then covered demand at that optimum).

        Parameters
        ----------
        time_limit
            Seconds for stage 1 (default :data:`planner.config.SITING_TIME_LIMIT_S`);
            stage 2 gets what is left, at least a tenth of it.
        mip_rel_gap
            Relative gap at which HiGHS stops; ``0`` proves optimality.
        warm_start
            Start stage 1 from the greedy selection.
        reduce
            Leave out the components no candidate touches (exact; ``False`` for tests).
        seed
            HiGHS random seed.

        Raises ``SolverError`` (in French) when HiGHS returns no selection.
        """
        time_limit = config.SITING_TIME_LIMIT_S if time_limit is None else float(time_limit)
        tic = time.perf_counter()
        rows, cols, fixed = self._split(reduce)
        fixed_pairs = sp.csr_matrix((np.ones(fixed.sum(), dtype=bool), (rows[fixed], cols[fixed])), self.reach.shape)
        self.fixed_served = allocate(self.weights, self.capacity, fixed_pairs).total  # the reduction's constant
        model = _Milp.build(self, rows[~fixed], cols[~fixed])
        self.model_size = {"pairs": model.n_x, "points": model.n_points, "covered_rows": model.n_y,
                           "fixed_pairs": int(fixed.sum())}
        start = None
        if warm_start:
            chosen = self.greedy() if self.greedy_selected is None else self.greedy_selected
            start = model.start(self, chosen)
        self.build_s = time.perf_counter() - tic
        first = model.run(stage=1, start=start, time_limit=time_limit, gap=mip_rel_gap, seed=seed)
        if first.values is None:
            raise SolverError(f"service maximal : {STATUS_TEXT.get(first.status, first.status)}",
                              hint="vérifiez le nombre d'arrêts et les candidats, ou allongez le temps de calcul")
        served = float(first.values[model.x].sum())
        second = model.run(stage=2, start=model.with_cover(first.values), served=served, seed=seed,
                           time_limit=max(time_limit - first.runtime_s, time_limit / 10), gap=mip_rel_gap)
        values = second.values if second.values is not None else first.values
        self.status = first.status if first.status != "optimal" else second.status
        self.nodes, self.runtime_s = first.nodes + second.nodes, first.runtime_s + second.runtime_s
        self.mip_gap, self.covered_mip_gap = first.mip_gap, second.mip_gap
        self.dual_bound = first.dual_bound + self.fixed_served
        self.selected = np.sort(self.free[values[: self.free.size] > 0.5])
        final = self.allocation(self.selected)  # exact flows of the chosen stops (no solver tolerance)
        self.per_column, self.objective, self.served_demand = final.per_site, final.total, final.total
        self.covered = self.covered_by(self.selected)
        self.covered_demand = float(self.weights[self.covered].sum())
        log.info("%s : %d arrêts, demande servie %.0f, couverte %.0f (%s)", self.name, self.k,
                 self.served_demand, self.covered_demand, self.status)
        return self

    def report(self) -> dict[str, Any]:
        """The solver figures, the service and the coverage as a plain dict (for JSON output)."""
        total = float(self.weights.sum())
        return {
            "model": self.name, "objective": "served_demand", "objective_value": self.objective,
            "status": self.status, "status_text": self.status_text, "dual_bound": self.dual_bound,
            "mip_gap": self.mip_gap, "covered_mip_gap": self.covered_mip_gap, "nodes": self.nodes,
            "runtime_s": self.runtime_s, "build_s": self.build_s, "greedy_value": self.greedy_value,
            "greedy_covered": self.greedy_covered, "k": self.k, "selected": self.selected.tolist(),
            "served_added": [round(float(v), 3) for v in self.per_column[self.selected]],
            "locked": self.locked.tolist(), "threshold": self.threshold,
            "served_demand": self.served_demand, "covered_demand": self.covered_demand,
            "covered_share": self.covered_demand / total if total > 0 else math.nan,
            "locked_served_demand": self.locked_served_demand, "locked_demand": self.locked_weight,
            "fixed_served": self.fixed_served, "model_size": self.model_size,
        }


@dataclass(frozen=True)
class _Milp:
    """The MILP of :class:`MaximalService` on the pairs left after the reduction.

    Columns ``[z (free candidates), x (pairs), y (rows to cover)]``; constraint rows
    ``[points, capacities (free, then locked), cardinality, cover]``.
    """

    matrix: sp.csc_matrix
    row_upper: np.ndarray
    row_lower: np.ndarray
    upper: np.ndarray
    cover: sp.csr_matrix  # y rows × free candidates
    y_weights: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    n_z: int
    n_points: int

    n_x: int
    n_y: int

    @property
    def x(self) -> slice:
        """The flow variables' slice."""
        return slice(self.n_z, self.n_z + self.n_x)

    @classmethod
    def build(cls, s: MaximalService, rows: np.ndarray, cols: np.ndarray) -> _Milp:
        """Assemble the sparse constraint matrix (no Python loop over pairs)."""
        n_z, n_x = s.free.size, rows.size
        points, p_row = np.unique(rows, return_inverse=True)
        slot = np.full(s.capacity.size, -1, dtype=np.int64)  # column -> capacity row
        slot[s.free] = np.arange(n_z)
        locked = np.setdiff1d(np.unique(cols), s.free)
        slot[locked] = n_z + np.arange(locked.size)
        cover = sp.csr_matrix(s.reach[:, s.free])
        y_rows = np.flatnonzero((np.diff(cover.indptr) > 0) & ~s._locked_cover & (s.weights > 0))
        cover = cover[y_rows]
        n_y, n_p, n_c = y_rows.size, points.size, n_z + locked.size
        xs = n_z + np.arange(n_x)
        cy = sp.coo_matrix(cover)
        r = np.r_[p_row, n_p + slot[cols], n_p + np.arange(n_z), np.full(n_z, n_p + n_c),
                  n_p + n_c + 1 + np.arange(n_y), n_p + n_c + 1 + cy.row]
        c = np.r_[xs, xs, np.arange(n_z), np.arange(n_z), n_z + n_x + np.arange(n_y), cy.col]
        v = np.r_[np.ones(2 * n_x), -s.capacity[s.free], np.ones(n_z), np.ones(n_y), -np.ones(cy.nnz)]
        matrix = sp.csc_matrix((v, (r, c)), shape=(n_p + n_c + 1 + n_y, n_z + n_x + n_y))
        row_upper = np.r_[s.weights[points], np.zeros(n_z), s.capacity[locked], s.k, np.zeros(n_y)]
        row_lower = np.r_[np.full(n_p + n_c, -np.inf), s.k, np.full(n_y, -np.inf)]
        upper = np.r_[np.ones(n_z), np.minimum(s.weights[rows], s.capacity[cols]), np.ones(n_y)]
        return cls(matrix, row_upper, row_lower, upper, cover, s.weights[y_rows], rows, cols, n_z, n_p, n_x, n_y)

    def start(self, s: MaximalService, chosen: np.ndarray) -> np.ndarray:
        """Stage-1 start from a selection: its exact allocation's flows on the model's pairs."""
        z = np.isin(s.free, chosen).astype(float)
        open_cap = np.zeros(s.capacity.size)
        used = np.r_[s.locked, chosen].astype(np.int64)
        open_cap[used] = s.capacity[used]
        pairs = sp.csr_matrix((np.ones(self.n_x, dtype=bool), (self.rows, self.cols)), shape=s.reach.shape)
        flows = allocate(s.weights, open_cap, pairs).flows
        x = np.asarray(flows[self.rows, self.cols]).ravel() if self.n_x else np.zeros(0)
        return self.with_cover(np.r_[z, np.minimum(x, self.upper[self.x]), np.zeros(self.n_y)])

    def with_cover(self, values: np.ndarray) -> np.ndarray:
        """The same solution with each cover variable set to what the chosen stops cover."""
        z = np.round(values[: self.n_z])
        return np.r_[z, values[self.x], (self.cover @ z > 0).astype(float)]

    def run(self, *, stage: int, start: np.ndarray | None, time_limit: float, gap: float, seed: int,
            served: float = 0.0) -> MilpResult:
        """Stage 1: maximise the flows; stage 2: the covered demand with ``sum x >= served - tol``."""
        n = self.matrix.shape[1]
        is_x = (np.arange(n) >= self.n_z) & (np.arange(n) < self.n_z + self.n_x)
        matrix, lower, upper = self.matrix, self.row_lower, self.row_upper
        if stage == 1:
            cost = is_x.astype(float)
        else:
            cost = np.r_[np.zeros(self.n_z + self.n_x), self.y_weights]
            matrix = sp.vstack([matrix, sp.csr_matrix(is_x.astype(float)[None, :])], format="csc")
            lower = np.r_[lower, served - SERVED_TOLERANCE * max(served, 1.0)]
            upper = np.r_[upper, np.inf]
        return solve_milp(sense_max=True, cost=cost, lower=np.zeros(n), upper=self.upper,
                          integer=np.arange(n) < self.n_z, matrix=matrix, row_lower=lower, row_upper=upper,
                          start=start, time_limit=time_limit, mip_rel_gap=gap, seed=seed)


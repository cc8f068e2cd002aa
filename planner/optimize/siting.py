"""Where to stop: maximal covering, solved as a MILP with HiGHS.

In the style of spopt's ``locate`` package: build :class:`MaximalCovering` from a
cost matrix (rows = demand points, columns = sites, values = travel minutes;
``NaN`` or ``inf`` = no road; or sparse, the reachable pairs only) or from a boolean coverage matrix, call
:meth:`~MaximalCovering.solve`, read the solution from the same object.

The model chooses ``k`` stops among the candidate columns to maximise the demand
within ``threshold`` minutes of a chosen stop or of a *locked* site (an existing
fixed site, open for free and already covering). The formulation is sparse: only
the (demand, candidate) pairs within the threshold become coefficients, demand
already covered by locked sites and demand no candidate can reach are left out, so
every commune of a région stays tractable. A greedy heuristic runs first (exposed
as :meth:`~MaximalCovering.greedy`), its selection is passed to HiGHS as a starting
solution and HiGHS solves to proven optimality (``mip_rel_gap = 0``) unless the
time limit stops the search; the status, objective, dual bound, MIP gap and
runtimes are reported.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner import config
from planner.errors import SettingsError, SolverError
from planner.optimize.siting_highs import solve_milp
from planner.optimize.siting_input import as_cost, as_weights, check_k, free_and_locked

log = logging.getLogger(__name__)

#: French labels of the solver statuses (shared with :mod:`planner.optimize.siting_capacity`).
STATUS_TEXT = {
    "optimal": "optimum prouvé",
    "time_limit": "limite de temps atteinte : meilleure solution trouvée, optimalité non prouvée",
    "infeasible": "aucune solution ne respecte les contraintes",
    "not_solved": "pas encore résolu",
}


class SolverStatus:
    """The solver status of a siting model (``status``: ``"optimal"``, ``"time_limit"``...), in words."""

    status: str

    @property
    def status_text(self) -> str:
        """The solver status, in French."""
        return STATUS_TEXT.get(self.status, f"statut du solveur : {self.status}")

    @property
    def proven_optimal(self) -> bool:
        """Whether HiGHS proved the returned selection optimal."""
        return self.status == "optimal"


class MaximalCovering(SolverStatus):
    """Maximal covering location problem (MCLP) with locked existing sites.

    Build it with :meth:`from_cost_matrix` (or :meth:`from_coverage`), then call
    :meth:`solve`.

    Attributes (after :meth:`solve`)
    --------------------------------
    selected
        Chosen candidate columns (sorted), ``k`` of them; locked sites excluded.
    covered
        Boolean per demand row: within the threshold of a chosen stop or a locked site.
    objective
        Covered demand (weights summed over covered rows), locked coverage included.
    covered_share
        ``objective`` divided by the total demand.
    locked_weight
        Demand covered by the locked sites alone.
    greedy_selected, greedy_value
        The greedy heuristic's selection and covered demand (the MILP start).
    status, status_text, dual_bound, mip_gap, nodes, runtime_s, build_s
        HiGHS report: status code (``"optimal"``, ``"time_limit"``...), its French
        text, best bound, relative gap, branch-and-bound nodes, solve time and model
        building time (seconds).
    """

    def __init__(
        self,
        coverage: sp.spmatrix | sp.sparray,
        weights: np.ndarray,
        k: int,
        free: np.ndarray,
        locked: np.ndarray,
        threshold: float | None = None,
        name: str = "couverture maximale",
    ) -> None:
        self.weights = weights
        self.k = k
        self.free = free
        self.locked = locked
        self.name = name
        self.coverage = sp.csc_matrix(coverage, dtype=bool)
        self.threshold = threshold
        locked_cover = np.asarray(self.coverage[:, locked].sum(axis=1)).reshape(-1) > 0
        self._locked_cover = locked_cover
        self.locked_weight = float(weights[locked_cover].sum())
        self.covered = np.zeros(weights.size, dtype=bool)
        self.status = "not_solved"
        self.objective = math.nan
        self.dual_bound = math.nan
        self.mip_gap = math.nan
        self.nodes = 0
        self.runtime_s = math.nan
        self.build_s = math.nan
        self.selected = np.zeros(0, dtype=np.int64)
        self.greedy_selected: np.ndarray | None = None
        self.greedy_value = math.nan

    @classmethod
    def from_cost_matrix(
        cls,
        cost: Any,
        weights: Any,
        threshold: float,
        k: int,
        *,
        candidates: Sequence[int] | np.ndarray | None = None,
        locked: Sequence[int] | np.ndarray | None = None,
        name: str = "couverture maximale",
    ) -> MaximalCovering:
        """Build the model from a travel-time matrix.

        Parameters
        ----------
        cost
            ``(n_demand, n_sites)`` travel minutes; ``NaN``/``inf`` = unreachable. A
            scipy sparse matrix (e.g. :attr:`planner.travel.results.SparseTravel.minutes`)
            holds the reachable pairs only: pairs not stored are unreachable.
        weights
            Demand of each row (e.g. population), ``>= 0``.
        threshold
            Access threshold ``T`` in minutes: a row is covered by a site within ``T``.
        k
            Number of stops to choose among the free candidates.
        candidates
            Columns that may be chosen (indices or boolean mask); default all columns.
        locked
            Columns of existing fixed sites: always open, not counted in ``k``.
        name
            Label of the model.

        Returns
        -------
        The model, not solved yet.

        Raises
        ------
        SettingsError
            For an impossible input, naming it in French.
        """
        matrix = as_cost(cost)
        n, m = matrix.shape
        w = as_weights(weights, n)
        try:
            t = float(threshold)
        except (TypeError, ValueError):
            t = math.nan
        if not math.isfinite(t) or t <= 0:
            raise SettingsError(
                f"seuil d'accès invalide : {threshold!r} minutes",
                setting="seuil d'accès",
                hint="donnez un nombre de minutes positif (30 par défaut)",
            )
        free, locked_idx = free_and_locked(m, candidates, locked)
        k = check_k(k, free.size)
        if isinstance(matrix, sp.csr_matrix):  # stored entries: the reachable pairs
            pairs = matrix.tocoo()
            within = pairs.data <= t
            rows, cols = pairs.row[within], pairs.col[within]
        else:
            rows, cols = np.nonzero(matrix <= t)
        coverage = sp.csc_matrix((np.ones(rows.size, dtype=bool), (rows, cols)), shape=(n, m))
        return cls(coverage, w, k, free, locked_idx, threshold=t, name=name)

    @classmethod
    def from_coverage(
        cls,
        coverage: sp.spmatrix | sp.sparray | np.ndarray,
        weights: Any,
        k: int,
        *,
        candidates: Sequence[int] | np.ndarray | None = None,
        locked: Sequence[int] | np.ndarray | None = None,
        name: str = "couverture maximale",
    ) -> MaximalCovering:
        """Build the model from a boolean coverage matrix (``True`` = within the threshold).

        Use it when the travel layer already returns the sparse pairs within ``T``.
        """
        cover = sp.csc_matrix(coverage, dtype=bool)
        n, m = cover.shape
        if n == 0 or m == 0:
            raise SettingsError(
                "la matrice de couverture est vide", setting="matrice des temps de trajet"
            )
        w = as_weights(weights, n)
        free, locked_idx = free_and_locked(m, candidates, locked)
        k = check_k(k, free.size)
        return cls(cover, w, k, free, locked_idx, name=name)

    # ---- evaluation

    def covered_by(self, selection: Sequence[int] | np.ndarray) -> np.ndarray:
        """Return the boolean coverage of each demand row for a selection (plus locked sites)."""
        cols = np.asarray(selection, dtype=np.int64).reshape(-1)
        hit = np.asarray(self.coverage[:, cols].sum(axis=1)).reshape(-1) > 0
        return hit | self._locked_cover

    def value(self, selection: Sequence[int] | np.ndarray) -> float:
        """Return the demand covered by a selection of columns (locked sites included)."""
        return float(self.weights[self.covered_by(selection)].sum())

    @property
    def covered_share(self) -> float:
        """Covered demand as a share of the total demand (0..1)."""
        total = float(self.weights.sum())
        return self.objective / total if total > 0 else math.nan

    # ---- heuristic and MILP

    def greedy(self) -> np.ndarray:
        """Pick ``k`` stops one by one, each adding the most uncovered demand.

        Ties go to the lowest column. Sets ``greedy_selected`` and ``greedy_value``.

        Returns
        -------
        The selected columns, in the order they were picked.
        """
        cover = self.coverage[:, self.free].tocsc()
        remaining = np.where(self._locked_cover, 0.0, self.weights)
        available = np.ones(self.free.size, dtype=bool)
        picked: list[int] = []
        for _ in range(self.k):
            best = int(np.argmax(np.where(available, cover.T @ remaining, -1.0)))
            picked.append(int(self.free[best]))
            available[best] = False
            remaining[cover.indices[cover.indptr[best] : cover.indptr[best + 1]]] = 0.0
        self.greedy_selected = np.asarray(picked, dtype=np.int64)
        self.greedy_value = self.value(self.greedy_selected)
        return self.greedy_selected

    def solve(
        self,
        time_limit: float | None = None,
        *,
        mip_rel_gap: float = 0.0,
        warm_start: bool = True,
        seed: int = 0,
    ) -> MaximalCovering:
        """Solve the MILP with HiGHS, starting from the greedy selection.

        Variables: ``x_j`` (open free candidate ``j``, binary) and ``y_r`` (row ``r``
        covered, in ``[0, 1]``) for the rows worth modelling. Constraints:
        ``y_r <= sum_{j covers r} x_j`` and ``sum_j x_j = k``.

        Parameters
        ----------
        time_limit
            Seconds HiGHS may search (default :data:`planner.config.SITING_TIME_LIMIT_S`);
            the best selection found is kept if reached.
        mip_rel_gap
            Relative gap at which HiGHS stops; ``0`` proves optimality.
        warm_start
            Pass the greedy selection to HiGHS as a starting solution.
        seed
            HiGHS random seed.

        Returns
        -------
        The same object, with the solution attached.

        Raises
        ------
        SolverError
            When HiGHS returns no selection (in French).
        """
        time_limit = config.SITING_TIME_LIMIT_S if time_limit is None else time_limit
        tic = time.perf_counter()
        x0 = None
        if warm_start:
            start = self.greedy() if self.greedy_selected is None else self.greedy_selected
            x0 = np.isin(self.free, start).astype(float)
        # Rows worth modelling: positive demand, not covered by locked sites, reachable.
        cover = self.coverage[:, self.free].tocsr()
        reach = np.diff(cover.indptr) > 0
        rows = np.flatnonzero(reach & ~self._locked_cover & (self.weights > 0))
        sub = cover[rows].astype(float).tocsc()
        n_x, n_y = self.free.size, rows.size
        n = n_x + n_y
        # Rows: y_r - sum_{j covers r} x_j <= 0, then sum_j x_j = k.
        matrix = sp.vstack(
            [
                sp.hstack([-sub, sp.identity(n_y, format="csc")]),
                sp.hstack([sp.csc_matrix(np.ones((1, n_x))), sp.csc_matrix((1, n_y))]),
            ],
            format="csc",
        )
        self.build_s = time.perf_counter() - tic
        out = solve_milp(
            sense_max=True,
            cost=np.concatenate([np.zeros(n_x), self.weights[rows]]),
            lower=np.zeros(n),
            upper=np.ones(n),
            integer=np.arange(n) < n_x,
            matrix=matrix,
            row_lower=np.concatenate([np.full(n_y, -np.inf), [self.k]]),
            row_upper=np.concatenate([np.zeros(n_y), [self.k]]),
            start=None if x0 is None else np.concatenate([x0, (sub @ x0 > 0).astype(float)]),
            time_limit=time_limit,
            mip_rel_gap=mip_rel_gap,
            seed=seed,
        )
        self.status = out.status
        self.nodes, self.runtime_s, self.mip_gap = out.nodes, out.runtime_s, out.mip_gap
        if out.values is None:
            raise SolverError(
                f"couverture maximale : {self.status_text}",
                hint="vérifiez le nombre d'arrêts et les candidats, ou allongez le temps de calcul",
            )
        self.selected = np.sort(self.free[out.values[:n_x] > 0.5])
        self.covered = self.covered_by(self.selected)
        self.objective = float(self.weights[self.covered].sum())
        self.dual_bound = out.dual_bound + self.locked_weight
        log.info(
            "%s : %d arrêts, demande couverte %.0f (%s, écart %.2g)",
            self.name,
            self.k,
            self.objective,
            self.status,
            self.mip_gap,
        )
        return self

    def report(self) -> dict[str, Any]:
        """Return the solver figures and the coverage as a plain dict (for JSON output).

        ``objective`` names what was maximised (``"covered_demand"``), ``objective_value`` its value.
        """
        return {
            "model": self.name,
            "status": self.status,
            "status_text": self.status_text,
            "objective": "covered_demand",
            "objective_value": self.objective,
            "dual_bound": self.dual_bound,
            "mip_gap": self.mip_gap,
            "nodes": self.nodes,
            "runtime_s": self.runtime_s,
            "build_s": self.build_s,
            "greedy_value": self.greedy_value,
            "k": self.k,
            "selected": self.selected.tolist(),
            "locked": self.locked.tolist(),
            "threshold": self.threshold,
            "covered_demand": self.objective,
            "covered_share": self.covered_share,
            "locked_demand": self.locked_weight,
        }

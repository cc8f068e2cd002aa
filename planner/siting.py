"""Where to stop: maximal covering and p-median, solved as MILPs with HiGHS.

One class per location model, in the style of spopt's ``locate`` package: build
it from a cost matrix (rows = demand points, columns = sites, values = travel
minutes; ``NaN`` or ``inf`` = no road), call :meth:`solve`, read the solution
from the same object.

* :class:`MaximalCovering` chooses ``k`` stops among the candidate columns to
  maximise the demand within ``threshold`` minutes of a chosen stop or of a
  *locked* site (an existing fixed site, open for free and already covering).
  The formulation is sparse: only the (demand, candidate) pairs within the
  threshold become coefficients, demand already covered by locked sites and
  demand no candidate can reach are left out, so every commune of a région
  stays tractable.
* :class:`PMedian` chooses ``k`` stops to minimise the demand-weighted travel
  time from each demand point to its nearest open stop or locked site. Pairs
  farther than the nearest locked site (or than ``max_cost``) are left out:
  the locked site (or the truncation) is an exact fallback for them.

Both run a greedy heuristic first (exposed as :meth:`greedy`), pass its
selection to HiGHS as a starting solution (``setSolution``) and solve to proven
optimality (``mip_rel_gap = 0``) unless the time limit stops the search; the
status, objective, dual bound, MIP gap and runtimes are reported.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from planner.schema import DataError

log = logging.getLogger(__name__)

#: Default HiGHS time limit, seconds (the search normally proves optimality well before).
DEFAULT_TIME_LIMIT_S = 600.0

#: French labels of HiGHS model statuses.
_STATUS_TEXT = {
    "optimal": "optimum prouvé",
    "time_limit": "limite de temps atteinte : meilleure solution trouvée, optimalité non prouvée",
    "infeasible": "aucune solution ne respecte les contraintes",
    "not_solved": "pas encore résolu",
}


# --------------------------------------------------------------------------- validation


def _as_cost(cost: Any) -> np.ndarray:
    """Return the cost matrix as float64 with ``inf`` for missing pairs, or raise."""
    try:
        array = np.asarray(cost, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(
            "la matrice de temps de trajet contient des valeurs non numériques",
            column="matrice",
            hint="fournissez des minutes (nombres), vide ou infini pour « pas de route »",
        ) from exc
    if array.ndim != 2 or 0 in array.shape:
        raise DataError(
            f"la matrice de temps de trajet doit avoir deux dimensions non vides "
            f"(points de demande × sites), reçu la forme {array.shape}",
            column="matrice",
        )
    if np.any(array < 0):
        raise DataError(
            "la matrice de temps de trajet contient des temps négatifs",
            column="matrice",
            hint="vérifiez le calcul des temps de trajet",
        )
    return np.where(np.isnan(array), np.inf, array)


def _as_weights(weights: Any, n: int) -> np.ndarray:
    try:
        w = np.asarray(weights, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise DataError("les poids de la demande ne sont pas numériques", column="demande") from exc
    if w.shape != (n,):
        raise DataError(
            f"{w.size} poids de demande pour {n} points de demande (lignes de la matrice)",
            column="demande",
            hint="donnez un poids par ligne de la matrice",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DataError(
            "les poids de la demande doivent être des nombres positifs ou nuls",
            column="demande",
        )
    return w


def _as_indices(values: Sequence[int] | np.ndarray | None, m: int, what: str) -> np.ndarray | None:
    if values is None:
        return None
    idx = np.asarray(values).reshape(-1)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    if idx.dtype == bool:
        if idx.size != m:
            raise DataError(
                f"le masque des {what} a {idx.size} valeurs pour {m} sites (colonnes)",
                column=what,
            )
        return np.flatnonzero(idx)
    if not np.issubdtype(idx.dtype, np.integer):
        raise DataError(f"les {what} doivent être des numéros de colonne entiers", column=what)
    if idx.min() < 0 or idx.max() >= m:
        bad = int(idx[(idx < 0) | (idx >= m)][0])
        raise DataError(
            f"{what} : la colonne {bad} n'existe pas (la matrice a {m} sites)",
            column=what,
        )
    return np.unique(idx.astype(np.int64))


def _free_and_locked(
    m: int, candidates: Sequence[int] | np.ndarray | None, locked: Sequence[int] | np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (free candidate columns, locked columns); locked columns are never free."""
    locked_idx = _as_indices(locked, m, "sites existants")
    locked_idx = np.zeros(0, dtype=np.int64) if locked_idx is None else locked_idx
    cand_idx = _as_indices(candidates, m, "candidats")
    if cand_idx is None:
        cand_idx = np.arange(m, dtype=np.int64)
    return np.setdiff1d(cand_idx, locked_idx), locked_idx


def _check_k(k: int, n_free: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise DataError(
            f"nombre d'arrêts invalide : {k!r}", column="k", hint="donnez un entier positif"
        )
    if k > n_free:
        raise DataError(
            f"{k} arrêts demandés mais seulement {n_free} sites candidats disponibles "
            "(hors sites existants)",
            column="k",
            hint="réduisez le nombre d'arrêts ou ajoutez des candidats",
        )
    return int(k)


# --------------------------------------------------------------------------- HiGHS


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send what C code writes on file descriptor 1 to descriptor 2 meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _highs_solve(
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
) -> dict[str, Any]:
    """Solve a MILP with HiGHS and return values and a report (status code, objective...)."""
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

    with _stdout_to_stderr():  # HiGHS prints its banner on stdout when constructed
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
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
    code = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
    }.get(status, h.modelStatusToString(status))
    has_values = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value, dtype=float) if has_values else None
    gap = float(info.mip_gap) if has_values else math.inf
    return {
        "status": code,
        "values": values,
        "objective": float(info.objective_function_value) if has_values else math.nan,
        "dual_bound": float(info.mip_dual_bound),
        "mip_gap": 0.0 if code == "optimal" and gap < 1e-9 else gap,
        "nodes": int(info.mip_node_count),
        "runtime_s": float(h.getRunTime()),
    }


class _SitingModel:
    """Shared state, greedy loop, MILP call and report of the siting models."""

    def __init__(
        self, weights: np.ndarray, k: int, free: np.ndarray, locked: np.ndarray, name: str
    ) -> None:
        self.weights = weights
        self.k = k
        self.free = free
        self.locked = locked
        self.name = name
        self._reset_report()

    def value(self, selection: Sequence[int] | np.ndarray) -> float:
        """Return the objective of a selection of columns (locked sites included)."""
        raise NotImplementedError

    def greedy(self) -> np.ndarray:
        """Pick ``k`` stops with the model's greedy heuristic."""
        raise NotImplementedError

    def _reset_report(self) -> None:
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

    @property
    def status_text(self) -> str:
        """The solver status, in French."""
        return _STATUS_TEXT.get(self.status, f"statut du solveur : {self.status}")

    @property
    def proven_optimal(self) -> bool:
        """Whether HiGHS proved the returned selection optimal."""
        return self.status == "optimal"

    def _greedy_picks(
        self, gains: Callable[[], np.ndarray], take: Callable[[int], None]
    ) -> np.ndarray:
        """Pick ``k`` free candidates one by one, each with the highest gain.

        ``gains()`` returns the gain of every free candidate, ``take(best)`` updates the
        model's state once the candidate at position ``best`` of ``free`` is picked. Ties
        go to the lowest column. Sets ``greedy_selected`` and ``greedy_value``.

        Returns
        -------
        The selected columns, in the order they were picked.
        """
        available = np.ones(self.free.size, dtype=bool)
        picked: list[int] = []
        for _ in range(self.k):
            best = int(np.argmax(np.where(available, gains(), -1.0)))
            picked.append(int(self.free[best]))
            available[best] = False
            take(best)
        self.greedy_selected = np.asarray(picked, dtype=np.int64)
        self.greedy_value = self.value(self.greedy_selected)
        return self.greedy_selected

    def _start_x(self, warm_start: bool) -> np.ndarray | None:
        """The greedy selection (run first if needed) as 0/1 per free candidate, or None."""
        if not warm_start:
            return None
        if self.greedy_selected is None:
            self.greedy()
        return np.isin(self.free, self.greedy_selected).astype(float)

    def _run_milp(
        self,
        *,
        sense_max: bool,
        cost: np.ndarray,
        matrix: sp.spmatrix | sp.sparray,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        start: np.ndarray | None,
        tic: float,
        time_limit: float,
        mip_rel_gap: float,
        seed: int,
    ) -> dict[str, Any]:
        """Solve a model whose first columns are the binary ``x_j`` (one per free candidate).

        The other columns are continuous in ``[0, 1]``; the row ``sum_j x_j = k`` is added
        below ``matrix``. Records the build time (since ``tic``), the HiGHS status, nodes,
        runtime and gap, and ``selected`` when HiGHS returns values.

        Returns
        -------
        The dict of :func:`_highs_solve`.
        """
        n_x, n = self.free.size, cost.size
        count = sp.hstack([sp.csc_matrix(np.ones((1, n_x))), sp.csc_matrix((1, n - n_x))])
        matrix = sp.vstack([matrix, count], format="csc")
        self.build_s = time.perf_counter() - tic
        out = _highs_solve(
            sense_max=sense_max,
            cost=cost,
            lower=np.zeros(n),
            upper=np.ones(n),
            integer=np.arange(n) < n_x,
            matrix=matrix,
            row_lower=np.concatenate([row_lower, [self.k]]),
            row_upper=np.concatenate([row_upper, [self.k]]),
            start=start,
            time_limit=time_limit,
            mip_rel_gap=mip_rel_gap,
            seed=seed,
        )
        self.status = out["status"]
        self.nodes, self.runtime_s, self.mip_gap = out["nodes"], out["runtime_s"], out["mip_gap"]
        if out["values"] is not None:
            self.selected = np.sort(self.free[out["values"][:n_x] > 0.5])
        return out

    def report(self) -> dict[str, Any]:
        """Return the solver figures as a plain dict (for JSON output)."""
        return {
            "model": self.name,
            "status": self.status,
            "status_text": self.status_text,
            "objective": self.objective,
            "dual_bound": self.dual_bound,
            "mip_gap": self.mip_gap,
            "nodes": self.nodes,
            "runtime_s": self.runtime_s,
            "build_s": self.build_s,
            "greedy_value": self.greedy_value,
            "k": self.k,
            "selected": self.selected.tolist(),
            "locked": self.locked.tolist(),
        }


# --------------------------------------------------------------------------- maximal covering


class MaximalCovering(_SitingModel):
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
        super().__init__(weights, k, free, locked, name)
        self.coverage = sp.csc_matrix(coverage, dtype=bool)
        self.threshold = threshold
        self.covered = np.zeros(weights.size, dtype=bool)
        locked_cover = np.asarray(self.coverage[:, locked].sum(axis=1)).reshape(-1) > 0
        self._locked_cover = locked_cover
        self.locked_weight = float(weights[locked_cover].sum())

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
            ``(n_demand, n_sites)`` travel minutes; ``NaN``/``inf`` = unreachable.
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
        """
        matrix = _as_cost(cost)
        n, m = matrix.shape
        w = _as_weights(weights, n)
        try:
            t = float(threshold)
        except (TypeError, ValueError):
            t = math.nan
        if not math.isfinite(t) or t <= 0:
            raise DataError(
                f"seuil d'accès invalide : {threshold!r} minutes",
                column="seuil",
                hint="donnez un nombre de minutes positif (30 par défaut)",
            )
        free, locked_idx = _free_and_locked(m, candidates, locked)
        k = _check_k(k, free.size)
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
            raise DataError("la matrice de couverture est vide", column="matrice")
        w = _as_weights(weights, n)
        free, locked_idx = _free_and_locked(m, candidates, locked)
        k = _check_k(k, free.size)
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

    # ---- heuristics and MILP

    def greedy(self) -> np.ndarray:
        """Pick ``k`` stops one by one, each adding the most uncovered demand.

        Ties go to the lowest column. Sets ``greedy_selected`` and ``greedy_value``.

        Returns
        -------
        The selected columns, in the order they were picked.
        """
        cover = self.coverage[:, self.free].tocsc()
        remaining = np.where(self._locked_cover, 0.0, self.weights)

        def take(best: int) -> None:
            remaining[cover.indices[cover.indptr[best] : cover.indptr[best + 1]]] = 0.0

        return self._greedy_picks(lambda: cover.T @ remaining, take)

    def solve(
        self,
        time_limit: float = DEFAULT_TIME_LIMIT_S,
        *,
        mip_rel_gap: float = 0.0,
        warm_start: bool = True,
        seed: int = 0,
    ) -> MaximalCovering:
        """Solve the MILP with HiGHS, starting from the greedy selection.

        Parameters
        ----------
        time_limit
            Seconds HiGHS may search; the best selection found is kept if reached.
        mip_rel_gap
            Relative gap at which HiGHS stops; ``0`` proves optimality.
        warm_start
            Pass the greedy selection to HiGHS as a starting solution.
        seed
            HiGHS random seed.

        Returns
        -------
        The same object, with the solution attached.
        """
        tic = time.perf_counter()
        x0 = self._start_x(warm_start)
        # Rows worth modelling: positive demand, not covered by locked sites, reachable.
        cover = self.coverage[:, self.free].tocsr()
        reach = np.diff(cover.indptr) > 0
        rows = np.flatnonzero(reach & ~self._locked_cover & (self.weights > 0))
        sub = cover[rows].astype(float).tocsc()
        n_x, n_y = self.free.size, rows.size
        # Constraints: y_r - sum_{j covers r} x_j <= 0 (one per row), then sum_j x_j = k.
        out = self._run_milp(
            sense_max=True,
            cost=np.concatenate([np.zeros(n_x), self.weights[rows]]),
            matrix=sp.hstack([-sub, sp.identity(n_y, format="csc")]),
            row_lower=np.full(n_y, -np.inf),
            row_upper=np.zeros(n_y),
            start=None if x0 is None else np.concatenate([x0, (sub @ x0 > 0).astype(float)]),
            tic=tic,
            time_limit=time_limit,
            mip_rel_gap=mip_rel_gap,
            seed=seed,
        )
        if out["values"] is None:
            raise DataError(
                f"couverture maximale : {self.status_text}",
                hint="vérifiez le nombre d'arrêts et les candidats",
            )
        self.covered = self.covered_by(self.selected)
        self.objective = float(self.weights[self.covered].sum())
        self.dual_bound = out["dual_bound"] + self.locked_weight
        log.info(
            "%s : %d arrêts, demande couverte %.0f (%s, écart %.2g)",
            self.name,
            self.k,
            self.objective,
            self.status,
            self.mip_gap,
        )
        return self

    @property
    def covered_share(self) -> float:
        """Covered demand as a share of the total demand (0..1)."""
        total = float(self.weights.sum())
        return self.objective / total if total > 0 else math.nan

    def report(self) -> dict[str, Any]:
        """Return the solver figures and the coverage as a plain dict."""
        out = super().report()
        out.update(
            threshold=self.threshold,
            covered_demand=self.objective,
            covered_share=self.covered_share,
            locked_demand=self.locked_weight,
        )
        return out


# --------------------------------------------------------------------------- p-median


class PMedian(_SitingModel):
    """p-median: minimise demand-weighted travel time to the nearest open stop or locked site.

    Attributes (after :meth:`solve`)
    --------------------------------
    selected
        Chosen candidate columns (sorted), ``k`` of them; locked sites excluded.
    assignment
        Per demand row, the column of its nearest open site (chosen or locked); ``-1``
        for rows in ``unreachable``.
    assigned_cost
        Per demand row, the travel minutes to that site (``inf`` when unreachable).
    objective
        Demand-weighted total travel minutes (over reachable rows), exact.
    mean_cost
        ``objective`` divided by the reachable demand.
    model_objective
        The MILP objective (differs from ``objective`` only when ``max_cost`` truncates).
    unreachable
        Rows that no candidate nor locked site can reach: left out of the objective.
    greedy_selected, greedy_value, status, status_text, dual_bound, mip_gap, nodes,
    runtime_s, build_s
        As in :class:`MaximalCovering` (``greedy_value`` is a weighted total time).
    """

    def __init__(
        self,
        cost: np.ndarray,
        weights: np.ndarray,
        k: int,
        free: np.ndarray,
        locked: np.ndarray,
        max_cost: float | None = None,
        name: str = "p-médiane",
    ) -> None:
        super().__init__(weights, k, free, locked, name)
        self.cost = cost
        self.max_cost = max_cost
        n = cost.shape[0]
        fallback = cost[:, locked].min(axis=1) if locked.size else np.full(n, np.inf)
        if max_cost is not None:
            fallback = np.minimum(fallback, max_cost)
        self._fallback = fallback
        sub = cost[:, free]
        reach = np.isfinite(sub).any(axis=1) | np.isfinite(fallback)
        self._reachable = reach
        self.unreachable = np.flatnonzero(~reach)
        if self.unreachable.size:
            log.warning(
                "p-médiane : %d points de demande sans aucun site accessible", self.unreachable.size
            )
        # Sparse pairs worth a variable: strictly closer than the row's fallback.
        rows, cols = np.nonzero(sub < fallback[:, None])
        self._pairs = (rows, cols, sub[rows, cols])
        self.assignment = np.full(n, -1, dtype=np.int64)
        self.assigned_cost = np.full(n, np.inf)
        self.model_objective = math.nan

    @classmethod
    def from_cost_matrix(
        cls,
        cost: Any,
        weights: Any,
        k: int,
        *,
        candidates: Sequence[int] | np.ndarray | None = None,
        locked: Sequence[int] | np.ndarray | None = None,
        max_cost: float | None = None,
        name: str = "p-médiane",
    ) -> PMedian:
        """Build the model from a travel-time matrix.

        Parameters
        ----------
        cost
            ``(n_demand, n_sites)`` travel minutes; ``NaN``/``inf`` = unreachable.
        weights
            Demand of each row, ``>= 0``.
        k
            Number of stops to choose among the free candidates.
        candidates
            Columns that may be chosen (indices or boolean mask); default all columns.
        locked
            Columns of existing fixed sites: always open, not counted in ``k``.
        max_cost
            Optional truncation (minutes): a row farther than this from every open
            site counts ``max_cost``; keeps very large instances small.
        name
            Label of the model.

        Returns
        -------
        The model, not solved yet.
        """
        matrix = _as_cost(cost)
        n, m = matrix.shape
        w = _as_weights(weights, n)
        if max_cost is not None and (not math.isfinite(float(max_cost)) or float(max_cost) <= 0):
            raise DataError(
                f"temps maximal invalide : {max_cost!r} minutes",
                column="max_cost",
                hint="donnez un nombre de minutes positif, ou rien",
            )
        free, locked_idx = _free_and_locked(m, candidates, locked)
        k = _check_k(k, free.size)
        model = cls(
            matrix, w, k, free, locked_idx, None if max_cost is None else float(max_cost), name
        )
        if model.unreachable.size == n:
            raise DataError(
                "aucun point de demande n'atteint un site candidat ou existant",
                column="matrice",
                hint="vérifiez la matrice de temps de trajet",
            )
        return model

    # ---- evaluation

    def _nearest(self, selection: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cols = np.concatenate([np.asarray(selection, dtype=np.int64), self.locked])
        if cols.size == 0:
            n = self.cost.shape[0]
            return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
        sub = self.cost[:, cols]
        best = np.argmin(sub, axis=1)
        best_cost = sub[np.arange(sub.shape[0]), best]
        return np.where(np.isfinite(best_cost), cols[best], -1), best_cost

    def value(self, selection: Sequence[int] | np.ndarray) -> float:
        """Return the exact weighted travel time of a selection (reachable rows; ``inf`` if one
        reachable row has no open site within reach)."""
        _, best_cost = self._nearest(np.asarray(selection, dtype=np.int64))
        mask = self._reachable
        return float(np.sum(self.weights[mask] * best_cost[mask]))

    # ---- heuristics and MILP

    def greedy(self) -> np.ndarray:
        """Add stops one by one, each reducing the weighted travel time the most.

        Rows with no open site yet count a penalty larger than any travel time, so
        the first picks reach everyone they can. Ties go to the lowest column.

        Returns
        -------
        The selected columns, in the order they were picked.
        """
        rows, cols, vals = self._pairs
        finite = vals[np.isfinite(vals)]
        big = 10.0 * (float(finite.max()) if finite.size else 1.0) + 1.0
        current = np.where(np.isfinite(self._fallback), self._fallback, big)
        current[self.unreachable] = 0.0

        def gains() -> np.ndarray:
            saving = self.weights[rows] * np.maximum(current[rows] - vals, 0.0)
            return np.bincount(cols, weights=saving, minlength=self.free.size)

        def take(best: int) -> None:
            hit = cols == best
            current[rows[hit]] = np.minimum(current[rows[hit]], vals[hit])

        return self._greedy_picks(gains, take)

    def solve(
        self,
        time_limit: float = DEFAULT_TIME_LIMIT_S,
        *,
        mip_rel_gap: float = 0.0,
        warm_start: bool = True,
        seed: int = 0,
    ) -> PMedian:
        """Solve the MILP with HiGHS, starting from the greedy selection.

        Variables: ``x_j`` (open candidate, binary), ``z_ij`` (row ``i`` served by ``j``)
        for the sparse pairs, ``f_i`` (row served by its fallback: nearest locked site or
        ``max_cost``). Constraints: ``sum_j z_ij + f_i = 1``, ``z_ij <= x_j``,
        ``sum_j x_j = k``.

        Returns
        -------
        The same object, with the solution attached.

        Raises
        ------
        DataError
            When no selection of ``k`` stops reaches every reachable row (in French).
        """
        tic = time.perf_counter()
        x0 = self._start_x(warm_start)
        rows, cols, vals = self._pairs
        n = self.cost.shape[0]
        active = np.flatnonzero(self._reachable)
        pos = np.full(n, -1, dtype=np.int64)
        pos[active] = np.arange(active.size)
        fb_rows = active[np.isfinite(self._fallback[active])]
        n_x, n_z, n_f, n_r = self.free.size, rows.size, fb_rows.size, active.size
        z_ids = np.arange(n_z)
        # Assignment rows: sum_j z_ij + f_i = 1.
        assign = sp.hstack(
            [
                sp.csc_matrix((n_r, n_x)),
                sp.csc_matrix((np.ones(n_z), (pos[rows], z_ids)), shape=(n_r, n_z)),
                sp.csc_matrix((np.ones(n_f), (pos[fb_rows], np.arange(n_f))), shape=(n_r, n_f)),
            ]
        )
        # Linking rows: z_ij - x_j <= 0.
        link = sp.hstack(
            [
                sp.csc_matrix((-np.ones(n_z), (z_ids, cols)), shape=(n_z, n_x)),
                sp.identity(n_z, format="csc"),
                sp.csc_matrix((n_z, n_f)),
            ]
        )
        objective = np.concatenate(
            [
                np.zeros(n_x),
                self.weights[rows] * vals,
                self.weights[fb_rows] * self._fallback[fb_rows],
            ]
        )
        start = None
        if x0 is not None:
            z0, f0 = self._start_assignment(x0, n_f, fb_rows)
            start = np.concatenate([x0, z0, f0])
        out = self._run_milp(
            sense_max=False,
            cost=objective,
            matrix=sp.vstack([assign, link]),
            row_lower=np.concatenate([np.ones(n_r), np.full(n_z, -np.inf)]),
            row_upper=np.concatenate([np.ones(n_r), np.zeros(n_z)]),
            start=start,
            tic=tic,
            time_limit=time_limit,
            mip_rel_gap=mip_rel_gap,
            seed=seed,
        )
        if out["values"] is None:
            if self.status == "infeasible":
                raise DataError(
                    f"p-médiane : avec {self.k} arrêts, certains points de demande ne peuvent "
                    "atteindre aucun site ouvert",
                    hint="augmentez le nombre d'arrêts, ajoutez des sites existants ou fixez "
                    "un temps maximal (max_cost)",
                )
            raise DataError(f"p-médiane : {self.status_text}", hint="augmentez la limite de temps")
        self.model_objective = out["objective"]
        self.dual_bound = out["dual_bound"]
        self.assignment, self.assigned_cost = self._nearest(self.selected)
        self.assignment[self.unreachable] = -1
        self.objective = self.value(self.selected)
        return self

    def _start_assignment(
        self, x0: np.ndarray, n_f: int, fb_rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Assign each row to its cheapest open pair or its fallback, for the MILP start."""
        rows, cols, vals = self._pairs
        open_pair = x0[cols] > 0.5
        z0 = np.zeros(rows.size)
        best = np.full(self.cost.shape[0], np.inf)
        np.minimum.at(best, rows[open_pair], vals[open_pair])
        chosen_pair = open_pair & (vals == best[rows])
        # Keep one pair per row (the first) when several tie.
        candidates = np.flatnonzero(chosen_pair)
        _, first_of_row = np.unique(rows[candidates], return_index=True)
        z0[candidates[first_of_row]] = 1.0
        first = np.zeros(self.cost.shape[0], dtype=bool)
        first[rows[candidates[first_of_row]]] = True
        f0 = (~first[fb_rows]).astype(float) if n_f else np.zeros(0)
        return z0, f0

    @property
    def mean_cost(self) -> float:
        """Demand-weighted mean travel minutes to the nearest open site (reachable rows)."""
        total = float(self.weights[self._reachable].sum())
        return self.objective / total if total > 0 else math.nan

    def report(self) -> dict[str, Any]:
        """Return the solver figures as a plain dict."""
        out = super().report()
        out.update(
            weighted_minutes=self.objective,
            mean_minutes=self.mean_cost,
            model_objective=self.model_objective,
            unreachable=int(self.unreachable.size),
            max_cost=self.max_cost,
        )
        return out

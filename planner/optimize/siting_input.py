"""Checks of the siting inputs: the cost matrix, the demand weights, the candidate columns, ``k``.

Every check raises a French :class:`~planner.errors.SettingsError` naming the input as
the user sees it (« matrice des temps de trajet », « demande », « nombre d'arrêts »...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from planner.errors import SettingsError

_MATRIX = "matrice des temps de trajet"


def as_cost(cost: Any) -> np.ndarray | sp.csr_matrix:
    """Return the cost matrix as float64 with ``inf`` for missing pairs, or raise.

    A scipy sparse matrix stays sparse (CSR): its stored entries are the reachable
    pairs (an explicit ``0`` is a pair at no cost), the others are unreachable.
    """
    if sp.issparse(cost):
        return _as_sparse_cost(cost)
    try:
        array = np.asarray(cost, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            "la matrice de temps de trajet contient des valeurs non numériques",
            setting=_MATRIX,
            hint="fournissez des minutes (nombres), vide ou infini pour « pas de route »",
        ) from exc
    if array.ndim != 2 or 0 in array.shape:
        raise SettingsError(
            f"la matrice de temps de trajet doit avoir deux dimensions non vides "
            f"(points de demande × sites), reçu la forme {array.shape}",
            setting=_MATRIX,
        )
    if np.any(array < 0):
        raise SettingsError(
            "la matrice de temps de trajet contient des temps négatifs",
            setting=_MATRIX,
            hint="vérifiez le calcul des temps de trajet",
        )
    return np.where(np.isnan(array), np.inf, array)


def _as_sparse_cost(cost: Any) -> sp.csr_matrix:
    matrix = sp.csr_matrix(cost, dtype=float)
    if 0 in matrix.shape:
        raise SettingsError(
            f"la matrice de temps de trajet doit avoir deux dimensions non vides "
            f"(points de demande × sites), reçu la forme {matrix.shape}",
            setting=_MATRIX,
        )
    if np.any(matrix.data < 0):
        raise SettingsError(
            "la matrice de temps de trajet contient des temps négatifs",
            setting=_MATRIX,
            hint="vérifiez le calcul des temps de trajet",
        )
    return matrix


def as_weights(weights: Any, n: int) -> np.ndarray:
    """Return one non-negative weight per demand row as float64, or raise."""
    try:
        w = np.asarray(weights, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            "les poids de la demande ne sont pas numériques", setting="demande"
        ) from exc
    if w.shape != (n,):
        raise SettingsError(
            f"{w.size} poids de demande pour {n} points de demande (lignes de la matrice)",
            setting="demande",
            hint="donnez un poids par ligne de la matrice",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise SettingsError(
            "les poids de la demande doivent être des nombres positifs ou nuls",
            setting="demande",
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
            raise SettingsError(
                f"le masque des {what} a {idx.size} valeurs pour {m} sites (colonnes)",
                setting=what,
            )
        return np.flatnonzero(idx)
    if not np.issubdtype(idx.dtype, np.integer):
        raise SettingsError(f"les {what} doivent être des numéros de colonne entiers", setting=what)
    if idx.min() < 0 or idx.max() >= m:
        bad = int(idx[(idx < 0) | (idx >= m)][0])
        raise SettingsError(
            f"{what} : la colonne {bad} n'existe pas (la matrice a {m} sites)", setting=what
        )
    return np.unique(idx.astype(np.int64))


def free_and_locked(
    m: int, candidates: Sequence[int] | np.ndarray | None, locked: Sequence[int] | np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (free candidate columns, locked columns); locked columns are never free."""
    locked_idx = _as_indices(locked, m, "sites existants")
    locked_idx = np.zeros(0, dtype=np.int64) if locked_idx is None else locked_idx
    cand_idx = _as_indices(candidates, m, "sites candidats")
    if cand_idx is None:
        cand_idx = np.arange(m, dtype=np.int64)
    return np.setdiff1d(cand_idx, locked_idx), locked_idx


def check_k(k: int, n_free: int) -> int:
    """Return ``k`` as an int if ``0 <= k <= n_free``, or raise."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise SettingsError(
            f"nombre d'arrêts invalide : {k!r}",
            setting="nombre d'arrêts",
            hint="donnez un entier positif",
        )
    if k > n_free:
        raise SettingsError(
            f"{k} arrêts demandés mais seulement {n_free} sites candidats disponibles "
            "(hors sites existants)",
            setting="nombre d'arrêts",
            hint="réduisez le nombre d'arrêts ou ajoutez des candidats",
        )
    return int(k)


def as_capacity(capacity: Any, m: int) -> np.ndarray:
    """Return one capacity per site column (people a year, ``inf`` = unbounded) as float64, or raise."""
    try:
        cap = np.broadcast_to(np.asarray(capacity, dtype=float).reshape(-1), (m,)).copy()
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            f"il faut une capacité numérique par site ({m} sites)",
            setting="capacité des lieux",
            hint="donnez un nombre de personnes par an, positif ou nul, par site",
        ) from exc
    if np.isnan(cap).any() or (cap < 0).any():
        raise SettingsError(
            "capacité négative ou non renseignée",
            setting="capacité des lieux",
            hint="donnez une capacité positive ou nulle (inf : sans limite)",
        )
    return cap


def as_pairs(reach: Any, threshold: float | None = None) -> sp.csr_matrix:
    """Return the reachable (demand, site) pairs as a boolean CSR matrix.

    Without ``threshold``: ``reach`` is boolean (dense: ``True`` entries; sparse: the
    stored entries, stored zeros included, stored ``False`` excluded). With it: travel
    minutes (:func:`as_cost`), pairs within the threshold (inclusive).
    """
    if threshold is None:
        if sp.issparse(reach):
            pairs = sp.csr_matrix(reach)
            keep = pairs.data.astype(bool) if pairs.dtype == bool else np.ones(pairs.nnz, dtype=bool)
        else:
            return sp.csr_matrix(np.asarray(reach, dtype=bool))
    else:
        cost = as_cost(reach)
        if not sp.issparse(cost):
            return sp.csr_matrix(np.asarray(cost) <= threshold)
        pairs = sp.csr_matrix(cost)
        keep = pairs.data <= threshold
    out = sp.csr_matrix((keep, pairs.indices.copy(), pairs.indptr.copy()), shape=pairs.shape)
    out.eliminate_zeros()  # in place: on copies, never on the caller's arrays
    return out

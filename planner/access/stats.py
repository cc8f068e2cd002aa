"""Weighted statistics of coverage tables: population-weighted fragility, weighted quantiles.

The one owner of these computations: coverage (commune figures from demand points), the
maps (figures per EPCI or département) and the territory sheet all call them.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd


def weighted_fragility(
    frame: pd.DataFrame,
    by: Hashable | pd.Series | None = None,
    *,
    factor: str = "fragility_factor",
    weight: str = "population",
) -> float | pd.Series:
    """Return the population-weighted mean of the fragility factor, overall or per group.

    Rows whose factor or weight is missing are left out of both the sum and the total
    weight; a group without weight gets NaN.

    Parameters
    ----------
    frame
        Rows (demand points, communes) with ``factor`` and ``weight`` columns.
    by
        ``None`` for one figure; a column name or a Series aligned on ``frame`` to group by.
    factor
        Column of the fragility factor.
    weight
        Column of the weights (the population).

    Returns
    -------
    float or pandas.Series
        The weighted mean (NaN without weight), or one per group (indexed by group).
    """
    values = pd.to_numeric(frame[factor], errors="coerce").astype("float64")
    weights = pd.to_numeric(frame[weight], errors="coerce").astype("float64")
    counted = values.notna() & weights.notna()
    parts = pd.DataFrame({
        "_fw": (values * weights).where(counted, 0.0),
        "_w": weights.where(counted, 0.0),
    })
    if by is None:
        total = float(parts["_w"].sum())
        return float(parts["_fw"].sum() / total) if total > 0 else float("nan")
    keys = frame[by] if not isinstance(by, pd.Series) else by
    sums = parts.groupby(keys.to_numpy()).sum()
    out = sums["_fw"] / sums["_w"].where(sums["_w"] > 0)
    return out.rename(factor)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Return the weighted ``q``-quantile of ``values`` (lower value at a tie), rounded to 0.1.

    Parameters
    ----------
    values
        The values (infinite values allowed: an unreachable point).
    weights
        Non-negative weights of the values.
    q
        The quantile, in [0, 1].

    Returns
    -------
    float
        The smallest value whose cumulative weight share reaches ``q``, rounded to one
        decimal; ``inf`` if it is infinite; NaN when the weights sum to zero.
    """
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    order = np.argsort(values)
    v, w = values[order], weights[order]
    if w.sum() <= 0:
        return float("nan")
    cum = np.cumsum(w) / w.sum()
    value = v[min(int(np.searchsorted(cum, q)), len(v) - 1)]
    return round(float(value), 1) if np.isfinite(value) else float("inf")

"""Fitting and validating the crow-fly fallback (:mod:`planner.travel.crowfly`) against road times.

:func:`fit` estimates the table of a :class:`~planner.travel.crowfly.CrowFlyModel` by least
absolute deviation of ``log`` road minutes (and km); :func:`error_quantiles` measures its
interval on held-out pairs; :func:`band_errors` prints-ready error per distance band.
``bench/fallback_fit.py`` runs them on every road graph at hand.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import lsq_linear

from planner.travel.crowfly import BAND_EDGES_KM, CLASSES, KNOTS_KM, CrowFlyModel

#: Targets of the fallback per distance band (issue 11): median absolute error and |median bias|.
TARGET_MDAPE = 0.15
TARGET_BIAS = 0.10


def _design(d: np.ndarray, m: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Return the bilinear-interpolation weights of each pair on the (class, knot) table."""
    x = np.log(np.clip(d, np.exp(knots[0]), np.exp(knots[-1])))
    j = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, len(knots) - 2)
    wx = (x - knots[j]) / (knots[j + 1] - knots[j])
    mm = np.clip(m, CLASSES[0], CLASSES[-1]) - CLASSES[0]
    k = np.minimum(np.floor(mm).astype(np.int64), len(CLASSES) - 2)
    wm = mm - k
    n_k = len(knots)
    out = np.zeros((len(d), len(CLASSES) * n_k))
    rows = np.arange(len(d))
    for dk, w_m in ((0, 1 - wm), (1, wm)):
        for dj, w_x in ((0, 1 - wx), (1, wx)):
            np.add.at(out, (rows, (k + dk) * n_k + j + dj), w_m * w_x)
    return out


def _penalties(knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the change-of-slope rows (per class, inner knots) and the class-tie rows."""
    n_c, n_k = len(CLASSES), len(knots)
    h = np.diff(knots)
    slopes = np.zeros((n_c * (n_k - 2), n_c * n_k))
    for c in range(n_c):
        for j in range(1, n_k - 1):
            r, base = c * (n_k - 2) + j - 1, c * n_k + j
            slopes[r, base - 1], slopes[r, base], slopes[r, base + 1] = 1 / h[j - 1], -1 / h[j - 1] - 1 / h[j], 1 / h[j]
    ties = np.zeros(((n_c - 1) * n_k, n_c * n_k))
    for c in range(n_c - 1):
        for j in range(n_k):
            ties[c * n_k + j, c * n_k + j], ties[c * n_k + j, (c + 1) * n_k + j] = 1.0, -1.0
    return slopes, ties


def fit_table(
    d_km: ArrayLike,
    class_a: ArrayLike,
    class_b: ArrayLike,
    target: ArrayLike,
    *,
    knots_km: tuple[float, ...] = KNOTS_KM,
    cap_per_cell: int = 5000,
    smooth: float = 0.0003,
    tie: float = 0.0001,
    iterations: int = 10,
    seed: int = 0,
) -> tuple[tuple[float, ...], ...]:
    """Fit the (class × knot) table of ``target`` (road minutes or km): least absolute deviation of its log.

    Pairs between the first and last knot are kept. To balance short and long, dense and
    sparse pairs, at most ``cap_per_cell`` pairs are drawn in each (class pair × knot
    interval) cell; ``smooth`` penalises the change of log-log slope between knots and
    ``tie`` the difference between adjacent classes (so sparse cells borrow from their
    neighbours). Values are constrained to increase with distance.

    Returns
    -------
    ``table[class][knot]``, rounded to 3 decimals.
    """
    d, ca, cb, t = (np.asarray(a, float).ravel() for a in (d_km, class_a, class_b, target))
    ok = (d >= knots_km[0]) & (d <= knots_km[-1]) & np.isfinite(t) & (t > 0) & np.isfinite(ca + cb)
    d, ca, cb, t = d[ok], ca[ok], cb[ok], t[ok]
    knots = np.log(np.asarray(knots_km, float))
    n_c, n_k = len(CLASSES), len(knots)
    cell = (np.minimum(ca, cb) * 10 + np.maximum(ca, cb)) * 100 + np.searchsorted(knots_km, d)
    order = np.random.default_rng(seed).permutation(len(d))
    _, first, inverse = np.unique(cell[order], return_index=True, return_inverse=True)
    pick = order[(np.arange(len(d)) - first[inverse]) < cap_per_cell]
    X = _design(d[pick], (ca[pick] + cb[pick]) / 2, knots)
    y = np.log(t[pick])
    T = np.kron(np.eye(n_c), np.tril(np.ones((n_k, n_k))))  # level of the first knot, then increments
    slopes, ties = _penalties(knots)
    lower = np.tile(np.r_[-np.inf, np.zeros(n_k - 1)], n_c)
    w = np.ones(len(y))
    u = np.zeros(n_c * n_k)
    for _ in range(iterations):
        scale = np.sqrt(w.sum())
        A = np.vstack([X * np.sqrt(w)[:, None], np.sqrt(smooth) * scale * slopes, np.sqrt(tie) * scale * ties])
        b = np.r_[y * np.sqrt(w), np.zeros(len(slopes) + len(ties))]
        u = lsq_linear(A @ T, b, bounds=(lower, np.inf), method="bvls").x
        w = 1 / np.maximum(np.abs(y - X @ T @ u), 0.02)  # IRLS towards least absolute deviation
    theta = np.exp(T @ u).reshape(n_c, n_k)
    return tuple(tuple(round(float(v), 3) for v in row) for row in theta)


def fit(
    d_km: ArrayLike, class_a: ArrayLike, class_b: ArrayLike, road_minutes: ArrayLike, road_km: ArrayLike
) -> CrowFlyModel:
    """Fit the fallback's minutes and km tables; its interval is that of the fitted pairs (in sample).

    Replace the interval with :func:`error_quantiles` on held-out pairs for an honest one.
    """
    model = CrowFlyModel(
        minutes=fit_table(d_km, class_a, class_b, road_minutes), km=fit_table(d_km, class_a, class_b, road_km)
    )
    ratio = np.asarray(road_minutes, float) / model.predict(d_km, class_a, class_b)[0]
    return error_quantiles(model, [d_km], [ratio])


def error_quantiles(model: CrowFlyModel, d_km: list[ArrayLike], ratios: list[ArrayLike]) -> CrowFlyModel:
    """Return ``model`` with per-band quantiles of ``road / predicted`` measured on these pairs.

    ``d_km`` and ``ratios`` are lists of arrays (pooled; e.g. one per held-out test). A band
    without pairs keeps the model's quantiles. Values rounded to 3 decimals.
    """
    d = np.concatenate([np.asarray(x, float).ravel() for x in d_km])
    ratio = np.concatenate([np.asarray(x, float).ravel() for x in ratios])
    band = np.searchsorted(model.band_edges_km, d, side="right") - 1
    low, high = list(model.ratio_low), list(model.ratio_high)
    for b in range(len(low)):
        sel = (band == b) & np.isfinite(ratio)
        if sel.any():
            low[b], high[b] = (round(float(q), 3) for q in np.quantile(ratio[sel], model.quantiles))
    return replace(model, ratio_low=tuple(low), ratio_high=tuple(high))


def band_errors(d_km: ArrayLike, road_minutes: ArrayLike, predicted: ArrayLike) -> pd.DataFrame:
    """Return the error of ``predicted`` against road minutes per distance band.

    Returns
    -------
    One row per band with pairs: ``band_km`` (``"0.5-2"``...), ``n``, ``mdape`` (median of
    ``|predicted / road - 1|``), ``bias`` (median of ``predicted / road`` − 1), ``q10``/``q90``
    (quantiles of ``road / predicted``) and ``meets_target`` (both within
    :data:`TARGET_MDAPE` and :data:`TARGET_BIAS`).
    """
    d = np.asarray(d_km, float)
    ratio = np.asarray(predicted, float) / np.asarray(road_minutes, float)
    band = np.searchsorted(BAND_EDGES_KM, d, side="right") - 1
    rows = []
    for b in range(len(BAND_EDGES_KM) - 1):
        r = ratio[(band == b) & np.isfinite(ratio)]
        if len(r):
            mdape, bias = float(np.median(np.abs(r - 1))), float(np.median(r) - 1)
            q10, q90 = (float(q) for q in np.quantile(1 / r, [0.1, 0.9]))
            rows.append({"band_km": f"{BAND_EDGES_KM[b]:g}-{BAND_EDGES_KM[b + 1]:g}", "n": len(r),
                         "mdape": mdape, "bias": bias, "q10": q10, "q90": q90,
                         "meets_target": mdape <= TARGET_MDAPE and abs(bias) <= TARGET_BIAS})
    return pd.DataFrame(rows, columns=["band_km", "n", "mdape", "bias", "q10", "q90", "meets_target"])

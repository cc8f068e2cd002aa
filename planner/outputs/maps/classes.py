"""Classes of a choropleth: bounds, French labels and colours.

Access times use fixed classes (:data:`TIME_BINS`), the fragility factor too
(:data:`FRAGILITY_BINS`); other values are classed at quantiles (:func:`quantile_bins`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from planner import fr

#: Colour of areas with no value.
MISSING_COLOUR = "#bdbdbd"
#: Sequential classes, from good (green) to bad (red): ColorBrewer RdYlGn, reversed.
SEQUENTIAL: tuple[str, ...] = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027")
#: Classes of access time (minutes); the last class holds everything beyond 60 min.
TIME_BINS: tuple[float, ...] = (0, 10, 20, 30, 45, 60, np.inf)
#: Classes of the fragility factor (1 = average).
FRAGILITY_BINS: tuple[float, ...] = (0, 0.8, 0.95, 1.05, 1.2, 1.5, np.inf)


def class_labels(bins: Sequence[float], unit: str = "", digits: int = 0) -> list[str]:
    """Return French labels of classes ``[bins[i], bins[i+1])``, e.g. ``"10 à 20 min"``.

    Parameters
    ----------
    bins
        Increasing class bounds; the last may be infinite (« et plus »).
    unit
        Unit after each bound (``"min"``), after a no-break space; none when empty.
    digits
        Decimals of the bounds.
    """
    unit = unit.strip()

    def text(value: float) -> str:
        return fr.with_unit(value, unit, digits) if unit else fr.number(value, digits)

    labels = []
    for low, high in itertools.pairwise(bins):
        if not np.isfinite(high):
            labels.append(f"{text(low)} et plus")
        elif low <= 0 and low == bins[0]:
            labels.append(f"moins de {text(high)}")
        else:
            labels.append(f"{fr.number(low, digits)} à {text(high)}")
    return labels


def quantile_bins(values: Iterable[float], classes: int = 6) -> list[float]:
    """Return class bounds at quantiles of ``values`` (rounded, unique, open last class)."""
    data = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if data.size == 0:
        return [0.0, np.inf]
    cuts = np.quantile(data, np.linspace(0, 1, classes + 1)[1:-1])
    magnitude = 10 ** max(0, int(np.floor(np.log10(max(float(np.max(np.abs(cuts))), 1.0)))) - 1)
    cuts = np.unique(np.round(cuts / magnitude) * magnitude)
    cuts = cuts[cuts > 0]
    return [0.0, *[float(c) for c in cuts], np.inf]


def classify(values: Sequence[float] | pd.Series, bins: Sequence[float], colours: Sequence[str] = SEQUENTIAL) -> list[str]:
    """Return the colour of each value's class (``MISSING_COLOUR`` for missing values)."""
    array = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    idx = np.clip(np.searchsorted(np.asarray(bins[1:-1], dtype=float), array, side="right"), 0, len(bins) - 2)
    palette = list(colours)[: len(bins) - 1]
    if len(palette) < len(bins) - 1:  # more classes than colours: repeat the last one
        palette += [palette[-1]] * (len(bins) - 1 - len(palette))
    return [MISSING_COLOUR if np.isnan(v) else palette[i] for v, i in zip(array, idx)]


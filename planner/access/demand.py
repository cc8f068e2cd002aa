"""Demand: how many people in digital difficulty each demand point stands for.

Weight (the formula lives here and only here, in :class:`DemandModel`)::

    demand = population × base_rate × fragility_factor

- ``base_rate``: share of people in digital difficulty, default 15.4 % (INSEE 2021:
  *illectronisme* among people aged 15 or more).
- ``fragility_factor``: how much more (or less) fragile the place is than average,
  bounded to ``[factor_min, factor_max]`` (default [0.5, 2]), taken from the first
  available of:

  1. ``ifn``: the IFN 2020 global score / 100 (base 100 = regional mean,
     see :mod:`planner.data.sources.indicators`), from the IRIS files (IRIS rows, or
     communes whose ``ifn_source`` is ``iris``);
  2. ``ifn_2023``: the IFN 2023 model (ANCT) of the commune, its global score over the
     population-weighted regional mean (``ifn2023_factor``, see
     :mod:`planner.data.sources.ifn2023`); it replaces the 2020 region-file scores
     (``ifn_source`` ``région``), which serve only where the 2023 score is missing;
  3. ``proxy``: a linear estimate of score / 100 from the share of people 65+, the share
     with no or low diploma and the poverty rate (:data:`PROXY`);
  4. ``proxy_chomage``: a linear estimate from the unemployment rate alone
     (:data:`FALLBACK_PROXY`), which exists almost everywhere (overseas included);
  5. ``neutre``: 1 (the place counts at the base rate).

Each row also says the vintage of its figure (``fragility_vintage``,
:data:`SOURCE_VINTAGES`).

The default bounds keep 99.9 % of IRIS scores unclipped (0.1 % quantile 15, 1 %
quantile 50, 99 % quantile 142, 99.9 % quantile 169), so they only tame outliers (tiny
IRIS) and the extrapolations of the proxies.

The functions take any frame with ``population`` and the indicator columns: the
commune table joined with :func:`planner.data.sources.indicators.load_indicators`, or the
IRIS table of :func:`planner.data.sources.indicators.load_ifn_iris`.

Where the demand of an IRIS stands (:func:`iris_points`): the IRIS holding its commune's
town hall is placed at the town hall (the village, where most people live), so a commune
that is one IRIS is counted where its access is measured; the other IRIS of a multi-IRIS
commune keep a point inside their polygon.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import shapely

from planner.data.sources.communes import load_communes
from planner.data.sources.indicators import load_ifn_iris, load_indicators
from planner.errors import DataError, SettingsError

log = logging.getLogger(__name__)

#: INSEE 2021: share of people aged 15+ in *illectronisme* (enquête TIC ménages).
BASE_RATE = 0.154
#: Where :data:`BASE_RATE` comes from, and its vintage.
BASE_RATE_SOURCE = "INSEE, enquête TIC ménages, illectronisme des 15 ans et plus"
BASE_RATE_VINTAGE = "2021"

#: Vintage of the data behind each ``fragility_source`` (IFN 2020 from INSEE RP2016; the
#: 2023 model; the proxy's inputs RP2016 and Filosofi 2016; unemployment 2021).
SOURCE_VINTAGES: dict[str, str] = {
    "ifn": "2020",
    "ifn_2023": "2023-08",
    "proxy": "2016",
    "proxy_chomage": "2021",
    "neutre": "",
}

#: The settings of the demand model, as the user sees them (CLI option, app field).
SETTINGS: dict[str, str] = {
    "base_rate": "taux de base (--base-rate)",
    "factor_min": "facteur minimum (--factor-min)",
    "factor_max": "facteur maximum (--factor-max)",
    "use_ifn": "utiliser l'indice de fragilité numérique",
}


@dataclass(frozen=True)
class LinearProxy:
    """A linear estimate of the fragility factor (IFN score / 100) from indicators.

    Attributes
    ----------
    intercept
        Constant term.
    coefficients
        ``(column, coefficient)`` pairs; columns are fractions in [0, 1].
    r2
        Coefficient of determination of the fit (population-weighted).
    n
        Number of observations of the fit.
    sample
        What the fit was made on, in French.
    """

    intercept: float
    coefficients: tuple[tuple[str, float], ...]
    r2: float = float("nan")
    n: int = 0
    sample: str = ""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The columns the proxy needs."""
        return tuple(name for name, _ in self.coefficients)

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Return the unbounded estimate; missing where any input is missing or absent."""
        out = pd.Series(self.intercept, index=frame.index, dtype="float64")
        for name, coef in self.coefficients:
            column = frame[name] if name in frame.columns else np.nan
            out = out + coef * pd.to_numeric(pd.Series(column, index=frame.index), errors="coerce")
        return out


# The two proxies below were fitted by :func:`calibrate` on the real snapshots (IFN 2020,
# Filosofi 2016, comparateur 2024) and rounded to 3 decimals; tests/access/test_demand.py refits
# them and checks these constants.
#
# PROXY: weighted least squares (weights: 2016 population) of IFN global score / 100 on
# the 1,037 IRIS of the IFN IRIS files (Cantal, Creuse, Lozère, Corse-du-Sud, Haute-Corse)
# whose commune has a poverty rate (commune value, else its EPCI's). R² = 0.339.
PROXY = LinearProxy(
    intercept=0.609,
    coefficients=(("share_65_plus", 0.278), ("share_low_diploma", 0.924), ("poverty_rate", 0.086)),
    r2=0.339,
    n=1037,
    sample="IRIS des fichiers IFN (15, 23, 48, 2A, 2B), pondérés par la population 2016",
)
# FALLBACK_PROXY: weighted least squares (weights: population municipale) of the commune
# IFN global score / 100 on the unemployment rate 15-64, over the 34,745 communes with
# both. R² = 0.351.
FALLBACK_PROXY = LinearProxy(
    intercept=0.806,
    coefficients=(("unemployment_rate", 1.609),),
    r2=0.351,
    n=34745,
    sample="communes de France ayant un score IFN, pondérées par la population",
)


@dataclass(frozen=True)
class DemandModel:
    """The demand-weight formula, its inputs and coefficients (see module docstring).

    Attributes
    ----------
    base_rate
        Share of the population in digital difficulty at factor 1 (default 0.154).
    factor_min, factor_max
        Bounds of the fragility factor (default 0.5 and 2).
    use_ifn
        Use the IFN score where present (else only proxies).
    proxy
        First proxy where the IFN is missing (``None``: skipped).
    fallback_proxy
        Second proxy (``None``: skipped).
    """

    base_rate: float = BASE_RATE
    factor_min: float = 0.5
    factor_max: float = 2.0
    use_ifn: bool = True
    proxy: LinearProxy | None = field(default=PROXY)
    fallback_proxy: LinearProxy | None = field(default=FALLBACK_PROXY)

    def __post_init__(self) -> None:
        if not 0.0 < self.base_rate <= 1.0:
            raise SettingsError(
                f"taux de base invalide : {self.base_rate}",
                setting=SETTINGS["base_rate"],
                hint="donnez une part entre 0 et 1 (0,154 pour 15,4 %)",
            )
        if not 0.0 < self.factor_min <= self.factor_max:
            raise SettingsError(
                "bornes du facteur de fragilité invalides : "
                f"[{self.factor_min} ; {self.factor_max}]",
                setting=SETTINGS["factor_min"] if self.factor_min <= 0 else SETTINGS["factor_max"],
                hint="il faut 0 < minimum ≤ maximum (par défaut 0,5 et 2)",
            )

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> DemandModel:
        """Build a model from a config mapping (unknown keys refused, in French)."""
        known = {"base_rate", "factor_min", "factor_max", "use_ifn"}
        unknown = set(values) - known - {"proxy", "fallback_proxy"}
        if unknown:
            raise SettingsError(
                f"paramètre de demande inconnu : {', '.join(sorted(unknown))}",
                setting="modèle de demande",
                hint=f"paramètres possibles : {', '.join(sorted(known))}",
            )
        kwargs: dict[str, Any] = {k: values[k] for k in known if k in values}
        for key in ("base_rate", "factor_min", "factor_max"):
            if key in kwargs:
                try:
                    kwargs[key] = float(str(kwargs[key]).replace(",", "."))
                except ValueError:
                    raise SettingsError(f"valeur non numérique : {kwargs[key]!r}", setting=SETTINGS[key]) from None
        for key in ("proxy", "fallback_proxy"):
            if key in values:
                item = values[key]
                kwargs[key] = (
                    None
                    if item is None
                    else LinearProxy(
                        intercept=float(item["intercept"]),
                        coefficients=tuple(
                            (str(k), float(v)) for k, v in dict(item["coefficients"]).items()
                        ),
                        r2=float(item.get("r2", float("nan"))),
                        n=int(item.get("n", 0)),
                        sample=str(item.get("sample", "")),
                    )
                )
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Return the model as a plain mapping (inverse of :meth:`from_dict`)."""
        out = asdict(self)
        for key in ("proxy", "fallback_proxy"):
            if out[key] is not None:
                out[key]["coefficients"] = dict(out[key]["coefficients"])
        return out

    def with_changes(self, **changes: Any) -> DemandModel:
        """Return a copy with some parameters changed (e.g. ``base_rate=0.17``)."""
        return replace(self, **changes)


def fragility(frame: pd.DataFrame, model: DemandModel | None = None) -> pd.DataFrame:
    """Return the fragility factor of each row and where it comes from.

    Parameters
    ----------
    frame
        Rows with any of ``ifn_score`` (and ``ifn_source``), ``ifn2023_factor`` and the
        proxies' inputs (missing columns are treated as missing values).
    model
        The demand model (default :class:`DemandModel`).

    Returns
    -------
    DataFrame on ``frame``'s index: ``fragility_factor`` (bounded),
    ``fragility_source`` (``ifn``, ``ifn_2023``, ``proxy``, ``proxy_chomage`` or
    ``neutre``) and ``fragility_vintage`` (:data:`SOURCE_VINTAGES`).
    """
    model = model or DemandModel()
    raw = pd.Series(np.nan, index=frame.index, dtype="float64")
    source = pd.Series("neutre", index=frame.index, dtype="str")
    steps: list[tuple[str, pd.Series]] = []
    if model.use_ifn:
        ifn = _column(frame, "ifn_score") / 100.0
        ifn2023 = _column(frame, "ifn2023_factor")
        regional = (frame["ifn_source"].astype("str") == "région" if "ifn_source" in frame.columns
                    else pd.Series(False, index=frame.index))
        # The 2023 model replaces the 2020 region-file scores, kept where it is missing.
        steps.append(("ifn", ifn.where(~(regional & ifn2023.notna()).to_numpy(dtype=bool))))
        steps.append(("ifn_2023", ifn2023))
    if model.proxy is not None:
        steps.append(("proxy", model.proxy.predict(frame)))
    if model.fallback_proxy is not None:
        steps.append(("proxy_chomage", model.fallback_proxy.predict(frame)))
    for name, values in steps:
        take = raw.isna() & values.notna()
        raw = raw.where(~take, values)
        source = source.where(~take, name)
    factor = raw.fillna(1.0).clip(model.factor_min, model.factor_max)
    vintage = source.map(SOURCE_VINTAGES).astype("str")
    return pd.DataFrame({"fragility_factor": factor, "fragility_source": source,
                         "fragility_vintage": vintage})


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column of ``frame`` as float (all missing when absent)."""
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[name], errors="coerce").astype("float64")


def demand_weight(frame: pd.DataFrame, model: DemandModel | None = None) -> pd.Series:
    """Return the estimated number of people in digital difficulty of each row.

    ``population × base_rate × fragility_factor`` (see :func:`fragility`).

    Parameters
    ----------
    frame
        Communes or IRIS with ``population`` and indicator columns.
    model
        The demand model (default :class:`DemandModel`).

    Returns
    -------
    Float Series named ``demand`` on ``frame``'s index (missing where the population is).
    """
    if "population" not in frame.columns:
        raise DataError(
            "colonne « population » absente : impossible d'estimer la demande",
            column="population",
            hint="joignez la table des communes ou des IRIS",
        )
    model = model or DemandModel()
    population = pd.to_numeric(frame["population"], errors="coerce").astype("float64")
    factor = fragility(frame, model)["fragility_factor"]
    return (population * model.base_rate * factor).rename("demand")


def fit_proxy(
    frame: pd.DataFrame,
    inputs: tuple[str, ...] | list[str],
    target: str = "ifn_score",
    weight: str | None = "population",
    sample: str = "",
) -> LinearProxy:
    """Fit a linear proxy of ``target / 100`` on ``inputs`` by (weighted) least squares.

    Rows missing the target, an input or the weight (or with weight ≤ 0) are left out.

    Parameters
    ----------
    frame
        Rows with the target, inputs and weight columns.
    inputs
        Explanatory columns.
    target
        The IFN score column (divided by 100).
    weight
        Weight column (``None``: ordinary least squares).
    sample
        French description stored with the fit.

    Returns
    -------
    The fitted :class:`LinearProxy` with its (weighted) R² and number of rows.
    """
    columns = [target, *inputs] + ([weight] if weight else [])
    data = frame[columns].apply(pd.to_numeric, errors="coerce").dropna()
    w = data[weight].to_numpy(dtype=float) if weight else np.ones(len(data))
    data, w = data[w > 0], w[w > 0]
    if len(data) <= len(inputs) + 1:
        raise DataError(
            f"trop peu de lignes ({len(data)}) pour ajuster l'estimation",
            hint="il faut des lignes ayant à la fois le score IFN et les indicateurs",
        )
    design = np.column_stack([np.ones(len(data)), *(data[c].to_numpy(dtype=float) for c in inputs)])
    y = data[target].to_numpy(dtype=float) / 100.0
    root = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)
    residual = y - design @ beta
    mean = np.average(y, weights=w)
    r2 = 1.0 - float(np.sum(w * residual**2) / np.sum(w * (y - mean) ** 2))
    return LinearProxy(
        intercept=float(beta[0]),
        coefficients=tuple((c, float(b)) for c, b in zip(inputs, beta[1:])),
        r2=r2,
        n=len(data),
        sample=sample,
    )


def calibrate() -> tuple[LinearProxy, LinearProxy]:
    """Refit :data:`PROXY` and :data:`FALLBACK_PROXY` on the real data.

    Returns
    -------
    ``(proxy, fallback_proxy)``, unrounded: the IRIS fit (weighted by 2016 population,
    the commune's poverty rate joined to its IRIS) and the national commune fit on the
    unemployment rate (weighted by population municipale).
    """
    indicators, _ = load_indicators()
    iris = load_ifn_iris().merge(indicators[["insee", "poverty_rate"]], on="insee", how="left")
    proxy = fit_proxy(iris, PROXY.inputs, sample=PROXY.sample)
    communes = load_communes()[["insee", "population"]].merge(indicators, on="insee")
    fallback = fit_proxy(communes, FALLBACK_PROXY.inputs, sample=FALLBACK_PROXY.sample)
    log.info(
        "proxy R² %.3f (n=%d), proxy chômage R² %.3f (n=%d)",
        proxy.r2,
        proxy.n,
        fallback.r2,
        fallback.n,
    )
    return proxy, fallback


def iris_points(polygons: np.ndarray, insee: np.ndarray, halls: np.ndarray) -> np.ndarray:
    """Return the demand point of each IRIS: inside its populated part, as far as data tell.

    In each commune, the IRIS holding the town hall (the one nearest to it when none
    holds it: polygons are simplified) is placed at the town hall: an IRIS that is the
    whole commune thus stands in its village, never kilometres away in the maquis where
    a polygon's representative point may fall, and the commune's demand agrees with its
    access measured from the town hall. The other IRIS of a multi-IRIS commune keep a
    point inside their polygon (:func:`shapely.point_on_surface`).

    Parameters
    ----------
    polygons
        IRIS polygons (EPSG:4326), one per IRIS.
    insee
        The commune of each IRIS.
    halls
        The town hall of each IRIS's commune (a point, or ``None`` when unknown).

    Returns
    -------
    numpy.ndarray of shapely Points, one per IRIS.
    """
    polygons = np.asarray(polygons, dtype=object)
    halls = np.asarray(halls, dtype=object)
    points = shapely.point_on_surface(polygons)
    known = ~(shapely.is_missing(halls) | shapely.is_empty(halls))
    if not known.any():
        return points
    gap = np.full(len(polygons), np.inf)
    gap[known] = shapely.distance(polygons[known], halls[known])
    gap[np.isnan(gap)] = np.inf
    order = np.lexsort((gap, np.asarray(insee, dtype=str)))  # by commune, nearest first
    first = np.r_[True, np.asarray(insee, dtype=str)[order][1:] != np.asarray(insee, dtype=str)[order][:-1]]
    at_hall = order[first]
    at_hall = at_hall[np.isfinite(gap[at_hall])]
    points[at_hall] = halls[at_hall]
    return points

"""Fit the crow-fly fallback on every road graph at hand and validate it out of sample (prints; asserts nothing).

Run: ``PLANNER_DATA_DIR=... python bench/fallback_fit.py``. Pairs: :mod:`fallback_pairs`
(Corsica 2A/2B, Saint-Germain-en-Laye driveable graph). Prints the error per distance band
for fit 2A → test 2B, fit 2B → test 2A, fit Corsica → test Saint-Germain held-out nodes
(dense classes); then the final fit on every pair with the interval quantiles pooled out of
sample, as Python source, and whether it equals :data:`planner.travel.crowfly.FALLBACK`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fallback_pairs import load_pairs

from planner import fr
from planner.api import plan
from planner.geo import great_circle_km
from planner.outputs.text.travel import fallback_band_table
from planner.territory import select
from planner.travel.crowfly import CLASSES, FALLBACK, CrowFlyModel, point_density
from planner.travel.crowfly_fit import band_errors, error_quantiles, fit

TESTS = {
    "ajusté sur 2A (+ Saint-Germain apprentissage) → testé sur 2B": (["2A", "SG-train"], "2B"),
    "ajusté sur 2B (+ Saint-Germain apprentissage) → testé sur 2A": (["2B", "SG-train"], "2A"),
    "ajusté sur la Corse (+ Saint-Germain apprentissage) → testé sur les nœuds réservés de Saint-Germain (dense)": (
        ["2A", "2B", "2A-2B", "SG-train"], "SG-test"),
}


def fit_on(pairs: pd.DataFrame) -> CrowFlyModel:
    """Fit the fallback on these pairs."""
    return fit(pairs["d"], pairs["ca"], pairs["cb"], pairs["road"], pairs["km"])


def validation(pairs: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], CrowFlyModel]:
    """Return the out-of-sample band tables per test and the final model (all pairs, pooled OOS interval)."""
    tables, ds, ratios = {}, [], []
    for title, (train, test) in TESTS.items():
        model = fit_on(pairs[pairs["group"].isin(train)])
        t = pairs[pairs["group"] == test]
        pred = model.predict(t["d"], t["ca"], t["cb"])[0]
        tables[title] = band_errors(t["d"], t["road"], pred)
        ds.append(t["d"].to_numpy())
        ratios.append(t["road"].to_numpy() / pred)
    return tables, error_quantiles(fit_on(pairs), ds, ratios)


def format_table(table: pd.DataFrame) -> str:
    """Return a band table as text (French headers)."""
    return fallback_band_table(table).to_string(index=False)


def plan_legs(time_limit: float = 10.0) -> pd.DataFrame:
    """Return the legs of a Corsica plan (defaults, road graph): road minutes and the fallback's, both ways.

    One row per leg (base → first stop, stop → stop, last stop → base): ``road`` minutes (the
    plan's), ``fallback`` with ``low``/``high``, and ``back`` (the fallback the other way round).
    """
    result = plan(select("2A,2B"), time_limit=time_limit)
    tables = result.tables()
    visits, days = tables.visits, tables.days
    rows = []
    for day in days.itertuples():
        v = visits[(visits["advisor"] == day.advisor) & (visits["week"] == day.week) & (visits["day"] == day.day)]
        v = v.sort_values("order")
        lon = np.r_[day.base_lon, v["lon"].to_numpy(), day.base_lon]
        lat = np.r_[day.base_lat, v["lat"].to_numpy(), day.base_lat]
        road = np.r_[v["drive_minutes"].to_numpy(float), day.drive_minutes - v["drive_minutes"].sum()]
        rows.append(pd.DataFrame({"lon_a": lon[:-1], "lat_a": lat[:-1], "lon_b": lon[1:], "lat_b": lat[1:],
                                  "road": road}))
    legs = pd.concat(rows, ignore_index=True)
    legs = legs[legs["road"] > 0].reset_index(drop=True)
    ca = point_density(legs[["lon_a", "lat_a"]].to_numpy())
    cb = point_density(legs[["lon_b", "lat_b"]].to_numpy())
    legs["d"] = great_circle_km(legs["lon_a"], legs["lat_a"], legs["lon_b"], legs["lat_b"])
    legs["fallback"], legs["low"], legs["high"], _ = FALLBACK.predict(legs["d"], ca, cb)
    legs["back"] = FALLBACK.predict(legs["d"], cb, ca)[0]
    return legs


def print_plan_legs(legs: pd.DataFrame) -> None:
    """Print road vs fallback on the plan legs: per band, overall, symmetry and interval coverage."""
    print(f"\n## Tournées de Corse (plan par défaut, réseau routier) : {len(legs)} trajets, route vs vol d'oiseau")
    print(format_table(band_errors(legs["d"], legs["road"], legs["fallback"])))
    ratio = legs["fallback"] / legs["road"]
    inside = ((legs["road"] >= legs["low"]) & (legs["road"] <= legs["high"])).mean()
    print(f"Ensemble : rapport médian vol d'oiseau / route {ratio.median():.3f}, erreur médiane "
          f"{fr.percent((ratio - 1).abs().median())}, route dans la fourchette {fr.percent(inside)} ; "
          f"écart aller/retour maximal du vol d'oiseau {float((legs['fallback'] - legs['back']).abs().max()):.2e} min")
    print(f"Total conduite : route {legs['road'].sum():.0f} min, vol d'oiseau {legs['fallback'].sum():.0f} min "
          f"[{legs['low'].sum():.0f} ; {legs['high'].sum():.0f}]")


def model_source(model: CrowFlyModel) -> str:
    """Return ``model`` as the Python source of :data:`FALLBACK`."""
    def rows(table: tuple[tuple[float, ...], ...]) -> str:
        return "\n".join(f"        ({', '.join(f'{v:.3f}' for v in r)}),  # mean class {c}"
                         for c, r in zip(CLASSES, table))
    return (f"FALLBACK = CrowFlyModel(\n    minutes=(\n{rows(model.minutes)}\n    ),\n    km=(\n{rows(model.km)}\n    ),\n"
            f"    ratio_low=({', '.join(f'{v:.3f}' for v in model.ratio_low)}),\n"
            f"    ratio_high=({', '.join(f'{v:.3f}' for v in model.ratio_high)}),\n)")


def print_validation(pairs: pd.DataFrame) -> CrowFlyModel:
    """Print the out-of-sample error tables and whether the targets are met; return the final fit."""
    tables, final = validation(pairs)
    met = True
    for title, table in tables.items():
        print(f"\n## {title}\n{format_table(table)}")
        met &= bool(table["meets_target"].all())
    print(f"\nObjectifs (erreur médiane ≤ 15 %, |biais| ≤ 10 % dans chaque bande, chaque test) : "
          f"{'ATTEINTS' if met else 'NON ATTEINTS'}")
    return final


def main() -> None:
    pairs = load_pairs()
    print("Paires (0,5-150 km) par groupe et couple de classes de densité (min-max) :")
    key = np.minimum(pairs["ca"], pairs["cb"]).astype(str) + "-" + np.maximum(pairs["ca"], pairs["cb"]).astype(str)
    print(pairs.groupby([pairs["group"], key]).size().unstack(fill_value=0).to_string())
    final = print_validation(pairs)
    print("\nAjustement final (toutes les paires), intervalle hors échantillon :")
    print(model_source(final))
    print("identique à planner.travel.crowfly.FALLBACK" if final == FALLBACK
          else "DIFFÉRENT de planner.travel.crowfly.FALLBACK (recopier ci-dessus)")
    if "--legs" in sys.argv:
        print_plan_legs(plan_legs())


if __name__ == "__main__":
    main()

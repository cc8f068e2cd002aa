"""Benchmark: render time of the app's Couverture page on Corsica, warm.

Runs the Streamlit script with ``streamlit.testing.v1.AppTest`` (server side: every
widget, the coverage call, the folium map and the tables), once to fill the caches, then
times new sessions, as a second visitor would get them. Target: under 3 s warm.
Run: ``PLANNER_DATA_DIR=... python bench/app.py``.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _render() -> float:
    tic = time.perf_counter()
    at = AppTest.from_file(APP, default_timeout=600).run()
    if at.exception:
        raise RuntimeError(at.exception)
    return time.perf_counter() - tic


def main() -> None:
    """Warm up, then time five new sessions of the Couverture page and print the figures."""
    cold = _render()
    warm = [_render() for _ in range(5)]
    print(f"Couverture (Corse), première session : {cold:.2f} s")
    print(f"Couverture (Corse), sessions suivantes : médiane {statistics.median(warm):.2f} s,"
          f" min {min(warm):.2f} s, max {max(warm):.2f} s (cible < 3 s à chaud, côté serveur)")


if __name__ == "__main__":
    main()

"""Benchmark: ``planner fiche`` in batch — time per sheet in HTML and in PDF.

Computes the coverages of a territory once (:func:`planner.outputs.fiches.sheet_inputs`),
then writes every sheet of it (EPCI and communes) as HTML only, then as HTML and PDF, into
temporary folders, and prints the figures. Default territory: the Communauté de communes
de l'Alta Rocca (18 communes); ``python bench/fiches.py 2A,2B`` for all of Corsica.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from planner import fr
from planner.outputs.fiches import sheet_inputs, write_sheets
from planner.territory import select


def main(spec: str = "242000495") -> None:
    """Time the inputs, then the batch without and with PDFs, and print per-sheet figures."""
    started = time.perf_counter()
    main_cov, extra = sheet_inputs(select(spec))
    inputs = time.perf_counter() - started
    print(f"Territoire {spec} : couvertures calculées en {fr.number(inputs, 1)} s ({main_cov.method})")
    with tempfile.TemporaryDirectory() as tmp:
        for pdf in (False, True):
            started = time.perf_counter()
            summary = write_sheets(main_cov, extra, Path(tmp) / ("pdf" if pdf else "html"), pdf=pdf)
            elapsed = time.perf_counter() - started
            n = len(summary["files"])
            print(f"{'HTML et PDF' if pdf else 'HTML seul'} : {fr.plural(n, 'fiche')} en {fr.number(elapsed, 1)} s, "
                  f"{fr.number(elapsed / n, 2)} s par fiche")


if __name__ == "__main__":
    main(*sys.argv[1:2])

"""« Fiches territoire » in batch: the sheet of every commune of a territory and of its
EPCI(s), as HTML and PDF, with an ``index.html`` linking them (``planner fiche``).

The sheets are built exactly as the app's Fiche page builds them: one coverage counting
the help networks (IRIS demand points), one for the networks shown but not counted (La
Poste, from the town halls), then :func:`planner.outputs.sheet.territory_sheet` and the
renderers of :mod:`planner.outputs.sheet_render`. Every file is written atomically
(:func:`planner.data.cache.atomic_write`); a non-empty output folder is refused unless
``force``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner import config, fr
from planner.access.coverage import Coverage, compute_coverage
from planner.data.cache import atomic_write
from planner.errors import DataError
from planner.outputs.escape import html_attr, html_text
from planner.outputs.sheet import TerritorySheet, territory_sheet
from planner.outputs.sheet_render import sheet_file_name, sheet_html, sheet_pdf_bytes
from planner.outputs.sheet_text import TO_CONFIRM, share_text
from planner.territory import Territory
from planner.travel.model import TravelModel, model_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SheetFile:
    """One written sheet: its place and files (``pdf`` is ``None`` when not asked)."""

    code: str
    name: str
    kind: str
    html: Path
    pdf: Path | None


def sheet_inputs(
    territory: Territory,
    threshold: float | None = None,
    networks: Iterable[str] | None = None,
    *,
    travel: str | TravelModel | None = None,
) -> tuple[Coverage, Coverage | None]:
    """Return the two coverages a sheet reads, as the app computes them.

    Parameters
    ----------
    territory
        The territory.
    threshold
        Access threshold in minutes (default :data:`planner.config.DEFAULT_THRESHOLD_MIN`).
    networks
        Networks counted as help (default :data:`planner.config.HELP_NETWORKS`).
    travel
        ``"road"``, ``"crow_fly"``, a travel model, or ``None`` (road where a graph covers).

    Returns
    -------
    ``(main, extra)``: the coverage by the counted networks, and the one by the networks
    shown but not counted (:data:`planner.config.SHOWN_NOT_COUNTED`), or ``None``.
    """
    model = travel if isinstance(travel, TravelModel) else model_for(territory, travel=travel)
    counted = tuple(config.HELP_NETWORKS if networks is None else networks)
    main = compute_coverage(territory, counted, threshold, travel=model)
    shown = [n for n in config.SHOWN_NOT_COUNTED if n not in main.networks]
    extra = compute_coverage(territory, shown, threshold, travel=model, level="commune") if shown else None
    return main, extra


def sheet_codes(coverage: Coverage) -> list[str]:
    """The places to give a sheet: the EPCI(s) of the territory (by name), then its communes (by name)."""
    communes = coverage.communes.sort_values(["name", "insee"])
    epcis = communes[["epci", "epci_name"]].dropna().drop_duplicates("epci").sort_values(["epci_name", "epci"])
    return [*epcis["epci"].astype(str), *communes["insee"].astype(str)]


def _refuse_existing(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise DataError("le chemin de sortie n'est pas un dossier", file=out,
                        hint="indiquez un dossier avec --out")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise DataError(
            f"le dossier de sortie « {out} » n'est pas vide : aucune fiche n'y est écrite",
            hint="choisissez un dossier vide ou nouveau, ou ajoutez --force pour remplacer les fiches",
        )


def write_sheets(
    main: Coverage,
    extra: Coverage | None,
    out_dir: str | Path,
    *,
    force: bool = False,
    pdf: bool = True,
    codes: Iterable[str] | None = None,
    today: dt.date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Write the sheet of each place as HTML (and PDF), then ``index.html``.

    Parameters
    ----------
    main, extra
        The coverages of :func:`sheet_inputs`.
    out_dir
        Output folder (created); a non-empty one is refused unless ``force``.
    force
        Write into a non-empty folder, replacing the sheets of the same names.
    pdf
        Also write each sheet as PDF.
    codes
        Places (INSEE codes, EPCI SIREN) to give a sheet (default :func:`sheet_codes`).
    today
        Date printed on the sheets (default today).
    progress
        Called with ``(done, total, name)`` after each sheet.

    Returns
    -------
    The ``planner fiche --json`` object: ``territory``, ``communes``, ``epci`` (counts),
    ``files`` (``code``, ``name``, ``html``, ``pdf`` per sheet) and ``index``.
    """
    out = Path(out_dir)
    _refuse_existing(out, force)
    codes = sheet_codes(main) if codes is None else list(codes)
    day = today or dt.date.today()
    written: list[tuple[SheetFile, TerritorySheet]] = []
    for done, code in enumerate(codes, start=1):
        sheet = territory_sheet(main, code, extra=extra, today=day)
        html = out / sheet_file_name(sheet, "html")
        atomic_write(html, _writer(sheet_html(sheet).encode("utf-8")))
        pdf_path = out / sheet_file_name(sheet, "pdf") if pdf else None
        if pdf_path is not None:
            atomic_write(pdf_path, _writer(sheet_pdf_bytes(sheet)))
        written.append((SheetFile(sheet.code, sheet.name, sheet.kind, html, pdf_path), sheet))
        if progress is not None:
            progress(done, len(codes), sheet.name)
    index = out / config.SHEET_INDEX
    atomic_write(index, _writer(index_html(main, written, day).encode("utf-8")))
    log.info("%d fiches écrites dans %s", len(written), out)
    return {
        "territory": main.territory.spec,
        "communes": sum(f.kind == "commune" for f, _ in written),
        "epci": sum(f.kind == "epci" for f, _ in written),
        "files": [{"code": f.code, "name": f.name, "html": str(f.html),
                   "pdf": None if f.pdf is None else str(f.pdf)} for f, _ in written],
        "index": str(index),
    }


def _writer(data: bytes) -> Callable[[Path], None]:
    """A writer of ``data`` for :func:`planner.data.cache.atomic_write`."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return write


def write_fiches(
    territory: Territory,
    out_dir: str | Path,
    *,
    threshold: float | None = None,
    networks: Iterable[str] | None = None,
    travel: str | TravelModel | None = None,
    force: bool = False,
    pdf: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Compute the coverages of ``territory`` and write every sheet (see :func:`write_sheets`).

    The output folder is checked first: a non-empty one is refused before any computation.
    """
    _refuse_existing(Path(out_dir), force)
    main, extra = sheet_inputs(territory, threshold, networks, travel=travel)
    return write_sheets(main, extra, out_dir, force=force, pdf=pdf, progress=progress)


def index_html(main: Coverage, written: list[tuple[SheetFile, TerritorySheet]], day: dt.date) -> str:
    """Return the ``index.html`` page: one link per sheet (and its PDF), EPCI first, escaped."""
    threshold = fr.duration(main.threshold)
    rows = []
    for f, sheet in written:
        pdf = "" if f.pdf is None else f' — <a href="{html_attr(f.pdf.name)}">PDF</a>'
        mark = f" <small>({TO_CONFIRM} : {html_text(', '.join(sheet.uncertain))})</small>" if sheet.uncertain else ""
        zones = ", ".join(z["zone_id"] for z in sheet.zones) or "—"
        rows.append(
            f'<tr><td>{"EPCI" if f.kind == "epci" else "Commune"}</td>'
            f'<td><a href="{html_attr(f.html.name)}">{html_text(f.name)}</a> ({html_text(f.code)}){pdf}{mark}</td>'
            f'<td class="num">{html_text(fr.integer(sheet.population))}</td>'
            f'<td class="num">{html_text(fr.integer(sheet.population_out))}</td>'
            f'<td class="num">{html_text(share_text(sheet))}</td><td>{html_text(zones)}</td></tr>'
        )
    title = f"Fiches territoire — {main.territory.label}"
    return "\n".join([
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html_text(title)}</h1>",
        f"<p>{html_text(fr.plural(len(written), 'fiche'))} ; seuil {html_text(threshold)} ; "
        f"méthode : {html_text('réseau routier' if main.method == 'road' else 'vol d’oiseau (estimation)')}. "
        f"Générées le {html_text(fr.date(day))}.</p>",
        "<table><thead><tr><th>Type</th><th>Fiche</th><th>Population</th>"
        f"<th>Habitants au-delà de {html_text(threshold)}</th><th>Part des habitants à moins de "
        f"{html_text(threshold)}</th><th>Zone</th></tr></thead><tbody>",
        *rows,
        "</tbody></table></body></html>",
    ])


_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111; max-width: 250mm;
       margin: 0 auto; padding: 4mm; }
h1 { font-size: 16pt; color: #000091; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #e8e8e8; }
td.num { text-align: right; white-space: nowrap; }
a { color: #000091; }
"""

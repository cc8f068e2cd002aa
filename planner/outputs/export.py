"""Every file for coordinators, written at once: :func:`write_all`.

The plan's tables are described in :mod:`planner.optimize.tables` and checked by
:func:`planner.outputs.validate.validate_plan`. Each format has its module, whose
``to_*_bytes`` functions return the file in memory (for the app's download buttons):

- :mod:`planner.outputs.spreadsheets`: CSV (French Excel) and XLSX;
- :mod:`planner.outputs.gps`: GeoJSON and GPX;
- :mod:`planner.outputs.calendar`: ICS;
- :mod:`planner.outputs.route_sheet_html`, :mod:`planner.outputs.route_sheet_pdf`: one
  printable route sheet per advisor.

:func:`write_all` renders every file in memory, then writes each atomically, and never
replaces an existing file unless ``force=True``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from planner.data.cache import atomic_write
from planner.errors import DataError
from planner.optimize.tables import PlanTables
from planner.outputs.calendar import to_ics_bytes
from planner.outputs.gps import to_geojson_bytes, to_gpx_bytes
from planner.outputs.route_sheet import route_sheet_name
from planner.outputs.route_sheet_html import route_sheet_html
from planner.outputs.route_sheet_pdf import route_sheet_pdf_bytes
from planner.outputs.spreadsheets import to_csv_bytes, to_xlsx_bytes
from planner.outputs.tables import advisors
from planner.outputs.validate import validate_plan

log = logging.getLogger(__name__)

#: File name of each single-file export.
FILE_NAMES: dict[str, str] = {
    "csv": "tournees.csv",
    "xlsx": "tournees.xlsx",
    "geojson": "tournees.geojson",
    "gpx": "tournees.gpx",
    "ics": "tournees.ics",
}
#: MIME type of each export (for download buttons).
MIME_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpx": "application/gpx+xml",
    "ics": "text/calendar",
    "html": "text/html",
    "pdf": "application/pdf",
}


def _write_readable(tmp: Path, data: bytes) -> None:
    """Write ``data`` to the temporary file (``atomic_write`` gives it the usual mode)."""
    tmp.write_bytes(data)


def export_paths(plan: PlanTables, out_dir: str | Path) -> dict[str, list[Path]]:
    """Return the path of every file :func:`write_all` writes, by format.

    Parameters
    ----------
    plan
        The plan (its advisors name the route sheets).
    out_dir
        The output folder.

    Returns
    -------
    Keys ``csv``, ``xlsx``, ``geojson``, ``gpx``, ``ics``, ``html``, ``pdf``.
    """
    plan = validate_plan(plan)
    out_dir = Path(out_dir)
    paths = {fmt: [out_dir / name] for fmt, name in FILE_NAMES.items()}
    for suffix in ("html", "pdf"):
        paths[suffix] = [out_dir / route_sheet_name(a, suffix) for a, _ in advisors(plan)]
    return paths


def write_all(plan: PlanTables, out_dir: str | Path, force: bool = False) -> dict[str, list[Path]]:
    """Write every export of a plan into ``out_dir``, atomically.

    Every file is rendered in memory first, then each is written to a temporary file
    and moved into place. Existing files are never replaced unless ``force`` is set:
    all targets are checked before anything is written, so a refusal writes nothing.

    Parameters
    ----------
    plan
        The plan.
    out_dir
        The output folder (created if missing).
    force
        Replace existing files.

    Returns
    -------
    The written paths by format (see :func:`export_paths`).

    Raises
    ------
    DataError
        When a target exists and ``force`` is not set (naming the files and suggesting
        ``--force``), when a target is a folder, or when a file cannot be written.
    """
    plan = validate_plan(plan)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(
            "le chemin de sortie n'est pas un dossier",
            file=out_dir,
            hint="indiquez un dossier avec --out",
        )
    paths = export_paths(plan, out_dir)
    targets = [p for group in paths.values() for p in group]
    folders = [p for p in targets if p.is_dir()]
    if folders:
        raise DataError(
            "un dossier porte le nom d'un fichier à écrire ; rien n'a été écrit",
            file=folders[0],
            hint="déplacez-le ou choisissez un autre dossier avec --out",
        )
    existing = [p for p in targets if p.exists() or p.is_symlink()]
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise DataError(
            f"{len(existing)} fichier(s) existe(nt) déjà ({names}) ; rien n'a été écrit",
            file=existing[0],
            hint="utilisez --force pour les remplacer, ou un autre dossier (--out)",
        )
    renderers: dict[str, Callable[[], bytes]] = {
        "csv": lambda: to_csv_bytes(plan),
        "xlsx": lambda: to_xlsx_bytes(plan),
        "geojson": lambda: to_geojson_bytes(plan),
        "gpx": lambda: to_gpx_bytes(plan),
        "ics": lambda: to_ics_bytes(plan),
    }
    contents: list[tuple[Path, bytes]] = [
        (paths[fmt][0], render()) for fmt, render in renderers.items()
    ]
    for (advisor, _), html_path, pdf_path in zip(advisors(plan), paths["html"], paths["pdf"]):
        contents.append((html_path, route_sheet_html(plan, advisor).encode("utf-8")))
        contents.append((pdf_path, route_sheet_pdf_bytes(plan, advisor)))
    for path, data in contents:
        try:
            atomic_write(path, partial(_write_readable, data=data))
        except OSError as exc:
            raise DataError(
                f"écriture impossible ({exc.strerror or exc})",
                file=path,
                hint="vérifiez les droits et l'espace libre du dossier de sortie",
            ) from exc
        log.info("export écrit : %s", path)
    return paths

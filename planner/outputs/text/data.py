"""French text of the data stage: ``planner data fetch`` and ``planner data status``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner import fr
from planner.data.fetch import FAILED, SKIPPED

_STATUS_HEADERS = ("Couche", "Dossier", "Fichier(s)", "Lignes", "Millésime", "Source", "Licence")
#: Columns of the status table aligned to the right (numbers).
_RIGHT = frozenset({3})
#: Short names of the folders a layer is read from (the legend under the table gives paths).
_DATA, _BUNDLE, _OTHER = "données", "lot démo", "autre"


def _folder_label(folder: str | None, data_dir: str) -> str:
    if not folder:
        return "—"
    if Path(folder) == Path(data_dir):
        return _DATA
    return _BUNDLE if (Path(folder) / "manifest.json").is_file() else _OTHER


def render_fetch(report: dict[str, Any]) -> str:
    """Return the console text of a fetch report (:func:`planner.data.fetch.fetch_report`)."""
    lines = [f"Dossier de données : {report['data_dir']}"]
    if report.get("territory"):
        lines.append(f"Territoire : {report['territory']} — seules les couches qui lui manquent ; "
                     "les fichiers nationaux couvrent toute la France")
    if not report["layers"]:
        lines.append("Aucune couche à télécharger." if not report.get("territory")
                     else "Aucune couche ne manque à ce territoire.")
    for r in report["layers"]:
        if r["status"] in (SKIPPED, FAILED):
            lines.append(f"- {r['layer']} : {r['status']} — {r['message']}")
            continue
        resumed = ", repris après une coupure" if r.get("resumed") else ""
        note = f" — {r['message']}" if r.get("message") else ""
        lines.append(
            f"- {r['layer']} : {r['status']} → {r['file']} "
            f"({fr.size(r['size'])}, sha256 {r['sha256'][:12]}…{resumed}){note}"
        )
    if any(r["status"] not in (SKIPPED, FAILED) for r in report["layers"]):
        lines.append(
            f"Journal des téléchargements : {Path(report['data_dir']) / report['manifest']}"
        )
    return "\n".join(lines)


def _status_row(s: dict[str, Any], data_dir: str) -> tuple[str, ...]:
    name = s["name"]
    files = s["files"]
    if not files:
        shown = f"absent ({s['pattern']})"
    elif len(files) == 1:
        shown = files[0]
    else:
        shown = f"{len(files)} fichiers ({s['pattern']})"
    vintage = fr.vintage(s["vintage"])
    if s["fetched"]:
        vintage = f"téléchargé le {fr.vintage(str(s['fetched'].get('date', ''))[:10])}"
    rows = fr.integer(s["rows"], missing="—") if files else "—"
    if s["unreadable"]:
        rows += f" ({fr.plural(len(s['unreadable']), 'illisible')})"
    return (name, _folder_label(s.get("folder"), data_dir), shown, rows, vintage, s["source"],
            s["licence"])


def render_status(report: dict[str, Any]) -> str:
    """Return the console table of a status report (:func:`planner.data.status.status_report`)."""
    table = [_status_row(s, report["data_dir"]) for s in report["layers"]]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(_STATUS_HEADERS)]

    def fmt(row: tuple[str, ...]) -> str:
        cells = [c.rjust(w) if i in _RIGHT else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    lines = [f"Dossier de données : {report['data_dir']}", fmt(_STATUS_HEADERS),
             fmt(tuple("-" * w for w in widths)), *(fmt(r) for r in table)]
    others = sorted({s["folder"] for s in report["layers"]
                     if s.get("folder") and _folder_label(s["folder"], report["data_dir"]) != _DATA})
    lines.extend(f"Dossier « {_folder_label(f, report['data_dir'])} » : {f}" for f in others)
    absent = report["absent"]
    present = fr.plural(report["found"], "couche présente", "couches présentes")
    lines.append(f"{present} sur {fr.integer(len(report['layers']))}"
                 + (f" ; absentes : {', '.join(absent)}" if absent else ""))
    missing = [s for s in report["layers"] if not s["present"]]
    if missing:
        lines.append("Pour obtenir les couches absentes :")
        lines.extend(f"- {s['name']} : {s.get('remedy') or s.get('how') or s.get('url')}"
                     for s in missing)
    return "\n".join(lines)

"""French text of the territory stage: the ``planner layers`` console summary."""

from __future__ import annotations

from typing import Any

from planner import fr
from planner.data.schema import NETWORKS


def render_layers(summary: dict[str, Any]) -> str:
    """Return the ``planner layers`` console text of :func:`planner.inventory.layers_summary`."""
    s = summary
    lines = [
        f"Territoire : {s['label']} ({s['territory']})",
        f"Communes : {fr.integer(s['communes'])}",
        f"Population : {fr.integer(s['population'])}",
        "Sites dans le territoire :",
    ]
    lines += [f"  {NETWORKS[k][0]} : {fr.integer(v)}" for k, v in s["sites"].items()]
    lines.append("Lignes des fichiers (lues = chargées + écartées ; signalées : gardées mais "
                 "corrigées ou déplacées) :")
    for name, v in s.get("layers", {}).items():
        files = ", ".join(v["files"]) or "absent"
        if v.get("error"):
            lines.append(f"  {name} ({files}) : refusé — {v['error']}")
            continue
        lines.append(
            f"  {name} ({files}) : {fr.plural(v['rows'], 'lue')}, {fr.plural(v['loaded'], 'chargée')}, "
            f"{fr.plural(v['rejected'], 'écartée')}, {fr.plural(v['suspect'], 'signalée')}"
        )
        lines += [f"    ligne {e['line']}" + (f", colonne « {e['column']} »" if e["column"] else "")
                  + f" : {e['reason']} ({e['action']})"
                  for e in v["examples"] if e["action"] == "rejetée"][:3]
    used = {k: v["file"] for k, v in s.get("sources", {}).items() if k in ("roads", "ifn_iris")}
    if used:
        lines.append("Fichiers utilisés pour ce territoire :")
        lines.append("  réseau routier : " + (used.get("roads") or "aucun (temps à vol d'oiseau)"))
        lines.append("  IFN par IRIS : " + (used.get("ifn_iris") or "aucun (estimation régionale)"))
    return "\n".join(lines)


def render_fiches(summary: dict[str, Any]) -> str:
    """Return the ``planner fiche`` console text of :func:`planner.outputs.fiches.write_sheets`."""
    files = summary["files"]
    pdfs = sum(1 for f in files if f["pdf"])
    lines = [
        f"Territoire : {summary['territory']}",
        f"Fiches écrites : {fr.plural(len(files), 'fiche')} ({fr.plural(summary['epci'], 'EPCI', 'EPCI')}, "
        f"{fr.plural(summary['communes'], 'commune')}), en HTML"
        + (f" et en PDF ({fr.integer(pdfs)})" if pdfs else " (sans PDF)"),
        f"Index : {summary['index']}",
    ]
    return "\n".join(lines)


def fiche_progress(done: int, total: int, name: str) -> str:
    """One progress line of ``planner fiche``: ``fiche 3/11 : Casanova``."""
    return f"fiche {fr.integer(done)}/{fr.integer(total)} : {name}"

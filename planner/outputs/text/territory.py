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
    lines.append("Lignes écartées ou signalées (fichiers entiers) :")
    lines += [
        f"  {k} : {fr.integer(v['rejected'])} écartées, {fr.integer(v['suspect'])} signalées"
        for k, v in s["skipped_rows"].items()
    ]
    return "\n".join(lines)

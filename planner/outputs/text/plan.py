"""French console text for ``planner plan``."""

from __future__ import annotations

from typing import Any

from planner import fr
from planner.data.hours import DAY_LABELS
from planner.outputs.tables import HOURS_TO_CONFIRM


def render_plan(s: dict[str, Any]) -> str:
    """Render the summary of a plan (``PlanResult.summary()``) as French console text."""
    lines = [f"Demande couverte : {fr.number(s['covered_demand'])} ({fr.percent(s['covered_demand_share'])}) — "
             f"conduite : {fr.hours(s['drive_hours'])} par {'quinzaine' if s['weeks'] == 2 else 'semaine'}"]
    if s.get("served_demand") is not None:
        lines.append(f"Demande servie (estimation, personnes aidées par an) : {fr.integer(s['served_demand'])}, "
                     f"dont {fr.integer(s.get('served_demand_existing'))} par les sites existants")
    for a in s["advisors"]:
        lines.append(f"{a['name']} (base : {a['base']})")
        for d in a["days"]:
            stops_text = ", ".join(f"{v['arrival']} {v['name']}" + ("" if v.get("hours_known", True) else
                                                                     f" ({HOURS_TO_CONFIRM})")
                                   for v in d["visits"]) or "aucune visite"
            day = DAY_LABELS.get(d["day"], d["day"])  # « lundi », not the code « lun »
            lines.append(f"  {day} (semaine {d['week']}) : {stops_text}")
    lines += [f"Non visité : {u['name']} — {u['reason']}" for u in s["unvisited"]]
    if s.get("files"):
        lines.append(f"Fichiers : {', '.join(p for ps in s['files'].values() for p in ps)}")
    return "\n".join(lines)

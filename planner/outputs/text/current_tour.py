"""French console text for ``planner plan --current-tour``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from planner import fr
from planner.data.hours import DAY_LABELS
from planner.outputs.tables import HOURS_TO_CONFIRM

#: The figures compared, in the order shown, with their French labels.
FIGURES: tuple[tuple[str, str], ...] = (
    ("visits", "Permanences par semaine"),
    ("presence_hours", "Heures de présence par semaine"),
    ("drive_hours", "Heures de conduite par semaine"),
    ("covered_demand", "Demande à portée (existant compris)"),
    ("served_demand", "Demande servie, existant compris (personnes par an, estimation)"),
)


def render_current_tour(s: dict[str, Any]) -> str:
    """Render ``TourComparison.summary()`` as French console text: both tours side by side."""
    width = max(len(label) for _, label in FIGURES)
    lines = [f"{'':<{width}}  {'Tournée actuelle':>18}  {'Tournée proposée':>18}"]
    for key, label in FIGURES:
        digits = 0 if key.endswith("demand") else 1
        lines.append(f"{label:<{width}}  {fr.number(s['current'][key], digits):>18}  "
                     f"{fr.number(s['proposed'][key], digits):>18}")
    if s["locked"]:
        lines.append(f"Arrêts gardés : {fr.plural(len(s['locked']), 'arrêt verrouillé', 'arrêts verrouillés')}")
    if s.get("week_start"):
        lines.append(f"Semaine 1 des deux tournées : semaine du {fr.date(dt.date.fromisoformat(s['week_start']))}")
    warnings = s.get("warnings", [])
    if s["rejected"] or s["corrected"] or warnings:
        lines.append(f"Fichier {s.get('file') or 'de la tournée actuelle'} :")
    lines += [f"Ligne {i['ligne']} écartée ({i['colonne']}) : {i['motif']}" for i in s["rejected"]]
    lines += [f"Ligne {i['ligne']} corrigée ({i['colonne']}) : {i['motif']}" for i in s["corrected"]]
    lines += [f"Ligne {i['ligne']} gardée, à vérifier ({i['colonne']}) : {i['motif']}" for i in warnings]
    for a in s["plan"]["advisors"]:
        lines.append(f"Proposition — {a['name']} (base : {a['base']})")
        for d in a["days"]:
            if d["visits"]:
                stops_text = ", ".join(f"{v['start']} {v['name']}" + ("" if v.get("hours_known", True) else
                                                                       f" ({HOURS_TO_CONFIRM})")
                                       for v in d["visits"])
                lines.append(f"  {DAY_LABELS.get(d['day'], d['day'])} (semaine {d['week']}) : {stops_text}")
    return "\n".join(lines)

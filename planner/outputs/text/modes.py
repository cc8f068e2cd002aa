"""The operating-mode comparison in French: table labels, the JSON object and the console text.

:func:`french` gives the table the app shows and the CSV it offers; :func:`summary` the
``planner compare --json`` object; :func:`render` the ``planner compare`` text;
:func:`assumptions_table` the assumptions as the app lists them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planner import fr
from planner.data.hours import DAY_LABELS
from planner.data.schema import NETWORKS
from planner.optimize.assumptions import ModeAssumptions
from planner.optimize.modes import HOST_COLUMNS, Comparison

#: French labels of the comparison columns (``{T}`` = the threshold in minutes).
COLUMN_LABELS: dict[str, str] = {
    "mode": "Code du mode",
    "label": "Mode de fonctionnement",
    "network": "Réseau de référence",
    "advisors": "Conseillers",
    "places": "Lieux de présence",
    "demand_new": "Demande nouvellement à moins de {T} min",
    "demand_covered": "Demande à moins de {T} min (avec les sites existants)",
    "covered_share": "Part de la demande à moins de {T} min",
    "demand_reached": "Demande à moins de {T} min d'un lieu de présence",
    "presence_hours": "Heures de présence par semaine",
    "weighted_presence_hours": "Heures de présence pondérées par la demande servie",
    "demand_hours": "Heures de présence × demande servie",
    "drive_hours": "Heures de conduite par semaine",
    "advisor_hours": "Heures de travail des conseillers par semaine",
    "demand_per_advisor_hour": "Demande servie par heure de conseiller",
    "note": "Remarque",
}


def labels(threshold: float) -> dict[str, str]:
    """The French label of each comparison column at threshold ``threshold`` (minutes)."""
    return {k: v.format(T=f"{threshold:g}") for k, v in COLUMN_LABELS.items()}


def french(comparison: Comparison) -> pd.DataFrame:
    """Return the comparison table with French column labels and network names (mode code dropped).

    Parameters
    ----------
    comparison
        From :func:`planner.optimize.modes.compare_modes`.

    Returns
    -------
    The same rows, for display and exports.
    """
    out = comparison.table.drop(columns=["mode"]).copy()
    out["network"] = out["network"].map(lambda n: NETWORKS[n][0])
    return out.rename(columns=labels(comparison.threshold))


def summary(comparison: Comparison) -> dict[str, Any]:
    """The ``planner compare --json`` object.

    Parameters
    ----------
    comparison
        From :func:`planner.optimize.modes.compare_modes`.

    Returns
    -------
    ``{"territory", "label", "method", "advisors", "threshold_min", "demand_total",
    "demand_existing", "assumptions", "modes": [{"mode": "fixed", ..., "hosts": [...]}, ...]}``.
    """
    modes = []
    for row in comparison.table.to_dict("records"):
        item = {k: _plain(k, v) for k, v in row.items()}
        hosts = comparison.hosts_of(row["mode"])
        item["hosts"] = [
            {k: v.item() if isinstance(v, np.generic) else v for k, v in h.items()}
            for h in hosts[list(HOST_COLUMNS[1:])].to_dict("records")
        ]
        modes.append(item)
    return {
        "territory": comparison.territory.spec,
        "label": comparison.territory.label,
        "method": comparison.method,
        "advisors": comparison.advisors,
        "threshold_min": comparison.threshold,
        "demand_total": round(comparison.demand_total, 1),
        "demand_existing": round(comparison.demand_existing, 1),
        "assumptions": comparison.assumptions.as_dict(),
        "modes": modes,
    }


def _plain(key: str, value: Any) -> Any:
    """A table value as JSON-ready plain data (figures rounded)."""
    if isinstance(value, (float, np.floating)):
        return round(float(value), 4 if key == "covered_share" else 2)
    if isinstance(value, np.integer):
        return int(value)
    return value


def render(data: dict[str, Any]) -> str:
    """Return the :func:`summary` object as French text (for ``planner compare``)."""
    t = fr.duration(data["threshold_min"])
    head = f"Territoire : {data['label']} ({data['territory']}) — {fr.plural(data['advisors'], 'conseiller')}"
    lines = [
        f"{head}, seuil {t}",
        f"Demande totale : {fr.number(data['demand_total'])} — à moins de {t} d'un site existant : "
        f"{fr.number(data['demand_existing'])}",
    ]
    for m in data["modes"]:
        text = (
            f"{m['label']} ({NETWORKS[m['network']][0]}) : +{fr.number(m['demand_new'])} demande "
            f"à moins de {t} (total {fr.percent(m['covered_share'])}), "
            f"{fr.plural(m['places'], 'lieu', 'lieux')}, {fr.hours(m['presence_hours'])} de présence "
            f"(pondérée : {fr.hours(m['weighted_presence_hours'])}), "
            f"{fr.hours(m['drive_hours'])} de conduite par semaine, "
            f"{fr.number(m['demand_per_advisor_hour'], 1)} demande servie par heure de conseiller"
        )
        lines.append(text + (f" — {m['note']}" if m["note"] else ""))
    return "\n".join(lines)


def assumptions_table(assumptions: ModeAssumptions) -> pd.DataFrame:
    """The assumptions as a French table (``Hypothèse``, ``Valeur``), for the app."""
    rows = []
    for name, label in assumptions.labels().items():
        value = getattr(assumptions, name)
        if name == "days":
            text = ", ".join(DAY_LABELS[d] for d in value)
        elif name.endswith("networks"):
            text = ", ".join(NETWORKS[n][0] for n in value)
        elif name == "itinerant_bases":
            text = ", ".join(value) or "communes les plus peuplées (une par EPCI)"
        elif isinstance(value, float):
            text = fr.number(value, 0 if value.is_integer() else 1 if (10 * value).is_integer() else 2)
        else:
            text = str(value)
        rows.append({"Hypothèse": label, "Valeur": text})
    return pd.DataFrame(rows, columns=["Hypothèse", "Valeur"])

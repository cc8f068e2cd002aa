"""The operating-mode comparison in French: table labels, the JSON object and the console text.

:func:`french` gives the table the app shows and the CSV it offers; :func:`summary` the
``planner compare --json`` object; :func:`render` the ``planner compare`` text;
:func:`conclusion` the sentence that sums it up; :func:`assumptions_table` the
assumptions as the app lists them.
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
    "hours_per_place": "Heures d'ouverture par lieu et par semaine",
    "demand_new": "Demande nouvellement à moins de {T} min",
    "demand_covered": "Demande à moins de {T} min (avec les sites existants)",
    "covered_share": "Part de la demande à moins de {T} min",
    "demand_reached": "Demande à moins de {T} min d'un lieu de présence",
    "capacity": "Capacité (personnes aidées par an)",
    "demand_served": "Demande servie par les lieux du mode (par an)",
    "served_added": "Demande servie en plus des sites existants (par an)",
    "presence_hours": "Heures de présence par semaine",
    "weighted_presence_hours": "Heures de présence pondérées par la demande à portée",
    "demand_hours": "Heures de présence × demande à portée",
    "drive_hours": "Heures de conduite par semaine",
    "advisor_hours": "Heures de travail des conseillers par semaine",
    "demand_per_advisor_hour": "Demande à portée par heure de conseiller",
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
        "conclusion": conclusion(modes, comparison.advisors),
    }


#: How a sentence names each mode.
MODE_NAMES: dict[str, str] = {
    "fixed": "le mode fixe", "itinerant": "l'itinérance", "shared": "le mode partagé", "embedded": "le mode intégré",
}


def _served(mode: dict[str, Any]) -> float:
    """Demand a mode serves in addition to the existing sites (its own service without them)."""
    value = mode.get("served_added")
    return float(value) if value is not None and np.isfinite(value) else float(mode["demand_served"])


def _hours(value: float) -> str:
    """Hours a week, whole when they are (« 3 h », « 32,5 h »)."""
    return fr.hours(value, 0 if float(round(value, 1)).is_integer() else 1)


def conclusion(modes: list[dict[str, Any]], advisors: int) -> str:
    """The French sentence that sums up the comparison, built from its figures.

    Itinerant against the mode that serves the most of the others (demand served in
    addition to the existing sites, people a year), then how long each place is open;
    without the itinerant mode, the mode that serves the most.

    Parameters
    ----------
    modes
        The ``modes`` of :func:`summary` (rows with ``served_added``, ``hours_per_place``...).
    advisors
        Advisors of every mode.
    """
    if not modes:
        return ""
    paid = fr.hours(modes[0]["advisor_hours"], 0)
    head = f"À heures égales ({fr.plural(advisors, 'conseiller')}, {paid} payées par semaine)"
    by_key = {m["mode"]: m for m in modes}
    others = [m for m in modes if m["mode"] != "itinerant"]
    if "itinerant" not in by_key or not others:
        best = max(modes, key=_served)
        if round(_served(best)) <= 0:
            return (f"{head}, aucun mode ne sert de personne en plus des sites existants : la demande à portée "
                    "de leurs lieux y est déjà servie.")
        return (f"{head}, {MODE_NAMES[best['mode']]} sert le plus : "
                f"{fr.plural(round(_served(best)), 'personne aidée', 'personnes aidées')} par an en plus des "
                "sites existants.")
    it, best = by_key["itinerant"], max(others, key=_served)
    a, b = round(_served(it)), round(_served(best))
    name = MODE_NAMES[best["mode"]]
    if a > b:
        text = f"l'itinérance sert {fr.plural(a - b, 'personne')} de plus par an que {name}"
    elif a < b:
        text = f"l'itinérance sert {fr.plural(b - a, 'personne')} de moins par an que {name}"
    else:
        text = f"l'itinérance sert autant de personnes par an que {name}"
    text += f" ({fr.integer(a)} contre {fr.integer(b)} en plus des sites existants)"
    h_it, h_best = it["hours_per_place"], best["hours_per_place"]
    if it["places"] and round(h_it, 1) < round(h_best, 1):
        text += (f", {'mais' if a > b else 'et'} chaque lieu n'est ouvert que {_hours(h_it)} par semaine "
                 f"(contre {_hours(h_best)})")
    elif it["places"]:
        text += f", chaque lieu ouvert {_hours(h_it)} par semaine (contre {_hours(h_best)})"
    reach_it, reach_best = round(it["demand_new"]), round(best["demand_new"])
    text += (f" ; elle met {fr.plural(reach_it, 'personne')} en difficulté numérique nouvellement à portée, "
             f"contre {fr.integer(reach_best)}.")
    return f"{head}, {text}"


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
            f"{fr.number(m['demand_per_advisor_hour'], 1)} demande à portée par heure de conseiller, "
            f"{fr.integer(m['demand_served'])} personnes servies par an "
            f"(+{fr.integer(m['served_added'])} en plus des sites existants)"
        )
        lines.append(text + (f" — {m['note']}" if m["note"] else ""))
    if data.get("conclusion"):
        lines.append(data["conclusion"])
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

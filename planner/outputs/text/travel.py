"""French text of the travel stage: the ``planner travel`` summary, road and snap reports."""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner import fr
from planner.travel.readers import RoadReport
from planner.travel.search import Snap


def render_travel(summary: dict[str, Any]) -> str:
    """Return the ``planner travel`` console text of :func:`planner.travel.model.travel_summary`."""
    s = summary
    method = "réseau routier" if s["method"] == "road" else "vol d'oiseau (pas de réseau routier local)"
    minutes = lambda v: fr.with_unit(v, "min", 1, missing="—")  # noqa: E731
    return "\n".join([
        f"Méthode : {method}",
        f"Origines : {fr.integer(s['origins'])}",
        f"Destinations : {fr.integer(s['destinations'])}",
        f"Temps médian jusqu'au site le plus proche : {minutes(s['median_minutes_to_nearest'])}",
        f"Temps maximal jusqu'au site le plus proche : {minutes(s['max_minutes_to_nearest'])}",
        f"Origines sans site joignable : {fr.integer(s['unreachable'])}",
    ])


def render_road_report(report: RoadReport) -> str:
    """Return what reading a road file kept, repaired and dropped, as a short French paragraph."""
    r = report
    parts = [
        f"Réseau routier « {r.source} » : {fr.plural(r.nodes_kept, 'nœud')} et "
        f"{fr.plural(r.edges_kept, 'tronçon')} conservés (lus : {fr.plural(r.nodes_read, 'nœud')}, "
        f"{fr.plural(r.edges_read, 'tronçon')})."
    ]
    if r.components_dropped:
        parts.append(
            f"{fr.integer(r.components_dropped)} composante(s) isolée(s) écartée(s) : "
            f"{fr.plural(r.nodes_dropped, 'nœud')}, {fr.plural(r.edges_dropped, 'tronçon')}, "
            f"{fr.km(r.km_dropped)} (seule la plus grande composante fortement connexe est gardée)."
        )
    if r.missing_refs:
        parts.append(
            f"Extrait découpé : {fr.integer(r.missing_refs)} référence(s) à des nœuds absents "
            f"dans {fr.integer(r.ways_with_missing_refs)} voie(s) supprimée(s), dont "
            f"{fr.integer(r.missing_refs_on_roads)} sur des routes."
        )
    if r.edges_imputed:
        parts.append(
            "Vitesses estimées (maxspeed, sinon barème par type de route) pour "
            f"{fr.plural(r.edges_imputed, 'tronçon')}."
        )
    parts.extend(r.notes)
    return " ".join(parts)


def render_snap(snap: Snap) -> str:
    """Return how points joined the road graph, as a French sentence."""
    s = snap.summary()
    if not s["points"]:
        return "Aucun point."
    text = f"{fr.plural(s['points'], 'point')} rattaché(s) au réseau routier"
    if s["median_snap_m"] is not None:
        text += (
            f" (distance médiane {fr.with_unit(s['median_snap_m'], 'm')}, "
            f"maximale {fr.with_unit(s['max_snap_m'], 'm')})"
        )
    if s["far"]:
        limit_km = snap.max_snap_m / 1000
        text += (
            f" ; {fr.integer(s['far'])} point(s) à plus de "
            f"{fr.km(limit_km, 0 if float(limit_km).is_integer() else 1)} de toute route "
            "(ou sans coordonnées) : non rattachés, temps inconnus"
        )
    return text + "."


def fallback_band_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return the crow-fly error per distance band (:func:`planner.travel.crowfly_fit.band_errors`) with French headers."""
    return pd.DataFrame({
        "bande (km)": table["band_km"].str.replace(".", ",", regex=False),
        "paires": table["n"],
        "erreur médiane": [fr.percent(v, 1) for v in table["mdape"]],
        "biais médian": [fr.percent(v, 1) for v in table["bias"]],
        "route/estimé q10": table["q10"].round(3),
        "route/estimé q90": table["q90"].round(3),
        "objectif atteint": table["meets_target"].map({True: "oui", False: "NON"}),
    })

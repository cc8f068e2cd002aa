"""``planner data status``: the state of every layer of the manifest in the data folder.

For each layer: its files, its data rows counted by the loaders' own reader
(:func:`planner.data.files.count_rows`; for the INSEE layers, the loader's columns in
any published shape, workbooks with title rows included: so that a file the loaders
refuse is listed as unreadable, not counted), vintage, source, licence, where to get it (``url`` when
``planner data fetch`` can download it, ``how`` otherwise, or both), and the download
record when the layer's file is the one ``planner data fetch`` downloaded.

``planner data status --json`` prints ``{"data_dir", "layers": [{"name", "present",
"rows", "vintage", "source", "licence", "url", "how", ...}, ...], "found", "absent"}``.
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
from planner.data.sources.insee import check_download
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
    how: str | None = None
    scope: str = "national"
    remedy: str = ""
    #: The folder the layer is read from: the data folder, or the demo bundle behind it.
    folder: str | None = None

    @property
    def found(self) -> bool:
        """Whether at least one file of the layer is in the data folder."""
        return bool(self.files)

    @property
    def present(self) -> bool:
        """Whether the layer has at least one file the loaders can read."""
        return len(self.files) > len(self.unreadable)

    def as_dict(self) -> dict[str, Any]:
        """Return the status as a plain dict (for JSON output): ``name``, ``present``,
        ``rows``, ``vintage``, ``source``, ``licence``, ``url``, ``how``, then the detail."""
        detail = asdict(self)
        out = {"name": self.layer, "present": self.present, "rows": self.rows,
               "vintage": self.vintage, "source": self.source, "licence": self.licence,
               "url": self.url, "how": self.how}
        out.update((k, v) for k, v in detail.items() if k not in out)
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
    explicit = root is not None
    root = root or data_dir()
    records = read_fetch_manifest(root)
    out: list[LayerStatus] = []
    for name, lay in catalog.layers().items():
        # the folder every command reads the layer from (the bundle when absent here)
        folder = (root if explicit else lay.folder()) or root
        files = lay.files(folder)
        total: int | None = None
        unreadable: list[str] = []
        for path in files:
            try:  # INSEE files: the loader's columns, in any published shape (xlsx too)
                rows = check_download(name, path)
                rows = count_rows(path) if rows is None else rows
            except (DataError, OSError) as exc:
                log.warning("lignes non comptées pour %s : %s", path, exc)
                unreadable.append(path.relative_to(folder).as_posix())
                continue
            if rows is not None:
                total = (total or 0) + rows
        relative = [p.relative_to(folder).as_posix() for p in files]
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
                url=lay.url if lay.fetch_name else None,
                fetched=fetched,
                unreadable=unreadable,
                how=lay.how,
                scope=lay.scope,
                remedy=lay.remedy(),
                folder=str(folder) if files else None,
            )
        )
    return out


def status_report(root: Path | None = None) -> dict[str, Any]:
    """Return :func:`status` as one JSON-ready object."""
    statuses = status(root)
    root = root or data_dir()
    return {
        "data_dir": str(root),
        "layers": [s.as_dict() for s in statuses],
        "found": sum(s.present for s in statuses),
        "absent": [s.layer for s in statuses if not s.present],
    }

"""On-disk cache of parsed layers, keyed by the hash of their inputs.

A layer is rebuilt only when one of its source files (by content) or the
cache format version changes. Frames are stored as GeoParquet; columns holding
weekly hours are stored as JSON text and restored on read. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner import hours
from planner.schema import LoadReport
from planner.settings import cache_dir

log = logging.getLogger(__name__)

#: Bump when the layout of a cached layer changes.
CACHE_VERSION = "1"
#: Columns holding weekly structures (dicts), stored as JSON text.
HOURS_COLUMNS = ("opening_hours", "town_hall_hours")

_UMASK = os.umask(0)
os.umask(_UMASK)

_digests: dict[tuple[str, int, int], str] = {}


def file_digest(path: str | Path) -> str:
    """Return the sha256 of a file's content (memoised on path, size and mtime)."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        with open(path, "rb") as fh:
            _digests[key] = hashlib.file_digest(fh, "sha256").hexdigest()
    return _digests[key]


def cache_key(name: str, inputs: Iterable[str | Path], *extra: object) -> str:
    """Return a key for ``name`` built from input files' content and extra parameters."""
    h = hashlib.sha256(f"{name}|{CACHE_VERSION}".encode())
    for item in inputs:
        h.update(file_digest(item).encode())
    for item in extra:
        h.update(repr(item).encode())
    return f"{name}-{h.hexdigest()[:16]}"


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # keep the extension: some writers (GDAL's GeoPackage driver) look at it
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600 files; give the usual mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_frame(path: Path) -> gpd.GeoDataFrame | pd.DataFrame:
    """Read a cached (Geo)Parquet frame and restore weekly-hours columns."""
    try:
        frame: pd.DataFrame = gpd.read_parquet(path)
    except ValueError:  # no geometry column
        frame = pd.read_parquet(path)
    for col in HOURS_COLUMNS:
        if col in frame.columns:
            frame[col] = _decode_hours(frame[col])
    return frame


def _decode_hours(values: pd.Series) -> list:
    """Decode JSON weekly hours, each distinct text once (many places share their hours).

    Rows with the same text share one dict: treat the decoded hours as read-only.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    decoded = [hours.loads(text) for text in uniques]
    return [decoded[c] if c >= 0 else None for c in codes]


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as (Geo)Parquet, atomically, serialising weekly-hours columns."""
    out = frame.copy()
    for col in HOURS_COLUMNS:
        if col in out.columns:
            out[col] = [hours.dumps(v) for v in out[col]]
    writer = out.to_parquet
    atomic_write(path, lambda tmp: writer(tmp, index=False))


def cached(
    key: str, build: Callable[[], tuple[pd.DataFrame, LoadReport]]
) -> tuple[pd.DataFrame, LoadReport]:
    """Return the frame and load report cached under ``key``, building them on a miss."""
    path = cache_dir() / f"{key}.parquet"
    report_path = path.with_suffix(".report.json")
    if path.exists() and report_path.exists():
        try:
            return read_frame(path), LoadReport.from_json(report_path.read_text("utf-8"))
        except Exception:  # a corrupt cache file is rebuilt, never fatal
            log.warning("cache illisible, reconstruit : %s", path)
    frame, report = build()
    write_frame(frame, path)
    atomic_write(report_path, lambda tmp: tmp.write_text(report.to_json(), "utf-8"))
    return frame, report

"""Caches of parsed layers: on disk keyed by the hash of their inputs, and in memory.

On disk, a layer is rebuilt only when one of its source files (by content) or the
cache format version changes. Frames are stored as GeoParquet; columns holding
weekly hours are stored as JSON text and restored on read. Writes are atomic.

In memory, :func:`memo` keeps a loader's result for one data folder
(``PLANNER_DATA_DIR``, resolved) and one state of its input files (path, size,
modification time): changing the variable or a file gives a fresh result.
:func:`clear_memory_cache` forgets every memoised result.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd

from planner.config import cache_dir, data_dir
from planner.data import hours
from planner.data.schema import LoadReport

log = logging.getLogger(__name__)

#: Bump when the layout of a cached layer changes.
CACHE_VERSION = "1"
#: Columns holding weekly structures (dicts), stored as JSON text.
HOURS_COLUMNS = ("opening_hours", "town_hall_hours")

_UMASK = os.umask(0)
os.umask(_UMASK)
#: Mode of the files written (``mkstemp`` makes 0600 files; data files are shared).
FILE_MODE = 0o666 & ~_UMASK

_digests: dict[tuple[str, int, int], str] = {}
#: The stores of every memoised loader, emptied by :func:`clear_memory_cache`.
_stores: list[OrderedDict[Any, Any]] = []
#: Results kept per memoised loader (one per data folder and state of its files).
MEMO_SIZE = 2

F = TypeVar("F", bound=Callable[..., Any])


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
    for value in extra:
        h.update(repr(value).encode())
    return f"{name}-{h.hexdigest()[:16]}"


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # keep the extension: some writers (GDAL's GeoPackage driver) look at it
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, FILE_MODE)
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


# --------------------------------------------------------------------------- memory


def _stamp(paths: Iterable[str | Path]) -> tuple[tuple[str, int, int], ...]:
    """Path, size and modification time of each input (``-1`` for an absent file)."""
    out = []
    for item in paths:
        path = Path(item)
        try:
            stat = path.stat()
            out.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
        except OSError:
            out.append((str(path), -1, -1))
    return tuple(out)


def memo(inputs: Callable[..., Iterable[str | Path]]) -> Callable[[F], F]:
    """Memoise a loader by data folder, arguments and the state of its input files.

    Parameters
    ----------
    inputs
        Called with the loader's arguments, returns the files its result depends on.

    Returns
    -------
    A decorator. The decorated loader returns the kept result while
    ``PLANNER_DATA_DIR`` (resolved), its (hashable) arguments and the path, size and
    modification time of every input are unchanged; :func:`clear_memory_cache` forgets it.
    """

    def decorate(func: F) -> F:
        store: OrderedDict[Any, Any] = OrderedDict()
        _stores.append(store)

        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            key = (str(data_dir().resolve()), args, _stamp(inputs(*args)))
            if key in store:
                store.move_to_end(key)
                return store[key]
            value = func(*args)
            store[key] = value
            while len(store) > MEMO_SIZE:
                store.popitem(last=False)
            return value

        return wrapper  # type: ignore[return-value]

    return decorate


def clear_memory_cache() -> None:
    """Forget every result kept in memory by :func:`memo` (and the file digests)."""
    for store in _stores:
        store.clear()
    _digests.clear()

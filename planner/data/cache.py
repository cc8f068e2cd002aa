"""Caches of parsed layers: on disk keyed by the hash of their inputs, and in memory.

On disk, a layer is rebuilt only when one of its source files (by content) or the
cache format version changes. Frames are stored as GeoParquet; columns holding
weekly hours are stored as JSON text and restored on read. Writes are atomic.

In memory, :func:`memo` keeps a loader's result for one data folder
(``PLANNER_DATA_DIR``, resolved) and one state of its input files (path, size,
modification time): changing the variable or a file gives a fresh result.
:func:`clear_memory_cache` forgets every memoised result.

:func:`atomic_write` is the one way files are written (caches, exports, downloads'
manifests): never a partial file, nor a temporary left in the output folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
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


#: Prefix of the private folders where writers write (in the system temporary folder).
STAGING_PREFIX = "planner-write-"
#: Infix of the named temporaries of the fallback, in the output folder.
TMP_INFIX = ".tmp-"
#: Age (seconds) after which a temporary of an older version (no process id) is stale.
STALE_AFTER_S = 3600
_AT_FDCWD, _AT_EMPTY_PATH = -100, 0x1000  # Linux linkat(2)
_LEGACY_TMP = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(?:\.\w+)?$")


def _alive(pid: int) -> bool:
    """Whether a process with this id runs (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _dead_writer(tail: str) -> bool:
    """Whether ``<pid>-…`` names a process that no longer runs."""
    pid = tail.split("-", 1)[0]
    return pid.isdigit() and not _alive(int(pid))


def clean_stale_temporaries(folder: Path) -> list[Path]:
    """Remove what writers killed mid-write left behind.

    That is: in ``folder``, the named temporaries ``.<name>.tmp-<pid>-…`` of dead
    processes and the ``.<stem>.XXXXXXXX.tmp<ext>`` files of older versions (after
    ``STALE_AFTER_S``); in the system temporary folder, the private staging folders
    ``planner-write-<pid>-…`` of dead processes.

    Returns
    -------
    The paths removed.
    """
    found: list[Path] = []
    with contextlib.suppress(OSError):
        for item in folder.iterdir():
            name = item.name
            if name.startswith(".") and TMP_INFIX in name:
                if _dead_writer(name.rsplit(TMP_INFIX, 1)[1]):
                    found.append(item)
            elif _LEGACY_TMP.match(name):
                with contextlib.suppress(OSError):
                    if time.time() - item.lstat().st_mtime > STALE_AFTER_S:
                        found.append(item)
    with contextlib.suppress(OSError):
        for item in Path(tempfile.gettempdir()).iterdir():
            if item.name.startswith(STAGING_PREFIX) and _dead_writer(item.name[len(STAGING_PREFIX):]):
                found.append(item)
    removed = []
    for item in found:
        try:
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
        except OSError:
            continue
        removed.append(item)
        log.info("fichier temporaire abandonné supprimé : %s", item)
    return removed


def _same_device(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _link_fd(fd: int, target: Path) -> bool:
    """Give the anonymous (``O_TMPFILE``) file ``fd`` the name ``target``; whether it worked.

    ``linkat`` through ``/proc/self/fd/N`` first, then ``linkat(fd, "", AT_EMPTY_PATH)``
    (some kernels and sandboxes refuse one or the other).
    """
    with contextlib.suppress(OSError):
        os.link(f"/proc/self/fd/{fd}", target, follow_symlinks=True)
        return True
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.linkat(fd, b"", _AT_FDCWD, os.fsencode(target), _AT_EMPTY_PATH) == 0
    except (OSError, AttributeError):
        return False


def _copy_into(staged: Path, fd: int) -> None:
    with open(staged, "rb") as src, os.fdopen(fd, "wb", closefd=False) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fchmod(fd, FILE_MODE)
        os.fsync(fd)


def _publish(staged: Path, path: Path) -> None:
    """Move the finished ``staged`` file to ``path`` so that ``path`` is always whole.

    Same file system: one rename. Otherwise the bytes are copied into an anonymous file
    of the output folder (Linux ``O_TMPFILE``: it vanishes if the process dies), which is
    linked under a unique name and renamed over ``path`` at once; where that is not
    possible, into a named temporary ``.<name>.tmp-<pid>-…`` that the next write removes
    if the process died.
    """
    os.chmod(staged, FILE_MODE)
    if _same_device(staged, path.parent):
        os.replace(staged, path)
        return
    unique = path.parent / f".{path.name}{TMP_INFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        linked = False
        if hasattr(os, "O_TMPFILE"):
            fd = -1
            with contextlib.suppress(OSError):  # file systems without O_TMPFILE support
                fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, FILE_MODE)
            if fd >= 0:
                try:
                    _copy_into(staged, fd)
                    linked = _link_fd(fd, unique)
                finally:
                    os.close(fd)
        if not linked:
            fd = os.open(unique, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            try:
                _copy_into(staged, fd)
            finally:
                os.close(fd)
        os.replace(unique, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(unique)


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)``, then put the finished file at ``path`` in one step.

    ``tmp`` has ``path``'s name (some writers, such as GDAL's GeoPackage driver, look at
    the extension) in a private folder of the system temporary folder, never in the
    output folder: a process killed inside ``write`` leaves no partial nor hidden file
    next to ``path``, and whatever it left elsewhere is removed by the next write
    (:func:`clean_stale_temporaries`). ``path`` holds either its previous content or
    the whole new one. The file gets the usual mode (``FILE_MODE``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path.parent)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-"))
    try:
        tmp = staging / path.name
        write(tmp)
        _publish(tmp, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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

"""One HTTP download into a ``.part`` file: progress, resume after a cut, size and sha256.

The body is appended to a ``.part`` file next to its destination. When the connection
is cut in the middle of the body, the download resumes from the bytes already received
with an HTTP ``Range`` request (up to :data:`RESUME_ATTEMPTS` times in the same call);
a ``.part`` file left by an earlier, interrupted call for the same URL is resumed the
same way. A server that ignores ``Range`` (answers ``200``) restarts the file from zero.
A connection that fails before any byte arrives is not retried (offline: fail fast).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from planner import fr
from planner.errors import DataError

log = logging.getLogger(__name__)

#: Bytes read at a time while downloading.
CHUNK_BYTES = 1 << 16
#: Resumptions (HTTP Range) after a cut in the middle of a body, within one call.
RESUME_ATTEMPTS = 3
#: Sent with every request (some official servers refuse requests without one).
USER_AGENT = "planner-inclusion-numerique (planificateur de couverture territoriale)"

#: Called with (bytes received so far, expected total or None) while downloading.
Progress = Callable[[int, int | None], None]


@dataclass
class Transfer:
    """What :func:`download` received."""

    size: int
    sha256: str
    resumed: bool


def _sidecar(part: Path) -> Path:
    return part.with_name(part.name + ".url")


def discard(part: Path) -> None:
    """Remove a ``.part`` file and its sidecar (the URL it was downloaded from)."""
    part.unlink(missing_ok=True)
    _sidecar(part).unlink(missing_ok=True)


def _resumable(part: Path, url: str) -> int:
    """Bytes of ``part`` to resume from (0 when absent or downloaded from another URL)."""
    side = _sidecar(part)
    if part.is_file() and side.is_file() and side.read_text("utf-8").strip() == url:
        return part.stat().st_size
    discard(part)
    return 0


def _bar(label: str, total: int | None, initial: int) -> Any:
    # tqdm is imported only when a download starts: no other command needs it.
    from tqdm.auto import tqdm

    return tqdm(desc=label, total=total, initial=initial, unit="B", unit_scale=True,
                ncols=79, leave=True)


def download(
    url: str,
    part: Path,
    *,
    timeout: tuple[float, float],
    max_bytes: int,
    label: str,
    progressbar: bool = True,
    progress: Progress | None = None,
) -> Transfer:
    """Download ``url`` into ``part`` (created or resumed) and return its size and sha256.

    Parameters
    ----------
    url
        The address to download.
    part
        The ``.part`` file (its folder must exist).
    timeout
        Seconds to wait for the connection, and between two bytes of the response.
    max_bytes
        Larger bodies are refused (:class:`~planner.errors.DataError`).
    label
        Label of the tqdm progress bar (stderr).
    progressbar
        Show the tqdm bar.
    progress
        Optional callback ``(received, total)`` (the app's progress bar).

    Returns
    -------
    Transfer
        Size and sha256 of the complete file, and whether it was resumed.

    Raises
    ------
    requests.RequestException
        Connection errors, timeouts, HTTP errors (``raise_for_status``); the caller
        turns them into French messages. A cut body leaves ``part`` for a later resume.
    DataError
        The body is larger than ``max_bytes``.
    """
    have = _resumable(part, url)
    resumed = False
    attempts = 0
    bar: Any = None
    try:
        while True:
            headers = {"User-Agent": USER_AGENT}
            if have:
                headers["Range"] = f"bytes={have}-"
            response = requests.get(url, timeout=timeout, stream=True, headers=headers)
            with response:
                if have and response.status_code == 416:  # stale part: start again
                    discard(part)
                    have = 0
                    continue
                response.raise_for_status()
                if have and response.status_code != 206:  # Range ignored: start again
                    discard(part)
                    have = 0
                resumed = resumed or have > 0
                length = response.headers.get("Content-Length")
                total = have + int(length) if length and length.isdigit() else None
                if total is not None and total > max_bytes:
                    raise _too_large(url, max_bytes)
                _sidecar(part).write_text(url, "utf-8")
                if progressbar and bar is None:
                    bar = _bar(label, total, have)
                received = 0
                try:
                    with open(part, "ab") as fh:
                        for chunk in response.iter_content(CHUNK_BYTES):
                            received += len(chunk)
                            if have + received > max_bytes:
                                raise _too_large(url, max_bytes)
                            fh.write(chunk)
                            if bar is not None:
                                bar.update(len(chunk))
                            if progress is not None:
                                progress(have + received, total)
                    cut = total is not None and have + received < total
                except (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ConnectionError,
                        requests.exceptions.Timeout):
                    if received == 0 or attempts >= RESUME_ATTEMPTS:
                        raise
                    cut = True
            have = part.stat().st_size
            if not cut:
                break
            attempts += 1
            if attempts > RESUME_ATTEMPTS:
                raise requests.exceptions.ConnectionError("connexion coupée")
            log.info("connexion coupée à %s : reprise (octets %d-)", fr.size(have), have)
    except DataError:
        discard(part)
        raise
    finally:
        if bar is not None:
            bar.close()
    sha = hashlib.sha256()
    with open(part, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return Transfer(size=have, sha256=sha.hexdigest(), resumed=resumed)


def _too_large(url: str, limit: int) -> DataError:
    return DataError(
        f"le fichier téléchargé depuis {url} dépasse {fr.size(limit)} : ce n'est pas l'export attendu",
        hint="vérifiez l'adresse (« url ») dans geodata/sources.toml",
    )

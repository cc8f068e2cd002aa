"""Download the official exports into the data folder, and report on that folder.

``planner data fetch`` downloads, for each selected layer of the source manifest
(``geodata/sources.toml``) that has a ``url``, the current official export into the
data folder at the layer's ``fetch_name``, with a progress bar on stderr. A download
goes to a temporary file next to its destination, is hashed on the fly, and is moved
into place with :func:`os.replace` only once complete: an interrupted or failed
download never leaves a partial file and never touches the previous one. Each
download is recorded (layer, URL, date, sha256, size, file) in ``fetched.json`` in
the data folder. A second fetch of an unchanged export is downloaded again to a
temporary file, found identical by its sha256, and discarded: the file in place is
not rewritten (same inode, same modification time) and only its ``checked`` date is
updated in ``fetched.json``.

Offline, a download fails fast: one attempt, a short connection timeout, no retry
loop, and a French :class:`~planner.errors.DataError` naming the URL and the path
where the file can be placed by hand.

``planner data status`` (:mod:`planner.data.status`) reports on the data folder.

For tests and mirrors, the URLs can be overridden with the ``urls`` parameter
(layer -> URL) or the environment variable ``PLANNER_FETCH_BASE_URL`` (the URL of a
layer becomes ``<base>/<fetch_name>``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from planner import fr
from planner.config import MAX_FILE_BYTES, data_dir
from planner.data import catalog
from planner.data.cache import FILE_MODE, atomic_write, file_digest
from planner.data.catalog import FETCH_MANIFEST
from planner.errors import DataError

log = logging.getLogger(__name__)

#: Environment variable overriding the base URL of every download (tests, mirrors).
BASE_URL_ENV = "PLANNER_FETCH_BASE_URL"
#: Seconds to wait for a TCP connection (offline: fail fast).
CONNECT_TIMEOUT_S = 5.0
#: Seconds to wait between two bytes of a response.
READ_TIMEOUT_S = 60.0
#: Bytes read at a time while downloading.
CHUNK_BYTES = 1 << 16

#: Status of a layer after a fetch (French, shown to users).
DOWNLOADED = "téléchargé"
UNCHANGED = "inchangé"
SKIPPED = "ignoré"


@dataclass
class FetchResult:
    """What ``fetch`` did for one layer."""

    layer: str
    status: str
    url: str | None = None
    file: str | None = None
    sha256: str | None = None
    size: int | None = None
    date: str | None = None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the result as a plain dict (for JSON output)."""
        return asdict(self)


# --------------------------------------------------------------------------- fetch


def parse_layer_names(values: Iterable[str] | None) -> list[str] | None:
    """Split ``--layers`` values (repeated and/or comma-separated) into unique names.

    Parameters
    ----------
    values
        Option values, e.g. ``["la_poste,france_services", "mediation_numerique"]``.

    Returns
    -------
    list of str or None
        The names in order, without duplicates; ``None`` when nothing was given.
    """
    names: list[str] = []
    for value in values or ():
        for name in value.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return names or None


def downloadable_layers() -> list[str]:
    """Return the names of the manifest's layers that have a download URL."""
    return [name for name, lay in catalog.layers().items() if lay.url and lay.fetch_name]


def _select(names: list[str] | None, urls: Mapping[str, str] | None) -> list[catalog.Layer]:
    manifest = catalog.layers()
    if names is None:
        chosen = [
            n for n, lay in manifest.items() if (lay.url and lay.fetch_name) or n in (urls or {})
        ]
        return [manifest[n] for n in chosen]
    unknown = [n for n in names if n not in manifest]
    if unknown:
        listed = ", ".join(f"« {n} »" for n in unknown)
        raise DataError(
            f"couche inconnue : {listed}" if len(unknown) == 1 else f"couches inconnues : {listed}",
            hint=f"couches valides : {', '.join(manifest)} "
            f"(téléchargeables : {', '.join(downloadable_layers())})",
        )
    return [manifest[n] for n in names]


def resolve_url(layer: catalog.Layer, urls: Mapping[str, str] | None = None) -> str | None:
    """Return the URL to download ``layer`` from, or ``None`` when it has none.

    Parameters
    ----------
    layer
        A layer of the manifest.
    urls
        Optional overrides, layer name -> URL (used first).

    Returns
    -------
    str or None
        ``urls[layer]``, else ``$PLANNER_FETCH_BASE_URL/<fetch_name>`` when that variable
        is set and the layer is downloadable, else the manifest's ``url``.
    """
    if urls and layer.name in urls:
        return urls[layer.name]
    if not layer.url or not layer.fetch_name:
        return None
    base = os.environ.get(BASE_URL_ENV, "").strip()
    if base:
        return f"{base.rstrip('/')}/{quote(layer.fetch_name)}"
    return layer.url


def read_fetch_manifest(root: Path | None = None) -> dict[str, dict[str, Any]]:
    """Return the records of ``fetched.json`` (layer -> record), empty when absent."""
    path = (root or data_dir()) / FETCH_MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        log.warning("journal des téléchargements illisible, ignoré : %s", path)
        return {}
    return data if isinstance(data, dict) else {}


def _write_fetch_manifest(root: Path, records: dict[str, dict[str, Any]]) -> None:
    text = json.dumps(records, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    atomic_write(root / FETCH_MANIFEST, lambda tmp: tmp.write_text(text, "utf-8"))


class _HashingWriter:
    """File-like sink that hashes, counts and caps what the downloader writes."""

    def __init__(self, fh: IO[bytes], limit: int, url: str) -> None:
        self._fh = fh
        self._limit = limit
        self._url = url
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> int:
        self.size += len(chunk)
        if self.size > self._limit:
            raise DataError(
                f"le fichier téléchargé depuis {self._url} dépasse "
                f"{fr.size(self._limit)} : ce n'est pas l'export attendu",
                hint="vérifiez l'URL dans geodata/sources.toml",
            )
        self.sha.update(chunk)
        return self._fh.write(chunk)

    def flush(self) -> None:
        self._fh.flush()


def _offline_error(url: str, dest: Path, reason: str) -> DataError:
    return DataError(
        f"téléchargement impossible de {url} : {reason}",
        file=dest,
        hint=f"vérifiez la connexion, ou téléchargez le fichier vous-même et placez-le à la main ici : {dest}",
    )


class _LazyBar:
    """tqdm progress bar (stderr) created only once the server has answered.

    pooch sets ``total`` after a successful response, then calls ``update``,
    ``reset`` and ``close``: a failed connection shows no empty bar.
    """

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: Any = None

    @property
    def total(self) -> int | None:
        return None if self._bar is None else self._bar.total

    @total.setter
    def total(self, value: int) -> None:
        # tqdm is imported only when a download starts: the only user, and not needed
        # by any other command.
        from tqdm.auto import tqdm

        self._bar = tqdm(
            desc=self._label, total=value or None, unit="B", unit_scale=True, ncols=79, leave=True
        )

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def reset(self) -> None:
        if self._bar is not None:
            self._bar.reset()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _download(
    url: str,
    sink: _HashingWriter,
    *,
    label: str,
    progressbar: bool,
    timeout: tuple[float, float],
) -> None:
    """Stream ``url`` into ``sink`` with pooch's HTTP downloader (one attempt, no retry)."""
    # pooch (and requests) take a few hundred ms to import: only downloads need them.
    import pooch

    bar: Any = _LazyBar(label) if progressbar else False
    downloader = pooch.HTTPDownloader(progressbar=bar, chunk_size=CHUNK_BYTES, timeout=timeout)
    try:
        downloader(url=url, output_file=sink, pooch=None)
    finally:
        if bar is not False:
            bar.close()


def _fetch_one(
    layer: catalog.Layer,
    url: str,
    root: Path,
    records: dict[str, dict[str, Any]],
    *,
    progressbar: bool,
    timeout: tuple[float, float],
    max_bytes: int,
) -> FetchResult:
    # requests is slow to import; only a download needs it (see _download).
    import requests

    assert layer.fetch_name is not None
    dest = root / layer.fetch_name
    created = [d for d in (dest.parent, *dest.parent.parents) if not d.exists()]
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as exc:
        raise DataError(
            f"impossible d'écrire dans le dossier de données {dest.parent} ({exc.strerror})",
            file=dest,
            hint="réglez PLANNER_DATA_DIR sur un dossier où vous avez le droit d'écrire",
        ) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            sink = _HashingWriter(fh, max_bytes, url)
            try:
                _download(url, sink, label=layer.name, progressbar=progressbar, timeout=timeout)
            except requests.exceptions.HTTPError as exc:
                code = exc.response.status_code if exc.response is not None else "?"
                reason = (
                    "fichier introuvable (erreur HTTP 404)"
                    if code == 404
                    else f"erreur HTTP {code}"
                )
                raise DataError(
                    f"téléchargement impossible de {url} : {reason}",
                    file=dest,
                    hint="l'adresse a peut-être changé : corrigez « url » dans geodata/sources.toml, "
                    f"ou placez le fichier à la main ici : {dest}",
                ) from exc
            except requests.exceptions.ConnectTimeout as exc:
                raise _offline_error(
                    url, dest, f"pas de réponse du serveur en {timeout[0]:g} s (hors ligne ?)"
                ) from exc
            except requests.exceptions.Timeout as exc:
                raise _offline_error(
                    url, dest, f"le serveur ne répond plus (délai de {timeout[1]:g} s dépassé)"
                ) from exc
            except requests.exceptions.ConnectionError as exc:
                raise _offline_error(
                    url, dest, "serveur injoignable (hors ligne, nom inconnu ou connexion refusée)"
                ) from exc
            except requests.exceptions.RequestException as exc:
                raise _offline_error(
                    url, dest, f"erreur réseau ({exc.__class__.__name__})"
                ) from exc
        if sink.size == 0:
            raise DataError(
                f"le serveur a renvoyé un fichier vide pour {url}",
                file=dest,
                hint=f"réessayez plus tard, ou placez le fichier à la main ici : {dest}",
            )
        sha = sink.sha.hexdigest()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        relative = dest.relative_to(root).as_posix()
        previous = records.get(layer.name, {})
        if dest.is_file() and file_digest(dest) == sha:
            # Identical content: keep the file in place untouched, only note the check.
            tmp.unlink()
            record = {
                **previous,
                "layer": layer.name,
                "url": url,
                "sha256": sha,
                "size": sink.size,
                "file": relative,
            }
            record.setdefault("date", now)
            record["checked"] = now
            records[layer.name] = record
            return FetchResult(
                layer.name,
                UNCHANGED,
                url,
                relative,
                sha,
                sink.size,
                record["date"],
                "fichier identique à celui déjà présent : non réécrit",
            )
        tmp.chmod(FILE_MODE)
        os.replace(tmp, dest)
        records[layer.name] = {
            "layer": layer.name,
            "url": url,
            "date": now,
            "checked": now,
            "sha256": sha,
            "size": sink.size,
            "file": relative,
        }
        return FetchResult(layer.name, DOWNLOADED, url, relative, sha, sink.size, now, "")
    finally:
        if tmp.exists():
            tmp.unlink()
        for folder in created:  # innermost first: only the empty folders made here
            if folder.is_dir() and not dest.exists() and not any(folder.iterdir()):
                folder.rmdir()


def fetch(
    layers: Iterable[str] | None = None,
    *,
    root: Path | None = None,
    urls: Mapping[str, str] | None = None,
    progressbar: bool = True,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    read_timeout: float = READ_TIMEOUT_S,
    max_bytes: int = MAX_FILE_BYTES,
) -> list[FetchResult]:
    """Download the current official exports of ``layers`` into the data folder.

    Parameters
    ----------
    layers
        Layer names of the manifest; ``None`` for every layer with a download URL.
    root
        The data folder (default: :func:`planner.config.data_dir`).
    urls
        Optional URL overrides, layer name -> URL (tests, mirrors).
    progressbar
        Show a tqdm progress bar on stderr.
    connect_timeout, read_timeout
        Seconds to wait for the connection, and between two bytes of the response.
    max_bytes
        Larger downloads are refused (they are not one of the expected exports).

    Returns
    -------
    list of FetchResult
        One per selected layer, in order: downloaded, unchanged or skipped (no URL).

    Raises
    ------
    DataError
        Unknown layer names (the message lists the valid ones); a download that fails
        (offline, unknown host, refused connection, timeout, HTTP error, empty or
        oversized file), in French, naming the URL and where to place the file by hand.
        Layers fetched before the failure stay fetched and recorded.
    """
    names = None if layers is None else list(layers)
    selected = _select(names, urls)
    root = root or data_dir()
    records = read_fetch_manifest(root)
    results: list[FetchResult] = []
    timeout = (connect_timeout, read_timeout)
    try:
        for lay in selected:
            url = resolve_url(lay, urls)
            if url is None or not lay.fetch_name:
                message = (
                    f"aucune URL de téléchargement publique pour « {lay.title} » : couche ignorée ; "
                    f"placez le fichier à la main dans {root / lay.path}"
                )
                log.info(message)
                results.append(FetchResult(lay.name, SKIPPED, message=message))
                continue
            log.info("téléchargement de %s depuis %s", lay.name, url)
            results.append(
                _fetch_one(
                    lay,
                    url,
                    root,
                    records,
                    progressbar=progressbar,
                    timeout=timeout,
                    max_bytes=max_bytes,
                )
            )
    finally:
        if any(r.status != SKIPPED for r in results):
            _write_fetch_manifest(root, records)
    return results


def fetch_report(results: list[FetchResult], root: Path | None = None) -> dict[str, Any]:
    """Return the outcome of a fetch as one JSON-ready object."""
    return {
        "data_dir": str(root or data_dir()),
        "manifest": FETCH_MANIFEST,
        "layers": [r.as_dict() for r in results],
    }

"""Download the official exports into the data folder (``planner data fetch``).

For each selected layer of the source manifest (``geodata/sources.toml``) that has a
``url``, the current official export is downloaded (:mod:`planner.data.download`:
progress bar, ``.part`` file resumed with HTTP ``Range`` after a cut), checked against
the manifest's ``sha256`` when it pins one, opened when it is a zip archive
(``archive_member``, plus the optional ``archive_extra`` members saved beside it),
checked to be readable by the loaders (the INSEE layers with their loader's own columns,
in any published shape: :func:`planner.data.sources.insee.check_download`; others with
the layer's ``columns``), and only then moved into place at the layer's ``fetch_name`` with
:func:`os.replace`: a failed download never leaves a partial file in the layer and
never touches the previous one. Each download is recorded (layer, URL, date, sha256
and size of the file in place, and of the archive) in ``fetched.json``. A second
fetch of an unchanged export leaves the file in place untouched (same inode) and
only updates its ``checked`` date.

With ``departements`` (``planner data fetch --territory``), only the layers that
territory is missing are selected; every layer fetched today is a national file (it
covers all of France), which the result says (``scope``).

Offline, a download fails fast: a short connection timeout, no retry before the first
byte, and a French :class:`~planner.errors.DataError` naming the URL and what to do.

For tests and mirrors, the URLs can be overridden with ``urls`` (layer -> URL) or the
environment variable ``PLANNER_FETCH_BASE_URL`` (a layer's URL becomes
``<base>/<fetch_name>``; an archive layer is served there as its zip).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from planner.config import MAX_FILE_BYTES, data_dir
from planner.data import catalog
from planner.data.archive import check_columns, extract_member
from planner.data.cache import FILE_MODE, atomic_write, file_digest
from planner.data.catalog import FETCH_MANIFEST
from planner.data.download import Progress, discard, download
from planner.data.files import count_rows
from planner.data.sources.insee import check_download
from planner.errors import DataError

log = logging.getLogger(__name__)

#: Environment variable overriding the base URL of every download (tests, mirrors).
BASE_URL_ENV = "PLANNER_FETCH_BASE_URL"
#: Seconds to wait for a TCP connection (offline: fail fast).
CONNECT_TIMEOUT_S = 5.0
#: Seconds to wait between two bytes of a response.
READ_TIMEOUT_S = 60.0

#: Status of a layer after a fetch (French, shown to users).
DOWNLOADED = "téléchargé"
UNCHANGED = "inchangé"
SKIPPED = "ignoré"
FAILED = "échec"

#: Layers ``planner data fetch`` never selects by itself (road graphs have their own command).
_OWN_COMMAND = frozenset({"roads"})


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
    scope: str = "national"
    resumed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the result as a plain dict (for JSON output)."""
        return asdict(self)


def parse_layer_names(values: Iterable[str] | None) -> list[str] | None:
    """Split ``--layers`` values (repeated and/or comma-separated) into unique names.

    Returns ``None`` when nothing was given.
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


def _bundle_covers(deps: set[str]) -> bool:
    """Whether the demo bundle in use holds these départements (its layers then count)."""
    manifest = catalog.bundle_manifest()
    if not manifest:
        return False
    held = manifest.get("departements") or str(manifest.get("territory", "")).split(",")
    return deps <= {str(d).strip().zfill(2) for d in held if str(d).strip()}


def missing_for(departements: Iterable[str], root: Path | None = None) -> list[str]:
    """Return the layers a territory lacks: national layers without any file, and
    département layers (IFN IRIS) without the file of one of its départements.

    A layer counts when its files are in the data folder (``root``), or in the demo
    bundle when the bundle holds every département of the territory.
    """
    deps = {str(d).zfill(2) for d in departements}
    root = root or data_dir()
    bundle = _bundle_covers(deps)
    out = []
    for name, lay in catalog.layers().items():
        files = lay.files(root) or (lay.files() if bundle else [])
        if lay.scope == "departement":
            have = {catalog.file_stem(p).zfill(2) for p in files}
            if deps - have:
                out.append(name)
        elif not files and not (bundle and lay.empty_in_bundle()):  # no row here: not missing
            out.append(name)
    return out


def _select(
    names: list[str] | None, urls: Mapping[str, str] | None, departements: list[str] | None,
    root: Path,
) -> list[catalog.Layer]:
    manifest = catalog.layers()
    if names is None:
        if departements is not None:
            return [manifest[n] for n in missing_for(departements, root) if n not in _OWN_COMMAND]
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

    ``urls[layer]`` first, else ``$PLANNER_FETCH_BASE_URL/<fetch_name>`` when that
    variable is set and the layer is downloadable, else the manifest's ``url``.
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


def _network_error(
    url: str, lay: catalog.Layer, exc: Exception, timeout: tuple[float, float], root: Path
) -> DataError:
    if isinstance(exc, requests.exceptions.HTTPError):
        code = exc.response.status_code if exc.response is not None else "?"
        reason = "fichier introuvable (erreur HTTP 404)" if code == 404 else f"erreur HTTP {code}"
        hint = ("l'adresse a peut-être changé : corrigez « url » dans geodata/sources.toml, "
                f"ou {_by_hand(lay, root)}")
    else:
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            reason = f"pas de réponse du serveur en {timeout[0]:g} s (hors ligne ?)"
        elif isinstance(exc, requests.exceptions.Timeout):
            reason = f"le serveur ne répond plus (délai de {timeout[1]:g} s dépassé)"
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            reason = "connexion coupée pendant le téléchargement"
        elif isinstance(exc, requests.exceptions.ConnectionError):
            reason = "serveur injoignable (hors ligne, nom inconnu ou connexion refusée)"
        else:
            reason = f"erreur réseau ({exc.__class__.__name__})"
        hint = (f"vérifiez la connexion puis relancez (la reprise est automatique), "
                f"ou {_by_hand(lay, root)}")
    return DataError(f"téléchargement impossible de {url} : {reason}", hint=hint)


def _by_hand(lay: catalog.Layer, root: Path | None = None) -> str:
    dest = (root or data_dir()) / (lay.fetch_name or lay.path)
    return f"téléchargez le fichier vous-même et placez-le à la main ici : {dest}"


def _incoming(dest: Path) -> Path:
    """Hidden file next to ``dest`` where a download is checked before it replaces anything."""
    return dest.with_name(f".{dest.stem}.incoming{dest.suffix}")


def _fetch_one(
    lay: catalog.Layer, url: str, root: Path, records: dict[str, dict[str, Any]], *,
    timeout: tuple[float, float], max_bytes: int, progressbar: bool,
    progress: Progress | None, checksum: str | None,
) -> FetchResult:
    assert lay.fetch_name is not None
    dest = root / lay.fetch_name
    created = [d for d in (dest.parent, *dest.parent.parents) if not d.exists()]
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"impossible d'écrire dans le dossier de données {dest.parent} ({exc.strerror})",
            file=dest, hint="réglez PLANNER_DATA_DIR sur un dossier où vous avez le droit d'écrire",
        ) from exc
    part = dest.with_name(f".{dest.name}.part")
    incoming = _incoming(dest)
    keep_part = False
    extras: list[tuple[Path, Path]] = []  # other archive members, checked then moved
    try:
        try:
            got = download(url, part, timeout=timeout, max_bytes=max_bytes, label=lay.name,
                           progressbar=progressbar, progress=progress)
        except requests.exceptions.HTTPError as exc:
            raise _network_error(url, lay, exc, timeout, root) from exc
        except requests.exceptions.RequestException as exc:
            keep_part = part.is_file() and part.stat().st_size > 0  # resumed next time
            raise _network_error(url, lay, exc, timeout, root) from exc
        if got.size == 0:
            raise DataError(f"le serveur a renvoyé un fichier vide pour {url}",
                            hint=f"réessayez plus tard, ou {_by_hand(lay, root)}")
        if checksum and got.sha256 != checksum.lower():
            raise DataError(
                f"somme de contrôle différente pour {url} : sha256 {got.sha256[:12]}… reçu, "
                f"{checksum[:12]}… attendu ; fichier écarté",
                hint="le fichier a changé ou a été altéré en route : relancez, sinon vérifiez "
                f"« sha256 » dans geodata/sources.toml, ou {_by_hand(lay, root)}",
            )
        if lay.archive_member:
            extract_member(part, lay.archive_member, incoming, url=url, max_bytes=max_bytes)
            extras = _extract_extras(lay, part, root, url, max_bytes)
            discard(part)
        else:
            os.replace(part, incoming)
            discard(part)
        _check_readable(lay, incoming, url, root)
        for extra, _ in extras:
            _check_readable(lay, extra, url, root)
        sha, size = file_digest(incoming), incoming.stat().st_size
        now = datetime.now(UTC).isoformat(timespec="seconds")
        relative = dest.relative_to(root).as_posix()
        record: dict[str, Any] = {"layer": lay.name, "url": url, "sha256": sha, "size": size,
                                  "file": relative, "scope": lay.scope}
        if lay.archive_member:
            record.update(archive_sha256=got.sha256, archive_size=got.size,
                          archive_member=lay.archive_member)
        for extra, extra_dest in extras:
            if not (extra_dest.is_file() and file_digest(extra_dest) == file_digest(extra)):
                extra.chmod(FILE_MODE)
                os.replace(extra, extra_dest)
        if extras:
            record["archive_extra"] = [p.relative_to(root).as_posix() for _, p in extras]
        if dest.is_file() and file_digest(dest) == sha:  # identical: the file stays untouched
            record = {**records.get(lay.name, {}), **record, "checked": now}
            record.setdefault("date", now)
            records[lay.name] = record
            return FetchResult(lay.name, UNCHANGED, url, relative, sha, size, record["date"],
                               "fichier identique à celui déjà présent : non réécrit",
                               lay.scope, got.resumed)
        incoming.chmod(FILE_MODE)
        os.replace(incoming, dest)
        records[lay.name] = {**record, "date": now, "checked": now}
        return FetchResult(lay.name, DOWNLOADED, url, relative, sha, size, now, _scope_note(lay),
                           lay.scope, got.resumed)
    finally:
        incoming.unlink(missing_ok=True)
        for extra, _ in extras:
            extra.unlink(missing_ok=True)
        if not keep_part:
            discard(part)
        for folder in created:  # innermost first: only the empty folders made here
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def _extract_extras(lay: catalog.Layer, archive: Path, root: Path, url: str,
                    max_bytes: int) -> list[tuple[Path, Path]]:
    """Extract the layer's other archive members next to their destinations (hidden
    files); a member the archive lacks is skipped (logged). Returns (file, destination)."""
    out: list[tuple[Path, Path]] = []
    for member, name in lay.archive_extra:
        dest = root / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = _incoming(dest)
        try:
            extract_member(archive, member, tmp, url=url, max_bytes=max_bytes)
        except DataError as exc:
            log.info("membre facultatif absent de l'archive, ignoré : %s", exc)
            continue
        out.append((tmp, dest))
    return out


def _check_readable(lay: catalog.Layer, path: Path, url: str, root: Path) -> None:
    """Refuse a download the loaders could not read (it would replace a good file):
    the INSEE layers with their loader's own columns (any published edition)."""
    try:
        if check_download(lay.name, path) is not None:
            return
        if lay.columns:
            check_columns(path, lay.columns)
        count_rows(path)
    except DataError as exc:
        raise DataError(
            f"le fichier téléchargé depuis {url} n'est pas lisible comme « {lay.title} » : "
            f"{exc.message} ; rien n'a été remplacé",
            hint=lay.how or _by_hand(lay, root),
        ) from exc


def _scope_note(lay: catalog.Layer) -> str:
    return "fichier national : couvre toute la France" if lay.scope == "national" else ""


def fetch(
    layers: Iterable[str] | None = None,
    *,
    root: Path | None = None,
    urls: Mapping[str, str] | None = None,
    departements: Iterable[str] | None = None,
    progressbar: bool = True,
    progress: Progress | None = None,
    on_layer: Any = None,
    checksums: Mapping[str, str] | None = None,
    keep_going: bool = False,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    read_timeout: float = READ_TIMEOUT_S,
    max_bytes: int = MAX_FILE_BYTES,
) -> list[FetchResult]:
    """Download the current official exports of ``layers`` into the data folder.

    Parameters
    ----------
    layers
        Layer names of the manifest; ``None`` for every layer with a download URL (or,
        with ``departements``, every layer that territory lacks).
    root
        The data folder (default: :func:`planner.config.data_dir`).
    urls
        Optional URL overrides, layer name -> URL (tests, mirrors).
    departements
        The territory's départements (``planner data fetch --territory``).
    progressbar
        Show a tqdm progress bar on stderr.
    progress
        Optional callback ``(received, total)`` for each download (the app).
    on_layer
        Optional callback ``(index, count, layer)`` called before each layer.
    checksums
        Expected sha256 per layer, in addition to the manifest's ``sha256``.
    keep_going
        Go on after a failed layer (its result has status ``échec`` and the French
        message) instead of raising.
    connect_timeout, read_timeout
        Seconds to wait for the connection, and between two bytes of the response.
    max_bytes
        Larger downloads are refused (they are not one of the expected exports).

    Returns
    -------
    list of FetchResult
        One per selected layer, in order: downloaded, unchanged, or skipped (no URL:
        its message says how to get it).

    Raises
    ------
    DataError
        Unknown layer names; a download that fails (offline, refused, timeout, HTTP
        error, cut beyond the resumptions, checksum mismatch, empty, oversized or
        unreadable file), in French, naming the URL and what to do. Layers fetched
        before the failure stay fetched and recorded.
    """
    root = root or data_dir()
    names = None if layers is None else list(layers)
    deps = None if departements is None else [str(d) for d in departements]
    selected = _select(names, urls, deps, root)
    records = read_fetch_manifest(root)
    results: list[FetchResult] = []
    timeout = (connect_timeout, read_timeout)
    expected = {**{n: lay.sha256 for n, lay in catalog.layers().items() if lay.sha256},
                **(checksums or {})}
    try:
        for index, lay in enumerate(selected):
            if on_layer is not None:
                on_layer(index, len(selected), lay)
            url = resolve_url(lay, urls)
            if url is None or not lay.fetch_name:
                message = f"pas de téléchargement public stable pour « {lay.title} » : {lay.remedy()}"
                results.append(FetchResult(lay.name, SKIPPED, message=message, scope=lay.scope))
                continue
            log.info("téléchargement de %s depuis %s", lay.name, url)
            try:
                results.append(_fetch_one(
                    lay, url, root, records, timeout=timeout, max_bytes=max_bytes,
                    progressbar=progressbar, progress=progress, checksum=expected.get(lay.name),
                ))
            except DataError as exc:
                if not keep_going:
                    raise
                results.append(FetchResult(lay.name, FAILED, url, message=str(exc), scope=lay.scope))
    finally:
        if any(r.status in (DOWNLOADED, UNCHANGED) for r in results):
            _write_fetch_manifest(root, records)
    return results


def fetch_report(results: list[FetchResult], root: Path | None = None,
                 territory: str | None = None) -> dict[str, Any]:
    """Return the outcome of a fetch as one JSON-ready object."""
    return {
        "data_dir": str(root or data_dir()),
        "manifest": FETCH_MANIFEST,
        "territory": territory,
        "layers": [r.as_dict() for r in results],
    }

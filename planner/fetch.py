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
loop, and a French :class:`~planner.schema.DataError` naming the URL and the path
where the file can be placed by hand.

``planner data status`` lists every layer of the manifest with its files, a cheap
count of data rows (CSV records without header, JSON list length), vintage, source
and licence. It does not use the loaders.

For tests and mirrors, the URLs can be overridden with the ``urls`` parameter
(layer -> URL) or the environment variable ``PLANNER_FETCH_BASE_URL`` (the URL of a
layer becomes ``<base>/<fetch_name>``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from planner import catalog
from planner.cache import atomic_write, file_digest
from planner.schema import DataError
from planner.settings import MAX_FILE_BYTES, data_dir

log = logging.getLogger(__name__)

#: File, in the data folder, recording every download.
FETCH_MANIFEST = "fetched.json"
#: Environment variable overriding the base URL of every download (tests, mirrors).
BASE_URL_ENV = "PLANNER_FETCH_BASE_URL"
#: Seconds to wait for a TCP connection (offline: fail fast).
CONNECT_TIMEOUT_S = 5.0
#: Seconds to wait between two bytes of a response.
READ_TIMEOUT_S = 60.0
#: Bytes read at a time while downloading.
CHUNK_BYTES = 1 << 16
#: Name of the file listing the column names of header-less CSV files (IFN exports).
HEADERS_FILE = "headers.csv"

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
                f"{self._limit // (1024 * 1024)} Mo : ce n'est pas l'export attendu",
                hint="vérifiez l'URL dans geodata/sources.toml",
            )
        self.sha.update(chunk)
        return self._fh.write(chunk)

    def flush(self) -> None:
        self._fh.flush()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes 0600 files; data files are shared
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
        The data folder (default: :func:`planner.settings.data_dir`).
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


def render_fetch(report: dict[str, Any]) -> str:
    """Render a fetch report as French text."""
    lines = [f"Dossier de données : {report['data_dir']}"]
    if not report["layers"]:
        lines.append("Aucune couche à télécharger.")
    for r in report["layers"]:
        if r["status"] == SKIPPED:
            lines.append(f"- {r['layer']} : {SKIPPED} — {r['message']}")
            continue
        lines.append(
            f"- {r['layer']} : {r['status']} → {r['file']} "
            f"({_format_bytes(r['size'])}, sha256 {r['sha256'][:12]}…)"
        )
    downloaded = [r for r in report["layers"] if r["status"] != SKIPPED]
    if downloaded:
        lines.append(
            f"Journal des téléchargements : {Path(report['data_dir']) / report['manifest']}"
        )
    return "\n".join(lines)


def _format_bytes(size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} ko".replace(".", ",")
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


# -------------------------------------------------------------------------- status

_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def sniff_delimiter(line: str) -> str:
    """Return the most frequent of ``;``, ``,``, tab and ``|`` outside quoted fields.

    Parameters
    ----------
    line
        The first line of a CSV file.

    Returns
    -------
    str
        The delimiter; ``,`` when none occurs.
    """
    bare = _QUOTED.sub("", line)
    counts = {sep: bare.count(sep) for sep in (";", ",", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def count_csv_records(path: Path, delimiter: str | None = None) -> int:
    """Count the non-empty records of a CSV file (header included).

    Quoted fields spanning several lines count once. Any encoding is accepted:
    the file is read as Latin-1, which never fails and keeps every ASCII delimiter,
    quote and line break where it is.

    Parameters
    ----------
    path
        The CSV file.
    delimiter
        The field separator; sniffed from the first line when ``None``.

    Returns
    -------
    int
        The number of records, header included.
    """
    with open(path, encoding="latin-1", newline="") as fh:
        if delimiter is None:
            delimiter = sniff_delimiter(fh.readline())
            fh.seek(0)
        return sum(1 for row in csv.reader(fh, delimiter=delimiter) if row)


def _json_rows(data: Any) -> int | None:
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):
        for key in ("features", "data", "results", "records", "items"):
            if isinstance(data.get(key), list):
                return len(data[key])
    return None


def count_rows(path: Path) -> int | None:
    """Count the data rows of one source file, cheaply and without the loaders.

    Parameters
    ----------
    path
        A file of the data folder.

    Returns
    -------
    int or None
        CSV: records minus the header row (no header is subtracted when a
        ``headers.csv`` sits next to the file, as for the IFN exports); JSON/GeoJSON:
        the length of the list (or of its ``features``/``data`` list); XLSX: rows of the
        first sheet minus the header; ``None`` for other files (road graphs...).

    Raises
    ------
    DataError
        When a JSON file is not valid JSON.
    """
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        records = count_csv_records(path)
        headerless = (path.parent / HEADERS_FILE).is_file()
        return records if headerless else max(records - 1, 0)
    if suffix in (".json", ".geojson"):
        try:
            with open(path, "rb") as fh:
                return _json_rows(json.load(fh))
        except ValueError as exc:
            raise DataError(
                f"JSON invalide ({exc})", file=path, hint="téléchargez à nouveau le fichier"
            ) from exc
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            sheet = book.worksheets[0]
            return max((sheet.max_row or 0) - 1, 0)
        finally:
            book.close()
    return None


def layer_files(layer: catalog.Layer, root: Path | None = None) -> list[Path]:
    """Return the data files of ``layer`` (its ``headers.csv`` column lists excluded)."""
    return [p for p in layer.files(root) if p.name != HEADERS_FILE]


def status(root: Path | None = None) -> list[LayerStatus]:
    """Return the state of every layer of the manifest in the data folder.

    Parameters
    ----------
    root
        The data folder (default: :func:`planner.settings.data_dir`).

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
        files = layer_files(lay, root)
        total: int | None = None
        unreadable: list[str] = []
        for path in files:
            try:
                rows = count_rows(path)
            except (DataError, OSError, csv.Error) as exc:
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


def _format_int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}".replace(",", " ")


def render_status(report: dict[str, Any]) -> str:
    """Render a status report as a French text table."""
    headers = ("Couche", "Fichier(s)", "Lignes", "Millésime", "Source", "Licence")
    table: list[tuple[str, ...]] = []
    for name, s in report["layers"].items():
        files = s["files"]
        if not files:
            shown = f"absent ({s['pattern']})"
        elif len(files) == 1:
            shown = files[0]
        else:
            shown = f"{len(files)} fichiers ({s['pattern']})"
        vintage = s["vintage"]
        if s["fetched"]:
            vintage = f"téléchargé le {str(s['fetched'].get('date', ''))[:10]}"
        rows = _format_int(s["rows"]) if files else "—"
        if s["unreadable"]:
            rows += f" ({len(s['unreadable'])} illisible(s))"
        table.append((name, shown, rows, vintage, s["source"], s["licence"]))
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    right = {2}

    def fmt(row: tuple[str, ...]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))
        ]
        return "  ".join(cells).rstrip()

    lines = [
        f"Dossier de données : {report['data_dir']}",
        fmt(headers),
        fmt(tuple("-" * w for w in widths)),
    ]
    lines += [fmt(r) for r in table]
    absent = report["absent"]
    lines.append(
        f"{report['found']} couche(s) présente(s) sur {len(report['layers'])}"
        + (f" ; absentes : {', '.join(absent)}" if absent else "")
    )
    return "\n".join(lines)

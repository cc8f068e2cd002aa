"""The source manifest (``geodata/sources.toml``): where each layer's file lies,
its source, licence, attribution, vintage and download URL.

A layer's files are looked for in the folders of :func:`planner.config.data_dirs`, in
order: the data folder, then the demo bundle (when it applies); the first folder
holding files of the layer wins, and :meth:`Layer.folder` says which one it is. A
layer of ``*.csv`` files also takes them gzip-compressed (``2A.csv.gz``, read
decompressed by :mod:`planner.data.read`).
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from planner.config import BUNDLE_MANIFEST, bundle_dir, data_dir, data_dirs
from planner.data.cache import memo
from planner.data.sniff import GZIP_SUFFIX, is_gzip_name
from planner.errors import DataError

#: The manifest shipped with the project (override with ``PLANNER_SOURCES``).
MANIFEST = Path(__file__).resolve().parents[2] / "geodata" / "sources.toml"


#: File listing the column names of header-less CSV files (IFN exports), next to them.
HEADERS_FILE = "headers.csv"
#: A layer whose pattern ends with this suffix also takes ``<pattern>.gz`` files.
CSV_SUFFIX = ".csv"
#: File, in the data folder, recording every download of ``planner data fetch``.
FETCH_MANIFEST = "fetched.json"
#: Files that describe a layer's files rather than hold data.
_SIDECARS = frozenset({HEADERS_FILE, FETCH_MANIFEST, BUNDLE_MANIFEST, "LICENCE.md"})


@dataclass(frozen=True)
class Layer:
    """One entry of the source manifest."""

    name: str
    title: str
    path: str
    source: str
    licence: str
    attribution: str
    vintage: str
    url: str | None = None
    fetch_name: str | None = None
    #: French steps to get the layer where no stable download exists (or in addition).
    how: str | None = None
    #: For a zip download: the member to extract (saved at ``fetch_name``).
    archive_member: str | None = None
    #: Other members of the same archive, each saved at its path (optional: a member the
    #: archive lacks is skipped), as ``(member, path)`` pairs.
    archive_extra: tuple[tuple[str, str], ...] = ()
    #: Expected sha256 of the download (a pinned file), checked by ``planner data fetch``.
    sha256: str | None = None
    #: Columns the loader needs (checked on a download before it replaces anything).
    columns: tuple[str, ...] = ()
    #: ``national`` (one file for France) or ``departement`` (one file per département).
    scope: str = "national"

    def remedy(self) -> str:
        """Return what will actually get this layer (French): a fetch command, or how."""
        if self.url and self.fetch_name:
            return (f"téléchargez-la : planner data fetch --layers {self.name} "
                    "(ou « Télécharger les données de ce territoire » dans l'application)")
        if self.how:
            return self.how
        return "placez le fichier de l'export officiel dans le dossier de données (PLANNER_DATA_DIR)"

    def files(self, root: Path | None = None) -> list[Path]:
        """Return the files of this layer, sorted by name.

        Parameters
        ----------
        root
            A folder to look in (only that one); default: the first folder of
            :func:`planner.config.data_dirs` (data folder, then bundle) that holds
            files of this layer.
        """
        if root is not None:
            return _glob(root, self.path)
        for folder in data_dirs():
            found = _glob(folder, self.path)
            if found:
                return found
        return []

    def folder(self, root: Path | None = None) -> Path | None:
        """Return the folder this layer's files are read from (see :meth:`files`), or None."""
        if root is not None:
            return root if _glob(root, self.path) else None
        return next((f for f in data_dirs() if _glob(f, self.path)), None)

    def empty_in_bundle(self) -> bool:
        """Whether the bundle in use covers this layer but holds no row of it (no La Poste
        absent, say, but no lieu de médiation in Corsica): not a missing layer.

        True when the layer has no file in the data folder, and the bundle's manifest
        lists it as read from the official export but with no file written (every row
        of the export lies elsewhere).
        """
        if self.files(data_dir()):
            return False
        manifest = bundle_manifest()
        entry = (manifest or {}).get("layers", {}).get(self.name)
        return (isinstance(entry, dict) and bool(entry.get("source_files"))
                and not entry.get("files") and not entry.get("skipped"))

    def from_bundle(self) -> bool:
        """Whether this layer is read from the demo bundle (absent from the data folder)."""
        bundle = bundle_dir()
        folder = self.folder()
        return bundle is not None and folder is not None and folder == bundle and folder != data_dir()

    def file(self, root: Path | None = None) -> Path:
        """Return the newest file of this layer (last by name), or raise a French error."""
        files = self.files(root)
        if not files:
            root = root or data_dir()
            raise DataError(
                f"aucun fichier pour la couche « {self.title} » dans {root}",
                hint=self.remedy(),
            )
        return files[-1]


def _glob(root: Path, pattern: str) -> list[Path]:
    """The files of ``root`` matching ``pattern``; a ``*.csv`` pattern also takes
    gzip-compressed ``*.csv.gz`` files (the demo bundle writes its largest CSVs so),
    a plain ``x.csv`` winning over an ``x.csv.gz`` beside it."""
    found = {p for p in root.glob(pattern)}
    if pattern.lower().endswith(CSV_SUFFIX):
        found |= {p for p in root.glob(pattern + GZIP_SUFFIX)
                  if p.with_suffix("") not in found}
    return sorted(
        p for p in found
        if p.is_file() and not p.name.startswith(".") and p.name not in _SIDECARS
    )


def file_stem(path: str | Path) -> str:
    """A layer file's name without its suffix nor ``.gz`` (``2A.csv.gz`` → ``2A``): the
    département of a per-département file."""
    path = Path(path)
    return (path.with_suffix("") if is_gzip_name(path) else path).stem


def bundle_manifest(folder: Path | None = None) -> dict | None:
    """Return the ``manifest.json`` of a bundle (default: the bundle in use — the fallback
    one, or the data folder itself when it is a bundle), or None."""
    folder = folder if folder is not None else (bundle_dir() or data_dir())
    if folder is None or not (folder / BUNDLE_MANIFEST).is_file():
        return None
    try:
        data = json.loads((folder / BUNDLE_MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _fields(fields: dict) -> dict:
    """TOML lists (``columns``, ``archive_extra``) as tuples: a Layer is frozen."""
    def frozen(value: object) -> object:
        return tuple(frozen(v) for v in value) if isinstance(value, list) else value

    return {k: frozen(v) for k, v in fields.items()}


@memo(lambda path: [path])
def _manifest(path: str) -> dict[str, Layer]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return {
        name: Layer(name=name, **_fields(fields)) for name, fields in data["layers"].items()
    }


def layers() -> dict[str, Layer]:
    """Return every layer of the manifest, by name."""
    return _manifest(os.environ.get("PLANNER_SOURCES", str(MANIFEST)))


def layer(name: str) -> Layer:
    """Return one layer of the manifest."""
    try:
        return layers()[name]
    except KeyError:
        raise DataError(f"couche inconnue : « {name} »", hint=f"couches : {', '.join(layers())}") from None

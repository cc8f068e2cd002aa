"""The source manifest (``geodata/sources.toml``): where each layer's file lies,
its source, licence, attribution, vintage and download URL."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from planner.config import data_dir
from planner.data.cache import memo
from planner.errors import DataError

#: The manifest shipped with the project (override with ``PLANNER_SOURCES``).
MANIFEST = Path(__file__).resolve().parents[2] / "geodata" / "sources.toml"


#: File listing the column names of header-less CSV files (IFN exports), next to them.
HEADERS_FILE = "headers.csv"
#: File, in the data folder, recording every download of ``planner data fetch``.
FETCH_MANIFEST = "fetched.json"
#: Files that describe a layer's files rather than hold data.
_SIDECARS = frozenset({HEADERS_FILE, FETCH_MANIFEST})


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

    def files(self, root: Path | None = None) -> list[Path]:
        """Return the files of this layer in the data folder, sorted by name."""
        root = root or data_dir()
        return sorted(
            p for p in root.glob(self.path)
            if p.is_file() and not p.name.startswith(".") and p.name not in _SIDECARS
        )

    def file(self, root: Path | None = None) -> Path:
        """Return the newest file of this layer (last by name), or raise a French error."""
        files = self.files(root)
        if not files:
            root = root or data_dir()
            raise DataError(
                f"aucun fichier pour la couche « {self.title} » ({self.path}) dans {root}",
                hint="réglez PLANNER_DATA_DIR sur le dossier des exports officiels "
                "ou lancez « planner data fetch »",
            )
        return files[-1]


@memo(lambda path: [path])
def _manifest(path: str) -> dict[str, Layer]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return {name: Layer(name=name, **fields) for name, fields in data["layers"].items()}


def layers() -> dict[str, Layer]:
    """Return every layer of the manifest, by name."""
    return _manifest(os.environ.get("PLANNER_SOURCES", str(MANIFEST)))


def layer(name: str) -> Layer:
    """Return one layer of the manifest."""
    try:
        return layers()[name]
    except KeyError:
        raise DataError(f"couche inconnue : « {name} »", hint=f"couches : {', '.join(layers())}") from None

"""Open a downloaded export: the member of a zip archive, and the columns of its header.

INSEE publishes its files as zip archives holding the CSV (and its metadata):
:func:`extract_member` takes the one the layer needs out of the archive (name matched
ignoring case, in any folder of the archive), capped in size, refusing what is not a
zip. :func:`check_columns` checks that a CSV's header holds the columns its loader
reads (ignoring case and accents), before the file replaces anything.
"""

from __future__ import annotations

import shutil
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from planner import fr
from planner.errors import DataError

#: Bytes of a file read to find its header line.
_HEAD_BYTES = 1 << 16


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().strip('"').lstrip("\ufeff#"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def extract_member(archive: Path, member: str, out: Path, *, url: str, max_bytes: int) -> None:
    """Write the ``member`` of the zip ``archive`` to ``out``.

    Raises
    ------
    DataError
        ``archive`` is not a zip (the server sent something else), the member is not in
        it (the message lists what is), or it is larger than ``max_bytes``.
    """
    if not zipfile.is_zipfile(archive):
        raise DataError(
            f"le fichier reçu de {url} n'est pas une archive zip",
            hint="l'adresse renvoie peut-être une page web : vérifiez « url » dans geodata/sources.toml",
        )
    with zipfile.ZipFile(archive) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        wanted = member.lower()
        found = [i for i in infos if PurePosixPath(i.filename).name.lower() == wanted]
        if not found:
            listed = ", ".join(PurePosixPath(i.filename).name for i in infos[:10]) or "aucun fichier"
            raise DataError(
                f"l'archive téléchargée de {url} ne contient pas « {member} » (elle contient : {listed})",
                hint="l'INSEE a peut-être renommé le fichier : corrigez « archive_member » dans "
                "geodata/sources.toml",
            )
        info = found[0]
        if info.file_size > max_bytes:
            raise DataError(
                f"« {member} » dans l'archive de {url} dépasse {fr.size(max_bytes)} : "
                "ce n'est pas l'export attendu",
                hint="vérifiez l'adresse (« url ») dans geodata/sources.toml",
            )
        try:
            with zf.open(info) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            out.unlink(missing_ok=True)
            raise DataError(
                f"l'archive téléchargée de {url} est abîmée (« {member} » illisible)",
                hint="relancez le téléchargement",
            ) from exc


def header_names(path: Path) -> list[str]:
    """Return the column names of a CSV's first line (separator ``;``, ``,`` or tab).

    Raises
    ------
    DataError
        The file is binary (an XLSX or zip, NUL bytes) or has no header line.
    """
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    if head.startswith(b"PK"):
        raise DataError("c'est un classeur Excel ou une archive zip, pas un fichier CSV", file=path)
    if b"\x00" in head:
        raise DataError("c'est un fichier binaire, pas un fichier CSV", file=path)
    text = head.decode("utf-8", errors="replace") if head else ""
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        raise DataError("le fichier est vide", file=path)
    sep = max(";,\t", key=first.count)
    return [_plain(n) for n in first.split(sep)]


def check_columns(path: Path, columns: Iterable[str]) -> None:
    """Raise a French :class:`DataError` unless the CSV ``path`` has every one of ``columns``."""
    names = set(header_names(path))
    missing = [c for c in columns if _plain(c) not in names]
    if missing:
        raise DataError(
            f"colonnes absentes : {', '.join(missing)} (l'édition publiée n'est pas celle que lit "
            "le planificateur)",
            file=path,
        )

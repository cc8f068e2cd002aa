"""What a file really is, whatever its name: text, or a binary, compressed or
spreadsheet file renamed ``.csv``/``.json`` (told by its first bytes); and the
control characters stripped from text before it is parsed.

A file named ``*.gz`` (``2A.csv.gz``) is gzip-compressed text: the reader
(:func:`planner.data.read.read_bytes`, :func:`gunzip`) decompresses it and these checks see the
decompressed bytes; :func:`table_suffix` gives its format (``.csv``).

Every text file of the data folder (and every uploaded CSV or JSON file) is read
through :func:`planner.data.read.read_text`, which calls :func:`check_text_bytes`, so
that a workbook saved under the wrong name is refused with what to do, never parsed as
garbage (« séparateur non reconnu » with raw bytes in the message).
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

from planner import fr
from planner.config import MAX_FILE_BYTES
from planner.data.lines import AGAIN
from planner.errors import DataError

#: Leading bytes of the non-text formats users rename by mistake -> (what it is, what to do).
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x1f\x8b", "ce fichier est compressé (gzip)", "décompressez-le (gunzip, 7-Zip) puis déposez le fichier obtenu"),
    (b"BZh", "ce fichier est compressé (bzip2)", "décompressez-le (bunzip2, 7-Zip) puis déposez le fichier obtenu"),
    (b"\xfd7zXZ\x00", "ce fichier est compressé (xz)", "décompressez-le (unxz, 7-Zip) puis déposez le fichier obtenu"),
    (b"7z\xbc\xaf\x27\x1c", "ce fichier est une archive 7-Zip", "extrayez-en le fichier de données"),
    (b"Rar!", "ce fichier est une archive RAR", "extrayez-en le fichier de données"),
    (b"%PDF", "ce fichier est un document PDF", "déposez l'export CSV ou JSON d'origine"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ce fichier est un classeur Excel 97-2003 (.xls)",
     "ouvrez-le et enregistrez-le en CSV ou en .xlsx"),
    (b"PAR1", "ce fichier est un fichier Parquet", "exportez-le en CSV"),
    (b"SQLite format 3\x00", "ce fichier est une base SQLite (GeoPackage ?)",
     "déposez-le avec l'extension .gpkg, ou exportez-le en CSV"),
)
_ZIP = b"PK\x03\x04"
#: Suffix of a gzip-compressed text file (``communes.csv.gz``), read decompressed.
GZIP_SUFFIX = ".gz"
#: Control characters removed from text (tab, line feed and carriage return kept; C1
#: controls come from Windows-1252 text decoded as Latin-1).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Text with more control characters than this share (of its first 64 KiB) is binary.
_BINARY_SHARE = 0.01
_SAMPLE = 65_536


def _zip_kind(data: bytes, suffix: str) -> tuple[str, str]:
    head = data[:_SAMPLE]
    if b"xl/" in head or (b"[Content_Types].xml" in head and b"word/" not in head):
        return (f"ce fichier est un classeur Excel renommé en {suffix}",
                "enregistrez-le en CSV ou déposez le .xlsx")
    if b"application/vnd.oasis.opendocument.spreadsheet" in head:
        return (f"ce fichier est un classeur OpenDocument (.ods) renommé en {suffix}",
                "enregistrez-le en CSV ou en .xlsx")
    if b"word/" in head:
        return "ce fichier est un document Word", "déposez l'export CSV ou JSON d'origine"
    return "ce fichier est une archive ZIP", "extrayez-en le fichier de données puis déposez-le"


def check_text_bytes(data: bytes, path: str | Path) -> None:
    """Refuse bytes that are not text: a known binary format, or too many control characters.

    Parameters
    ----------
    data
        The file's bytes (UTF-16 text, told by its BOM, is accepted).
    path
        The file, for the message.

    Raises
    ------
    DataError
        « ce fichier est un classeur Excel renommé en .csv : enregistrez-le en CSV ou
        déposez le .xlsx », and the like; « fichier binaire » for anything else that is
        not text. The message never shows the raw bytes.
    """
    path = Path(path)
    suffix = table_suffix(path) or "(sans extension)"
    found: tuple[str, str] | None = None
    if data.startswith(_ZIP):
        found = _zip_kind(data, suffix)
    else:
        found = next(((what, todo) for magic, what, todo in MAGIC if data.startswith(magic)), None)
    if found is None and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        sample = data[:_SAMPLE]
        controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 32)))
        if b"\x00" in sample or controls > _BINARY_SHARE * len(sample):
            found = ("ce fichier n'est pas un fichier texte (contenu binaire)",
                     "vérifiez qu'il s'agit bien de l'export attendu (CSV ou JSON)")
    if found is not None:
        what, todo = found
        raise DataError(f"{what} : {todo}", file=path)


def gunzip(path: Path) -> bytes:
    """Return the decompressed bytes of a gzip file (``x.csv.gz``).

    Raises
    ------
    DataError
        Naming the file, when it is not valid gzip, is cut before its end, decompresses
        to nothing or to more than ``MAX_FILE_BYTES``.
    """
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        if isinstance(exc, EOFError):
            raise DataError("fichier compressé (gzip) tronqué : il s'arrête avant la fin "
                            "des données", file=path, hint=AGAIN) from None
        raise DataError("fichier compressé (gzip) illisible : ce n'est pas un fichier gzip "
                        "valide", file=path,
                        hint=f"{AGAIN}, ou retirez l'extension .gz s'il n'est pas compressé"
                        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise DataError(
            f"fichier trop volumineux une fois décompressé (plus de {fr.size(MAX_FILE_BYTES)}) : "
            "ce n'est pas un des exports attendus",
            file=path, hint="vérifiez qu'il s'agit du bon fichier, ou découpez-le par département",
        )
    if not data:
        raise DataError("fichier vide (une fois décompressé)", file=path, hint=AGAIN)
    return data


def is_gzip_name(path: str | Path) -> bool:
    """Whether a file is named as gzip-compressed text (``x.csv.gz``: read decompressed)."""
    return Path(path).name.lower().endswith(GZIP_SUFFIX)


def table_suffix(path: str | Path) -> str:
    """Return a file's format suffix, lower case, its ``.gz`` left out (``x.CSV.gz`` → ``.csv``)."""
    path = Path(path)
    if is_gzip_name(path):
        path = path.with_suffix("")
    return path.suffix.lower()


def strip_controls(text: str) -> tuple[str, int]:
    """Remove control characters (tab, line breaks kept) from text.

    Returns
    -------
    The cleaned text and the number of characters removed.
    """
    cleaned, count = _CONTROLS.subn("", text)
    return cleaned, count

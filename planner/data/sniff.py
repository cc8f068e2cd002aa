"""What a file really is, whatever its name: text, or a binary, compressed or
spreadsheet file renamed ``.csv``/``.json`` (told by its first bytes); and the
control characters stripped from text before it is parsed.

Every text file of the data folder (and every uploaded CSV or JSON file) is read
through :func:`planner.data.read.read_text`, which calls :func:`check_text_bytes`, so
that a workbook saved under the wrong name is refused with what to do, never parsed as
garbage (« séparateur non reconnu » with raw bytes in the message).
"""

from __future__ import annotations

import re
from pathlib import Path

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
    suffix = path.suffix.lower() or "(sans extension)"
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


def strip_controls(text: str) -> tuple[str, int]:
    """Remove control characters (tab, line breaks kept) from text.

    Returns
    -------
    The cleaned text and the number of characters removed.
    """
    cleaned, count = _CONTROLS.subn("", text)
    return cleaned, count

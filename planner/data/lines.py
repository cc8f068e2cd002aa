"""Parsing CSV text into records, and the checks of a file cut in the middle or whose
lines have the wrong number of fields (used by :mod:`planner.data.read`).

Every record carries the line of the file where it starts (1-based), so that each
reported row names the line a text editor shows. Messages are French; the csv module's
English text is never shown.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from planner import fr
from planner.config import MAX_REJECTED_SHARE
from planner.errors import DataError

SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
_SEPARATOR_NAMES = SEPARATOR_NAMES
AGAIN = "téléchargez à nouveau le fichier"


def parse_csv(text: str, sep: str, path: Path) -> tuple[list[list[str]], list[int], bool]:
    """Parse CSV text into records and their first lines, telling whether it ends in a quote.

    Returns
    -------
    The non-blank records, the line where each starts, and whether the text ends
    inside a quoted field (a quote never closed: the last record holds the rest).
    """
    rows: list[list[str]] = []
    lines: list[int] = []
    open_quote = False
    for strict in (True, False):
        rows, lines = [], []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=strict)
        start = 1
        try:
            for record in reader:
                if record:
                    rows.append(record)
                    lines.append(start)
                start = reader.line_num + 1
            return rows, lines, open_quote
        except csv.Error as exc:
            message = str(exc)
            if strict and "unexpected end of data" in message:
                open_quote = True  # parsed again leniently: the last record holds the rest
                continue
            if strict and "expected after" in message:
                continue  # a stray quote inside a field (``"2"x``): read it as the text it is
            raise DataError(
                "fichier illisible : "
                + ("champ démesuré (plus de 131 072 caractères), sans doute un guillemet "
                   "jamais refermé" if "field larger" in message
                   else "guillemets mal placés"),
                file=path, row=start,
                hint="vérifiez les guillemets de cette ligne, ou téléchargez à nouveau le fichier",
            ) from None
    return rows, lines, open_quote


def check_complete(records: Any, width: int, open_quote: bool) -> None:
    """Refuse a file cut in the middle, naming the line where it ends.

    A file is cut when a quote opened on its last record is never closed, or when its
    last record has fewer fields than the others (``width``).
    """
    if not records.rows:
        return
    line, last = records.lines[-1], records.rows[-1]
    if open_quote:
        raise DataError(
            f"fichier tronqué : le guillemet ouvert ligne {line} n'est jamais refermé, "
            "le fichier s'arrête au milieu de cette ligne",
            file=records.path, row=line, hint=AGAIN,
        )
    if len(last) < width:
        raise DataError(
            f"fichier tronqué : il s'arrête ligne {line}, au milieu d'une ligne "
            f"({len(last)} champs sur {width})",
            file=records.path, row=line, hint=AGAIN,
        )


def check_widths(records: Any, width: int) -> None:
    """Refuse a file most of whose records do not have ``width`` fields."""
    lengths = np.fromiter((len(r) for r in records.rows), dtype=np.int64, count=len(records.rows))
    bad = lengths != width
    if not len(lengths) or bad.sum() <= MAX_REJECTED_SHARE * len(lengths):
        return
    values, counts = np.unique(lengths[bad], return_counts=True)
    common = int(values[np.argmax(counts)])
    first = records.lines[int(np.flatnonzero(bad)[0])]
    sep = _SEPARATOR_NAMES.get(records.sep, records.sep)
    cause = (f"une seule colonne lue : le séparateur n'est pas « {records.sep} »" if common == 1
             else f"une valeur contient le séparateur ({sep}) sans être entre guillemets"
             + (f" (colonne « {records.header[-1]} » ?)" if records.header else "")
             if common > width else "des champs manquent à chaque ligne")
    raise DataError(
        f"{fr.integer(int(bad.sum()))} lignes sur {fr.integer(len(lengths))} n'ont pas "
        f"{width} champs (le plus souvent {common}, dès la ligne {first}) : {cause}",
        file=records.path, row=first,
        hint="réexportez le fichier avec des guillemets autour des valeurs, ou avec le "
        "point-virgule comme séparateur",
    )

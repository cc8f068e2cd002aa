"""File-level verdicts on a loaded site file: a file is refused, not loaded quietly, when

- it loses more than ``MAX_REJECTED_SHARE`` of its rows (the reasons most often given
  are named, with the first line of each);
- its key column (INSEE code, else postcode) is systematically inconsistent with the
  coordinates: more than ``MAX_SUSPECT_KEY_SHARE`` of the codes name a commune farther
  than ``SUSPECT_DISTANCE_KM`` from the point (postcodes in the INSEE column, for
  instance: 7,505 of 9,427 La Poste points so checked lie more than 20 km away).

Both are judged on files of at least ``MIN_ROWS_FOR_SHARES`` rows.
:func:`planner.data.assign.finish_sites` calls :func:`check_site_file` on every file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from planner import config, fr
from planner.data.schema import LoadReport
from planner.errors import DataError

_VALUES = re.compile(r"\([^)]*\)|«[^»]*»|\d[\d ,.]*")


def accounting(report: LoadReport) -> dict[str, int]:
    """Return a report's row accounting: ``rows`` = ``loaded`` + ``rejected``.

    ``rejected`` is ``rows - loaded``: every row not loaded has at least one rejected
    issue in the report (checked by the tests, file by file).
    """
    return {"rows": report.rows_read, "loaded": report.rows_kept,
            "rejected": max(report.rows_read - report.rows_kept, 0)}


def _top_reasons(report: LoadReport, n: int = 3) -> str:
    """The reasons of the rejected rows most often given, with their count and first line."""
    kinds: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], int] = {}
    for issue in report.rejected:
        key = (issue.column, _VALUES.sub("…", issue.reason).strip())
        kinds[key] += 1
        first.setdefault(key, issue.row)
    parts = []
    for (column, reason), count in kinds.most_common(n):
        where = f"colonne « {column} », " if column and column != "*" else ""
        parts.append(f"{fr.integer(count)} × « {reason} » ({where}dès la ligne {first[(column, reason)]})")
    return " ; ".join(parts)


def check_site_file(report: LoadReport, key_check: Mapping[str, Any] | None) -> None:
    """Refuse a site file that lost most of its rows or whose key column contradicts its points.

    Parameters
    ----------
    report
        The file's load report (``rows_read``, ``rows_kept`` and issues set).
    key_check
        What :func:`planner.data.assign.assign_communes` measured: ``column`` (the
        file's key column), ``checked`` (rows with a known code and a point), ``far``
        (of which naming a commune beyond ``SUSPECT_DISTANCE_KM``) and
        ``same_as_postcode`` (rows whose INSEE code equals their postcode).

    Raises
    ------
    DataError
        With a French file-level message naming the file, the column and what to do.
    """
    if key_check and key_check.get("checked", 0) >= config.MIN_ROWS_FOR_SHARES:
        checked, far = int(key_check["checked"]), int(key_check["far"])
        if far > config.MAX_SUSPECT_KEY_SHARE * checked:
            column = key_check.get("column") or "code"
            postcodes = key_check.get("same_as_postcode", 0) > 0.5 * report.rows_read
            raise DataError(
                f"la colonne contredit les coordonnées : {fr.integer(far)} codes sur "
                f"{fr.integer(checked)} ({fr.percent(far / checked)}) désignent une commune à plus "
                f"de {config.SUSPECT_DISTANCE_KM:g} km du point"
                + (" ; elle contient les codes postaux, pas les codes INSEE" if postcodes else ""),
                file=report.file, column=column,
                hint="vérifiez que cette colonne contient bien le code INSEE de la commune "
                "(et non le code postal), ou retirez-la : la commune sera déduite des coordonnées",
            )
    rows, lost = report.rows_read, report.rows_read - report.rows_kept
    if rows >= config.MIN_ROWS_FOR_SHARES and lost > config.MAX_REJECTED_SHARE * rows:
        raise DataError(
            f"{fr.integer(lost)} lignes sur {fr.integer(rows)} écartées ({fr.percent(lost / rows)}) : "
            f"{_top_reasons(report)}",
            file=report.file,
            hint="vérifiez que le fichier est l'export attendu (colonnes, séparateur, "
            "coordonnées en degrés décimaux) ; le rapport de chargement liste chaque ligne",
        )

"""French text for numbers, shares, durations, clock times, dates, sizes and plurals.

The one owner of every French format: tables, charts, KPIs, the CLI and the exports
all call these functions, whatever the user's locale.

- thousands are separated by a narrow no-break space (U+202F), decimals by a comma;
- a unit or ``%`` follows its number after a no-break space (U+00A0);
- durations read ``45 min``, ``1 h``, ``1 h 05``; clock times ``09:05``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

#: Narrow no-break space, between thousands.
THIN = "\u202f"
#: No-break space, between a number and its unit.
NBSP = "\u00a0"
#: What an unknown value reads as.
MISSING = "n.\u00a0d."

DAY_NAMES: tuple[str, ...] = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTH_NAMES: tuple[str, ...] = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)
_VOWEL_START = re.compile(r"^[aeiouyàâäéèêëîïôöùûüœæh]", re.IGNORECASE)
_H_ASPIRE = re.compile(r"^h", re.IGNORECASE)


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, digits: int = 0, *, missing: str = MISSING) -> str:
    """Return ``12 345,6`` (narrow no-break spaces between thousands, decimal comma).

    Parameters
    ----------
    value
        The number; ``None``, NaN or infinite give ``missing``.
    digits
        Decimals kept (rounded as Python's formatting does: the nearest value of the
        binary float, ties to even, so ``2.5`` gives ``2``).
    missing
        Text for an unknown value.
    """
    if not _finite(value):
        return missing
    text = f"{float(value):,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text.replace(",", THIN).replace(".", ",")


def integer(value: Any, *, missing: str = MISSING) -> str:
    """Return ``8 626`` for an integer count."""
    return number(value, 0, missing=missing)


def percent(share: Any, digits: int = 1, *, missing: str = MISSING) -> str:
    """Return ``85,7 %`` for a share in [0, 1]."""
    if not _finite(share):
        return missing
    return f"{number(100 * float(share), digits)}{NBSP}%"


def with_unit(value: Any, unit: str, digits: int = 0, *, missing: str = MISSING) -> str:
    """Return ``10,9 km``, ``8 626 hab.``: a number, a no-break space and its unit."""
    if not _finite(value):
        return missing
    return f"{number(value, digits)}{NBSP}{unit}"


def km(value: Any, digits: int = 1, *, missing: str = "—") -> str:
    """Return ``10,9 km`` (« — » when unknown)."""
    return with_unit(value, "km", digits, missing=missing)


def duration(minutes: Any, *, missing: str = "—") -> str:
    """Return ``45 min``, ``1 h``, ``1 h 05`` or ``12 h 30`` for a duration in minutes."""
    if not _finite(minutes):
        return missing
    total = round(float(minutes))
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 60)
    if hours == 0:
        return f"{sign}{rest}{NBSP}min"
    return f"{sign}{hours}{NBSP}h" if rest == 0 else f"{sign}{hours}{NBSP}h{NBSP}{rest:02d}"


def hours(value: Any, digits: int = 1, *, missing: str = MISSING) -> str:
    """Return ``17,5 h`` for a number of hours (a volume, not a duration text)."""
    return with_unit(value, "h", digits, missing=missing)


def clock(minutes: Any, *, step: int = 1) -> str:
    """Return ``09:05`` for minutes since midnight, rounded to ``step`` minutes."""
    total = int(round(float(minutes) / step) * step)
    return f"{total // 60:02d}:{total % 60:02d}"


def date(day: dt.date, *, weekday: bool = True) -> str:
    """Return ``lundi 6 janvier 2025`` (``1er`` for the first day of a month)."""
    num = "1er" if day.day == 1 else str(day.day)
    text = f"{num} {MONTH_NAMES[day.month - 1]} {day.year}"
    return f"{DAY_NAMES[day.weekday()]} {text}" if weekday else text


def size(n_bytes: int | None) -> str:
    """Return ``200 Mio`` or ``12,5 kio`` for a size in bytes (binary units)."""
    if n_bytes is None:
        return "—"
    for unit, scale in (("Gio", 1 << 30), ("Mio", 1 << 20), ("kio", 1 << 10)):
        if n_bytes >= scale:
            value = n_bytes / scale
            return with_unit(value, unit, 0 if value >= 100 or value.is_integer() else 1)
    return with_unit(n_bytes, "o")


def plural(count: Any, singular: str, plural_form: str | None = None, *, digits: int = 0) -> str:
    """Return ``1 commune``, ``0 commune``, ``2 communes`` (French: singular below 2)."""
    word = singular if _finite(count) and abs(float(count)) < 2 else (plural_form or singular + "s")
    return f"{number(count, digits)} {word}"


def of(name: str) -> str:
    """Return the French « de » before a place name: ``d'Ajaccio``, ``du Havre``, ``de Bastia``."""
    name = name.strip()
    low = name.lower()
    if low.startswith("le "):
        return "du " + name[3:]
    if low.startswith(("les ", "aux ")):
        return "des " + name[4:]
    first = unicodedata.normalize("NFC", name[:1])
    if first and _VOWEL_START.match(first) and not _H_ASPIRE.match(first):
        return "d'" + name
    return "de " + name


def decimal(value: Any, max_digits: int = 3, *, missing: str = MISSING) -> str:
    """Return ``0,609``, ``0,5`` or ``2``: at most ``max_digits`` decimals, trailing zeros dropped."""
    text = number(value, max_digits, missing=missing)
    if not _finite(value) or "," not in text:
        return text
    return text.rstrip("0").rstrip(",")


_ISO_MONTH = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?:-(\d{2}))?(?![\d-])")


def vintage(text: Any, *, missing: str = "—") -> str:
    """Return a vintage or date text with its ISO dates in French.

    ``2024-08`` → ``août 2024``, ``2024-08-01`` → ``1er août 2024``; any other text
    (``2020``, ``2022-2023``, ``COG 2023``) is kept as it is.
    """
    if text is None or (isinstance(text, float) and not math.isfinite(text)) or str(text).strip() == "":
        return missing
    if isinstance(text, dt.date):
        return date(text, weekday=False)

    def _french(match: re.Match[str]) -> str:
        year, month, day = int(match[1]), int(match[2]), match[3]
        if not 1 <= month <= 12:
            return match[0]
        if day is None:
            return f"{MONTH_NAMES[month - 1]} {year}"
        try:
            return date(dt.date(year, month, int(day)), weekday=False)
        except ValueError:
            return match[0]

    return _ISO_MONTH.sub(_french, str(text))


#: Number and time locale of charts (Vega / Vega-Lite ``config.locale``, d3 format): the
#: same separators as :func:`number` and :func:`percent`, French day and month names,
#: whatever the browser's language.
CHART_LOCALE: dict[str, Any] = {
    "number": {"decimal": ",", "thousands": THIN, "grouping": [3], "currency": ["", f"{NBSP}€"],
               "percent": f"{NBSP}%", "minus": "\u2212", "nan": MISSING},
    "time": {
        "dateTime": "%A %e %B %Y à %X", "date": "%d/%m/%Y", "time": "%H:%M:%S", "periods": ["", ""],
        "days": [DAY_NAMES[6], *DAY_NAMES[:6]],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": list(MONTH_NAMES),
        "shortMonths": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                        "nov.", "déc."],
    },
}

"""Escaping by context: one function per place a text from data can land.

Names of places, addresses, advisors and sources come from files anyone can edit (a La
Poste export, an uploaded CSV). Each output context has its own rules, so each has one
function here, and every renderer of :mod:`planner.outputs` and the app calls it:

- :func:`html_text`: HTML element content (``<td>…</td>``, a tooltip's HTML);
- :func:`html_attr`: a quoted HTML attribute value (``title="…"``, ``aria-label="…"``);
- :func:`js_string`: a JavaScript string literal, safe inside ``<script>`` (JSON with
  ``<``, ``>``, ``&``, U+2028 and U+2029 escaped);
- :func:`template_html`: HTML placed in a JavaScript *template literal*, as folium does
  for Marker, PolyLine and GeoJson tooltips (``bindTooltip(`…`)``): backticks, ``$`` and
  backslashes become HTML entities, so ``${alert(1)}`` neither ends the literal nor runs;
- :func:`markdown_text`: Streamlit markdown (``st.markdown``, captions, messages): the
  characters that start emphasis, links, code, HTML, LaTeX (``$``), emoji or colour
  directives (``:``) are backslash-escaped;
- :func:`neutralize`: a spreadsheet cell (CSV, XLSX): a leading ``=``, ``+``, ``-``,
  ``@``, tab or carriage return is quoted (OWASP « CSV injection »).

Missing values (``None``, NaN) read as an empty text in every HTML and JS context.
"""

from __future__ import annotations

import json
import math
from typing import Any

from markupsafe import escape as _markup_escape

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_JS_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_TEMPLATE_UNSAFE = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}
_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>$~|:#")


def _text(value: Any) -> str:
    """``value`` as text; ``None`` and NaN as an empty text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def html_text(value: Any) -> str:
    """Return ``value`` escaped for HTML element content.

    Parameters
    ----------
    value
        Any value; ``None`` and NaN give ``""``.

    Returns
    -------
    str
        The text with ``&``, ``<``, ``>``, ``"`` and ``'`` as character references.
    """
    return str(_markup_escape(_text(value)))


def html_attr(value: Any) -> str:
    """Return ``value`` escaped for a double- or single-quoted HTML attribute value.

    Besides :func:`html_text`'s characters, backticks and line breaks become character
    references, so the value cannot close the attribute nor span lines.
    """
    text = html_text(value)
    return text.replace("`", "&#96;").replace("\n", "&#10;").replace("\r", "&#13;")


def js_string(value: Any) -> str:
    """Return ``value`` as a JavaScript string literal (quotes included), safe in ``<script>``.

    The text is JSON-encoded, then ``<``, ``>``, ``&``, U+2028 and U+2029 are written as
    ``\\uXXXX`` escapes: ``</script>`` or ``<!--`` cannot end or change the script block,
    and the line separators cannot end the literal in older engines.
    """
    encoded = json.dumps(_text(value), ensure_ascii=False)
    return "".join(_JS_UNSAFE.get(ch, ch) for ch in encoded)


def template_html(value: Any) -> str:
    """Return ``value`` escaped as HTML that a JavaScript template literal carries.

    folium writes tooltip texts between backticks (```…```), where ``${…}`` runs and a
    backtick ends the literal. The text is HTML-escaped (:func:`html_text`), then each
    backtick, ``$`` and backslash becomes an HTML character reference: the browser shows
    them as typed, and the literal holds none of them.
    """
    return "".join(_TEMPLATE_UNSAFE.get(ch, ch) for ch in html_text(value))


def markdown_text(value: Any) -> str:
    """Return ``value`` escaped for Streamlit markdown: shown as typed, never as markup.

    Each of ``\\ ` * _ [ ] < > $ ~ | : #`` gets a backslash (CommonMark escapes), so a
    name cannot open emphasis, a link, inline HTML, LaTeX (``$…$``) or a Streamlit
    directive (``:red[…]``, ``:material/…:``).
    """
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in _text(value))


def neutralize(value: Any) -> Any:
    """Return ``value`` made safe for a spreadsheet cell.

    A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
    prefixed with a single quote so that no spreadsheet evaluates it as a formula (OWASP
    "CSV injection"); anything else is returned unchanged.

    Parameters
    ----------
    value
        A cell value.

    Returns
    -------
    Any
        The value, quoted if it was a dangerous text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value

"""Escaping by context (planner.outputs.escape): MADE-UP hostile texts, one test per context."""

from __future__ import annotations

import html
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.outputs.escape import (
    FORMULA_PREFIXES,
    html_attr,
    html_text,
    js_string,
    markdown_text,
    neutralize,
    template_html,
)

#: Made-up hostile names, as a La Poste export or an uploaded file could hold them.
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "${alert(1)}",
    "`;alert(1);`",
    "Mairie d'Ota \"centre\"",
    "</script><script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "a\\`${alert(1)}",
    "ligne\u2028suivante\u2029fin",
]


def test_html_text_made_up_examples() -> None:
    assert html_text('<img src=x onerror="alert(1)">') == "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"
    assert html_text("L'Île & co") == "L&#39;Île &amp; co"
    assert html_text(None) == "" and html_text(float("nan")) == ""
    assert html_text(12) == "12"


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_reads_back_as_typed_and_holds_no_markup(text: str) -> None:
    out = html_text(text)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    assert html.unescape(out) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_html_attr_cannot_close_the_attribute(text: str) -> None:
    out = html_attr(text)
    assert not re.search(r"[\"'<>`\n]", out)
    assert html.unescape(out) == text


def test_html_attr_made_up_example() -> None:
    assert html_attr('a"b`c\nd') == "a&#34;b&#96;c&#10;d"


@pytest.mark.parametrize("text", HOSTILE)
def test_js_string_is_json_and_cannot_end_the_script_block(text: str) -> None:
    out = js_string(text)
    assert json.loads(out) == text
    assert out.startswith('"') and out.endswith('"')
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in out


def test_js_string_made_up_example() -> None:
    assert js_string("</script>") == '"\\u003c/script\\u003e"'
    assert js_string(None) == '""'


@pytest.mark.parametrize("text", HOSTILE)
def test_template_html_cannot_interpolate_nor_end_a_template_literal(text: str) -> None:
    out = template_html(text)
    assert "`" not in out and "$" not in out and "\\" not in out and "<" not in out
    assert html.unescape(out) == text  # the browser shows the name as typed


def test_template_html_made_up_example() -> None:
    assert template_html("${alert(1)}") == "&#36;{alert(1)}"
    assert template_html("a`b\\c") == "a&#96;b&#92;c"


# --------------------------------------------------------------------------- spreadsheets


@given(st.text())
def test_neutralize_property(text: str) -> None:
    out = neutralize(text)
    assert not out.startswith(FORMULA_PREFIXES)
    assert neutralize(out) == out
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        assert out == "'" + text
    else:
        assert out == text


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), st.dates()))
def test_neutralize_leaves_non_text(value: object) -> None:
    assert neutralize(value) == value


def test_neutralize_made_up_examples() -> None:
    assert neutralize('=HYPERLINK("x")') == "'=HYPERLINK(\"x\")"
    assert neutralize("-2") == "'-2" and neutralize("Mairie") == "Mairie"
    assert neutralize(-2) == -2


# --------------------------------------------------------------------------- markdown


def test_markdown_text_made_up_examples() -> None:
    assert markdown_text("**gras** $x$ :red[rouge] [lien](http://x)") == (
        "\\*\\*gras\\*\\* \\$x\\$ \\:red\\[rouge\\] \\[lien\\](http\\://x)"
    )
    assert markdown_text("mauvais.csv") == "mauvais.csv"
    assert markdown_text(None) == ""


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_leaves_no_unescaped_special(text: str) -> None:
    out = markdown_text(text)
    assert re.sub(r"\\.", "", out).translate(str.maketrans("", "", "\\`*_[]<>$~|:#")) == re.sub(
        r"\\.", "", out
    )

"""French numbers and no English chrome, in a real browser set to English (``en-US``).

Streamlit formats tables after the browser's locale (« 296,132 », « 88.41% ») unless the
app gives the text; Vega-Lite axes read « 20,000 » or « 3.5k » without a French locale.
The app is run as ``make run`` runs it (the repository's ``.streamlit/config.toml``), and
an init script records every text the page draws on a canvas (the tables are canvases),
so what a person reads is checked, not the data behind it.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.app._server import chromium, new_tab, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

#: Records the texts drawn on canvases (glide-data-grid tables) in ``window.__drawn``.
RECORD_CANVAS = """
window.__drawn = [];
const fill = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  window.__drawn.push(String(text));
  return fill.call(this, text, ...rest);
};
window.__status = false;  // whether Streamlit's « Running… » widget ever showed
new MutationObserver(() => {
  if (!window.__status && document.querySelector('[data-testid="stStatusWidget"]')) window.__status = true;
}).observe(document, {subtree: true, childList: true});
"""
#: What an English number format looks like: « 296,132 », « 88.41% », « 3.5k », « 20.0 ».
ENGLISH_NUMBER = re.compile(r"\d,\d{3}(?!\d)|\d\.\d+\s?%|\d%|^\d+(\.\d+)?[kMG]$|^\d{1,3}\.\d{1,2}$")
#: Streamlit's English chrome.
ENGLISH_CHROME = ("Deploy", "Choose options", "Choose an option", "Page not found", "Press Enter to",
                  "Rerun", "Clear caches", "Made with Streamlit")


@pytest.fixture(scope="module")
def english(server):
    """One chromium tab whose language is English (the browser a French user may have)."""
    with chromium() as browser:
        context, page = new_tab(browser, server, locale="en-US", init_script=RECORD_CANVAS)
        yield page
        context.close()


def _open(page, url: str, title: str) -> None:
    page.goto(url)
    page.wait_for_selector(f'h1:has-text("{title}")', timeout=240_000)
    settle(page)


def _drawn(page) -> list[str]:
    """Texts drawn on canvases since the page was loaded (stripped, non-empty)."""
    return [t.strip() for t in page.evaluate("() => window.__drawn || []") if t.strip()]


def _wait_drawn(page, wanted: str, timeout_s: float = 60) -> list[str]:
    """Scroll every table into view until a drawn text contains ``wanted``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for table in page.query_selector_all('[data-testid="stDataFrame"]'):
            if table.is_visible():
                table.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        drawn = _drawn(page)
        if any(wanted in t for t in drawn):
            return drawn
    raise AssertionError(f"« {wanted} » n'est dessiné dans aucun tableau : {_drawn(page)[:80]}")


def _axis_labels(page) -> list[str]:
    return [t.strip() for t in page.eval_on_selector_all(
        '[data-testid="stVegaLiteChart"] svg text', "ts => ts.map(t => t.textContent)") if t.strip()]


def _english(texts: list[str]) -> list[str]:
    return [t for t in texts if ENGLISH_NUMBER.search(t)]


def _no_english_chrome(page) -> None:
    body = page.text_content("body") or ""
    assert [w for w in ENGLISH_CHROME if w in body] == []
    placeholders = page.eval_on_selector_all("input[placeholder]", "is => is.map(i => i.placeholder)")
    assert [p for p in placeholders if p.startswith("Choose")] == []
    assert not page.query_selector('[data-testid="stMainMenu"]')  # no English developer menu
    assert not page.query_selector('[data-testid="stAppDeployButton"]')
    assert not page.query_selector('[data-testid="stException"]')


def test_couverture_by_its_own_path_french_numbers(english, server) -> None:
    _open(english, f"{server}/couverture", "Couverture de l'aide au numérique")
    assert english.evaluate("() => window.__status") is False  # no English « Running… » while it loads
    metrics = english.eval_on_selector_all('[data-testid="stMetricValue"]', "ms => ms.map(m => m.textContent)")
    assert metrics and all(re.fullmatch(r"\d{1,3}(\u202f\d{3})*", m.strip()) for m in metrics), metrics
    deltas = english.eval_on_selector_all('[data-testid="stMetricDelta"]', "ms => ms.map(m => m.textContent)")
    assert any(re.search(r"\d+,\d\u00a0% de la population", d) for d in deltas), deltas
    drawn = _wait_drawn(english, "\u00a0%")
    # the networks table: France Services' share and population in French
    assert any(re.fullmatch(r"\d{2},\d\u00a0%", t) for t in drawn), drawn[:60]
    assert any(re.fullmatch(r"\d{3}\u202f\d{3}", t) for t in drawn), drawn[:60]
    assert _english(drawn) == []
    axis = _axis_labels(english)
    assert "20\u202f000" in axis, axis  # no « 20,000 », no « 20k »
    assert _english(axis) == []
    _no_english_chrome(english)
    # an emptied picker shows a French placeholder
    networks = english.locator('[data-testid="stMultiSelect"]', has_text="Réseaux comptés comme aide")
    networks.get_by_role("button", name="Clear all").click()  # its aria label is Streamlit's own
    settle(english)
    assert networks.locator("input").get_attribute("placeholder") == "Choisissez des réseaux"
    _no_english_chrome(english)
    assert not english.errors, english.errors


@pytest.mark.parametrize(("path", "title", "wanted"), [
    ("zones", "Zones mal desservies", "\u202f"),
    ("donnees", "Données", "\u202f"),
])
def test_tables_are_french_in_an_english_browser(english, server, path: str, title: str, wanted: str) -> None:
    _open(english, f"{server}/{path}", title)
    drawn = _wait_drawn(english, wanted)
    assert _english(drawn) == [], _english(drawn)
    metrics = english.eval_on_selector_all('[data-testid="stMetricValue"]', "ms => ms.map(m => m.textContent)")
    assert _english(metrics) == []
    if path == "donnees":  # vintages in French, not ISO
        assert any(re.fullmatch(r"(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
                                r"novembre|décembre) \d{4}", t) for t in drawn), drawn[:80]
        # the file uploader: Streamlit's « Upload » and « 200MB per file » hidden, French drawn instead
        shown = english.evaluate("""() => {
          const zone = document.querySelector('[data-testid="stFileUploaderDropzone"]');
          const p = zone.querySelector('button p'), span = zone.querySelector(
            '[data-testid="stFileUploaderDropzoneInstructions"] span');
          return [getComputedStyle(p).fontSize, getComputedStyle(p, '::after').content,
                  getComputedStyle(span).fontSize, getComputedStyle(span, '::after').content];
        }""")
        assert shown[0] == shown[2] == "0px", shown
        assert shown[1] == '"Parcourir…"' and shown[3].startswith('"Jusqu\'à 200 Mo par fichier : CSV'), shown
    _no_english_chrome(english)
    assert not english.errors, english.errors


def test_modes_chart_and_table_are_french(english, server) -> None:
    _open(english, f"{server}/modes", "Modes d'intervention")
    english.get_by_role("button", name="Comparer les modes").click()
    english.wait_for_selector('[data-testid="stVegaLiteChart"] svg text', timeout=300_000)
    settle(english)
    axis = _axis_labels(english)
    assert axis and _english(axis) == [], axis
    assert not [t for t in axis if re.search(r"\d[kM]$", t)], axis  # no SI suffix
    drawn = _wait_drawn(english, ",")  # decimal commas (the table is wider than the screen)
    assert any(re.fullmatch(r"\d+,\d", t) for t in drawn), drawn[:80]
    assert _english(drawn) == [], _english(drawn)
    _no_english_chrome(english)
    assert not english.errors, english.errors

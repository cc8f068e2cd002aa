"""The app's layout in a real browser, on a laptop (1366×768) and on a phone (390×844).

What a person sees on arrival at the Couverture page: the map high enough that at least
450 px of it lie inside a 1366×768 window without scrolling, key-figure labels not cut
(``scrollWidth`` ≤ ``clientWidth``), captions dark enough (contrast ≥ 4.5:1), and on a
phone the sidebar collapsed so it does not cover the map.
"""

from __future__ import annotations

import time

import pytest

from tests.app._server import MAP_IFRAME, chromium, new_tab, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as launched:
        yield launched


def _open(browser, server: str, width: int, height: int, *, mobile: bool = False):
    context, page = new_tab(browser, server, size=(width, height), is_mobile=mobile, has_touch=mobile)
    page.goto(server)
    page.wait_for_selector(MAP_IFRAME, timeout=240_000)
    settle(page)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the iframe takes its final height once the map is drawn
        box = page.locator(MAP_IFRAME).first.bounding_box()
        if box and box["height"] > 300:
            break
        page.wait_for_timeout(250)
    return context, page


def _visible_height(page) -> float:
    """Pixels of the map iframe inside the window, at the top of the page (no scrolling)."""
    return page.eval_on_selector(
        MAP_IFRAME, "f => { const r = f.getBoundingClientRect();"
                    " return Math.max(0, Math.min(r.bottom, window.innerHeight) - Math.max(r.top, 0)); }")


def _sidebar_open(page) -> bool:
    """Whether the sidebar shows on screen (collapsed, it is slid off to the left)."""
    box = page.locator('[data-testid="stSidebar"]').bounding_box()
    return bool(box and box["width"] > 100 and box["x"] + box["width"] > 100)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[int, int, int]:
    parts = css[css.index("(") + 1:css.index(")")].split(",")
    return tuple(int(float(p)) for p in parts[:3])  # type: ignore[return-value]


def test_laptop_shows_the_map_high_and_key_figures_whole(browser, server) -> None:
    context, page = _open(browser, server, 1366, 768)
    try:
        visible = _visible_height(page)
        assert visible >= 450, f"seulement {visible:.0f} px de carte visibles à 1366×768"
        labels = page.eval_on_selector_all(
            '[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div, [data-testid="stMetricDelta"] div',
            "els => els.map(e => [e.textContent.trim(), e.scrollWidth, e.clientWidth])")
        assert labels, "aucun indicateur affiché"
        cut = [text for text, scroll, client in labels if client and scroll > client]
        assert not cut, f"libellés coupés : {cut}"
        # captions against the white page: at least 4.5:1
        colour = page.eval_on_selector('[data-testid="stMain"] [data-testid="stCaptionContainer"] p',
                                  "e => getComputedStyle(e).color")
        contrast = (1.05) / (_luminance(_rgb(colour)) + 0.05)
        assert contrast >= 4.5, f"légende {colour} : contraste {contrast:.1f}:1"
        # the sidebar is open on a computer
        assert _sidebar_open(page)
    finally:
        context.close()


def test_phone_collapses_the_sidebar_off_the_map(browser, server) -> None:
    context, page = _open(browser, server, 390, 844, mobile=True)
    try:
        assert not _sidebar_open(page)
        page.locator(MAP_IFRAME).first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        box = page.locator(MAP_IFRAME).first.bounding_box()
        assert box and box["width"] >= 340, box
        # what lies over the middle of the map is the map itself, not the sidebar
        hit = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y); return e ? e.tagName : null; }",
            [box["x"] + box["width"] / 2, box["y"] + min(box["height"], 844 - box["y"]) / 2])
        assert hit == "IFRAME", hit
    finally:
        context.close()

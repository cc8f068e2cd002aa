"""Shared setup of the real-browser tests: ``streamlit run app.py`` on 127.0.0.1 and chromium.

:func:`app_server` starts the app on a free port of the loopback interface, with the
repository's ``.streamlit/config.toml`` (plus any ``extra`` command-line settings), and
stops it afterwards; :func:`offline_routes` answers every request to another host
locally (Leaflet from ``django-js-lib-leaflet``, other scripts and styles empty, tiles a
grey PNG), so the tests run without internet.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def grey_tile(size: int = 256, grey: int = 0xEE) -> bytes:
    """A plain light-grey PNG map tile."""
    raw = b"".join(b"\x00" + bytes([grey] * 3 * size) for _ in range(size))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


TILE = grey_tile()

#: The frame of a map in the app's page (``st.iframe`` of the map's HTML).
MAP_IFRAME = 'iframe[data-testid="stIFrame"]'


def map_frames(page) -> list:
    """The frames of the page other than the page itself (the maps), detached ones left out."""
    return [f for f in page.frames if f != page.main_frame and not f.is_detached()]


def requirements() -> None:
    """Skip (or fail under CI=true) when the browser or Playwright is missing."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} absent (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("paquet playwright absent (pip install -e '.[dev]')")
    if problems:
        message = "test navigateur impossible : " + " ; ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    """A free TCP port of 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def app_server(data_dir: Path, log: Path, *, extra: Sequence[str] = (),
               env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` reading ``data_dir``; yield its URL, stop it on exit.

    Parameters
    ----------
    data_dir
        ``PLANNER_DATA_DIR`` of the app.
    log
        File receiving the server's output (shown when it does not start).
    extra
        More ``--section.option value`` settings (the repository's config.toml applies).
    env
        More environment variables.
    """
    requirements()
    port = free_port()
    environment = dict(os.environ, PLANNER_DATA_DIR=str(data_dir), **(env or {}))
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), *extra]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"le serveur Streamlit n'a pas démarré :\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def offline_routes(server: str) -> Callable[[Any], Any]:
    """A Playwright route handler answering every other host's request locally."""
    try:
        import js_lib_leaflet
        leaflet: Path | None = Path(js_lib_leaflet.__file__).parent / "static" / "js_lib_leaflet"
    except ImportError:
        leaflet = None

    def route(request_route: Any) -> Any:
        url = request_route.request.url
        if url.startswith(server):
            return request_route.continue_()
        name = url.split("?")[0].rsplit("/", 1)[-1]
        if leaflet is not None and name in ("leaflet.js", "leaflet.css"):
            kind = "application/javascript" if name.endswith(".js") else "text/css"
            return request_route.fulfill(path=str(leaflet / name), content_type=kind)
        if name.endswith(".png"):
            return request_route.fulfill(body=TILE, content_type="image/png")
        if name.endswith(".js"):
            return request_route.fulfill(body="", content_type="application/javascript")
        if name.endswith(".css"):
            return request_route.fulfill(body="", content_type="text/css")
        return request_route.fulfill(status=404, body="")

    return route


def settle(page: Any, timeout_ms: int = 240_000) -> None:
    """Wait until Streamlit has finished running the script (the app root's script state is
    « notRunning »; no status widget, no spinner: with ``toolbarMode = "minimal"`` the
    « Running… » widget is not drawn at all), and the browser has drawn what it got."""
    page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                           "?.getAttribute('data-test-script-state') === 'notRunning' && "
                           "!document.querySelector('[data-testid=\"stStatusWidget\"], "
                           "[data-testid=\"stSpinner\"]')", timeout=timeout_ms)
    page.wait_for_timeout(800)


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian chromium driven by Playwright; closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_tab(browser: Any, server: str, *, locale: str = "fr-FR", size: tuple[int, int] = (1440, 1000),
            timeout_ms: int = 240_000, init_script: str | None = None, **context: Any) -> tuple[Any, Any]:
    """A new browser context and its tab (a new Streamlit session): other hosts answered
    locally (:func:`offline_routes`), page errors collected in ``page.errors``.

    ``context``: further ``new_context`` options (``accept_downloads``, ``is_mobile``...).
    Returns ``(context, page)``; close the context when done.
    """
    ctx = browser.new_context(locale=locale, viewport={"width": size[0], "height": size[1]}, **context)
    if init_script:
        ctx.add_init_script(init_script)
    page = ctx.new_page()
    page.set_default_timeout(timeout_ms)
    page.route("**/*", offline_routes(server))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return ctx, page

"""Benchmark: how long a person waits for each page of the app, in a real browser.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (as the browser tests do),
then drives headless Debian chromium with Playwright:

1. first visit after the start (caches empty, apart from what the server warms itself):
   time until the Couverture map is drawn;
2. new sessions on the warm server, per page (median of ``--runs``): time until the page's
   map (Couverture, Zones, Fiche) or its title (other pages) is shown, in two browsers:
   a browser that never saw the app (a new browser context: no HTTP cache, Streamlit's
   own scripts fetched and compiled again) and a browser that did (a new tab of the same
   context: a new Streamlit session, Streamlit's scripts from the browser's cache).

Prints the figures and their ratio to the baseline of issue 13 (2.4 s warm, 17 s first
visit); asserts nothing. Requests are not intercepted (interception slows every request);
the browser resolves no host but 127.0.0.1, and the requests to other hosts are counted.
With ``--floor``, the same two measures of bare Streamlit pages (a title alone; a title
and the Couverture map's own HTML page in an ``st.iframe``): what no app code can go under.
Run: ``PLANNER_DATA_DIR=... python bench/app.py [--runs 3] [--floor]``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
#: Issue 13's measures before the work: warm new session, first visit after a start (s).
BASELINE_WARM_S, BASELINE_FIRST_S = 2.4, 17.0
#: Page path → whether it shows a map on arrival, and its title.
PAGES = {
    "couverture": (True, "Couverture"), "zones": (True, "Zones mal desservies"),
    "itinerance": (False, "Itinérance"), "modes": (False, "Modes d'intervention"),
    "fiche": (True, "Fiche territoire"), "donnees": (False, "Données"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(log: Path, script: str = "app.py", folder: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """``streamlit run <script>`` on 127.0.0.1; returns the process and its URL once healthy."""
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=folder, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read()
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit(f"le serveur Streamlit n'a pas démarré :\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


#: Bare Streamlit pages for the floor (``--floor``): a title alone, a title and the
#: Couverture map's own HTML page (taken from the app's frame) in an ``st.iframe``.
_FLOOR_PAGES = {
    "title": 'import streamlit as st\nst.title("Couverture")\n',
    "map": ('import streamlit as st\nfrom pathlib import Path\nst.title("Couverture")\n'
            'st.iframe((Path(__file__).parent / "map.html").read_text(encoding="utf-8"), height=620)\n'),
}


def _floor(browser, map_html: str, runs: int) -> None:
    """Time the bare pages of :data:`_FLOOR_PAGES` as the app's pages are timed, and print them."""
    folder = Path(tempfile.mkdtemp(prefix="bench-app-floor-"))
    (folder / "map.html").write_text(map_html, encoding="utf-8")
    for name, code in _FLOOR_PAGES.items():
        (folder / f"{name}.py").write_text(code, encoding="utf-8")
        process, url = _start(folder / f"{name}.log", f"{name}.py", folder)
        try:
            wait = _map_shown if name == "map" else (lambda page: page.wait_for_selector("h1", timeout=300_000))
            returning = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 768})
            _timed(browser, url, wait, returning)
            fresh = [_timed(browser, url, wait) for _ in range(runs)]
            again = [_timed(browser, url, wait, returning) for _ in range(runs)]
            returning.close()
        finally:
            _stop(process)
        what = "titre seul" if name == "title" else "titre et la même carte"
        print(_line(f"Plancher Streamlit ({what}), navigateur neuf", fresh))
        print(_line(f"Plancher Streamlit ({what}), navigateur déjà venu", again))


def _map_shown(page, timeout_s: float = 300) -> None:
    """Wait until a frame of the page holds a drawn Leaflet map."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame.is_detached() or frame == page.main_frame:
                continue
            try:
                if frame.query_selector(".leaflet-container .leaflet-pane"):
                    return
            except Exception:  # the iframe remounts while the script reruns
                continue
        page.wait_for_timeout(20)
    raise SystemExit("la carte ne s'est pas affichée")


def _visit(browser, server: str, path: str, context=None, elsewhere: list | None = None) -> float:
    """Seconds from opening ``path`` in a new session until its map (or title) is shown."""
    has_map, title = PAGES[path]
    wait = _map_shown if has_map else (lambda page: page.wait_for_selector(f"h1:has-text(\"{title}\")",
                                                                             timeout=300_000))
    return _timed(browser, f"{server}/{path}", wait, context, elsewhere, server)


def _timed(browser, url: str, wait, context=None, elsewhere: list | None = None, server: str = "") -> float:
    """Seconds from opening ``url`` in a new session until ``wait(page)`` returns.

    ``context``: a browser context that already loaded the app (a new tab of it), else a
    new context (a browser that never saw the app); requests leaving ``server`` go to ``elsewhere``.
    """
    own = context is None
    context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 768}) if own else context
    page = context.new_page()
    if elsewhere is not None:
        page.on("request", _noting(server, elsewhere))
    started = time.perf_counter()
    page.goto(url)
    wait(page)
    elapsed = time.perf_counter() - started
    page.close()
    if own:
        context.close()
    return elapsed


def _noting(server: str, elsewhere: list):
    """A request listener appending to ``elsewhere`` the URLs that leave the app's server."""
    def note(request) -> None:
        if not request.url.startswith((server, "data:", "blob:", "about:")):
            elsewhere.append(request.url)
    return note


def _line(label: str, times: list[float]) -> str:
    return f"{label} : médiane {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})"


def main() -> None:
    """Start the app, time the first visit and warm new sessions per page, print the figures."""
    parser = argparse.ArgumentParser(description="Temps d'affichage des pages de l'application (navigateur).")
    parser.add_argument("--runs", type=int, default=3, help="sessions chronométrées par page (médiane)")
    parser.add_argument("--floor", action="store_true",
                        help="mesurer aussi des pages Streamlit nues (titre seul ; titre et la carte Couverture)")
    options = parser.parse_args()
    runs = options.runs
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.mkdtemp(prefix="bench-app-")) / "server.log"
    started = time.perf_counter()
    process, server = _start(log)
    up = time.perf_counter() - started
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            elsewhere: list[str] = []
            first = _visit(browser, server, "couverture", elsewhere=elsewhere)
            print(f"Serveur prêt en {up:.1f} s ; première visite (Couverture, carte affichée) : {first:.2f} s "
                  f"(référence {BASELINE_FIRST_S:.0f} s, rapport {first / BASELINE_FIRST_S:.2f} ; cible ≤ 10 s)")
            returning = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 768})
            for path in PAGES:
                _visit(browser, server, path, returning)  # the page's own caches (first time it is shown)
                fresh = [_visit(browser, server, path, elsewhere=elsewhere) for _ in range(runs)]
                again = [_visit(browser, server, path, returning, elsewhere) for _ in range(runs)]
                what = "carte" if PAGES[path][0] else "titre"
                print(_line(f"{PAGES[path][1]:<22} nouvelle session ({what}), navigateur neuf", fresh), flush=True)
                line = _line(f"{PAGES[path][1]:<22} nouvelle session ({what}), navigateur déjà venu", again)
                if path == "couverture":
                    line += (f" — référence {BASELINE_WARM_S} s, rapport {statistics.median(again) / BASELINE_WARM_S:.2f}"
                             f" (navigateur neuf : {statistics.median(fresh) / BASELINE_WARM_S:.2f}) ; cible ≤ 1,5 s")
                print(line, flush=True)
            print(f"Requêtes vers un autre hôte : {len(elsewhere)}" + (f" ({elsewhere[:3]})" if elsewhere else ""))
            if options.floor:
                page = returning.new_page()
                page.goto(f"{server}/couverture")
                _map_shown(page)
                map_html = page.eval_on_selector('iframe[data-testid="stIFrame"]', "f => f.srcdoc")
                _floor(browser, map_html, runs)
            returning.close()
            browser.close()
    finally:
        _stop(process)


if __name__ == "__main__":
    main()

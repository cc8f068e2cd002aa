"""A loopback HTTP server (127.0.0.1) answering like the official download endpoints.

It serves the REAL snapshot files (or the demo bundle's extracts of them) at the paths of their official URLs (geodata/sources.toml:
``/data-fair/api/v1/datasets/laposte-poincont2/raw``, ``/fr/datasets/r/<id>``,
``/fr/statistiques/fichier/<id>/<name>.zip``...) and at ``/<fetch_name>`` (the layout
``PLANNER_FETCH_BASE_URL`` uses). A layer whose manifest entry has an ``archive_member``
is served as a zip built on the fly from the real CSV, under that member name, as INSEE
serves its files; the density grid and the AAV, which INSEE publishes as workbooks, are
served as workbooks of the real rows below INSEE-like title rows. Like a real server it sends ``Content-Length``, ``Accept-Ranges`` and
honours ``Range`` (206); per path, tests can make it cut the body in the middle (once),
answer 404, or stall (timeout). Every request is recorded (path, ``Range`` header).
"""

from __future__ import annotations

import csv
import functools
import io
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import openpyxl

from planner.data import catalog

#: The real snapshot file behind each downloadable layer (relative to the snapshot folder).
SNAPSHOT_FILES: dict[str, str] = {
    "la_poste": "laposte/laposte_poincont2_2020.csv",
    "france_services": "france_services/liste-fs-20240801.csv",
    "conseiller_numerique_structures": "mediation/cnfs_structures_2023-04.csv",
    "mediation_numerique": "mediation/lieux_mediation_numerique_charente_2023-07.json",
    "aidants_connect": "aidants_connect/aidants_connect_structures_2024-02.csv",
    "ifn_2023_communes": "indicators/ifn_2023/ifn_communes_2023-08.csv",
    "ifn_2023_epci": "indicators/ifn_2023/ifn_epci_2023-08.csv",
    "activity_departements": "activity/conum_cra_departements_2023-11.json",
    "activity_postcodes": "activity/conum_cra_codes_postaux_2023-07.csv",
    "filosofi": "indicators/filosofi_2016/revenus_communes.csv",
    "densite": "indicators/densite/grille_densite_4niv_detaille_geo2022.csv",
    "comparateur": "indicators/comparateur_2024/communes.csv",
    "aav": "indicators/aav_2020/communes_attr_2023.csv",
}


@dataclass
class Behaviour:
    """How the server answers one path."""

    cut_once: bool = False  # first answer: full Content-Length, half the body, then close
    status: int = 200  # e.g. 404
    stall_s: float = 0.0  # wait this long before answering (timeout tests)
    ignore_range: bool = False


@dataclass
class OfficialServer:
    """The running server: ``base`` URL, ``bodies`` by path, ``behaviours``, ``requests``."""

    base: str
    bodies: dict[str, bytes]
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def url(self, layer: str) -> str:
        """The loopback URL of ``layer`` at its official path."""
        return self.base + urlparse(catalog.layer(layer).url or "").path

    def urls(self, *layers: str) -> dict[str, str]:
        """``{layer: loopback URL}`` for :func:`planner.data.fetch.fetch`."""
        return {name: self.url(name) for name in layers}

    def close(self) -> None:
        """Stop the server."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


#: Layers INSEE publishes as workbooks: the sheet, and the title rows above the codes.
WORKBOOKS: dict[str, tuple[str, list[str]]] = {
    "densite": ("Grille_Densite", ["Grille communale de densité", "Géographie au 01/01/2022", ""]),
    "aav": ("Composition_communale", ["Aires d'attraction des villes 2020",
                                      "Découpage au 01/01/2023", ""]),
}


def _workbook(raw: bytes, sheet: str, title: list[str]) -> bytes:
    """The real CSV rows as an INSEE workbook: title rows, then the codes row and the data
    (a sheet listing something else first, as the AAV workbook does)."""
    book = openpyxl.Workbook(write_only=True)
    book.create_sheet("Documentation").append(["Variables : voir la feuille suivante"])
    out = book.create_sheet(sheet)
    for line in title:
        out.append([line] if line else [])
    for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))):
        out.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@functools.lru_cache(maxsize=32)
def _body(layer: str, path: Path) -> bytes:
    raw = path.read_bytes()
    if layer in WORKBOOKS:
        raw = _workbook(raw, *WORKBOOKS[layer])
    member = catalog.layer(layer).archive_member
    if not member:
        return raw
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"meta_{member}", "COD_VAR;LIB_VAR\n")  # INSEE zips hold metadata too
        zf.writestr(member, raw)
    return buf.getvalue()


def body_of(layer: str, real_data: Path) -> bytes:
    """The bytes an official endpoint serves for ``layer``: the real file, as a workbook
    with INSEE's title rows where INSEE publishes one (:data:`WORKBOOKS`), zipped when the
    manifest names an ``archive_member`` (built on the fly, once per file)."""
    return _body(layer, real_data / SNAPSHOT_FILES[layer])


def start(real_data: Path, layers: list[str] | None = None) -> OfficialServer:
    """Start the server for ``layers`` (default: every layer of :data:`SNAPSHOT_FILES` whose
    file ``real_data`` holds: the national snapshots, or the demo bundle's extracts)."""
    bodies: dict[str, bytes] = {}
    for name in layers or list(SNAPSHOT_FILES):
        if layers is None and not (real_data / SNAPSHOT_FILES[name]).is_file():
            continue  # the demo bundle holds no such file (no lieu de médiation in Corsica)
        lay = catalog.layer(name)
        data = body_of(name, real_data)
        bodies[unquote(urlparse(lay.url or "").path)] = data
        bodies["/" + (lay.fetch_name or "")] = data
    state = OfficialServer(base="", bodies=bodies)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlparse(self.path).path)
            rng = self.headers.get("Range")
            with lock:
                state.requests.append((path, rng))
                behaviour = state.behaviours.get(path, Behaviour())
                cut = behaviour.cut_once
                if cut:
                    state.behaviours[path] = Behaviour(
                        status=behaviour.status, ignore_range=behaviour.ignore_range)
            if behaviour.stall_s:
                time.sleep(behaviour.stall_s)
            body = state.bodies.get(path)
            if body is None or behaviour.status == 404:
                self._send(404, b"<html>introuvable</html>", "text/html")
                return
            start_at = 0
            if rng and rng.startswith("bytes=") and not behaviour.ignore_range:
                start_at = int(rng[6:].split("-")[0])
                if start_at >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            part = body[start_at:]
            self.send_response(206 if start_at else 200)
            if start_at:
                self.send_header("Content-Range", f"bytes {start_at}-{len(body) - 1}/{len(body)}")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(part)))
            self.end_headers()
            if cut:
                self.wfile.write(part[: len(part) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(part)

        def _send(self, code: int, data: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    state._server = server
    return state

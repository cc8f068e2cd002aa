"""A loopback HTTP server (127.0.0.1) acting as the Overpass API, answering with REAL OSM data.

It loads a real OpenStreetMap extract (XML or PBF) with pyosmium and answers the
queries osmnx sends (``POST /api/interpreter``, ``GET /api/status``) like Overpass
does: the ways matching the query's tag filters (``["k"]``, ``["k"!~"re"]``,
``["k"~"re"]``) with at least one node inside its ``(poly:'lat lon ...')``, and their
nodes, as Overpass JSON. Node references absent from the (clipped) extract are left
out of a way, as a server holding the full planet would never have to do.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import osmium
import shapely

_STATUS = (
    "Connected as: 2130706433\nCurrent time: 2024-01-01T00:00:00Z\nAnnounced endpoint: none\n"
    "Rate limit: 2\n2 slots available now.\nCurrently running queries (pid, space limit, time limit, start time):\n"
)
_FILTER = re.compile(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]')
_QUERY = re.compile(r"way((?:\[[^\]]*\])*)\(poly:'([^']*)'\)")


@dataclass
class OsmStore:
    """A real extract in memory: node positions and ways (id, refs, tags)."""

    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    ways: list[tuple[int, list[int], dict[str, str]]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> OsmStore:
        store = cls()
        for obj in osmium.FileProcessor(str(path)):
            if obj.is_node() and obj.location.valid():
                store.nodes[obj.id] = (obj.location.lat, obj.location.lon)
            elif obj.is_way():
                store.ways.append((obj.id, [n.ref for n in obj.nodes], {t.k: t.v for t in obj.tags}))
        return store

    def answer(self, query: str) -> dict:
        """Return the Overpass JSON answer of an osmnx network query."""
        match = _QUERY.search(query)
        if match is None:
            raise ValueError(f"requête non comprise : {query[:200]}")
        filters = _FILTER.findall(match.group(1))
        coords = np.array(match.group(2).split(), float).reshape(-1, 2)
        poly = shapely.Polygon(coords[:, ::-1])
        elements: list[dict] = []
        used: set[int] = set()
        for way_id, refs, tags in self.ways:
            if not all(_passes(tags, key, op, value) for key, op, value in filters):
                continue
            present = [r for r in refs if r in self.nodes]
            if len(present) < 2:
                continue
            lat = np.array([self.nodes[r][0] for r in present])
            lon = np.array([self.nodes[r][1] for r in present])
            if not shapely.contains_xy(poly, lon, lat).any():
                continue
            used.update(present)
            elements.append({"type": "way", "id": way_id, "nodes": present, "tags": tags})
        nodes = [{"type": "node", "id": n, "lat": self.nodes[n][0], "lon": self.nodes[n][1]} for n in sorted(used)]
        return {"version": 0.6, "generator": "loopback", "elements": nodes + elements}


def _passes(tags: dict[str, str], key: str, op: str, value: str) -> bool:
    if not op:
        return key in tags
    found = key in tags and re.search(value, tags[key]) is not None
    return found if op == "~" else not found


@dataclass
class Loopback:
    """The running server: its base URL, the queries received, failures to inject."""

    url: str
    queries: list[str] = field(default_factory=list)
    #: Fail (HTTP 500) the next N interpreter requests after ``fail_after`` successes.
    fail_after: int | None = None
    server: ThreadingHTTPServer | None = None

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def serve(store: OsmStore) -> Loopback:
    """Start the server on 127.0.0.1 (a free port) in a thread; ``close()`` it after use."""
    state = Loopback(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _send(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/api/status"):
                self._send(200, _STATUS.encode(), "text/plain")
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            query = parse_qs(self.rfile.read(length).decode())["data"][0]
            if state.fail_after is not None and len(state.queries) >= state.fail_after:
                self._send(500, b"panne simulee", "text/plain")
                return
            state.queries.append(query)
            self._send(200, json.dumps(store.answer(query)).encode(), "application/json")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.server = server
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    return state


def folder_without_roads(real_data: Path, root: Path) -> Path:
    """A data folder ``root``: the real layers symlinked, ``roads/`` empty and writable."""
    root.mkdir()
    for entry in real_data.iterdir():
        if entry.name != "roads":
            (root / entry.name).symlink_to(entry)
    (root / "roads").mkdir()
    return root

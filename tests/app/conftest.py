"""Fixtures of the app tests."""

from __future__ import annotations

import pytest

from tests.app._server import app_server


@pytest.fixture(scope="module")
def server(corsica_data, tmp_path_factory, request):
    """The app as ``make run`` starts it (``.streamlit/config.toml``), on a free port of
    127.0.0.1, one per test module (a module may define its own ``server`` instead)."""
    log = tmp_path_factory.mktemp(f"streamlit_{request.module.__name__.rsplit('.', 1)[-1]}") / "server.log"
    with app_server(corsica_data, log, extra=["--server.headless", "true"]) as url:
        yield url

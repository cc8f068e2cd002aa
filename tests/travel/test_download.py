"""Downloading roads from OpenStreetMap (planner.travel.download): offline, a fast French error."""

from __future__ import annotations

import socket

import pytest
import shapely

from planner.errors import DataError
from planner.travel.download import download_graph


def test_download_fails_fast_offline_with_a_french_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise OSError("réseau injoignable")

    monkeypatch.setattr(socket, "create_connection", offline)
    polygon = shapely.box(2.0, 46.0, 2.1, 46.1)  # MADE-UP territory
    with pytest.raises(DataError) as err:
        download_graph(polygon)
    text = str(err.value)
    assert "pas d'accès à Internet" in text
    assert "roads/" in text and ".osm.pbf" in text and ".graphml" in text

"""The app's maps in the page: a frame holding the map's own HTML page, rendered once.

:func:`show_map` puts a folium map in an ``st.iframe`` (the self-contained page of
:func:`planner.outputs.maps.offline.standalone_html`: every script and style inline, nothing
asked of another host), rendered once per map object and kept while the map lives (the
pages cache their maps), so a new session only sends it. :func:`map_first` lets the browser
draw a page's map before it receives what follows (tables, charts).
"""

from __future__ import annotations

import copy
import threading
import time
import weakref
from typing import Any

import streamlit as st

from planner.outputs.maps.offline import standalone_html


def show_map(fmap: Any, height: int, title: str = "Carte interactive") -> None:
    """Show a folium map in a frame of the page, without reruns on pan, zoom or layer toggles.

    folium's rendering is not idempotent (each render appends scripts), hence the render
    of a deep copy sharing the layers' data; ``title`` names the frame for screen readers.
    """
    st.iframe(_map_html(fmap), height=height, alt=title)


#: Seconds a page waits, on its first run in a session, between sending its map and its
#: tables: the browser draws the map before it loads the tables' and charts' scripts.
MAP_FIRST_PAUSE_S = 0.8


def map_first(page: str) -> None:
    """On a page's first run in a session, let the browser draw the map before what follows."""
    flag = f"_map_first_{page}"
    if not st.session_state.get(flag):
        st.session_state[flag] = True
        time.sleep(MAP_FIRST_PAUSE_S)


_MAP_HTML: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_MAP_HTML_LOCK = threading.Lock()


def _map_html(fmap: Any) -> str:
    """The self-contained HTML page of a map, rendered once per map object."""
    with _MAP_HTML_LOCK:
        html = _MAP_HTML.get(fmap)
    if html is None:
        html = standalone_html(_fresh_copy(fmap))
        with _MAP_HTML_LOCK:
            _MAP_HTML[fmap] = html
    return html


def _fresh_copy(fmap: Any) -> Any:
    """Deep copy of a folium map sharing its (read-only) GeoJSON and cluster data."""
    memo: dict[int, Any] = {}
    stack = [fmap]
    while stack:
        element = stack.pop()
        for name in ("data", "rows"):
            value = getattr(element, name, None)
            if isinstance(value, (dict, list)):
                memo[id(value)] = value
        stack.extend(getattr(element, "_children", {}).values())
    return copy.deepcopy(fmap, memo)

"""Maps that load nothing from another host: Leaflet and its plugins shipped with the package.

folium points every map at CDNs (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers,
Leaflet.markercluster). Our maps use only Leaflet and Leaflet.markercluster, vendored in
``assets/`` (minified files of Leaflet 1.9.4, BSD-2-Clause, and Leaflet.markercluster 1.5.3,
MIT, with their licences). :func:`offline` replaces the links of every element of a map by
``data:`` URIs of those files and drops the others, so that:

- a saved map (``fmap.save``, :func:`standalone_html`) is one self-contained HTML file;
- the app shows that same page in a frame (``st.iframe``), so its maps ask no other host.

Tiles stay optional: every map is readable without them (commune polygons as the base).
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

import folium
from branca.element import Element
from folium.elements import JSCSSMixin

#: Folder of the vendored scripts and styles.
ASSETS_DIR = Path(__file__).with_name("assets")

#: folium's resource names → the local file, or None: not used by our maps (dropped).
_LOCAL: dict[str, str | None] = {
    "leaflet": "leaflet.js",
    "leaflet_css": "leaflet.css",
    "markerclusterjs": "leaflet.markercluster.js",
    "markerclustercss": "MarkerCluster.css",
    "markerclusterdefaultcss": None,  # our cluster icons are drawn in the network's colour
    "jquery": None,
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}
_MIME = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
_INLINE = re.compile(
    r'<script src="data:text/javascript;base64,([A-Za-z0-9+/=]+)"></script>'
    r'|<link rel="stylesheet" href="data:text/css;base64,([A-Za-z0-9+/=]+)"/>'
)


def _data_uri(payload: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


@functools.cache
def asset_text(name: str) -> str:
    """Return a vendored file as text; Leaflet's CSS gets its images inlined.

    The layer-control icon (``layers.png``) is embedded, so the collapsed control is never
    a blank square; the default marker icon is not used by our maps (no request for it).
    """
    text = (ASSETS_DIR / name).read_text(encoding="utf-8")
    if name == "leaflet.css":
        for image in ("layers.png", "layers-2x.png"):
            uri = _data_uri((ASSETS_DIR / image).read_bytes(), "image/png")
            text = text.replace(f"url(images/{image})", f"url({uri})")
        text = text.replace("url(images/marker-icon.png)", "none")
    return text


@functools.cache
def asset_uri(name: str) -> str:
    """Return a vendored file as a ``data:`` URI (its MIME type from its extension)."""
    return _data_uri(asset_text(name).encode("utf-8"), _MIME[Path(name).suffix])


def _localized(links: list[tuple[str, str]], element: Element) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        if url.startswith("data:"):
            out.append((name, url))
            continue
        if name not in _LOCAL:
            raise ValueError(f"{type(element).__name__} loads {url!r}, which has no local copy in {ASSETS_DIR}")
        local = _LOCAL[name]
        if local is not None:
            out.append((name, asset_uri(local)))
    return out


def offline(fmap: folium.Map) -> folium.Map:
    """Point every element of ``fmap`` at the vendored files (in place; idempotent).

    Raises
    ------
    ValueError
        An element needs a resource that is not vendored (a plugin added without its files).
    """
    stack: list[Element] = [fmap]
    while stack:
        element = stack.pop()
        if isinstance(element, JSCSSMixin):
            element.default_js = _localized(list(element.default_js), element)
            element.default_css = _localized(list(element.default_css), element)
        stack.extend(getattr(element, "_children", {}).values())
    return fmap


def _inline(match: re.Match[str]) -> str:
    script, style = match.group(1), match.group(2)
    if script:
        code = base64.b64decode(script).decode("utf-8")
        return f"<script>{code}</script>" if "</script" not in code.lower() else match.group(0)
    css = base64.b64decode(style).decode("utf-8")
    return f"<style>{css}</style>" if "</style" not in css.lower() else match.group(0)


def standalone_html(fmap: folium.Map) -> str:
    """Return the whole HTML page of a map, every script and style inline (no other file, no host)."""
    offline(fmap)
    return _INLINE.sub(_inline, fmap.get_root().render())

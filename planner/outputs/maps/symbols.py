"""Marker symbols: one filled shape per network, drawn as inline SVG (no icon font, no image).

A network has the same colour everywhere (:data:`planner.data.schema.NETWORKS`) and, on
maps, its own shape, so networks stay apart for colour-blind readers and in black and white.
"""

from __future__ import annotations

import math

from planner.outputs.escape import html_attr

#: Shape of each network's markers (unknown networks: a circle).
NETWORK_SHAPES: dict[str, str] = {
    "la_poste": "square",
    "france_services": "circle",
    "conseiller_numerique": "diamond",
    "mediation_numerique": "triangle",
    "aidants_connect": "triangle_down",
    "croix_rouge": "plus",
    "emmaus_connect": "hexagon",
    "groupe_sos": "pentagon",
    "reconnect": "star",
    "town_hall": "house",
    "custom": "ring",
}
#: Size of site markers on maps (pixels).
MARKER_PX = 16


def _polygon(points: list[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{x:.2f} {y:.2f}" for x, y in points) + "Z"


def _regular(sides: int, radius: float = 7.0, turn: float = -90.0) -> str:
    return _polygon([(8 + radius * math.cos(math.radians(turn + 360 * k / sides)),
                      8 + radius * math.sin(math.radians(turn + 360 * k / sides))) for k in range(sides)])


def _star(outer: float = 7.5, inner: float = 3.2) -> str:
    return _polygon([(8 + (outer if k % 2 == 0 else inner) * math.cos(math.radians(-90 + 36 * k)),
                      8.5 + (outer if k % 2 == 0 else inner) * math.sin(math.radians(-90 + 36 * k)))
                     for k in range(10)])


#: SVG paths of the shapes in a 16×16 box.
SHAPE_PATHS: dict[str, str] = {
    "circle": "M2 8a6 6 0 1 0 12 0a6 6 0 1 0-12 0Z",
    "square": "M2.5 2.5H13.5V13.5H2.5Z",
    "diamond": "M8 1L15 8L8 15L1 8Z",
    "triangle": "M8 1.5L15 14H1Z",
    "triangle_down": "M1 2H15L8 14.5Z",
    "plus": "M5.5 1.5H10.5V5.5H14.5V10.5H10.5V14.5H5.5V10.5H1.5V5.5H5.5Z",
    "hexagon": _regular(6, 7.0, 0.0),
    "pentagon": _regular(5, 7.2),
    "star": _star(),
    "house": "M8 1.5L14.5 7.5H12.5V14.5H3.5V7.5H1.5Z",
    "ring": "M1.5 8a6.5 6.5 0 1 0 13 0a6.5 6.5 0 1 0-13 0ZM5.5 8a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0-5 0Z",
}


def network_shape(network: str) -> str:
    """Return the shape of a network's markers (a circle when unknown)."""
    return NETWORK_SHAPES.get(network, "circle")


def shape_svg(shape: str, colour: str, size: int = MARKER_PX) -> str:
    """Return an inline SVG of ``shape`` filled with ``colour`` (white edge, dark outline)."""
    path = SHAPE_PATHS.get(shape, SHAPE_PATHS["circle"])
    return (
        f'<svg width="{size}" height="{size}" viewBox="0 0 16 16" '
        f'aria-hidden="true" focusable="false" style="overflow:visible;vertical-align:-2px">'
        f'<path d="{path}" fill-rule="evenodd" fill="none" stroke="#1b1b1b" stroke-width="2.6" '
        f'stroke-linejoin="round"/>'
        f'<path d="{path}" fill-rule="evenodd" fill="{html_attr(colour)}" stroke="#ffffff" '
        f'stroke-width="1.2" stroke-linejoin="round"/></svg>'
    )


def text_colour(colour: str) -> str:
    """Return black or white, whichever reads better on ``colour`` (``#rrggbb``)."""
    value = colour.lstrip("#")
    if len(value) != 6:
        return "#ffffff"
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#111111" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"

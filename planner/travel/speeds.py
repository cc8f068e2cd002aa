"""French road speeds: implicit ``maxspeed`` values, speeds by highway class, imputation.

An edge ``travel_time`` (seconds) present in a road file is kept; otherwise
``speed_kph`` comes from ``maxspeed`` (French implicit values in
:data:`FRENCH_IMPLICIT_MAXSPEEDS`) and, where absent, from the highway class
(:data:`FRENCH_HIGHWAY_SPEEDS`) through :func:`osmnx.add_edge_speeds`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

#: French implicit ``maxspeed`` values (km/h), see
#: https://wiki.openstreetmap.org/wiki/Key:maxspeed#France. ``FR:motorway`` is the
#: dry-weather motorway limit (osmnx's own table says 120).
FRENCH_IMPLICIT_MAXSPEEDS: dict[str, float] = {
    "FR:urban": 50.0,
    "FR:rural": 80.0,
    "FR:motorway": 130.0,
    "FR:zone30": 30.0,
    "FR:zone:30": 30.0,
    "FR:zone20": 20.0,
    "FR:zone:20": 20.0,
    "FR:walk": 6.0,
}

#: Speed (km/h) given to an edge with no usable ``maxspeed``, by OSM ``highway`` class.
#: Legal limits in France: 130 motorways, 110 dual carriageways, 80 other roads outside
#: built-up areas (since 2018), 50 in built-up areas. Minor classes get typical
#: free-flow speeds below the limit (bends, villages, narrow lanes). Links (ramps) are
#: slower than their road.
FRENCH_HIGHWAY_SPEEDS: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 70.0,
    "trunk": 110.0,
    "trunk_link": 70.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 70.0,
    "secondary_link": 50.0,
    "tertiary": 60.0,
    "tertiary_link": 40.0,
    "unclassified": 50.0,
    "residential": 30.0,
    "living_street": 20.0,
    "road": 40.0,
    "service": 20.0,
    "busway": 30.0,
}
#: Speed (km/h) for a highway class absent from :data:`FRENCH_HIGHWAY_SPEEDS`.
FALLBACK_SPEED_KPH = 40.0


def speed_tables_repr() -> str:
    """Return the speed tables as text (part of the road cache key: change them, rebuild)."""
    return repr((FRENCH_IMPLICIT_MAXSPEEDS, FRENCH_HIGHWAY_SPEEDS, FALLBACK_SPEED_KPH))


def french_maxspeed(value: Any) -> Any:
    """Translate a French implicit ``maxspeed`` (``FR:urban``...) into km/h, as text.

    Parameters
    ----------
    value
        An OSM ``maxspeed`` value (``"FR:rural"``, ``"70"``...).

    Returns
    -------
    ``"80"`` for ``"FR:rural"`` and the other implicit values; any other value unchanged.
    """
    if isinstance(value, str) and value.strip() in FRENCH_IMPLICIT_MAXSPEEDS:
        return f"{FRENCH_IMPLICIT_MAXSPEEDS[value.strip()]:g}"
    return value


def ensure_travel_times(G: nx.MultiDiGraph) -> tuple[int, int]:
    """Keep the file's ``travel_time`` where present; impute the others (in place).

    Parameters
    ----------
    G
        An osmnx graph (edge ``length`` in metres; ``highway``, ``maxspeed`` tags).

    Returns
    -------
    ``(edges_with_file_times, edges_imputed)``.
    """
    import osmnx as ox  # slow import (1.4 s): only needed when a road file is first read

    missing = [(u, v, k) for u, v, k, t in G.edges(keys=True, data="travel_time") if t is None]
    if not missing:
        return G.number_of_edges(), 0
    H = G.copy()
    for _, _, data in H.edges(data=True):
        # merged ways carry a list of classes in an arbitrary (hash) order; osmnx takes
        # the first: sort it so that the same file always gives the same speeds
        if isinstance(data.get("highway"), list):
            data["highway"] = sorted(data["highway"])
        speed = data.get("maxspeed")
        if isinstance(speed, list):
            data["maxspeed"] = [french_maxspeed(s) for s in speed]
        elif speed is not None:
            data["maxspeed"] = french_maxspeed(speed)
    H = ox.add_edge_speeds(H, hwy_speeds=FRENCH_HIGHWAY_SPEEDS, fallback=FALLBACK_SPEED_KPH)
    H = ox.add_edge_travel_times(H)
    for u, v, k in missing:
        G.edges[u, v, k]["speed_kph"] = H.edges[u, v, k]["speed_kph"]
        G.edges[u, v, k]["travel_time"] = H.edges[u, v, k]["travel_time"]
    return G.number_of_edges() - len(missing), len(missing)

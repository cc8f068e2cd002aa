"""Territorial-coverage planner for digital inclusion in France.

Data flows one way: sources -> territory -> travel times -> coverage/zones ->
siting/routing -> exports, maps, CLI and app.
"""

__version__ = "0.1.0"

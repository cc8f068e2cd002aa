"""Outputs: exports for coordinators, route sheets, the territory sheet, folium maps."""

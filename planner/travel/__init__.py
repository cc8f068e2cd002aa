"""Travel times: road graphs, the compact graph, matrices, nearest sites, crow-fly fallback."""

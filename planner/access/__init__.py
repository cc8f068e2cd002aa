"""Coverage: demand weights (demand), access per network and indicators (access), weighted
statistics (stats), figures per EPCI or département (areas), underserved zones (zones)."""

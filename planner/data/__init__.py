"""Data: source manifest, cache, downloads, the site registry and one loader per source."""

"""Source loaders: one module per source, each returning the canonical schema."""

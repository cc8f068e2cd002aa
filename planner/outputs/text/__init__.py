"""Console and display text of each stage, in French (one module per stage)."""

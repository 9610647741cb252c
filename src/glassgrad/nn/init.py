"""glassgrad.nn.init (being written)."""

"""Pre-aggregated figures: one small document per (year, unit) and per subtree."""

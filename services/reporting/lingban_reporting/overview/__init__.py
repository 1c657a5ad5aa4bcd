"""City, unit and category figures, coverage and rankings (computed from per-project documents)."""

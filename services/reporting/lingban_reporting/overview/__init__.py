"""City, unit and category figures, coverage, rankings and the dashboard's lists."""

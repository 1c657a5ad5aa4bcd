"""The administrative tree (行政区划) and the coverage rule (全覆盖)."""

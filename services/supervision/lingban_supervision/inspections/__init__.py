"""Inspections (检查) with scored checklists, and their rectification (整改)."""

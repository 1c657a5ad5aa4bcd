"""Supervision groups (督导组) at city and township level."""

"""Supervision service: groups, inspections, rectification, problem lists, stationed contact."""

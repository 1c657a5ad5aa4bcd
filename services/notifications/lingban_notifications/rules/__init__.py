"""Reminder rules as data: a validated YAML file, overridable by path or through the API."""

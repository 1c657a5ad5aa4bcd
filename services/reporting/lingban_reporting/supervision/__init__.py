"""Supervision read models: inspections, rectifications, problems, stationed-contact visits."""

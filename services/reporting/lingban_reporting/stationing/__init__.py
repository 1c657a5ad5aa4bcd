"""Stationed contact (驻点联系) read models and figures: rosters, months, visit rates."""

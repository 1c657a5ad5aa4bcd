"""Stationed contact (驻点联系): rosters (三个固定), monthly plans, residence and leave."""

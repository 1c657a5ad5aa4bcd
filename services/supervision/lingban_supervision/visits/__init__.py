"""Stationed-contact visits (驻点联系): visit logs and monthly figures."""

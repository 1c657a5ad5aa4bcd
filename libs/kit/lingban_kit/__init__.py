"""Lingban service kit: what every service shares besides the contracts."""

"""Notifications: one per (rule, subject, recipient, period), with per-channel delivery status."""

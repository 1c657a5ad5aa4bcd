"""Notification read model: deliveries and acknowledgements (签收)."""

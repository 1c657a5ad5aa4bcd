"""The result-list notices test runs supervision and notifications in process; the
notifications fixtures (SMTP and HTTP sinks, settings) are the notifications tests' own."""

from tests.notifications.conftest import notif_settings, receivers, smtp

__all__ = ["notif_settings", "receivers", "smtp"]

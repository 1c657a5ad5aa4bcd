"""The dispatch acceptance test runs supervision, reporting and notifications in process on
the real broker and database; the notifications fixtures (SMTP and HTTP sinks, settings)
are the notifications tests' own."""

from tests.notifications.conftest import notif_settings, receivers, smtp

__all__ = ["notif_settings", "receivers", "smtp"]

"""Reminder subjects: the projects and stage deadlines reminders are about."""

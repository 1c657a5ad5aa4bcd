"""Notifications service: reminder rules fanned out to inbox, email, webhooks and SMS."""

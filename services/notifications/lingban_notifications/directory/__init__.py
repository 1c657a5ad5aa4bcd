"""The contact directory: recipients, their channels, preferences and quiet hours."""

"""What supervision knows of projects: which ones exist and may be inspected."""

"""Rule evaluation on a controllable clock, and the scheduler that runs it once per tick."""

"""`notifications_meta`: small bookkeeping documents, each read by `_id`.

- `contacts-version`: changed by every directory write, so each replica knows
  when its in-process copy of the directory is out of date.
- `rules-version`: the same for the active rule set (`rules/source.py`).
"""

from __future__ import annotations

META = "notifications_meta"

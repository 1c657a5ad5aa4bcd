"""Parts of a read-model document stored as one string of JSON text.

FerretDB 1.24 on PostgreSQL keeps a type schema beside every field and array
item, and decodes and re-encodes all of them on every write of the document,
so its cost per update follows the number of fields (docs/performance.md). A
part that no query filters or sorts on and that only Python reads (a project's
declaration form, its latest report per month) is therefore stored packed.

Documents written before hold the embedded form; both read the same, and a
document is packed when next written.
"""

from __future__ import annotations

import json
from typing import Any


def pack(value: Any) -> str:
    # Event data arrive as JSON; `str` covers a date or time an in-process caller passed.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def unpack(value: Any) -> Any:
    """The value `pack` stored, or the embedded value of an older document as is."""
    return json.loads(value) if isinstance(value, str) else value

"""File names as people gave them, made safe to store, show and send back.

A name is only a label: the bytes are found by id, never by name, so a name
needs no uniqueness. It must still not smuggle a path (`../../etc/passwd`,
`C:\\x`), control characters (header injection in `Content-Disposition`),
or bidirectional overrides that disguise `gpj.exe` as `exe.jpg`.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 200
FALLBACK_NAME = "附件"
# Unicode bidirectional controls (Cf) that reorder how a name is displayed.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}


def safe_file_name(raw: str | None, extension: str = "") -> str:
    """The last path segment of `raw`, without control characters, at most 200 characters.

    `extension` (e.g. ".pdf") is appended when the cleaned name has none, so a
    download opens in the right program.
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(
        c for c in name if c not in _BIDI and unicodedata.category(c) not in ("Cc", "Cs")
    )
    name = name.strip().strip(".").strip() or FALLBACK_NAME
    if extension and "." not in name:
        name += extension
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name

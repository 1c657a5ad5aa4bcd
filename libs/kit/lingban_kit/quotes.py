"""Chinese quotation marks around text that may hold its own.

Quotes inside quotes are single (GB/T 15834-2011, 4.1.3): a project titled
`“三步桥街”人居环境治理示范点`, quoted, reads `“‘三步桥街’人居环境治理示范点”`,
never `““三步桥街”人居环境治理示范点”`.
"""

from __future__ import annotations

OPEN = "“"
CLOSE = "”"
_DOUBLE_TO_SINGLE = str.maketrans({OPEN: "‘", CLOSE: "’"})


def inner(text: str) -> str:
    """`text` as it reads inside double quotes: its own double quotes made single."""
    return text.translate(_DOUBLE_TO_SINGLE)


def quoted(text: str) -> str:
    """`text` in double quotes, its own made single."""
    return f"{OPEN}{inner(text)}{CLOSE}"

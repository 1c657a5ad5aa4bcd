"""The `{placeholder}` syntax of rule templates: plain names only, never format specs.

Templates are edited through the API, so they are untrusted. `str.format` would
honour `{unit_name:>900000000}` (a ~1 GB string), conversions (`!r`) and
attribute or index access (`{x.__class__}`); we accept only `{name}`, `{{` and
`}}`, and substitute names ourselves, so a template can never ask Python to do
more than paste a value. Rendered text is also capped, since values (e.g. the
items of a monthly card) come from data that can grow.
"""

from __future__ import annotations

import string

from lingban_kit import quotes

TITLE_LIMIT = 500
BODY_LIMIT = 20_000
_ELLIPSIS = "…"


class TemplateSyntaxProblem(ValueError):
    """A placeholder this syntax refuses; `placeholder` is what the author wrote."""

    def __init__(self, placeholder: str, reason: str) -> None:
        super().__init__(f"{{{placeholder}}}: {reason}")
        self.placeholder = placeholder
        self.reason = reason


def _pieces(text: str) -> list[tuple[str, str | None]]:
    """(literal, name or None) pairs; raises on anything but a plain `{name}`."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:  # unbalanced braces
        raise TemplateSyntaxProblem(text[:40], f"unbalanced braces ({exc})") from None
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            pieces.append((literal, None))
            continue
        written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        if spec or conversion:
            raise TemplateSyntaxProblem(written, "format specs and conversions are not allowed")
        if not name.isidentifier():
            raise TemplateSyntaxProblem(written, "only plain names are allowed")
        pieces.append((literal, name))
    return pieces


def placeholders(text: str) -> set[str]:
    """The names a template uses (raises TemplateSyntaxProblem on a refused placeholder)."""
    return {name for _, name in _pieces(text) if name is not None}


def substitute(text: str, values: dict[str, str], limit: int) -> str:
    """Paste values into `{name}`s (missing ones render empty), at most `limit` characters.

    A value the template opens a quote for has its own double quotes made single
    (`“{project_title}”`; see `lingban_kit.quotes`).
    """
    out: list[str] = []
    size = 0
    for literal, name in _pieces(text):
        value = values.get(name, "") if name is not None else ""
        if literal.endswith(quotes.OPEN):
            value = quotes.inner(value)
        for part in (literal, value):
            out.append(str(part)[: limit - size + 1])
            size += len(out[-1])
            if size > limit:
                return "".join(out)[: limit - len(_ELLIPSIS)] + _ELLIPSIS
    return "".join(out)

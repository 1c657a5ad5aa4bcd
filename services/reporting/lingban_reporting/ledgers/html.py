"""Printable pages (A4, Chinese): a ledger's table, streamed row by row, and a one-record form.

Plain server-rendered HTML, every value escaped. The print style hides the
print button, repeats the table's header on each sheet, and keeps rows whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Sequence
from html import escape
from typing import Any

from lingban_reporting.ledgers.forms import Form

ROWS_PER_CHUNK = 200

STYLE = """
@page { size: A4 %(orientation)s; margin: 12mm 10mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 10.5pt;
       color: #000; margin: 16px; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4px; letter-spacing: 2px; }
.sub { text-align: center; margin: 0 0 10px; }
table { border-collapse: collapse; width: 100%%; margin-bottom: 12px; }
th, td { border: 1px solid #000; padding: 3px 4px; vertical-align: top; word-break: break-all; }
th { background: #eee; font-weight: bold; text-align: center; }
caption { font-weight: bold; text-align: left; padding: 6px 0 3px; }
table.form th { width: 22%%; text-align: left; }
.count { text-align: right; margin-top: 4px; }
.actions { text-align: right; margin-bottom: 8px; }
@media print {
  .actions { display: none; }
  body { margin: 0; }
  thead { display: table-header-group; }
  tr { page-break-inside: avoid; }
  th { background: none; }
}
"""


def _cell(value: Any) -> str:
    return escape("" if value is None else str(value))


def _head(title: str, landscape: bool) -> str:
    style = STYLE % {"orientation": "landscape" if landscape else "portrait"}
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{style}</style></head><body>"
        '<div class="actions"><button onclick="window.print()">打印</button></div>'
    )


async def table_page(
    title: str, subtitle: str, headers: Sequence[str], rows: AsyncIterable[Sequence[Any]]
) -> AsyncIterator[str]:
    """A ledger's page, sent a few hundred rows at a time."""
    yield _head(title, landscape=True)
    yield f'<h1>{escape(title)}</h1><p class="sub">{escape(subtitle)}</p>'
    yield "<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers)
    yield "</tr></thead><tbody>"
    count = 0
    chunk: list[str] = []
    async for row in rows:
        count += 1
        chunk.append("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)
    yield f'</tbody></table><p class="count">共 {count} 条</p></body></html>'


def form_page(form: Form) -> str:
    parts = [_head(form.title, landscape=False)]
    parts.append(f'<h1>{escape(form.title)}</h1><p class="sub">{escape(form.subtitle)}</p>')
    parts.append('<table class="form"><tbody>')
    parts += [f"<tr><th>{escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in form.fields]
    parts.append("</tbody></table>")
    for table in form.tables:
        parts.append(f"<table><caption>{escape(table.caption)}</caption><thead><tr>")
        parts += [f"<th>{escape(h)}</th>" for h in table.headers]
        parts.append("</tr></thead><tbody>")
        if not table.rows:
            parts.append(f'<tr><td colspan="{len(table.headers)}">（无）</td></tr>')
        for row in table.rows:
            parts.append("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)

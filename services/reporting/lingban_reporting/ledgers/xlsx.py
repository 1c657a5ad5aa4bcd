"""Ledgers as XLSX, streamed: a write-only workbook fed a batch of rows at a time.

openpyxl's write-only mode writes each appended row straight to its own
temporary file, so memory holds one batch of rows, not the sheet. The finished
workbook goes to a spooled temporary file (in memory while small, on disk
beyond) and is sent in chunks. The CPU-bound appends run in a worker thread,
one batch at a time, so the event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS_PER_BATCH = 500
CHUNK_BYTES = 64 * 1024
IN_MEMORY_BYTES = 1024 * 1024
# Rows above the first data row: title, region and year, headers.
HEADER_ROWS = 3

Row = Sequence[Any]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _printable(text: str) -> str:
    """`text` without the control characters XML 1.0, so XLSX, cannot hold.

    openpyxl refuses them (IllegalCharacterError), so one such character typed
    into a title, or into a filter echoed in the subtitle, made the whole export
    a 500 (found by Schemathesis, tests/security). They print as nothing anyway.
    """
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


class SheetWriter:
    """One sheet of a write-only workbook: a title row, a subtitle, bold headers, rows."""

    def __init__(self, sheet_name: str, title: str, subtitle: str, headers: Sequence[str]) -> None:
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(sheet_name[:31])
        self.headers = [_printable(h) for h in headers]
        self.title = _printable(title)
        self.subtitle = _printable(subtitle)

    def start(self, widths: Sequence[float]) -> None:
        # Widths and frozen panes must be set before the first row is written.
        for index, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        self.sheet.freeze_panes = f"A{HEADER_ROWS + 1}"
        title = WriteOnlyCell(self.sheet, value=self.title)
        title.font = Font(bold=True, size=14)
        self.sheet.append([title])
        self.sheet.append([self.subtitle])
        heads = []
        for header in self.headers:
            cell = WriteOnlyCell(self.sheet, value=header)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            heads.append(cell)
        self.sheet.append(heads)

    def append(self, rows: Sequence[Row]) -> None:
        for row in rows:
            self.sheet.append([self._text_safe(value) for value in row])

    def _text_safe(self, value: Any) -> Any:
        """Text that a spreadsheet would take for a formula stays text (and printable).

        Ledgers carry what people typed (problem descriptions, findings, names);
        openpyxl writes a string starting with `=` as a formula, and Excel also
        evaluates `+`, `-`, `@` (CSV/formula injection). Such a cell is written
        with the string type, so it shows exactly what was typed and runs nothing.
        """
        if not isinstance(value, str):
            return value
        value = _printable(value)
        if value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    def save(self) -> IO[bytes]:
        out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115
        self.book.save(out)
        out.seek(0)
        return out


async def write_sheet(
    writer: SheetWriter, widths: Sequence[float], rows: AsyncIterable[Row]
) -> IO[bytes]:
    """The workbook in a spooled file, rows appended a batch at a time off the event loop."""
    await asyncio.to_thread(writer.start, widths)
    batch: list[Row] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= ROWS_PER_BATCH:
            await asyncio.to_thread(writer.append, batch)
            batch = []
    if batch:
        await asyncio.to_thread(writer.append, batch)
    return await asyncio.to_thread(writer.save)


def chunks(file: IO[bytes]) -> Iterator[bytes]:
    """The file in chunks, closed (and its disk copy removed) once sent or abandoned."""
    try:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
    finally:
        file.close()


def size_of(file: IO[bytes]) -> int:
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size

"""Excel sheets the offices fill in for a bulk import: template, reading, refusals.

One row a record, headers in the first row (the Chinese header, or the field
name). Each import defines its columns; this module makes the template (the
sheet plus a 填写说明 sheet explaining each column), reads the filled-in sheet
into text cells per field, and turns refused rows into the one 422 answer
every import gives: all rows stored or none, each refused row named.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import IO, Any

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from pydantic import BaseModel, Field

from lingban_kit.errors import FieldProblem, ValidationFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The row headers are on; data starts below.
HEADER_ROW = 1


@dataclass(frozen=True)
class SheetColumn:
    header: str
    field: str  # the body field it fills (dotted for a nested one)
    width: float
    note: str
    required: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a row was refused: its number in the sheet, the column, the message."""

    row: int
    column: str | None
    message: str
    message_en: str


class RefusedRow(BaseModel):
    row: int = Field(description="Row number in the sheet (the headers are row 1)")
    column: str | None = Field(description="The column at fault (its Chinese header)")
    message: str
    message_en: str


class ImportRefusedOut(BaseModel):
    """The 422 body when any row is refused (then nothing was stored)."""

    error: dict[str, Any] = Field(
        description="code `validation_failed`, message, details, `imported: 0` and `refused` "
        "(a list of RefusedRow)"
    )


class SheetUnreadable(Exception):
    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en

    def as_error(self) -> ValidationFailed:
        return ValidationFailed(
            message=self.message,
            message_en=self.message_en,
            details=[FieldProblem("file", self.message, self.message_en)],
        )


def template(sheet_name: str, columns: Sequence[SheetColumn]) -> bytes:
    """The empty sheet with its headers (required ones in red), and a sheet explaining each."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append([c.header for c in columns])
    for index, col in enumerate(columns, start=1):
        sheet.cell(row=1, column=index).font = Font(
            bold=True, color="C00000" if col.required else None
        )
        sheet.column_dimensions[get_column_letter(index)].width = col.width
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for col in columns:
        notes.append([col.header, "必填" if col.required else "选填", col.note])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["C"].width = 70
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code or phone number Excel stored as a number
    if isinstance(value, datetime):
        value = value.time()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _headers(row: tuple[Any, ...], columns: Sequence[SheetColumn]) -> dict[int, SheetColumn]:
    """Column index -> the column it holds; unknown headers are left out."""
    by_name = {c.header: c for c in columns} | {c.field: c for c in columns}
    found: dict[int, SheetColumn] = {}
    for index, value in enumerate(row):
        col = by_name.get(cell_text(value))
        if col is not None:
            found[index] = col
    missing = [c.header for c in columns if c.required and c not in found.values()]
    if missing:
        raise SheetUnreadable(
            f"第 1 行缺少必填列：{'、'.join(missing)}（请使用导入模板）",
            f"Row 1 lacks the required columns: {', '.join(missing)} (use the template)",
        )
    return found


def read_cells(
    file: IO[bytes], sheet_name: str, columns: Sequence[SheetColumn], max_rows: int
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, text by field) for every non-blank row; SheetUnreadable if it cannot."""
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises zip, XML and its own errors for a bad file
        raise SheetUnreadable(
            "不是有效的 Excel 文件（.xlsx），请使用导入模板",
            "Not a valid Excel (.xlsx) file: use the import template",
        ) from None
    try:
        sheet = book[sheet_name] if sheet_name in book.sheetnames else book.worksheets[0]
        rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise SheetUnreadable("表格是空的", "The sheet is empty")
        found = _headers(header, columns)
        seen = 0
        for number, row in enumerate(rows, start=HEADER_ROW + 1):
            cells = {col.field: cell_text(row[i]) for i, col in found.items() if i < len(row)}
            if not any(cells.values()):
                continue  # a blank row
            seen += 1
            if seen > max_rows:
                raise SheetUnreadable(
                    f"一次最多导入 {max_rows} 行", f"At most {max_rows} rows per import"
                )
            yield number, cells
    finally:
        book.close()


def refused_error(refusals: Sequence[Refusal], nothing_zh: str) -> ValidationFailed:
    """The 422 for an import with refused rows; `nothing_zh` e.g. "未导入任何联系人"."""
    rows = sorted({r.row for r in refusals})
    shown = "、".join(str(n) for n in rows[:20]) + ("…" if len(rows) > 20 else "")
    return ValidationFailed(
        message=f"第 {shown} 行有误，{nothing_zh}",
        message_en=f"Rows {', '.join(map(str, rows[:20]))} are refused: nothing was imported",
        details=[
            FieldProblem(
                f"第{r.row}行" + (f"·{r.column}" if r.column else ""), r.message, r.message_en
            )
            for r in refusals
        ],
        extra={
            "imported": 0,
            "refused": [RefusedRow(**r.__dict__).model_dump() for r in refusals],
        },
    )

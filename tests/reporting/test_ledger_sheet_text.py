"""Whatever people typed, the XLSX ledger is written: control characters (which
XLSX cannot hold) are dropped instead of failing the whole export."""

from __future__ import annotations

from collections.abc import AsyncIterator

from openpyxl import load_workbook  # type: ignore[import-untyped]

from lingban_reporting.ledgers.xlsx import HEADER_ROWS, SheetWriter, write_sheet


async def _rows() -> AsyncIterator[list[object]]:
    yield ["加装\x05电梯\x1f", "=SUM(A1)", 3]


async def test_control_characters_are_dropped_and_formulas_stay_text() -> None:
    writer = SheetWriter("台账", "项目\x00台账", "筛选 类别：\x05民生", ["名称\x0b", "说明", "数"])
    file = await write_sheet(writer, [20, 20, 8], _rows())
    sheet = load_workbook(file).active
    assert sheet["A1"].value == "项目台账"
    assert sheet["A2"].value == "筛选 类别：民生"
    assert sheet["A3"].value == "名称"
    row = HEADER_ROWS + 1
    assert sheet[f"A{row}"].value == "加装电梯"
    assert sheet[f"B{row}"].value == "=SUM(A1)"
    assert sheet[f"B{row}"].data_type == "s"
    assert sheet[f"C{row}"].value == 3

"""Ledger cells show what people typed and never run it: text that starts like a
formula (`=`, `+`, `-`, `@`) is written as text (formula injection, review note)."""

from __future__ import annotations

from openpyxl import load_workbook  # type: ignore[import-untyped]

from lingban_reporting.ledgers.xlsx import SheetWriter


def test_formula_like_text_is_stored_as_text_and_numbers_stay_numbers() -> None:
    typed = ['=HYPERLINK("http://x","点此")', "+86 138 0000 0000", "@SUM(A1)", "-整改中"]
    writer = SheetWriter("问题清单", "问题清单", "文昌街道 2026 年", ["内容", "数量"])
    writer.start([30, 10])
    writer.append([[text, -3] for text in typed] + [["普通文字", 2.5]])
    book = load_workbook(writer.save())
    rows = list(book.active.iter_rows(min_row=4))
    assert [row[0].value for row in rows] == [*typed, "普通文字"]
    assert all(row[0].data_type == "s" for row in rows)  # none became a formula
    assert [row[1].value for row in rows] == [-3, -3, -3, -3, 2.5]
    assert all(row[1].data_type == "n" for row in rows)

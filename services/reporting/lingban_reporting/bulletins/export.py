"""The bulletin as CSV (UTF-8 with BOM, for Excel) and XLSX, with Chinese headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

# (header, how to read the value from a row, is it a rate?)
Column = tuple[str, Callable[[dict[str, Any]], Any], bool]

COLUMNS: list[Column] = [
    ("排名", lambda r: r["rank"], False),
    ("单位", lambda r: r["unit"]["name"], False),
    ("区划代码", lambda r: r["unit"]["code"], False),
    ("申报项目数", lambda r: r["declared"], False),
    ("已验收项目数", lambda r: r["completed"], False),
    ("完成率", lambda r: r["completion_rate"], True),
    ("逾期阶段数", lambda r: r["overdue_stages"], False),
    ("逾期项目数", lambda r: r["overdue_projects"], False),
    ("逾期率", lambda r: r["overdue_rate"], True),
    ("逾期率排名", lambda r: r["rank_overdue_rate"], False),
    ("督导检查次数", lambda r: r["inspections"], False),
    ("未通过次数", lambda r: r["failed_inspections"], False),
    ("扣分", lambda r: r["deduction_score"], False),
    ("扣分排名", lambda r: r["rank_deduction_score"], False),
    ("整改办结数", lambda r: r["rectifications_closed"], False),
    ("问题数", lambda r: r["problems"], False),
    ("问题办结率", lambda r: r["problem_resolution_rate"], True),
    ("走访次数", lambda r: r["visits"], False),
    # Villages with a visit in the quarter (the household rate: /v1/stationing/figures).
    ("村走访覆盖率", lambda r: r["visit_rate"], True),
]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def filename(bulletin: dict[str, Any], extension: str) -> str:
    return f"bulletin-{bulletin['region']['code']}-{bulletin['year']}-Q{bulletin['quarter']}.{extension}"


def to_csv(bulletin: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([bulletin["title"]])
    writer.writerow(
        [
            f"{bulletin['region']['name']}  {bulletin['period']['start']} 至 {bulletin['period']['end']}"
        ]
    )
    writer.writerow([header for header, _, _ in COLUMNS])
    for row in bulletin["rows"]:
        writer.writerow(
            [_percent(get(row)) if is_rate else get(row) for _, get, is_rate in COLUMNS]
        )
    # The BOM makes Excel read the file as UTF-8 (otherwise the Chinese is garbled).
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(bulletin: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{bulletin['year']}年第{bulletin['quarter']}季度"
    sheet.append([bulletin["title"]])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            f"{bulletin['region']['name']}  {bulletin['period']['start']} 至 {bulletin['period']['end']}"
        ]
    )
    sheet.append([header for header, _, _ in COLUMNS])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in bulletin["rows"]:
        sheet.append([get(row) for _, get, _ in COLUMNS])
        for index, (_, _, is_rate) in enumerate(COLUMNS, start=1):
            if is_rate:
                sheet.cell(row=sheet.max_row, column=index).number_format = "0.0%"
    sheet.column_dimensions["B"].width = 16
    sheet.freeze_panes = "A4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

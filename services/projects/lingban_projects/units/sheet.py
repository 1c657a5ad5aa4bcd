"""The division tree as the offices keep it in Excel (pure): columns and parsing.

One row a unit: code, name, level, parent code, secretary. A row for a code
already in the tree updates that unit (name, secretary, parent); a new code
registers a unit. Levels may be written in Chinese (市、区县、乡镇街道、村社区,
or 区/县/镇/乡/街道/村/社区) or as the API's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from lingban_contracts.divisions import Level
from lingban_kit.sheets import Refusal, SheetColumn, read_cells
from lingban_kit.sheets import template as sheet_template

SHEET_NAME = "行政区划"
# Every change of a sheet goes out in one write; 300 rows keep it well inside
# the outbox's budget for one write (lingban_kit.outbox.EVENT_BUDGET_BYTES).
MAX_ROWS = 300
COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn("区划代码", "code", 16, "12 位统计用区划代码", required=True),
    SheetColumn("单位名称", "name", 20, "如 南铺社区", required=True),
    SheetColumn("层级", "level", 12, "市、区县、乡镇街道、村社区", required=True),
    SheetColumn("上级代码", "parent", 16, "上级单位的 12 位代码；市级留空"),
    SheetColumn("书记", "secretary", 12, "党组织书记姓名"),
)
BY_FIELD = {c.field: c for c in COLUMNS}
LEVEL_WORDS: dict[str, Level] = {
    "市": Level.CITY,
    "区县": Level.DISTRICT,
    "区": Level.DISTRICT,
    "县": Level.DISTRICT,
    "县级市": Level.DISTRICT,
    "乡镇街道": Level.TOWNSHIP,
    "乡镇": Level.TOWNSHIP,
    "镇": Level.TOWNSHIP,
    "乡": Level.TOWNSHIP,
    "街道": Level.TOWNSHIP,
    "村社区": Level.VILLAGE,
    "村": Level.VILLAGE,
    "社区": Level.VILLAGE,
} | {level.value: level for level in Level}


@dataclass(frozen=True)
class UnitRow:
    number: int
    code: str
    name: str
    level: Level
    parent: str | None
    secretary: str


def template() -> bytes:
    return sheet_template(SHEET_NAME, COLUMNS)


def _row(number: int, cells: dict[str, str]) -> UnitRow | list[Refusal]:
    refused: list[Refusal] = []

    def refuse(field: str, message: str, message_en: str) -> None:
        refused.append(Refusal(number, BY_FIELD[field].header, message, message_en))

    code, parent = cells.get("code", ""), cells.get("parent", "") or None
    for field, value in (("code", code), ("parent", parent)):
        if value is not None and not (len(value) == 12 and value.isdigit()):
            refuse(field, f"“{value}”不是 12 位数字代码", f"'{value}' is not a 12-digit code")
    name = cells.get("name", "")
    if not name or len(name) > 100:
        refuse("name", "单位名称必填，最多 100 字", "A name is required (at most 100 characters)")
    level = LEVEL_WORDS.get(cells.get("level", ""))
    if level is None:
        refuse(
            "level",
            f"层级“{cells.get('level', '')}”无法识别（可选：市、区县、乡镇街道、村社区）",
            "Unknown level (city, district, township, village)",
        )
    secretary = cells.get("secretary", "")
    if len(secretary) > 50:
        refuse("secretary", "书记姓名最多 50 字", "A secretary's name has at most 50 characters")
    if refused or level is None:
        return refused
    return UnitRow(number, code, name, level, parent, secretary)


def read_rows(file: IO[bytes]) -> tuple[list[UnitRow], list[Refusal]]:
    """The sheet's units, and the refusals of cells that could not be read."""
    rows: list[UnitRow] = []
    refused: list[Refusal] = []
    for number, cells in read_cells(file, SHEET_NAME, COLUMNS, MAX_ROWS):
        parsed = _row(number, cells)
        if isinstance(parsed, UnitRow):
            rows.append(parsed)
        else:
            refused += parsed
    return rows, refused

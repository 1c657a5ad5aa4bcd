"""The columns of each list ledger (台账): Chinese header, width, and how a row reads its document.

One definition serves the XLSX sheet and the printable page, so both show the
same rows and values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from lingban_contracts.divisions import DivisionTree
from lingban_reporting.ledgers.labels import (
    CHANNEL_ZH,
    HOUSEHOLD_ZH,
    LEVEL_ZH,
    PROBLEM_STATUS_ZH,
    RATING_ZH,
    RECTIFICATION_VIEW_ZH,
    SOURCE_ZH,
    STATUS_ZH,
    VISITOR_ZH,
    yes_no,
    zh,
)
from lingban_reporting.overview.lists import rectification_status
from lingban_reporting.projects.state import weeks_reported

Doc = dict[str, Any]


@dataclass(frozen=True)
class Context:
    tree: DivisionTree
    today: date

    def unit_name(self, code: Any) -> str:
        unit = self.tree.get(str(code))
        return unit.name if unit else str(code or "")

    def township_name(self, code: Any) -> str:
        township = self.tree.township_of(str(code))
        return township.name if township else ""


Getter = Callable[[Doc, Context], Any]


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    get: Getter


@dataclass(frozen=True)
class Ledger:
    """One list ledger: its name in routes and file names, its title and columns."""

    slug: str
    title: str
    columns: tuple[Column, ...]

    def row(self, doc: Doc, ctx: Context, number: int) -> list[Any]:
        return [number, *(c.get(doc, ctx) for c in self.columns)]

    @property
    def headers(self) -> list[str]:
        return ["序号", *(c.header for c in self.columns)]

    @property
    def widths(self) -> list[float]:
        return [6, *(c.width for c in self.columns)]


def _joined(values: Any, sep: str = "；") -> str:
    return sep.join(str(v) for v in values or [])


def _unit(doc: Doc, ctx: Context) -> str:
    return ctx.unit_name(doc.get("unit_code"))


def _township(doc: Doc, ctx: Context) -> str:
    return ctx.township_name(doc.get("unit_code"))


def _field(name: str) -> Getter:
    return lambda doc, _ctx: doc.get(name) if doc.get(name) is not None else ""


def _stages(doc: Doc, _ctx: Context) -> str:
    return f"{doc.get('stages_done', 0)}/{doc.get('stages_total', 0)}"


PROJECTS = Ledger(
    slug="projects",
    title="书记领办项目清单",
    columns=(
        Column("乡镇（街道）", 14, _township),
        Column("单位", 16, _unit),
        Column("区划代码", 15, _field("unit_code")),
        Column("项目名称", 36, _field("title")),
        Column("项目类别", 12, _field("category")),
        Column("领办书记", 10, _field("lead_secretary")),
        Column("完成时限", 12, _field("deadline")),
        Column("状态", 10, lambda d, _c: zh(STATUS_ZH, d.get("status"))),
        Column("阶段完成", 10, _stages),
        Column("逾期阶段", 18, lambda d, _c: _joined(d.get("overdue_months"), "、")),
        Column("周报数", 8, lambda d, _c: len(weeks_reported(d))),
        Column("已验收", 8, lambda d, _c: yes_no(d.get("completed"))),
        Column("评价等次", 10, lambda d, _c: zh(RATING_ZH, d.get("rating"))),
        Column("评价得分", 10, _field("total")),
        Column("示范案例", 8, lambda d, _c: yes_no(d.get("model_case"))),
        Column("项目编号", 34, _field("_id")),
    ),
)

PROBLEMS = Ledger(
    slug="problems",
    title="问题清单",
    columns=(
        Column("乡镇（街道）", 14, _township),
        Column("单位", 16, _unit),
        Column("问题描述", 40, _field("description")),
        Column("来源", 10, lambda d, _c: zh(SOURCE_ZH, d.get("source"))),
        Column("收集渠道", 12, lambda d, _c: zh(CHANNEL_ZH, d.get("channel"))),
        Column("类别", 12, _field("category")),
        Column("层面", 10, lambda d, _c: zh(LEVEL_ZH, d.get("level"))),
        Column("整改措施", 36, lambda d, _c: _joined(d.get("measures"))),
        Column("状态", 10, lambda d, _c: zh(PROBLEM_STATUS_ZH, d.get("status"))),
        Column("登记日期", 12, _field("registered_on")),
        Column("办结日期", 12, _field("resolved_on")),
        Column("办结情况", 30, _field("resolution")),
        Column("问题编号", 34, _field("_id")),
    ),
)


def _rectification_view(doc: Doc, ctx: Context) -> str:
    return RECTIFICATION_VIEW_ZH[rectification_status(doc, ctx.today)]


def _submitted(doc: Doc, _ctx: Context) -> str:
    submission = doc.get("submission") or {}
    if not submission:
        return ""
    late = "（逾期提交）" if submission.get("late") else ""
    return f"{submission.get('submitted_on', '')}{late}"


def _verification(doc: Doc, _ctx: Context) -> str:
    """核验结果: closed (on time or not), else the last reopening's reasons."""
    verified = doc.get("verification")
    if verified:
        timing = "按期" if verified.get("on_time") else "逾期"
        comment = f"：{verified['comment']}" if verified.get("comment") else ""
        return f"核验通过，{verified.get('closed_on', '')} 销号（{timing}）{comment}"
    reopenings = doc.get("reopenings") or []
    if reopenings:
        last = reopenings[-1]
        return f"核验未通过，重新整改：{_joined(last.get('reasons'))}"
    return "待核验" if doc.get("submission") else ""


RECTIFICATIONS = Ledger(
    slug="rectifications",
    title="督导整改台账",
    columns=(
        Column("乡镇（街道）", 14, _township),
        Column("整改责任单位", 16, _unit),
        Column("整改事项", 40, lambda d, _c: _joined(d.get("items"))),
        Column("整改要求", 24, lambda d, _c: _joined(d.get("required_measures"))),
        Column("整改时限", 12, _field("deadline")),
        Column("状态", 10, _rectification_view),
        Column("提交日期", 18, _submitted),
        Column("整改措施", 36, lambda d, _c: _joined((d.get("submission") or {}).get("measures"))),
        Column("整改情况", 36, lambda d, _c: (d.get("submission") or {}).get("narrative", "")),
        Column("核验结果", 36, _verification),
        Column("退回次数", 8, lambda d, _c: len(d.get("reopenings") or [])),
        Column("督导检查编号", 34, _field("inspection_id")),
        Column("整改编号", 34, _field("_id")),
    ),
)

VISITS = Ledger(
    slug="visits",
    title="驻点联系走访台账",
    columns=(
        Column("乡镇（街道）", 14, _township),
        Column("走访单位", 16, _unit),
        Column("月份", 10, _field("month")),
        Column("走访日期", 12, _field("visited_on")),
        Column("走访人", 10, _field("visitor")),
        Column("身份", 12, lambda d, _c: zh(VISITOR_ZH, d.get("visitor_role"))),
        Column("同行人员", 18, lambda d, _c: _joined(d.get("team"), "、")),
        Column("走访户数", 10, _field("households_visited")),
        Column("四必访", 28, lambda d, _c: _four_must(d)),
        Column("收集意见数", 10, _field("opinions")),
        Column("转入问题清单数", 12, lambda d, _c: len(d.get("problem_ids") or [])),
        Column("备注", 30, _field("notes")),
        Column("走访编号", 34, _field("_id")),
    ),
)


def _four_must(doc: Doc) -> str:
    return "、".join(zh(HOUSEHOLD_ZH, kind) for kind in doc.get("four_must_visits") or [])


LEDGERS = {ledger.slug: ledger for ledger in (PROJECTS, PROBLEMS, RECTIFICATIONS, VISITS)}

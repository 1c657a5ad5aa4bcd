"""The one-record forms (pure): a project's declaration (申报表), an inspection's record (督导记录).

A form is labelled fields and tables; `html.py` prints it, `api.py` also
writes it as a sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lingban_reporting.ledgers.columns import RECTIFICATIONS, Context
from lingban_reporting.ledgers.labels import (
    METHOD_ZH,
    PRE_APPROVAL_STEP_ZH,
    RATING_ZH,
    STATUS_ZH,
    TOPIC_SOURCE_ZH,
    yes_no,
    zh,
)
from lingban_reporting.projects.state import declared_form

Doc = dict[str, Any]


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Form:
    title: str
    subtitle: str
    fields: list[tuple[str, Any]]
    tables: list[Table] = field(default_factory=list)

    def sheet_rows(self) -> list[list[Any]]:
        """The form as rows of a two-column sheet, its tables below."""
        rows: list[list[Any]] = [[label, value] for label, value in self.fields]
        for table in self.tables:
            rows += [[], [table.caption], table.headers, *table.rows]
        return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _review(doc: Doc) -> str:
    review = doc.get("review")
    if not review:
        return ""
    scores = review.get("scores") or {}
    outcome = zh(STATUS_ZH, review.get("outcome"))
    marks = (
        f"可行性 {scores.get('feasibility')}，精准性 {scores.get('precision')}，"
        f"实效性 {scores.get('effectiveness')}"
    )
    note = review.get("comment") or "；".join(review.get("reasons") or [])
    return f"{outcome}（第 {review.get('revision')} 稿；{marks}）{('：' + note) if note else ''}"


def declaration_form(doc: Doc, ctx: Context) -> Form:
    form = declared_form(doc)
    announcement = doc.get("announcement") or {}
    period = f"{announcement['starts_on']} 至 {announcement['ends_on']}" if announcement else ""
    rating = zh(RATING_ZH, doc.get("rating"))
    fields: list[tuple[str, Any]] = [
        ("项目名称", doc.get("title", "")),
        ("申报单位", ctx.unit_name(doc.get("unit_code"))),
        ("所属乡镇（街道）", ctx.township_name(doc.get("unit_code"))),
        ("区划代码", doc.get("unit_code", "")),
        ("年度", doc.get("year", "")),
        ("项目类别", doc.get("category", "")),
        ("选题方式", zh(TOPIC_SOURCE_ZH, form.get("topic_source"))),
        ("领办书记", form.get("lead_secretary") or doc.get("lead_secretary", "")),
        ("工作专班", _text(form.get("task_force"))),
        ("完成时限", _text(form.get("deadline") or doc.get("deadline"))),
        ("聚焦的难点、堵点、痛点", _text(form.get("problem"))),
        ("预期目标", _text(form.get("expected_goals"))),
        ("评价标准", _text(form.get("evaluation_criteria"))),
        ("责任书", _text(form.get("responsibility_statement"))),
        ("附件", "、".join(str(a.get("name")) for a in form.get("attachments") or [])),
        ("当前状态", zh(STATUS_ZH, doc.get("status"))),
        ("研判意见", _review(doc)),
        ("备案编号", _text(doc.get("filing_number"))),
        ("公示期", period),
        ("评价等次", f"{rating}（{doc.get('total')} 分）" if rating else ""),
        ("项目编号", doc.get("_id", "")),
    ]
    stages = Table(
        "阶段任务（按月细化）",
        ["月份", "阶段任务", "阶段成果", "责任人"],
        [
            [t.get("month"), t.get("task"), t.get("deliverable"), t.get("owner") or ""]
            for t in form.get("stage_tasks") or []
        ],
    )
    steps = Table(
        "事前程序",
        ["步骤", "完成日期", "说明"],
        [
            [zh(PRE_APPROVAL_STEP_ZH, s.get("step")), s.get("done_on"), s.get("note") or ""]
            for s in form.get("pre_approval_steps") or []
        ],
    )
    title = f"{doc.get('year', '')}年度书记领办项目申报表"
    return Form(title, ctx.unit_name(doc.get("unit_code")), fields, [stages, steps])


def inspection_record(doc: Doc, ctx: Context, rectification: Doc | None) -> Form:
    recorded = bool(doc.get("recorded"))
    conclusion = ("通过" if doc.get("passed") else "未通过") if recorded else "尚未检查"
    fields: list[tuple[str, Any]] = [
        ("被检查单位", ctx.unit_name(doc.get("unit_code")) if doc.get("unit_code") else ""),
        ("所属乡镇（街道）", ctx.township_name(doc.get("unit_code"))),
        ("项目编号", _text(doc.get("project_id"))),
        ("督导组", _text(doc.get("group_id"))),
        ("检查方式", zh(METHOD_ZH, doc.get("method"))),
        ("半月", _text(doc.get("half_month"))),
        ("计划日期", _text(doc.get("planned_on"))),
        ("检查日期", _text(doc.get("inspected_on"))),
        ("事先通知", yes_no(doc.get("announced")) if "announced" in doc else ""),
        ("现场督导", yes_no(doc.get("on_site")) if "on_site" in doc else ""),
        ("专班不在岗", yes_no(doc.get("team_absent")) if recorded else ""),
        ("满分", _text(doc.get("max_score"))),
        ("扣分", doc.get("deduction", "") if recorded else ""),
        ("得分", _text(doc.get("score"))),
        ("合格分", _text(doc.get("pass_mark"))),
        ("检查结论", conclusion),
        ("发现问题", "；".join(doc.get("findings") or [])),
        ("现场照片（张）", _text(doc.get("photos"))),
        ("检查编号", doc.get("_id", "")),
    ]
    checklist = Table(
        "逐项扣分",
        ["检查项目", "分值", "扣分", "说明"],
        [
            [c.get("item"), c.get("max_points"), c.get("deducted"), c.get("note") or ""]
            for c in doc.get("checklist") or []
        ],
    )
    tables = [checklist]
    if rectification is not None:
        headers = [c.header for c in RECTIFICATIONS.columns]
        row = [c.get(rectification, ctx) for c in RECTIFICATIONS.columns]
        # The rectification as the ledger has it, one field a row.
        tables.append(
            Table("整改情况", ["项目", "内容"], [list(p) for p in zip(headers, row, strict=True)])
        )
    title = f"{doc.get('year', '')}年度书记领办项目督导检查记录"
    return Form(title, ctx.unit_name(doc.get("unit_code")), fields, tables)

"""The figures recomputed from scratch: from every read-model document, per request.

This is how the reporting service computed its figures before it kept them
pre-aggregated (`lingban_reporting/figures/`), kept here verbatim as the
definition the pre-aggregated figures must equal. Each function takes plain
lists of read-model documents; `Documents` loads them the way the old queries
did (every document of the region subtree, by unit-code prefix, and year).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lingban_contracts.divisions import DivisionTree, Level, Unit
from lingban_contracts.regions import in_subtree
from lingban_contracts.statuses import PROJECT_KIND_ZH, ProjectKind
from lingban_reporting.bulletins.domain import Quarter
from lingban_reporting.figures.derive import PASSED_REVIEW, STATUS_GROUPS, rank, rate, unit_json
from lingban_reporting.read_models.generations import ReadModels

Doc = dict[str, Any]


# ---- projects ---------------------------------------------------------------------
def project_figures(projects: list[Doc]) -> dict[str, Any]:
    statuses = Counter(str(p.get("status")) for p in projects)
    figures: dict[str, Any] = {"declared": len(projects)}
    for name, members in STATUS_GROUPS.items():
        figures[name] = sum(statuses[s] for s in members)
    completed = sum(1 for p in projects if p.get("completed"))
    figures["passed_review"] = sum(statuses[s] for s in PASSED_REVIEW)
    figures["accepted"] = completed
    figures["overdue_projects"] = sum(1 for p in projects if p.get("overdue"))
    figures["overdue_stages"] = sum(int(p.get("overdue_stages", 0)) for p in projects)
    figures["lagging_projects"] = sum(1 for p in projects if p.get("lagging"))
    figures["lagging_stages"] = sum(int(p.get("lagging_stages", 0)) for p in projects)
    figures["completion_rate"] = rate(completed, len(projects) - statuses["withdrawn"])
    figures["by_kind"] = {
        kind.value: {
            "label": PROJECT_KIND_ZH[kind],
            "declared": sum(1 for p in mine),
            "accepted": sum(1 for p in mine if p.get("completed")),
            "withdrawn": sum(1 for p in mine if p.get("status") == "withdrawn"),
        }
        for kind in ProjectKind
        for mine in [[p for p in projects if p.get("kind", "secretary_project") == kind]]
    }
    return figures


def coverage(tree: DivisionTree, root: str, projects: list[Doc]) -> dict[str, Any]:
    units = tree.subtree(root)
    with_project = {str(p["unit_code"]) for p in projects}
    uncovered = [u for u in units if u.code not in with_project]
    return {"units": len(units), "covered": len(units) - len(uncovered), "uncovered": uncovered}


def coverage_counts(tree: DivisionTree, root: str, projects: list[Doc]) -> dict[str, int]:
    c = coverage(tree, root, projects)
    return {"units": c["units"], "covered": c["covered"], "uncovered": len(c["uncovered"])}


def unit_breakdown(
    tree: DivisionTree, root: str, projects: list[Doc], deductions: dict[str, float]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for child in sorted(tree.children(root), key=lambda u: u.code):
        mine = [p for p in projects if in_subtree(str(p["unit_code"]), child.code)]
        figures = project_figures(mine)
        rows.append(
            {
                "unit": unit_json(child),
                "declared": figures["declared"],
                "in_execution": figures["in_execution"],
                "completed": sum(1 for p in mine if p.get("completed")),
                "overdue_projects": figures["overdue_projects"],
                "overdue_stages": figures["overdue_stages"],
                "completion_rate": figures["completion_rate"],
                "overdue_rate": rate(figures["overdue_projects"], figures["declared"]),
                "deductions": round(
                    sum(v for code, v in deductions.items() if in_subtree(code, child.code)), 2
                ),
                "coverage": coverage_counts(tree, child.code, mine),
            }
        )
    return rows


def category_breakdown(projects: list[Doc]) -> list[dict[str, Any]]:
    by_category: dict[str, list[Doc]] = {}
    for p in projects:
        by_category.setdefault(str(p.get("category") or ""), []).append(p)
    items = []
    for category, mine in by_category.items():
        figures = project_figures(mine)
        items.append(
            {
                "category": category,
                "declared": figures["declared"],
                "in_execution": figures["in_execution"],
                "completed": sum(1 for p in mine if p.get("completed")),
                "overdue_projects": figures["overdue_projects"],
            }
        )
    return sorted(items, key=lambda i: (-i["declared"], i["category"]))


# ---- supervision and notifications -------------------------------------------------
def rectification_status(doc: Doc, today: date) -> str:
    if doc.get("status") == "closed":
        return "closed"
    deadline = doc.get("deadline")
    if doc.get("flagged_overdue") or (deadline and str(deadline) < today.isoformat()):
        return "overdue"
    return "open"


def in_period(value: Any, start: datetime | None, end: datetime | None) -> bool:
    if start is None or end is None:
        return True
    return isinstance(value, datetime) and start <= value < end


def recorded(inspections: Iterable[Doc]) -> list[Doc]:
    return [i for i in inspections if i.get("recorded")]


def supervision_figures(
    inspections: list[Doc], rectifications: list[Doc], today: date
) -> dict[str, Any]:
    chosen = recorded(inspections)
    failed = sum(1 for i in chosen if not i.get("passed", True))
    deductions = round(sum(float(i.get("deduction", 0) or 0) for i in chosen), 2)
    statuses = [rectification_status(r, today) for r in rectifications]
    closed = statuses.count("closed")
    return {
        "inspections": len(chosen),
        "failed": failed,
        "failure_rate": rate(failed, len(chosen)),
        "deductions": deductions,
        "rectifications_open": statuses.count("open") + statuses.count("overdue"),
        "rectifications_closed": closed,
        "rectifications_overdue": statuses.count("overdue"),
        "closure_rate": rate(closed, len(statuses)),
    }


def problem_figures(problems: list[Doc]) -> dict[str, Any]:
    resolved = sum(1 for p in problems if p.get("resolved"))
    return {
        "total": len(problems),
        "resolved": resolved,
        "resolution_rate": rate(resolved, len(problems)),
    }


def visit_figures(
    visits: list[Doc], problems: list[Doc], villages: list[str], months: list[str]
) -> dict[str, Any]:
    wanted = set(villages)
    pairs = {
        (str(v.get("unit_code")), str(v.get("month")))
        for v in visits
        if v.get("unit_code") in wanted and v.get("month") in months
    }
    raised = sum(int(v.get("opinions", 0)) for v in visits if v.get("month") in months)
    resolved = sum(1 for p in problems if p.get("visit_id") and p.get("resolved"))
    return {
        "visits": sum(1 for v in visits if v.get("month") in months),
        "visit_rate": rate(len(pairs), len(wanted) * len(months)),
        "problems_raised": raised,
        "problems_resolved": resolved,
        "resolution_rate": rate(resolved, raised),
    }


def notification_figures(notifications: list[Doc]) -> dict[str, Any]:
    sent = [n for n in notifications if n.get("sent")]
    needing = [n for n in sent if n.get("requires_acknowledgement", True)]
    acknowledged = sum(1 for n in needing if n.get("acknowledged"))
    return {
        "sent": len(sent),
        "acknowledged": acknowledged,
        "acknowledgement_rate": rate(acknowledged, len(needing)),
    }


def villages_of(tree: DivisionTree, root: str) -> list[str]:
    return [u.code for u in tree.subtree(root) if u.level is Level.VILLAGE]


def months_so_far(year: int, today: date) -> list[str]:
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return [f"{year}-{m:02d}" for m in range(1, last + 1)]


def deductions_by_unit(inspections: list[Doc]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for i in recorded(inspections):
        code = str(i.get("unit_code"))
        totals[code] = totals.get(code, 0.0) + float(i.get("deduction", 0) or 0)
    return totals


# ---- the bulletin -------------------------------------------------------------------
@dataclass(frozen=True)
class Sources:
    projects: list[Doc]
    inspections: list[Doc]
    rectifications: list[Doc]
    problems: list[Doc]
    visits: list[Doc]


def _within(docs: list[Doc], code: str) -> list[Doc]:
    return [d for d in docs if in_subtree(str(d.get("unit_code")), code)]


def bulletin_row(tree: DivisionTree, unit: Unit, q: Quarter, s: Sources) -> dict[str, Any]:
    projects = _within(s.projects, unit.code)
    completed = sum(
        1
        for p in projects
        if isinstance(p.get("completed_at"), datetime) and p["completed_at"] < q.end
    )
    quarter_months = set(q.months)
    overdue_projects = 0
    overdue_stages = 0
    for p in projects:
        hits = quarter_months.intersection(p.get("flagged_months", []))
        overdue_stages += len(hits)
        overdue_projects += 1 if hits else 0
    inspections = [
        i for i in _within(s.inspections, unit.code) if in_period(i.get("at"), q.start, q.end)
    ]
    failed = sum(1 for i in inspections if not i.get("passed", True))
    deductions = round(sum(float(i.get("deduction", 0) or 0) for i in inspections), 2)
    closed = sum(
        1
        for r in _within(s.rectifications, unit.code)
        if r.get("status") == "closed" and in_period(r.get("closed_at"), q.start, q.end)
    )
    problems = _within(s.problems, unit.code)
    resolved = sum(1 for p in problems if p.get("resolved"))
    villages = [u.code for u in tree.subtree(unit.code) if u.level is Level.VILLAGE]
    visits = visit_figures(_within(s.visits, unit.code), problems, villages, q.months)
    return {
        "unit": unit_json(unit),
        "declared": len(projects),
        "completed": completed,
        "completion_rate": rate(
            completed, len(projects) - sum(1 for p in projects if p.get("status") == "withdrawn")
        ),
        "overdue_stages": overdue_stages,
        "overdue_projects": overdue_projects,
        "overdue_rate": rate(overdue_projects, len(projects)),
        "inspections": len(inspections),
        "failed_inspections": failed,
        "deduction_score": deductions,
        "rectifications_closed": closed,
        "problems": len(problems),
        "problems_resolved": resolved,
        "problem_resolution_rate": rate(resolved, len(problems)),
        "visits": visits["visits"],
        "visit_rate": visits["visit_rate"],
    }


def bulletin(tree: DivisionTree, root: Unit, q: Quarter, s: Sources) -> dict[str, Any]:
    rows = [
        bulletin_row(tree, u, q, s) for u in sorted(tree.children(root.code), key=lambda u: u.code)
    ]
    by_code = {r["unit"]["code"]: r for r in rows}
    for metric, field in (
        ("completion_rate", "rank"),
        ("overdue_rate", "rank_overdue_rate"),
        ("deduction_score", "rank_deduction_score"),
    ):
        for ranked in rank(rows, metric):
            by_code[ranked["unit"]["code"]][field] = ranked["rank"]
    rows.sort(key=lambda r: r["rank"])
    totals = bulletin_row(tree, root, q, s)
    totals.pop("unit")
    return {"rows": rows, "totals": totals}


# ---- every document, and the answers of the figure endpoints --------------------------
@dataclass
class Documents:
    """Every document of each read model of a generation (small test data sets only)."""

    projects: list[Doc]
    inspections: list[Doc]
    rectifications: list[Doc]
    problems: list[Doc]
    visits: list[Doc]
    notifications: list[Doc]

    @classmethod
    async def load(cls, models: ReadModels) -> Documents:
        async def every(name: str) -> list[Doc]:
            return [d async for d in models.collection(name).find({})]

        return cls(
            projects=await every("rpt_projects"),
            inspections=await every("rpt_inspections"),
            rectifications=await every("rpt_rectifications"),
            problems=await every("rpt_problems"),
            visits=await every("rpt_visits"),
            notifications=await every("rpt_notifications"),
        )

    @staticmethod
    def of(docs: list[Doc], region: str, year: int | None) -> list[Doc]:
        """What the old subtree query returned: by unit-code prefix, and year if given."""
        return [
            d
            for d in docs
            if d.get("unit_code") is not None
            and in_subtree(str(d["unit_code"]), region)
            and (year is None or d.get("year") == year)
        ]


def overview(
    docs: Documents, tree: DivisionTree, year: int, root: Unit, today: date
) -> dict[str, Any]:
    projects = Documents.of(docs.projects, root.code, year)
    problems = Documents.of(docs.problems, root.code, year)
    return {
        "year": year,
        "region": unit_json(root),
        "projects": project_figures(projects),
        "coverage": coverage_counts(tree, root.code, projects),
        "supervision": supervision_figures(
            Documents.of(docs.inspections, root.code, year),
            Documents.of(docs.rectifications, root.code, year),
            today,
        ),
        "problems": problem_figures(problems),
        "visits": visit_figures(
            Documents.of(docs.visits, root.code, year),
            problems,
            villages_of(tree, root.code),
            months_so_far(year, today),
        ),
        "notifications": notification_figures(Documents.of(docs.notifications, root.code, year)),
    }


def units(docs: Documents, tree: DivisionTree, year: int, root: Unit) -> dict[str, Any]:
    projects = Documents.of(docs.projects, root.code, year)
    inspections = Documents.of(docs.inspections, root.code, year)
    items = unit_breakdown(tree, root.code, projects, deductions_by_unit(inspections))
    return {"region": unit_json(root), "items": items}


def categories(docs: Documents, year: int, root: Unit) -> dict[str, Any]:
    return {"items": category_breakdown(Documents.of(docs.projects, root.code, year))}


def coverage_answer(docs: Documents, tree: DivisionTree, year: int, root: Unit) -> dict[str, Any]:
    c = coverage(tree, root.code, Documents.of(docs.projects, root.code, year))
    uncovered = []
    for unit in sorted(c["uncovered"], key=lambda u: u.code):
        parent = tree.parent_of(unit.code)
        uncovered.append({**unit_json(unit), "parent_name": parent.name if parent else None})
    return {"units": c["units"], "covered": c["covered"], "uncovered": uncovered}


def bulletin_answer(docs: Documents, tree: DivisionTree, q: Quarter, root: Unit) -> dict[str, Any]:
    sources = Sources(
        projects=Documents.of(docs.projects, root.code, q.year),
        inspections=Documents.of(docs.inspections, root.code, q.year),
        rectifications=Documents.of(docs.rectifications, root.code, None),
        problems=Documents.of(docs.problems, root.code, q.year),
        visits=Documents.of(docs.visits, root.code, q.year),
    )
    return bulletin(tree, root, q, sources)


def freshness(docs: Documents) -> dict[str, Any]:
    every = [
        *docs.projects,
        *docs.inspections,
        *docs.rectifications,
        *docs.problems,
        *docs.visits,
        *docs.notifications,
    ]
    times = [d["updated_at"] for d in every if isinstance(d.get("updated_at"), datetime)]
    return {
        "applied_events": sum(int(d.get("applied_events") or 0) for d in every),
        "as_of": max(times, default=None),
    }

"""The finalized year-end assessment -> a notice to each unit on the 表扬 or 约谈 list.

`assessment-finalized` holds the whole city in one event: every unit's score and rank
and both lists. A `result_list` rule (kind `result_list`, `result_list: praise | talk`)
fans that list out: one notice per unit on it, to the unit's audience (its secretary,
or the unit's role inbox when the directory has no entry). An assessment is finalized
once (its commands answer 409 after), and the dedupe key — rule, the unit's subject
`<assessment id>/<unit>`, recipient, the year — lets a redelivered event through no
second time, so each unit is told exactly once.

Nothing is kept: the event carries everything the notice says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lingban_contracts import Envelope
from lingban_contracts.events import assessment as asm
from lingban_contracts.events.assessment import ListBasis, ResultList
from lingban_contracts.events.projects import Rating
from lingban_contracts.registry import event_type

if TYPE_CHECKING:
    from lingban_notifications.rules.model import Rule
    from lingban_notifications.scheduling.evaluate import Evaluator, Intent

ASSESSMENT_FINALIZED = event_type(asm.AssessmentFinalized)
ASSESSMENT_EVENTS = (ASSESSMENT_FINALIZED,)
# The event's field holding each list.
LIST_FIELD = {ResultList.PRAISE: "praise", ResultList.TALK: "talks"}
LIST_ZH = {ResultList.PRAISE: "表扬", ResultList.TALK: "约谈"}
BASIS_ZH = {
    ListBasis.RATING: "年度项目评价等次",
    ListBasis.RANK: "考核得分排名",
    ListBasis.SCORE: "考核得分",
    ListBasis.MANUAL: "组织部门研究决定",
}
RATING_ZH = {
    Rating.EXCELLENT: "优秀",
    Rating.GOOD: "良好",
    Rating.AVERAGE: "一般",
    Rating.POOR: "较差",
}


def _number(value: Any) -> str:
    return f"{float(value):g}" if value is not None else "—"


def result_list_intents(evaluator: Evaluator, rule: Rule, event: Envelope) -> list[Intent]:
    """One notice per unit on the rule's list of a finalized assessment."""
    if event.type != ASSESSMENT_FINALIZED or rule.result_list is None:
        return []
    data = event.data
    scores = {s["unit_code"]: s for s in data.get("scores", [])}
    assessment_id = str(data["assessment_id"])
    year = str(data["year"])
    intents: list[Intent] = []
    for entry in data.get(LIST_FIELD[rule.result_list], []):
        unit = str(entry["unit_code"])
        score = scores.get(unit, {})
        rating = score.get("rating")
        values = {
            "year": year,
            "list_name": LIST_ZH[rule.result_list],
            "score": _number(score.get("score")),
            "rank": str(score.get("rank", "—")),
            "rating": RATING_ZH[Rating(rating)] if rating else "未评价",
            "basis": BASIS_ZH[ListBasis(entry["basis"])],
            "reason": f"说明：{entry['reason']}。" if entry.get("reason") else "",
        }
        intents += evaluator.intents_for(
            rule,
            "assessment",
            f"{assessment_id}/{unit}",
            unit,
            year,
            values,
            f"/assessments/{year}?unit={unit}",
        )
    return intents

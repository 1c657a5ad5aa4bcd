"""Chinese labels of the contracts' vocabularies, as the offices' paper forms word them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from lingban_contracts.events.projects import Rating
from lingban_contracts.events.supervision import (
    HouseholdKind,
    InspectionMethod,
    ProblemChannel,
    ProblemLevel,
    ProblemSource,
    ProblemStatus,
    RectificationStatus,
    VisitorRole,
)
from lingban_contracts.statuses import PROJECT_STATUS_ZH

RATING_ZH = {
    Rating.EXCELLENT: "优秀",
    Rating.GOOD: "良好",
    Rating.AVERAGE: "一般",
    Rating.POOR: "较差",
}
METHOD_ZH = {
    InspectionMethod.ROUTINE_CHECK: "日常检查",
    InspectionMethod.SPECIAL_RESEARCH: "专项调研",
    InspectionMethod.REPORT_HEARING: "听取汇报",
    InspectionMethod.ON_SITE: "现场督导",
    InspectionMethod.HOUSEHOLD_VISIT: "入户走访",
    InspectionMethod.UNANNOUNCED: "不打招呼、暗访",
}
SOURCE_ZH = {
    ProblemSource.RESIDENTS: "群众提",
    ProblemSource.SELF_EXAMINATION: "自己找",
    ProblemSource.SUPERIOR: "上级点",
    ProblemSource.PEERS: "相互帮",
}
CHANNEL_ZH = {
    ProblemChannel.ONLINE_QUESTIONNAIRE: "扫码问卷",
    ProblemChannel.FORUM: "座谈会",
    ProblemChannel.TALK: "谈心谈话",
    ProblemChannel.SUGGESTION_BOX: "意见箱",
    ProblemChannel.VISIT: "驻点走访",
    ProblemChannel.INSPECTION: "督导检查",
    ProblemChannel.OTHER: "其他",
}
LEVEL_ZH = {ProblemLevel.ORGANISATION: "组织层面", ProblemLevel.INDIVIDUAL: "个人层面"}
PROBLEM_STATUS_ZH = {
    ProblemStatus.OPEN: "待整改",
    ProblemStatus.IN_PROGRESS: "整改中",
    ProblemStatus.RESOLVED: "已办结",
}
RECTIFICATION_STATUS_ZH = {
    RectificationStatus.OPEN: "整改中",
    RectificationStatus.SUBMITTED: "已提交，待核验",
    RectificationStatus.CLOSED: "已销号",
}
# The dashboard's view of a rectification (`overview/lists.py: rectification_status`).
RECTIFICATION_VIEW_ZH = {"open": "整改中", "overdue": "已逾期", "closed": "已销号"}
HOUSEHOLD_ZH = {
    HouseholdKind.ORDINARY: "普通户",
    HouseholdKind.VETERAN_PARTY_MEMBER: "老党员",
    HouseholdKind.LIFTED_OUT_OF_POVERTY: "脱贫户",
    HouseholdKind.PETITIONER: "信访户",
    HouseholdKind.IN_DIFFICULTY: "困难户",
}
VISITOR_ZH = {
    VisitorRole.LEADER: "驻点领导",
    VisitorRole.TEAM: "驻点工作队",
    VisitorRole.VILLAGE_STAFF: "村（社区）干部",
}
PRE_APPROVAL_STEP_ZH = {
    "investigation": "深入调查",
    "collective_study": "集体研究",
    "filing": "报备",
    "announcement": "公示公开",
}
TOPIC_SOURCE_ZH = {"assigned": "点题", "chosen": "选题"}
STATUS_ZH: dict[str, str] = {str(k): v for k, v in PROJECT_STATUS_ZH.items()}


def zh(labels: dict[Any, str], value: Any) -> str:
    """The label of a stored value (as stored: a plain string), else the value itself."""
    if value is None:
        return ""
    for key, label in labels.items():
        if (key.value if isinstance(key, StrEnum) else key) == value:
            return label
    return str(value)


def yes_no(value: Any) -> str:
    return "是" if value else "否"

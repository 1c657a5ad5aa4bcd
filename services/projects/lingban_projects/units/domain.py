"""Changes to the division tree, as pure rules (no I/O).

The tree is the projects service's managed reference data (see
`lingban_contracts.divisions`). A change is checked against the whole tree as
it would be afterwards, so the tree is never left with a unit hanging below
nothing, below a unit of its own level, or outside its parent's code range.

    register  a new unit below an active parent           -> unit-registered
    update    name / secretary / parent of an active unit  -> unit-updated
    merge     an active unit into another of its level     -> unit-merged
              (it must have no active units below it: move or merge them first;
              its open projects then move to the successor, `transfers.py`)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lingban_contracts.base import EventData
from lingban_contracts.divisions import DivisionTree, Level, TreeError, Unit, check_placement
from lingban_contracts.events import divisions as dev
from lingban_kit.errors import Conflict, NotFound, ValidationFailed

UPDATABLE = ("name", "secretary", "parent")


class TreeRuleBroken(ValidationFailed):
    pass


@dataclass(frozen=True)
class UnitChange:
    """One unit after a change, the event that says so, and the version it gets."""

    unit: Unit
    version: int
    event: EventData


def _refuse(message: str, message_en: str) -> TreeRuleBroken:
    return TreeRuleBroken(message=message, message_en=message_en)


def _placed(tree: DivisionTree, unit: Unit) -> None:
    parent = tree.get(unit.parent) if unit.parent else None
    if unit.parent is not None and (parent is None or not parent.active):
        raise _refuse(
            f"上级单位 {unit.parent} 不存在或已撤并", f"Parent unit {unit.parent} does not exist"
        )
    why = check_placement(unit, parent)
    if why is not None:
        raise _refuse(*why)


def register(tree: DivisionTree, unit: Unit, reason: str = "") -> UnitChange:
    if tree.get(unit.code) is not None:
        raise Conflict(
            message=f"区划代码 {unit.code} 已被使用", message_en=f"Code {unit.code} is already used"
        )
    if unit.parent is None:
        raise _refuse("新单位必须有上级单位", "A new unit needs a parent")
    _placed(tree, unit)
    return UnitChange(
        unit, 1, dev.UnitRegistered(unit=dev.UnitState.of(unit), version=1, reason=reason)
    )


def unit_not_found(code: str) -> NotFound:
    """A unit that does not exist, or one outside the caller's reach (the same answer)."""
    return NotFound(message=f"未找到单位 {code}", message_en=f"Unit {code} not found")


def _active(tree: DivisionTree, code: str) -> Unit:
    unit = tree.get(code)
    if unit is None:
        raise unit_not_found(code)
    if not unit.active:
        raise Conflict(
            message=f"单位 {code} 已撤并到 {unit.merged_into}，不能再修改",
            message_en=f"Unit {code} was merged into {unit.merged_into}; it cannot change",
        )
    return unit


def update(
    tree: DivisionTree,
    code: str,
    version: int,
    *,
    name: str | None = None,
    secretary: str | None = None,
    parent: str | None = None,
    reason: str = "",
) -> UnitChange | None:
    """The change, or None when nothing differs (a repeated request changes nothing)."""
    current = _active(tree, code)
    wanted = {"name": name, "secretary": secretary, "parent": parent}
    changed = [f for f in UPDATABLE if wanted[f] is not None and wanted[f] != getattr(current, f)]
    if not changed:
        return None
    after = replace(
        current,
        name=name if name is not None else current.name,
        secretary=secretary if secretary is not None else current.secretary,
        parent=parent if parent is not None else current.parent,
    )
    if "parent" in changed:
        if current.parent is None:
            raise _refuse("市级单位不能调整上级", "The city has no parent to change")
        _placed(tree, after)
        try:
            tree.with_unit(after)
        except TreeError as error:
            raise _refuse(f"调整后区划树不成立：{error}", str(error)) from None
    return UnitChange(
        after,
        version + 1,
        dev.UnitUpdated(
            unit=dev.UnitState.of(after), version=version + 1, changed=changed, reason=reason
        ),
    )


def merge(tree: DivisionTree, code: str, version: int, into: str, reason: str) -> UnitChange:
    current = _active(tree, code)
    target = _active(tree, into)
    if code == into:
        raise _refuse("不能并入自身", "A unit cannot be merged into itself")
    if current.parent is None:
        raise _refuse("市级单位不能撤并", "The city cannot be merged")
    if target.level is not current.level:
        raise _refuse(
            f"只能并入同级单位（{current.name} 是 {current.level}，{target.name} 是 {target.level}）",
            f"A {current.level} can only be merged into another {current.level}",
        )
    below = tree.children(code)
    if below:
        raise Conflict(
            message=f"{current.name} 下还有 {len(below)} 个单位，请先调整或撤并它们",
            message_en=f"{current.name} still has {len(below)} units below it: move them first",
        )
    if not reason.strip():
        raise _refuse("撤并需要说明原因（如批复文号）", "A merge needs a reason")
    after = replace(current, active=False, merged_into=into)
    return UnitChange(
        after,
        version + 1,
        dev.UnitMerged(unit=dev.UnitState.of(after), version=version + 1, into=into, reason=reason),
    )


def child_level(parent: Unit) -> tuple[Level, ...]:
    """The levels a unit below `parent` may have (a county-level city has townships)."""
    return tuple(level for level in Level if level.depth > parent.level.depth)

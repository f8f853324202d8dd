"""Household status: the allowed transitions, the one action that changes status, and the
removal (清退, procedure 2): a status change with a reason, never a delete."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from poverty_system import access

from ..choices import HouseholdStatus as S
from ..models import Household, StatusChange
from .base import HouseholdError, lock_for_edit, stamp

# From each status, the statuses a household may move to. 登记中 → 贫困户 when the approval
# part is saved; 脱贫 by the township, 返贫 by the county (assessment app); 清退 by the village.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REGISTERING: frozenset({S.POOR, S.REMOVED}),
    S.POOR: frozenset({S.LIFTED, S.REMOVED}),
    S.LIFTED: frozenset({S.RETURNED, S.LIFTED_NO_SUPPORT, S.REMOVED}),
    S.LIFTED_NO_SUPPORT: frozenset({S.RETURNED, S.REMOVED}),
    S.RETURNED: frozenset({S.LIFTED, S.REMOVED}),
    S.REMOVED: frozenset(),
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def record_status_change(
    actor, household: Household, from_status: str, reason: str, phone=None
) -> StatusChange:
    return StatusChange.objects.create(
        household=household,
        year=timezone.localdate().year,
        from_status=from_status,
        to_status=household.status,
        reason=reason,
        actor=actor,
        phone=phone.phone if phone is not None else "",
    )


def apply_status(
    actor, household: Household, to_status: str, reason: str, phone=None
) -> StatusChange:
    """For actions that already hold the household row locked: check the transition, save
    the household (with any other pending changes, one history row) and record the change."""
    reason = (reason or "").strip()
    if not reason:
        raise HouseholdError("请填写意见或原因。", "reason")
    if len(reason) > 500:
        raise HouseholdError("意见或原因不能超过 500 字。", "reason")
    from_status = household.status
    if not can_transition(from_status, to_status):
        raise HouseholdError(
            f"状态为“{S(from_status).label}”的户不能变更为“{S(to_status).label}”。"
        )
    household.status = to_status
    stamp(household, actor, phone, reason=f"{S(to_status).label}：{reason}"[:100])
    household.save()
    return record_status_change(actor, household, from_status, reason, phone)


def set_status(
    actor, household: Household, to_status: str, reason: str, *, phone=None
) -> StatusChange:
    """Change a household's status in one transaction, refusing transitions not in
    TRANSITIONS. The calling action checks that the actor's role may make this change."""
    with transaction.atomic():
        locked = access.get_household_for_user(
            actor, household.pk, queryset=Household.objects.select_for_update()
        )
        change = apply_status(actor, locked, to_status, reason, phone)
    household.status = locked.status
    return change


# --- removal (清退) ----------------------------------------------------------------------
# The steps that must be undone before a household may be removed, each a check returning
# the message that says what to undo first and by whom, or None, in the manual's order:
# unassign (unit) → unlink (township) → remove (village). The units app's rows are read
# through reverse relations (household.cadre_assignments, household.unit_links): no import.


def _not_removed(household: Household) -> str | None:
    if household.status == S.REMOVED:
        return "该户已清退。"
    return None


def _not_assigned(household: Household) -> str | None:
    # Reverse relation of units.Assignment: read through the related manager, no import.
    if household.cadre_assignments.filter(ended_at__isnull=True).exists():
        return "请先由帮扶单位解除该户与帮扶干部的关联（帮扶干部信息管理 › 分配）"
    return None


def _not_linked(household: Household) -> str | None:
    # Reverse relation of units.HouseholdLink (关联单位), no import of units.
    if household.unit_links.filter(ended_at__isnull=True).exists():
        return "请先由乡镇扶贫办取消该户与帮扶单位的关联（关联单位 › 取消关联）"
    return None


REMOVAL_CHECKS: list[Callable[[Household], str | None]] = [
    _not_removed,
    _not_assigned,
    _not_linked,
]


def removal_blockers(household: Household) -> list[str]:
    return [message for check in REMOVAL_CHECKS if (message := check(household))]


def remove_household(actor, household: Household, reason: str, *, phone) -> StatusChange:
    """清退: the village (with the claiming phone) removes a wrongly identified household."""
    with transaction.atomic():
        locked = lock_for_edit(actor, household, phone)
        blockers = removal_blockers(locked)
        if blockers:
            raise HouseholdError("不能清退：" + "；".join(blockers))
        change = apply_status(actor, locked, S.REMOVED, reason, phone)
    household.status = locked.status
    return change

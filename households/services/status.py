"""清退 (procedure 2): the village removes a wrongly identified household, a status change
with a reason and its evidence (佐证材料: JPEG, PNG or PDF checked by content, the same check
as the identification steps', append-only), never a delete. The status machine itself is
households.lifecycle."""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

from poverty_system.core import uploads
from poverty_system.core.actor import Actor

from ..choices import HouseholdStatus as S
from ..lifecycle import transition
from ..models import Household, StatusChange, StatusEvidence
from .base import HouseholdError, lock_for_edit

# The steps that must be undone before a household may be removed, in the manual's order,
# each a check returning the message that says what to undo first and by whom, or None.
# Links and assignments are read through reverse relations (households imports no app
# above it): the units app's models add them.


def _not_removed(household: Household) -> str | None:
    if household.status == S.REMOVED:
        return "该户已清退。"
    return None


def _no_active_assignment(household: Household) -> str | None:
    # units.Assignment's reverse relation, read by name: households imports nothing above it.
    if household.cadre_assignments.filter(ended_at__isnull=True).exists():
        return "请先由帮扶单位解除该户与帮扶干部的关联（帮扶干部信息管理 › 分配）。"
    return None


def _no_active_unit_link(household: Household) -> str | None:
    # units.HouseholdLink (关联单位), the same way.
    if household.unit_links.filter(ended_at__isnull=True).exists():
        return "请先由乡镇扶贫办取消该户与帮扶单位的关联（乡镇管理贫困户 › 取消关联）。"
    return None


REMOVAL_CHECKS: list[Callable[[Household], str | None]] = [
    _not_removed,
    _no_active_assignment,
    _no_active_unit_link,
]


def removal_blockers(household: Household) -> list[str]:
    return [message for check in REMOVAL_CHECKS if (message := check(household))]


def remove_household(
    actor: Actor,
    household: Household,
    reason: str,
    *,
    version: Any = None,
    files: Sequence[Any] = (),
) -> StatusChange:
    """清退: the village (with the claiming phone) removes a wrongly identified household,
    with its evidence files (at most five, JPEG/PNG/PDF by content) kept on the change."""
    checked = uploads.check_files(list(files), HouseholdError, per="每次清退")
    with transaction.atomic(durable=True):
        locked = lock_for_edit(actor, household, version)
        blockers = removal_blockers(locked)
        if blockers:
            raise HouseholdError("不能清退：" + "；".join(blockers))
        change = transition(actor, locked, S.REMOVED, reason)
        save_evidence(change, checked)
    household.status = locked.status
    return change


def save_evidence(change: StatusChange, checked: list[tuple[Any, str]]) -> None:
    for upload, ext in checked:
        evidence = StatusEvidence(
            change=change,
            content_type=uploads.CONTENT_TYPES[ext],
            size=upload.size,
            name=uploads.original_name(upload),
        )
        evidence.file.save(uploads.stored_name(ext), upload, save=False)
        evidence.save()

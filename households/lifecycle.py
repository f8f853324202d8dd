"""The household status machine: the one owner of `Household.status`.

The statuses and the transitions between them, the permission each target status needs, and
the one private function that applies a change (saves the household with its change-log row,
writes the append-only StatusChange row and the audit entry). Public actions (registration,
清退, and the assessment app's 脱贫, 返贫 and 综合回退) call `transition`, `transition_many`,
`rollback_last` or `inherit_status`; each checks through the access layer that the actor's role
may make the change, so no path lets a read-only account (city office) change a status.
Callers hold the household rows locked (select_for_update) inside their transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from poverty_system.core import access, audit, changelog, text
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import (
    ADMIT_HOUSEHOLDS,
    MARK_LIFTED,
    REMOVE_HOUSEHOLDS,
    RETURN_TO_POVERTY,
    ROLLBACK_STATUS,
)
from poverty_system.core.versioning import bump

from . import seals
from .choices import HouseholdStatus as S
from .models import Household, StatusChange

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

# From each status, the statuses a household may move to. 登记中 → 贫困户 at the county's 公告
# of its identification (两公示一比对一公告); 脱贫 by the township, 返贫 by the county; 清退 by
# the village. 登记中 → 监测户 at the county's 公告 of a monitoring identification of a family
# never registered as poor (边缘易致贫户 / 突发严重困难户).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REGISTERING: frozenset({S.POOR, S.MONITORED, S.REMOVED}),
    S.POOR: frozenset({S.LIFTED, S.LIFTED_NO_SUPPORT, S.REMOVED}),
    S.LIFTED: frozenset({S.RETURNED, S.LIFTED_NO_SUPPORT, S.REMOVED}),
    S.LIFTED_NO_SUPPORT: frozenset({S.RETURNED, S.REMOVED}),
    S.RETURNED: frozenset({S.LIFTED, S.LIFTED_NO_SUPPORT, S.REMOVED}),
    S.REMOVED: frozenset(),
    S.MONITORED: frozenset({S.POOR, S.REMOVED}),
}

# The permission an account must hold on the household's village to move it to a status
# (roles.py declares which roles hold each).
TARGET_PERMS: dict[str, str] = {
    S.POOR: ADMIT_HOUSEHOLDS,  # the county's 公告 of a new household (identification)
    S.MONITORED: ADMIT_HOUSEHOLDS,  # the county's 公告 of a monitoring identification
    S.REMOVED: REMOVE_HOUSEHOLDS,
    S.LIFTED: MARK_LIFTED,
    S.LIFTED_NO_SUPPORT: MARK_LIFTED,
    S.RETURNED: RETURN_TO_POVERTY,
}

REASON_MAX = 500
Kind = StatusChange.Kind


class StatusError(ActionError):
    """A refused status change, with the Chinese message to show."""


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def may_set(user: AnyUser, household: Household, to_status: str) -> bool:
    """Whether the account's role may move this household to `to_status`."""
    perm = TARGET_PERMS.get(to_status)
    return perm is not None and access.has_code_perm(user, perm, household.village_code)


def may_rollback(user: AnyUser, household: Household) -> bool:
    """综合回退: the offices that mark exits or returns undo the current year's last change."""
    return access.has_code_perm(user, ROLLBACK_STATUS, household.village_code)


def clean_reason(reason: str, field: str = "reason") -> str:
    """The reason of a change, stripped; `field` is the form field it came from."""
    return text.clean_reason(reason, "意见或原因", limit=REASON_MAX, field=field, error=StatusError)


def refusal(household: Household, to_status: str) -> str | None:
    """Why the transition map forbids this change, or None."""
    if can_transition(household.status, to_status):
        return None
    return f"状态为“{S(household.status).label}”的户不能变更为“{S(to_status).label}”。"


def _check_perm(actor: Actor, household: Household, to_status: str) -> None:
    if not may_set(actor.user, household, to_status):
        raise PermissionDenied(f"您的账号不能把贫困户变更为“{S(to_status).label}”。")


def _change_row(
    actor: Actor,
    household: Household,
    from_status: str,
    reason: str,
    kind: str,
    reverts: StatusChange | None = None,
    year: int | None = None,
) -> StatusChange:
    return StatusChange(
        household=household,
        year=year or current_year(),
        kind=kind,
        reverts=reverts,
        from_status=from_status,
        to_status=household.status,
        reason=reason,
        actor=actor.account,
        phone=actor.phone_number,
    )


def _audit(actor: Actor, change: StatusChange, household: Household) -> None:
    audit.record(
        actor,
        audit.STATUS_ROLLBACK if change.kind == Kind.ROLLBACK else audit.STATUS_CHANGE,
        obj=household,
        detail={
            "from": change.from_status,
            "to": change.to_status,
            "kind": change.kind,
            "year": change.year,
        },
    )


def _apply(
    actor: Actor,
    locked: Sequence[Household],
    to_status: str,
    reason: str,
    *,
    kind: str,
    reverts: StatusChange | None = None,
    year: int | None = None,
    batch: bool = False,
) -> list[StatusChange]:
    """The one place statuses change: each household's status and version, its change-log
    row, its StatusChange event and its audit entry. One household is saved whole (pending
    field edits go into the same change-log row); a batch in a constant number of statements.
    The caller checked role and transition; a sealed year is refused here."""
    seals.refuse_sealed([h.village_code for h in locked], year or current_year())
    changes = []
    for household in locked:
        from_status = household.status
        household.status = to_status
        bump(household)
        changes.append(_change_row(actor, household, from_status, reason, kind, reverts, year))
    log = f"{Kind(kind).label}：{S(to_status).label}：{reason}"
    if batch:
        changelog.bulk_update(actor, list(locked), ["status", "version"], reason=log)
    else:
        for household in locked:
            changelog.save(actor, household, reason=log)
    _record(actor, locked, changes, batch=batch)
    return changes


def _record(
    actor: Actor, households: Sequence[Household], changes: list[StatusChange], *, batch: bool
) -> None:
    """The events and audit entries of changes already applied to the households."""
    if batch:
        StatusChange.objects.bulk_create(changes)
        audit.record_many(
            actor,
            audit.STATUS_CHANGE,
            [
                (h, {"from": c.from_status, "to": c.to_status, "kind": c.kind, "year": c.year})
                for h, c in zip(households, changes, strict=True)
            ],
        )
        return
    for household, change in zip(households, changes, strict=True):
        change.save()
        _audit(actor, change, household)


def transition(
    actor: Actor, locked: Household, to_status: str, reason: str, *, year: int | None = None
) -> StatusChange:
    """Move one locked household to `to_status` (any pending field changes on it are saved in
    the same change-log row)."""
    _check_perm(actor, locked, to_status)
    reason = clean_reason(reason)
    message = refusal(locked, to_status)
    if message:
        raise StatusError(message)
    return _apply(actor, [locked], to_status, reason, kind=Kind.CHANGE, year=year)[0]


def transition_many(
    actor: Actor,
    locked: Sequence[Household],
    to_status: str,
    reason: str,
    *,
    year: int | None = None,
) -> list[StatusChange]:
    """Batch form of `transition` for households the caller has locked and checked: the same
    rows in a constant number of statements (bulk change log, bulk events, bulk audit)."""
    reason = clean_reason(reason)
    for household in locked:
        _check_perm(actor, household, to_status)
        message = refusal(household, to_status)
        if message:
            raise StatusError(f"{household.number}：{message}")
    return _apply(actor, locked, to_status, reason, kind=Kind.CHANGE, year=year, batch=True)


def last_change(household: Household) -> StatusChange | None:
    return (
        StatusChange.objects.filter(household=household)
        .exclude(kind=Kind.SPLIT)
        .order_by("-at", "-pk")
        .first()
    )


def rollback_refusal(household: Household, last: StatusChange | None) -> str | None:
    """Why the household's last change cannot be rolled back (综合回退), or None."""
    if last is None:
        return "该户没有可回退的状态变更。"
    if last.kind == Kind.ROLLBACK:
        return "该户最近一次操作已是回退，不能再次回退。"
    if last.year != current_year():
        return "只能回退本年度的最后一次状态变更。"
    if household.status != last.to_status:
        return "该户状态已变化，请刷新后重试。"
    return None


def rollback_last(actor: Actor, locked: Household, reason: str) -> StatusChange:
    """综合回退: undo the current year's last status change, back to the state before it; a
    new event of kind rollback that names the change it reverts."""
    if not may_rollback(actor.user, locked):
        raise PermissionDenied("您的账号不能进行综合回退。")
    reason = clean_reason(reason)
    last = last_change(locked)
    message = rollback_refusal(locked, last)
    if message or last is None:
        raise StatusError(message or "该户没有可回退的状态变更。")
    return _apply(actor, [locked], last.from_status, reason, kind=Kind.ROLLBACK, reverts=last)[0]


def inherit_status(
    actor: Actor, new_household: Household, status: str, reason: str
) -> StatusChange:
    """分户: the new household starts with the status of the one it split from. Not a
    transition (there is no earlier status; the action saved the new household with its
    change-log baseline), recorded as its own kind through the same event and audit writer."""
    new_household.status = status
    change = _change_row(actor, new_household, "", reason, Kind.SPLIT)
    _record(actor, [new_household], [change], batch=False)
    return change


def set_status(actor: Actor, household: Household, to_status: str, reason: str) -> StatusChange:
    """One household to `to_status` in its own transaction (404 outside the slice, 403 when
    the role may not make this change)."""
    from django.db import transaction

    from .access import get_household_for_user

    with transaction.atomic(durable=True):
        locked = get_household_for_user(
            actor.user, household.pk, queryset=Household.objects.select_for_update()
        )
        change = transition(actor, locked, to_status, reason)
    household.status, household.version = locked.status, locked.version
    return change

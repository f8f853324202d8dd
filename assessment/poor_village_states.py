"""The poor-village record's state machine (贫困村信息): the one owner of PoorVillage.state.

draft → submitted (上报, township) → approved (审核通过, county) / returned (退回 with a reason,
county) → submitted again (重新上报) …; approved → exited (出列, county, when the poverty
incidence is below the threshold). Each change: the record's change-log row, an append-only
PoorVillageEvent and an audit entry. Callers hold the record locked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from poverty_system.core import audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.roles import APPROVE_POOR_VILLAGES, SUBMIT_POOR_VILLAGES
from poverty_system.core.text import clean_reason
from poverty_system.core.versioning import bump

from .access import may
from .models import PoorVillage, PoorVillageEvent
from .services.base import AssessmentError

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

State = PoorVillage.State

TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.SUBMITTED}),
    State.RETURNED: frozenset({State.SUBMITTED}),
    State.SUBMITTED: frozenset({State.APPROVED, State.RETURNED}),
    State.APPROVED: frozenset({State.EXITED}),
    State.EXITED: frozenset(),
}
TARGET_PERMS: dict[str, str] = {
    State.SUBMITTED: SUBMIT_POOR_VILLAGES,
    State.APPROVED: APPROVE_POOR_VILLAGES,
    State.RETURNED: APPROVE_POOR_VILLAGES,
    State.EXITED: APPROVE_POOR_VILLAGES,
}
EDITABLE = (State.DRAFT, State.RETURNED)
ACTION_LABELS: dict[str, str] = {
    State.SUBMITTED: "上报",
    State.APPROVED: "审核通过",
    State.RETURNED: "退回",
    State.EXITED: "出列",
}
REASON_MAX = 500


def may_set(user: AnyUser, record: PoorVillage, to_state: str) -> bool:
    perm = TARGET_PERMS.get(to_state)
    return perm is not None and may(user, perm, record.village_code)


def transition(actor: Actor, locked: PoorVillage, to_state: str, reason: str = "") -> None:
    if not may_set(actor.user, locked, to_state):
        raise PermissionDenied(f"您的账号不能{ACTION_LABELS.get(to_state, '变更')}贫困村信息。")
    if to_state not in TRANSITIONS[locked.state]:
        raise AssessmentError(
            f"状态为“{State(locked.state).label}”的贫困村信息不能{ACTION_LABELS[to_state]}。"
        )
    reason = clean_reason(
        reason,
        "意见或原因",
        limit=REASON_MAX,
        required=to_state == State.RETURNED,
        missing="请填写退回原因。",
        error=AssessmentError,
    )
    from_state = locked.state
    locked.state = to_state
    if to_state == State.RETURNED:
        locked.return_reason = reason
    bump(locked)
    changelog.save(actor, locked, reason=f"{ACTION_LABELS[to_state]}：{reason}"[:100])
    PoorVillageEvent.objects.create(
        record=locked, from_state=from_state, to_state=to_state, reason=reason, actor=actor.account
    )
    audit.record(
        actor,
        audit.RECORD_STATE,
        obj=locked,
        region_code=locked.village_code,
        detail={"from": from_state, "to": to_state, "year": locked.year},
    )

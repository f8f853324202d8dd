"""脱贫, 返贫 and 综合回退 of households (procedure 6 of the manual), through the one status
owner, households.lifecycle.

脱贫 is a batch: every ticked household is checked against the year's exit criteria; those
that fail are refused with every failing criterion and stay as they were, the rest change in
one transaction (lifecycle.transition_many: a constant number of statements).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from households import lifecycle
from households.access import filter_households, get_household_for_user
from households.choices import HouseholdStatus as S
from households.models import Household, StatusChange
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.ids import ids_or_404
from poverty_system.core.roles import MARK_LIFTED, RETURN_TO_POVERTY
from villages.models import Region

from ..access import may
from ..criteria import ExitResult, exit_check
from .base import AssessmentError

LIFT_TARGETS = (S.LIFTED, S.LIFTED_NO_SUPPORT)
LIFTABLE = (S.POOR, S.RETURNED)
RETURNABLE = (S.LIFTED, S.LIFTED_NO_SUPPORT)
RETURN_REASONS = {
    "disaster": "因灾返贫",
    "illness": "因病返贫",
    "schooling": "因学返贫",
    "disability": "因残返贫",
    "other": "其他",
}
BATCH_MAX = 5000


@dataclass
class LiftOutcome:
    changed: list[Household] = field(default_factory=list)
    refused: list[tuple[Household, list[str]]] = field(default_factory=list)
    checks: dict[int, ExitResult] = field(default_factory=dict)


def _ids(household_ids: Iterable[object]) -> list[int]:
    ids = ids_or_404(household_ids)
    if not ids:
        raise AssessmentError("请勾选贫困户。", "households")
    if len(ids) > BATCH_MAX:
        raise AssessmentError(f"一次最多处理 {BATCH_MAX} 户。", "households")
    return ids


def _lock(actor: Actor, ids: list[int], perm: str) -> list[Household]:
    """The households locked in id order (no deadlock between two batches): 404 when one is
    missing or outside the slice, 403 when the role lacks perm on one."""
    locked = list(
        filter_households(Household.objects.select_for_update(), actor.user)
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise Http404
    if not all(may(actor.user, perm, h.village_code) for h in locked):
        raise PermissionDenied
    return locked


def _exits_go_through_publicity(households: list[Household]) -> bool:
    """Whether a county of these households has chosen exits through 公示 (the
    identification app's rules, read by their reverse relation name: assessment imports no
    app above it). Without a choice the Ganzhou township-only 脱贫 applies."""
    counties = {h.village_code[:6] for h in households}
    return bool(
        Region.objects.filter(
            code__in=counties, identification_rules__exit_mode__in=("township", "county")
        ).exists()
    )


def mark_lifted(
    actor: Actor,
    household_ids: Iterable[object],
    to_status: str,
    opinion: str,
    *,
    year: int | None = None,
) -> LiftOutcome:
    """脱贫 / 脱贫(不再享受政策) by the township office, with its opinion (required)."""
    if to_status not in LIFT_TARGETS:
        raise AssessmentError("请选择“脱贫”或“脱贫(不再享受政策)”。")
    ids = _ids(household_ids)
    if not (opinion or "").strip():
        raise AssessmentError("请填写脱贫意见。", "opinion")
    opinion = lifecycle.clean_reason(opinion, "opinion")
    year = year or current_year()
    outcome = LiftOutcome()
    with transaction.atomic(durable=True):
        locked = _lock(actor, ids, MARK_LIFTED)
        if _exits_go_through_publicity(locked):
            raise AssessmentError(
                "本县脱贫须经村内公示、乡镇审核后公告，请在【动态管理 › 脱贫】中发起。"
            )
        outcome.checks = exit_check(locked, year)
        for household in locked:
            reasons = []
            if household.status not in LIFTABLE:
                reasons.append(f"状态为“{S(household.status).label}”，不是贫困户或返贫户")
            else:
                reasons.extend(outcome.checks[household.pk].failures)
            if reasons:
                outcome.refused.append((household, reasons))
            else:
                outcome.changed.append(household)
        if outcome.changed:
            lifecycle.transition_many(actor, outcome.changed, to_status, opinion, year=year)
        if outcome.refused:
            audit.record_many(
                actor,
                audit.STATUS_CHANGE,
                [(h, {"to": to_status, "refused": reasons}) for h, reasons in outcome.refused],
                outcome=audit.FAILED,
            )
    return outcome


def return_reason(code: str, text: str) -> str:
    label = RETURN_REASONS.get(code)
    if label is None:
        raise AssessmentError("请选择返贫原因。", "reason")
    text = (text or "").strip()
    if code == "other" and not text:
        raise AssessmentError("返贫原因为“其他”时请填写具体原因。", "text")
    return f"{label}：{text}" if text else label


def return_to_poverty(
    actor: Actor, household_ids: Iterable[object], reason_code: str, text: str = ""
) -> list[StatusChange]:
    """返贫 by the county office: all ticked households or none (each refusal listed)."""
    ids = _ids(household_ids)
    reason = return_reason(reason_code, text)
    with transaction.atomic(durable=True):
        locked = _lock(actor, ids, RETURN_TO_POVERTY)
        wrong = [h for h in locked if h.status not in RETURNABLE]
        if wrong:
            raise AssessmentError(
                "以下户不是已脱贫户，不能返贫："
                + "、".join(f"{h.head_name}（{h.number}，{S(h.status).label}）" for h in wrong)
            )
        return lifecycle.transition_many(actor, locked, S.RETURNED, reason)


def rollback_status(actor: Actor, household: Household, reason: str) -> StatusChange:
    """综合回退 of the household's last status change of the current year."""
    with transaction.atomic(durable=True):
        locked = get_household_for_user(
            actor.user, household.pk, queryset=Household.objects.select_for_update()
        )
        return lifecycle.rollback_last(actor, locked, reason)

"""The case state machine: the one owner of Case.step and Case.state.

A case runs its chain (identification.chains) one step at a time: only the step due, by the
step's role on the case's village, never before the 公示 before it has ended, never twice.
Each step is an append-only CaseEvent (actor, time, opinion, dates, attachments) with an audit
entry; a review step may return the case to its first step with a reason; the last step
(公告) applies the chain's effect, by default the household's status through
households.lifecycle. Callers hold the case row locked (select_for_update) in their
transaction, so of two officers deciding the same step at once one wins and the other is
told the step is done.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from households import lifecycle
from households.models import Household
from poverty_system.core import audit
from poverty_system.core.access import signs_in_by_phone
from poverty_system.core.actor import Actor
from poverty_system.core.versioning import bump

from . import attachments
from .access import may_act
from .chains import CHECK, NOTICE, PUBLICITY, RECORD, REVIEW, Chain, Step, chain_of
from .errors import IdentificationError
from .models import Case, CaseEvent, CountyRules

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

Action = CaseEvent.Action
OPINION_MAX = 500
DEFAULT_PUBLICITY_DAYS = 7
COUNTY_DIGITS = 6


@dataclass
class StepInput:
    """What a step's form sends: the decision, the opinion, the dates and the files."""

    approve: bool = True
    opinion: str = ""
    date: datetime.date | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    files: list[Any] = field(default_factory=list)
    # 不纳入 at a step that `declines`: the case ends with the opinion as the reason.
    decline: bool = False


def rules_for(code: str) -> CountyRules:
    """The county's rules (an unsaved default when the county has set none)."""
    county = code[:COUNTY_DIGITS]
    rules = CountyRules.objects.filter(county__code=county).first()
    return rules or CountyRules(publicity_days=DEFAULT_PUBLICITY_DAYS)


def publicity_days(case: Case) -> int:
    """The least days of a 公示 of this case: its chain's own rule, else the county's."""
    chain = chain_of(case.kind)
    if chain.publicity_days is not None:
        return chain.publicity_days(case)
    return rules_for(case.village_code).publicity_days


def due(case: Case) -> Step | None:
    return chain_of(case.kind).step(case.step) if case.state == Case.State.OPEN else None


def latest_events(case: Case) -> dict[str, CaseEvent]:
    """The latest event of each step since the case was last returned (the current round)."""
    latest: dict[str, CaseEvent] = {}
    for event in case.events.order_by("at", "pk"):
        if event.action == Action.RETURNED:
            latest = {}
        else:
            latest[event.step] = event
    return latest


def may_do(user: AnyUser, case: Case, step: Step) -> bool:
    return may_act(user, step.perm, case.village_code)


def order_refusal(case: Case, code: str) -> str | None:
    """Why `code` is not the step due (out of order, repeated, closed), or None."""
    chain = chain_of(case.kind)
    step = chain.step(code)
    if step is None:
        return "没有这个环节。"
    if case.state != Case.State.OPEN:
        if case.state == Case.State.ENDED:
            return "该户的识别程序已终止（不予纳入），不能再办理。"
        return "该户的识别程序已公告完成，不能再办理。"
    if code == case.step:
        return None
    due_step = chain.step(case.step)
    due_label = due_step.label if due_step else ""
    if case.return_reason and chain.index(code) > chain.index(case.step):
        return (
            f"该户已退回至【{due_label}】（退回原因：{case.return_reason}），"
            f"不能办理【{step.label}】。"
        )
    if chain.index(code) < chain.index(case.step):
        return f"【{step.label}】已办理，不能重复办理；当前待办环节为【{due_label}】。"
    return f"请先办理【{due_label}】，再办理【{step.label}】。"


def early_refusal(
    case: Case, step: Step, latest: dict[str, CaseEvent], today: datetime.date
) -> str | None:
    """A step after a 公示 waits until the 公示 has ended."""
    chain = chain_of(case.kind)
    i = chain.index(step.code)
    if i == 0:
        return None
    before = chain.steps[i - 1]
    event = latest.get(before.code)
    if before.form == PUBLICITY and event and event.end_date and today <= event.end_date:
        return (
            f"【{before.label}】至 {event.end_date:%Y-%m-%d} 结束，"
            f"公示期满后才能办理【{step.label}】。"
        )
    return None


def _clean_opinion(step: Step, data: StepInput) -> str:
    opinion = (data.opinion or "").strip()
    if len(opinion) > OPINION_MAX:
        raise IdentificationError(f"{step.opinion_label}不能超过 {OPINION_MAX} 字。", "opinion")
    if data.decline and not step.declines:
        raise IdentificationError(f"【{step.label}】不能作出不予纳入的决定。", "opinion")
    if data.decline and not opinion:
        raise IdentificationError("请填写不予纳入的理由。", "opinion")
    if step.form in (REVIEW, CHECK) and not data.approve and not opinion:
        raise IdentificationError("请填写退回原因。", "opinion")
    if step.form == RECORD and not opinion:
        raise IdentificationError(f"请填写{step.opinion_label}。", "opinion")
    return opinion


def _check_dates(
    case: Case, step: Step, data: StepInput, latest: dict[str, CaseEvent], today: datetime.date
) -> None:
    earlier = [
        d for e in latest.values() for d in (e.date, e.start_date, e.end_date) if d is not None
    ]
    floor = max(earlier) if earlier else None
    if step.form == RECORD:
        if data.date is None:
            raise IdentificationError(f"请填写{step.date_label}。", "date")
        if data.date > today:
            raise IdentificationError(f"{step.date_label}不能晚于今天。", "date")
    if step.form in (PUBLICITY, NOTICE):
        start, end = data.start_date, data.end_date
        if start is None:
            raise IdentificationError(f"请填写{step.label}开始日期。", "start_date")
        if start > today:
            raise IdentificationError(f"{step.label}开始日期不能晚于今天。", "start_date")
        if floor and start < floor:
            raise IdentificationError(
                f"{step.label}开始日期不能早于上一环节的日期（{floor:%Y-%m-%d}）。", "start_date"
            )
        if step.form == PUBLICITY:
            days = publicity_days(case)
            if end is None:
                raise IdentificationError(f"请填写{step.label}结束日期。", "end_date")
            if (end - start).days + 1 < days:
                raise IdentificationError(f"{step.label}不少于 {days} 天。", "end_date")
        elif end is not None and end < start:
            raise IdentificationError("公告结束日期不能早于开始日期。", "end_date")


def do_step(
    actor: Actor,
    locked: Case,
    code: str,
    data: StepInput,
    *,
    hits: list[dict[str, Any]] | None = None,
    household: Household | None = None,
) -> CaseEvent:
    """Do the step `code` of a locked case (the household locked too for 公告)."""
    chain = chain_of(locked.kind)
    step = chain.step(code)
    if step is None:
        raise IdentificationError("没有这个环节。")
    if not may_do(actor.user, locked, step):
        raise PermissionDenied(f"【{step.label}】由{step.role_label}办理，您的账号不能办理。")
    if signs_in_by_phone(actor.user) and actor.phone is None:
        raise PermissionDenied("村级账号须用手机号验证登录后才能办理。")
    message = order_refusal(locked, code)
    if message:
        raise IdentificationError(message)
    today = timezone.localdate()
    latest = latest_events(locked)
    message = early_refusal(locked, step, latest, today)
    if message:
        raise IdentificationError(message)
    opinion = _clean_opinion(step, data)
    _check_dates(locked, step, data, latest, today)
    checked = attachments.check_files(data.files)
    declined = data.decline
    returned = step.form in (REVIEW, CHECK) and not data.approve and not declined
    event = CaseEvent(
        case=locked,
        step=code,
        action=Action.DECLINED
        if declined
        else Action.RETURNED
        if returned
        else Action.APPROVED
        if step.form in (REVIEW, CHECK)
        else Action.DONE,
        opinion=opinion,
        date=data.date if step.form == RECORD else None,
        start_date=data.start_date if step.form in (PUBLICITY, NOTICE) else None,
        end_date=data.end_date if step.form in (PUBLICITY, NOTICE) else None,
        hits=hits or [],
        actor=actor.account,
        phone=actor.phone_number,
    )
    event.save()
    attachments.save_files(event, checked)
    following = chain.after(code)
    if declined:
        if chain.on_decline is not None:
            chain.on_decline(actor, locked, opinion)
        locked.step, locked.state, locked.closed_at = "", Case.State.ENDED, timezone.now()
        locked.return_reason = ""
    elif returned:
        locked.step, locked.return_reason = chain.steps[0].code, opinion
    elif following is not None:
        locked.step, locked.return_reason = following.code, ""
    else:
        if household is None:
            raise IdentificationError("公告须锁定该户。")
        latest[code] = event
        _apply_effect(actor, chain, locked, household, latest)
        locked.step, locked.state, locked.closed_at = "", Case.State.DONE, timezone.now()
    bump(locked)
    locked.save()
    audit.record(
        actor,
        audit.IDENTIFICATION_STEP,
        obj=locked,
        region_code=locked.village_code,
        detail={
            "kind": locked.kind,
            "step": code,
            "action": event.action,
            "household": locked.household_id,
        },
    )
    return event


def latest_events_many(cases: list[Case]) -> dict[int, dict[str, CaseEvent]]:
    """latest_events of many cases in one query."""
    latest: dict[int, dict[str, CaseEvent]] = {case.pk: {} for case in cases}
    events = CaseEvent.objects.filter(case__in=cases).order_by("case_id", "at", "pk")
    for event in events:
        if event.action == Action.RETURNED:
            latest[event.case_id] = {}
        else:
            latest[event.case_id][event.step] = event
    return latest


def approve_many(
    actor: Actor,
    locked: list[Case],
    code: str,
    opinion: str,
    hits: dict[int, list[dict[str, Any]]],
) -> list[CaseEvent]:
    """The same review or check step approved for many locked cases (a batch of 县级比对):
    every refusal checked first, then the events, the cases and the audit entries in a
    constant number of statements. Not for the last step (公告 changes each household)."""
    if not locked:
        return []
    today = timezone.localdate()
    latest = latest_events_many(locked)
    for case in locked:
        step = chain_of(case.kind).step(code)
        if step is None or step.form not in (REVIEW, CHECK):
            raise IdentificationError("只有审核和比对环节可以批量办理。")
        if chain_of(case.kind).after(code) is None:
            raise IdentificationError("公告须逐户办理。")
        if not may_do(actor.user, case, step):
            raise PermissionDenied(f"您的账号不能办理【{step.label}】。")
        message = order_refusal(case, code) or early_refusal(case, step, latest[case.pk], today)
        if message:
            raise IdentificationError(f"{case.household.number}：{message}")
    if len(opinion) > OPINION_MAX:
        raise IdentificationError(f"意见不能超过 {OPINION_MAX} 字。", "opinion")
    events = [
        CaseEvent(
            case=case,
            step=code,
            action=Action.APPROVED,
            opinion=opinion,
            hits=hits.get(case.pk, []),
            actor=actor.account,
            phone=actor.phone_number,
        )
        for case in locked
    ]
    CaseEvent.objects.bulk_create(events)
    for case in locked:
        following = chain_of(case.kind).after(code)
        case.step, case.return_reason = (following.code if following else ""), ""
        bump(case)
    Case.objects.bulk_update(locked, ["step", "return_reason", "version"])
    audit.record_many(
        actor,
        audit.IDENTIFICATION_STEP,
        [
            (
                case,
                {
                    "kind": case.kind,
                    "step": code,
                    "action": "approved",
                    "household": case.household_id,
                },
            )
            for case in locked
        ],
    )
    return events


def _apply_effect(
    actor: Actor, chain: Chain, case: Case, household: Household, latest: dict[str, CaseEvent]
) -> None:
    reason = f"{chain.label}：{' → '.join(s.label for s in chain.steps)}，已公告。"
    if chain.effect is not None:
        chain.effect(actor, case, household, reason)
        return
    if chain.fills_approval_form:
        # The 扶贫对象审批表 is the record of this chain: its dates and results from the events.
        for step in chain.steps:
            event = latest.get(step.code)
            if step.approval_fields and event:
                date_field, result_field = step.approval_fields
                setattr(
                    household,
                    date_field,
                    event.start_date or event.date or timezone.localtime(event.at).date(),
                )
                setattr(
                    household, result_field, (event.opinion or Action(event.action).label)[:200]
                )
        household.registered_at = household.registered_at or timezone.now()
    try:
        lifecycle.transition(actor, household, case.target_status, reason, year=case.year)
    except lifecycle.StatusError as exc:
        raise IdentificationError(exc.message) from None


def start_refusal(chain: Chain, household: Household) -> str | None:
    from households.choices import HouseholdStatus as S

    if household.status not in chain.start_statuses:
        allowed = "、".join(S(s).label for s in chain.start_statuses)
        current = S(household.status).label
        return f"只有状态为“{allowed}”的户才能发起{chain.label}（该户为“{current}”）。"
    if chain.fills_approval_form and household.parts_done < 7:
        return "请先填写完扶贫对象登记表的七个部分，再发起识别申请。"
    return None


def open_case(
    actor: Actor, chain: Chain, household: Household, target_status: str, year: int
) -> Case:
    """A new case at its first step (the caller does the first step right after)."""
    if target_status not in chain.targets:
        raise IdentificationError("请选择公告后的状态。", "target_status")
    message = start_refusal(chain, household)
    if message:
        raise IdentificationError(message)
    if Case.objects.filter(household=household, state=Case.State.OPEN).exists():
        raise IdentificationError("该户已有办理中的识别或退出程序。")
    case = Case(
        household=household,
        village_code=household.village_code,
        kind=chain.kind,
        year=year,
        target_status=target_status,
        step=chain.steps[0].code,
        started_by=actor.account,
    )
    case.save()
    return case

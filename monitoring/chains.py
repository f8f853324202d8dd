"""The two chains of 防止返贫监测 on the identification engine (identification.states):

- 监测对象识别 ("monitoring"): 入户核实 (village, with the signed 承诺授权书) → 信息比对 (county,
  the department hits and data checks shown) → 村级初选 (民主评议 and 村内公示) → 乡级审核 →
  县级审批 (approve, return, or 不纳入 which ends the case and the lead) → 公告 → 录入 (the
  effect: the household becomes a 监测对象 with its risks);
- 风险消除 ("elimination"): 村级评议和公示 → 乡级审核 → 县级审批 → 公告, whose effect eliminates
  the risk after the gate is checked once more (registered in monitoring.elimination).

Both 公示 last at least the monitoring rules' `publicity_days` (not the identification
CountyRules'), through the chain's own `publicity_days`. Step codes are the chains' own so a
monitoring 公示 never lands on the 扶贫对象 notices and the reverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from households import lifecycle
from households.choices import HouseholdStatus as S
from identification.access import COUNTY_STEPS, TOWNSHIP_STEPS, VILLAGE_STEPS
from identification.chains import CHECK, NOTICE, PUBLICITY, RECORD, REVIEW, Chain, Step, register
from identification.errors import IdentificationError
from poverty_system.core import audit
from poverty_system.core.roles import Role

from .choices import EventKind, LeadState, MonitorState
from .clocks import rules_for
from .models import Lead, Monitored, MonitoringEvent

if TYPE_CHECKING:
    from households.models import Household
    from identification.models import Case
    from poverty_system.core.actor import Actor

MONITORING, ELIMINATION = "monitoring", "elimination"
# The household statuses a monitored household may have: a family never registered (登记中,
# it becomes 监测户 at 录入), a 监测户 monitored again, a 脱贫 household (it keeps its status).
STATUSES = (S.REGISTERING, S.MONITORED, S.LIFTED, S.LIFTED_NO_SUPPORT)
TARGETS = (S.MONITORED, S.LIFTED, S.LIFTED_NO_SUPPORT)

VISIT = Step(
    "m_visit",
    "入户核实",
    Role.VILLAGE,
    VILLAGE_STEPS,
    RECORD,
    date_label="入户核实日期",
    opinion_label="核实情况",
)
CHECK_STEP = Step("m_check", "信息比对", Role.COUNTY, COUNTY_STEPS, CHECK, opinion_label="比对意见")
VILLAGE_SELECTION = Step(
    "m_village", "村级初选（民主评议、村内公示）", Role.VILLAGE, VILLAGE_STEPS, PUBLICITY,
    opinion_label="民主评议和公示结果",
)  # fmt: skip
TOWNSHIP_REVIEW = Step(
    "m_township", "乡级审核", Role.TOWNSHIP, TOWNSHIP_STEPS, REVIEW, opinion_label="审核意见"
)
COUNTY_APPROVAL = Step(
    "m_county",
    "县级审批",
    Role.COUNTY,
    COUNTY_STEPS,
    REVIEW,
    opinion_label="审批意见",
    declines=True,
)
ANNOUNCEMENT = Step("m_notice", "公告", Role.COUNTY, COUNTY_STEPS, NOTICE, opinion_label="公告说明")

E_VILLAGE = Step(
    "e_village", "村级评议和公示", Role.VILLAGE, VILLAGE_STEPS, PUBLICITY,
    opinion_label="评议和公示结果",
)  # fmt: skip
E_TOWNSHIP = Step(
    "e_township", "乡级审核", Role.TOWNSHIP, TOWNSHIP_STEPS, REVIEW, opinion_label="审核意见"
)
E_COUNTY = Step("e_county", "县级审批", Role.COUNTY, COUNTY_STEPS, REVIEW, opinion_label="审批意见")
E_NOTICE = Step("e_notice", "公告", Role.COUNTY, COUNTY_STEPS, NOTICE, opinion_label="公告说明")

# The 公示 of monitored households (identification.notices.build with these stages).
NOTICE_STAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "m_village": ("村内公示（纳入监测）", ("m_village",)),
    "m_notice": ("公告（纳入监测）", ("m_notice",)),
    "e_village": ("村内公示（风险消除）", ("e_village",)),
    "e_notice": ("公告（风险消除）", ("e_notice",)),
}


def publicity_days(case: Case) -> int:
    return rules_for(case.village_code[:6], case.year).publicity_days


def monitored_of(case: Case, *, lock: bool = True) -> Monitored:
    qs = Monitored.objects.select_for_update() if lock else Monitored.objects.all()
    if case.kind == ELIMINATION:
        found = qs.filter(household_id=case.household_id, state=MonitorState.MONITORED).first()
    else:
        found = qs.filter(case=case).first()
    if found is None:
        raise IdentificationError("没有找到该户的监测对象记录。")
    return found


def decide_due(case: Case) -> tuple[str, str, bool] | None:
    """识别办结期限 of a monitoring case: the lead's decision due date, late when passed."""
    monitored = Monitored.objects.filter(case=case).select_related("lead").first()
    if monitored is None or monitored.lead is None:
        return None
    due = monitored.lead.decide_due
    finished = case.closed_at.date() if case.closed_at else timezone.localdate()
    late = finished > due
    return ("识别办结期限", f"{due:%Y-%m-%d}" + ("（已超期）" if late else ""), late)


def facts(case: Case) -> list[tuple[str, str, bool]]:
    found = decide_due(case)
    return [found] if found else []


def _event(actor: Actor, monitored: Monitored, kind: str, reason: str, **detail: object) -> None:
    MonitoringEvent.objects.create(
        monitored=monitored, kind=kind, reason=reason[:500], detail=detail, actor=actor.account
    )
    audit.record(
        actor,
        audit.MONITORING,
        obj=monitored,
        region_code=monitored.village_code,
        detail={"event": kind, "household": monitored.household_id, **detail},
    )


def record_identification(actor: Actor, case: Case, household: Household, reason: str) -> None:
    """录入: the household becomes a 监测对象 (风险未消除) from today; its lead is decided 纳入监测;
    a family never registered becomes 监测户, a 脱贫 household keeps its status."""
    monitored = monitored_of(case)
    today = timezone.localdate()
    monitored.state, monitored.identified_on = MonitorState.MONITORED, today
    monitored.version += 1
    monitored.save()
    if monitored.lead_id is not None:
        lead = Lead.objects.select_for_update().get(pk=monitored.lead_id)
        lead.state, lead.decided_at, lead.decided_by = (
            LeadState.ADMITTED,
            timezone.now(),
            actor.account,
        )
        lead.version += 1
        lead.save()
    if household.status == S.REGISTERING:
        try:
            lifecycle.transition(actor, household, S.MONITORED, reason, year=case.year)
        except lifecycle.StatusError as exc:
            raise IdentificationError(exc.message) from None
    _event(actor, monitored, EventKind.ADMITTED, reason, case=case.pk)


def decline_identification(actor: Actor, case: Case, reason: str) -> None:
    """县级审批 不纳入: the monitored row ends 未纳入, the lead 不纳入 with the reason."""
    monitored = monitored_of(case)
    monitored.state = MonitorState.NOT_ADMITTED
    monitored.version += 1
    monitored.save()
    if monitored.lead_id is not None:
        lead = Lead.objects.select_for_update().get(pk=monitored.lead_id)
        lead.state, lead.decision_reason = LeadState.REJECTED, reason[:500]
        lead.decided_at, lead.decided_by = timezone.now(), actor.account
        lead.version += 1
        lead.save()
    audit.record(
        actor,
        audit.MONITORING,
        obj=monitored,
        region_code=monitored.village_code,
        detail={"event": "not_admitted", "household": monitored.household_id, "case": case.pk},
    )


register(
    Chain(
        MONITORING,
        "监测对象识别",
        (VISIT, CHECK_STEP, VILLAGE_SELECTION, TOWNSHIP_REVIEW, COUNTY_APPROVAL, ANNOUNCEMENT),
        STATUSES,
        TARGETS,
        effect=record_identification,
        on_decline=decline_identification,
        publicity_days=publicity_days,
        facts=facts,
    )
)
# The elimination chain is registered by monitoring.elimination, with its effect.

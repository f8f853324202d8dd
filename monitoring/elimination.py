"""收入核查, 风险消除 (gated, through the 公示 of the elimination chain) and 风险消除回退.

The gate (`gate`): every failed criterion listed in Chinese, none checked away:
- at least `elimination_months` (monitoring rules) since the identification (识别日期);
- at least one 帮扶措施 answering its risks;
- the net income per head (income per head − 合规自付 medical costs / household size) above the
  line of the current year on the last two 收入核查;
- 三保障 and drinking water held on the last 收入核查;
- a household without labour (no active member 普通/技能劳动力) is never eliminated.

帮扶消除 vs 自然消除 (recorded on the row at 公告): 帮扶消除 when a measure had started on or
before the earlier of the two qualifying reviews (the assistance was in force when the income
rose above the line); 自然消除 when every measure started after that (the risk went away by
itself before the assistance took effect).

The village starts 风险消除 (`start_elimination`: the gate, then the chain's first step 村级评议
和公示); 乡级审核 → 县级审批 → 公告 follow on the case page; 公告 checks the gate once more and
eliminates (`eliminate_locked`). 风险消除回退 is the county's (the office that approves the
elimination), with a reason: the row back to 风险未消除, a MonitoringEvent.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from households.models import Household, Member
from identification import states
from identification.access import COUNTY_STEPS, may_act
from identification.chains import Chain, chain_of, register
from identification.errors import IdentificationError
from identification.models import Case
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.versioning import bump, check_version

from .access import REVIEW_INCOMES, get_row, may
from .chains import (
    E_COUNTY,
    E_NOTICE,
    E_TOWNSHIP,
    E_VILLAGE,
    ELIMINATION,
    TARGETS,
    monitored_of,
    publicity_days,
)
from .choices import Elimination, EventKind, MonitorState
from .clocks import rules_for
from .errors import MonitoringError
from .measures import LABOUR, measures_of
from .models import IncomeReview, Monitored, MonitoringEvent

if TYPE_CHECKING:
    from units.models import Measure

MONEY_MAX = Decimal("100000000")
NOTE_MAX, REASON_MAX = 200, 500


def add_months(day: datetime.date, months: int) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def net_income(income_per_head: Decimal, medical_self_pay: Decimal, size: int) -> Decimal:
    """Income per head net of the household's 合规自付 medical costs shared per head."""
    return income_per_head - (medical_self_pay / max(size, 1)).quantize(Decimal("0.01"))


# --- 收入核查 --------------------------------------------------------------------------------


def _money(value: Any, name: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else ""))
    except InvalidOperation:
        raise MonitoringError(f"请填写{label}（数字）。", name) from None
    if not amount.is_finite() or amount < 0 or amount >= MONEY_MAX:
        raise MonitoringError(f"{label}须在 0 到 1 亿元之间。", name)
    return amount.quantize(Decimal("0.01"))


def record_review(
    actor: Actor,
    monitored_pk: Any,
    *,
    date: datetime.date | None,
    income_per_head: Any,
    medical_self_pay: Any = 0,
    three_guarantees: bool,
    drinking_water: bool,
    note: str = "",
    version: Any = None,
) -> IncomeReview:
    """收入核查 of a 风险未消除 monitored household (REVIEW_INCOMES on its village); the row
    takes the latest review's income and medical costs."""
    with transaction.atomic(durable=True):
        monitored = get_row(
            Monitored.objects.select_for_update().select_related("household"),
            actor.user,
            monitored_pk,
        )
        if not may(actor.user, REVIEW_INCOMES, monitored.village_code):
            raise PermissionDenied("您的账号不能录入收入核查。")
        check_version(monitored, version, what="该监测对象")
        if monitored.state != MonitorState.MONITORED:
            raise MonitoringError("只能为风险未消除的监测对象录入收入核查。")
        if date is None:
            raise MonitoringError("请填写核查日期。", "date")
        if date > timezone.localdate():
            raise MonitoringError("核查日期不能晚于今天。", "date")
        if monitored.identified_on and date < monitored.identified_on:
            raise MonitoringError(
                f"核查日期不能早于识别日期（{monitored.identified_on:%Y-%m-%d}）。", "date"
            )
        income = _money(income_per_head, "income_per_head", "人均纯收入")
        medical = _money(medical_self_pay or 0, "medical_self_pay", "合规自付医疗费用")
        note = (note or "").strip()
        if len(note) > NOTE_MAX:
            raise MonitoringError(f"说明不能超过 {NOTE_MAX} 字。", "note")
        review = IncomeReview.objects.create(
            monitored=monitored,
            date=date,
            income_per_head=income,
            medical_self_pay=medical,
            three_guarantees=bool(three_guarantees),
            drinking_water=bool(drinking_water),
            note=note,
            by=actor.account,
        )
        latest = monitored.reviews.order_by("-date", "-pk").first()
        if latest is not None and latest.pk == review.pk:
            monitored.income_per_head, monitored.medical_self_pay = income, medical
        bump(monitored)
        monitored.save()
        net = net_income(income, medical, monitored.household.size)
        MonitoringEvent.objects.create(
            monitored=monitored,
            kind=EventKind.REVIEW,
            reason=f"{date:%Y-%m-%d} 收入核查",
            detail={"review": review.pk},
            actor=actor.account,
        )
        audit.record(
            actor,
            audit.MONITORING,
            obj=monitored,
            region_code=monitored.village_code,
            detail={"event": "review", "household": monitored.household_id, "net": str(net)},
        )
    return review


# --- the gate ---------------------------------------------------------------------------------


@dataclass
class Gate:
    failures: list[str] = field(default_factory=list)
    mode: str = ""  # Elimination value when it passes
    eligible_on: datetime.date | None = None
    line: Decimal = Decimal("0")

    @property
    def passed(self) -> bool:
        return not self.failures


def _mode(measures: list[Measure], reviews: list[IncomeReview]) -> str:
    first = min(r.date for r in reviews)
    if any(m.start_date is not None and m.start_date <= first for m in measures):
        return Elimination.ASSISTED
    return Elimination.NATURAL


def gate(monitored: Monitored, today: datetime.date | None = None) -> Gate:
    """Whether a monitored household may be eliminated, with every failed criterion."""
    today = today or timezone.localdate()
    result = Gate()
    if monitored.state != MonitorState.MONITORED:
        result.failures.append("只有风险未消除的监测对象才能风险消除")
        return result
    rules = rules_for(monitored.village_code[:6], today.year)
    result.line = rules.line
    if monitored.identified_on is None:
        result.failures.append("尚未完成识别录入")
    else:
        result.eligible_on = add_months(monitored.identified_on, rules.elimination_months)
        if today < result.eligible_on:
            result.failures.append(
                f"识别至今不足 {rules.elimination_months} 个月（识别日期 "
                f"{monitored.identified_on:%Y-%m-%d}，{result.eligible_on:%Y-%m-%d} 起可消除）"
            )
    measures = measures_of(monitored)
    if not measures:
        result.failures.append("尚未落实帮扶措施")
    reviews = list(monitored.reviews.order_by("-date", "-pk")[:2])
    size = monitored.household.size
    if len(reviews) < 2:
        result.failures.append(f"收入核查不足两次（已核查 {len(reviews)} 次）")
    for review in reviews:
        net = net_income(review.income_per_head, review.medical_self_pay, size)
        if net <= rules.line:
            result.failures.append(
                f"{review.date:%Y-%m-%d} 收入核查人均纯收入（扣除合规自付医疗费用）"
                f"{net:.2f} 元，未高于监测范围 {rules.line:.2f} 元"
            )
    if reviews:
        if not reviews[0].three_guarantees:
            result.failures.append("最近一次收入核查：义务教育、基本医疗、住房安全未保障")
        if not reviews[0].drinking_water:
            result.failures.append("最近一次收入核查：饮水安全未保障")
    has_labour = Member.objects.filter(
        household_id=monitored.household_id, active=True, labour__in=LABOUR
    ).exists()
    if not has_labour:
        result.failures.append("整户无劳动力，不能风险消除（应落实兜底保障，持续监测）")
    if result.passed:
        result.mode = _mode(measures, reviews)
    return result


# --- 风险消除 --------------------------------------------------------------------------------


def start_elimination(actor: Actor, monitored_pk: Any, data: states.StepInput) -> Case:
    """风险消除 by the village: the gate, then a case of the elimination chain at its first
    step (村级评议和公示) done."""
    chain = chain_of(ELIMINATION)
    try:
        with transaction.atomic(durable=True):
            monitored = get_row(
                Monitored.objects.select_for_update().select_related("household"),
                actor.user,
                monitored_pk,
            )
            if not may_act(actor.user, E_VILLAGE.perm, monitored.village_code):
                raise PermissionDenied("风险消除由村级账号发起。")
            result = gate(monitored)
            if not result.passed:
                raise MonitoringError("未达到风险消除条件：" + "；".join(result.failures) + "。")
            household = Household.objects.select_for_update().get(pk=monitored.household_id)
            case = states.open_case(actor, chain, household, household.status, current_year())
            states.do_step(actor, case, E_VILLAGE.code, data)
            audit.record(
                actor,
                audit.MONITORING,
                obj=monitored,
                region_code=monitored.village_code,
                detail={"event": "elimination_started", "case": case.pk},
            )
    except IntegrityError:
        raise MonitoringError("该户已有办理中的识别或风险消除程序。") from None
    return case


def eliminate_locked(actor: Actor, monitored: Monitored, case: Case) -> None:
    """公告 of 风险消除 (the chain's effect; the row is locked): the gate once more."""
    result = gate(monitored)
    if not result.passed:
        raise IdentificationError("未达到风险消除条件：" + "；".join(result.failures) + "。")
    monitored.state, monitored.eliminated_on = MonitorState.ELIMINATED, timezone.localdate()
    monitored.elimination = result.mode
    bump(monitored)
    monitored.save()
    MonitoringEvent.objects.create(
        monitored=monitored,
        kind=EventKind.ELIMINATED,
        reason=f"风险消除（{Elimination(result.mode).label}），已公告",
        detail={"case": case.pk, "mode": result.mode},
        actor=actor.account,
    )
    audit.record(
        actor,
        audit.MONITORING,
        obj=monitored,
        region_code=monitored.village_code,
        detail={"event": "eliminated", "mode": result.mode, "case": case.pk},
    )


def record_elimination(actor: Actor, case: Case, household: Household, reason: str) -> None:
    """公告 of 风险消除 (the chain's effect): the gate once more, then eliminated."""
    eliminate_locked(actor, monitored_of(case), case)


register(
    Chain(
        ELIMINATION,
        "风险消除",
        (E_VILLAGE, E_TOWNSHIP, E_COUNTY, E_NOTICE),
        TARGETS,
        TARGETS,
        effect=record_elimination,
        publicity_days=publicity_days,
    )
)


def open_elimination(monitored: Monitored) -> Case | None:
    return Case.objects.filter(
        household_id=monitored.household_id, kind=ELIMINATION, state=Case.State.OPEN
    ).first()


def may_roll_back(user: Any, monitored: Monitored) -> bool:
    return monitored.state == MonitorState.ELIMINATED and may_act(
        user, COUNTY_STEPS, monitored.village_code
    )


def roll_back(actor: Actor, monitored_pk: Any, reason: str, *, version: Any = None) -> Monitored:
    """风险消除回退 by the county, with a reason: back to 风险未消除."""
    reason = (reason or "").strip()
    try:
        with transaction.atomic(durable=True):
            monitored = get_row(Monitored.objects.select_for_update(), actor.user, monitored_pk)
            if not may_act(actor.user, COUNTY_STEPS, monitored.village_code):
                raise PermissionDenied("风险消除回退由县级办理。")
            check_version(monitored, version, what="该监测对象")
            if monitored.state != MonitorState.ELIMINATED:
                raise MonitoringError("只有风险已消除的监测对象才能回退。")
            if not reason:
                raise MonitoringError("请填写回退原因。", "reason")
            if len(reason) > REASON_MAX:
                raise MonitoringError(f"回退原因不能超过 {REASON_MAX} 字。", "reason")
            before = {
                "eliminated_on": f"{monitored.eliminated_on:%Y-%m-%d}",
                "mode": monitored.elimination,
            }
            monitored.state, monitored.eliminated_on, monitored.elimination = (
                MonitorState.MONITORED,
                None,
                "",
            )
            bump(monitored)
            monitored.save()
            MonitoringEvent.objects.create(
                monitored=monitored,
                kind=EventKind.ROLLED_BACK,
                reason=reason,
                detail=before,
                actor=actor.account,
            )
            audit.record(
                actor,
                audit.MONITORING,
                obj=monitored,
                region_code=monitored.village_code,
                detail={"event": "rolled_back", "household": monitored.household_id, **before},
            )
    except IntegrityError:
        raise MonitoringError("该户已重新纳入监测，不能回退此前的风险消除。") from None
    return monitored

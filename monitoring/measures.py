"""帮扶措施 tied to the risk, and the check of the measures a monitored household lacks.

A measure of a monitored household is a units.Measure on the household's Survey of the year
(created when missing) with `risk_id` naming the monitoring.Risk it answers. What a risk
requires (REQUIRED) and what the household's labour requires:

- 因病 → 健康扶贫; 因学 → 教育扶贫; 因残 → 残疾人补贴 or 健康扶贫 (a measure answering that risk);
- a household with labour (an active member 普通劳动力 or 技能劳动力) → a development measure
  (产业扶贫, 就业扶贫, 公益岗位, 小额信贷); without labour → 兜底 (低保, 特困供养, 残疾人补贴,
  社会保障兜底), among any of its measures;
- and a measure at all within `measure_days` (monitoring rules) of the identification.

The check, for the list filter, the page and the rule pack (quality, above monitoring):
`lacking(queryset)`, `unanswered(queryset, risk)` and `without_measure(queryset, today)`
filter a Monitored queryset in SQL (`lacking_q`, `unanswered_q`, `has_labour_q` as Q);
`missing(rows)` explains, per row, what each lacks (a constant number of queries).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from households.choices import Labour
from households.models import Member
from poverty_system.core import audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.ids import parse_id
from units.models import Measure, MeasureKind, MeasureStatus, Survey
from villages.models import code_range

from .access import REVIEW_INCOMES, get_row, may
from .choices import EventKind, MonitorState, RiskKind
from .errors import MonitoringError
from .models import Monitored, MonitoringEvent, MonitoringRules, Risk

K = MeasureKind
REQUIRED: dict[str, frozenset[str]] = {
    RiskKind.ILLNESS: frozenset({K.HEALTH}),
    RiskKind.SCHOOLING: frozenset({K.EDUCATION}),
    RiskKind.DISABILITY: frozenset({K.DISABILITY_AID, K.HEALTH}),
}
DEVELOPMENT = frozenset({K.INDUSTRY, K.EMPLOYMENT, K.PUBLIC_JOB, K.MICRO_CREDIT})
FALLBACK = frozenset({K.DIBAO, K.TEKUN, K.DISABILITY_AID, K.SOCIAL_SECURITY})
LABOUR = (Labour.ORDINARY, Labour.SKILLED)
# Measures that go on after the risk is eliminated, to their contract or agreement end.
CONTINUING = frozenset({K.MICRO_CREDIT, K.PUBLIC_JOB})
AMOUNT_MAX = Decimal("100000000")
DESCRIPTION_MAX = 300


def _labels(kinds: frozenset[str]) -> str:
    return "、".join(K(k).label for k in K.values if k in kinds)


# --- the check in SQL (filters) --------------------------------------------------------------


def _has_labour() -> Exists:
    return Exists(
        Member.objects.filter(household_id=OuterRef("household_id"), active=True, labour__in=LABOUR)
    )


def _measures_of_row(kinds: frozenset[str] | None = None) -> Exists:
    """A measure answering any risk of the outer Monitored row (of `kinds`)."""
    risks = Risk.objects.filter(monitored_id=OuterRef(OuterRef("pk"))).values("pk")
    found = Measure.objects.filter(risk_id__in=Subquery(risks))
    return Exists(found.filter(kind__in=sorted(kinds)) if kinds is not None else found)


def has_labour_q() -> Q:
    """Monitored rows whose household has labour (an active member 普通/技能劳动力)."""
    return Q(_has_labour())


def unanswered_q(risk: str) -> Q:
    """Monitored rows with the risk `risk` and no measure of the kinds it requires answering
    it (因病 without 健康扶贫, 因学 without 教育扶贫, 因残 without 残疾人补贴/健康扶贫)."""
    answered = Measure.objects.filter(risk_id=OuterRef("pk"), kind__in=sorted(REQUIRED[risk]))
    risks = Risk.objects.filter(monitored_id=OuterRef("pk"), kind=risk).filter(~Exists(answered))
    return Q(Exists(risks))


def lacking_q() -> Q:
    """Monitored rows lacking a measure their risks or their labour require."""
    q = Q(pk__in=[])
    for risk in REQUIRED:
        q |= unanswered_q(risk)
    q |= Q(_has_labour()) & ~Q(_measures_of_row(DEVELOPMENT))
    q |= ~Q(_has_labour()) & ~Q(_measures_of_row(FALLBACK))
    return q


def lacking(queryset: QuerySet[Monitored]) -> QuerySet[Monitored]:
    """风险未消除 monitored households lacking the measure their risk (or labour) requires."""
    return queryset.filter(lacking_q(), state=MonitorState.MONITORED)


def unanswered(queryset: QuerySet[Monitored], risk: str) -> QuerySet[Monitored]:
    """风险未消除 monitored households whose risk `risk` lacks the measure it requires."""
    return queryset.filter(unanswered_q(risk), state=MonitorState.MONITORED)


def without_measure(
    queryset: QuerySet[Monitored], today: datetime.date | None = None
) -> QuerySet[Monitored]:
    """风险未消除 monitored households with no measure at all more than `measure_days` (the
    county's monitoring rules of the identification year) after their identification."""
    today = today or timezone.localdate()
    rows = queryset.filter(state=MonitorState.MONITORED, identified_on__isnull=False).filter(
        ~Q(_measures_of_row())
    )
    pairs = list(
        rows.annotate(_county=Substr("village_code", 1, 6))
        .values_list("_county", "year")
        .order_by()
        .distinct()
    )
    days = measure_days_of(pairs)
    q = Q(pk__in=[])
    for county, year in pairs:
        lo, hi = code_range(county)
        q |= Q(
            village_code__gte=lo,
            village_code__lt=hi,
            year=year,
            identified_on__lt=today - datetime.timedelta(days=days[county, year]),
        )
    return rows.filter(q)


def measure_days_of(pairs: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The measure_days of each (county, year): one query for all the counties (a year
    without its own rules takes the latest earlier year's, as clocks.rules_for does)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for county, year, measure in (
        MonitoringRules.objects.filter(county_code__in={c for c, _ in pairs})
        .order_by("-year")
        .values_list("county_code", "year", "measure_days")
    ):
        found.setdefault(county, []).append((year, measure))
    default = MonitoringRules().measure_days
    return {
        (county, year): next((m for y, m in found.get(county, []) if y <= year), default)
        for county, year in pairs
    }


# --- the check explained, per row ---------------------------------------------------------------


def missing(rows: Sequence[Monitored], today: datetime.date | None = None) -> dict[int, list[str]]:
    """row pk -> what it lacks, in Chinese (an empty list: nothing), in three queries plus one
    per county and year of the rows."""
    today = today or timezone.localdate()
    out: dict[int, list[str]] = {row.pk: [] for row in rows}
    live = [row for row in rows if row.state == MonitorState.MONITORED]
    if not live:
        return out
    risks = list(Risk.objects.filter(monitored__in=live).values_list("pk", "monitored_id", "kind"))
    kinds_by_risk: dict[int, set[str]] = defaultdict(set)
    for risk_id, kind in Measure.objects.filter(risk_id__in=[r[0] for r in risks]).values_list(
        "risk_id", "kind"
    ):
        if risk_id is not None:
            kinds_by_risk[risk_id].add(kind)
    measures_of: dict[int, set[str]] = defaultdict(set)
    for risk_id, monitored_id, _ in risks:
        measures_of[monitored_id] |= kinds_by_risk[risk_id]
    with_labour = set(
        Member.objects.filter(
            household_id__in=[row.household_id for row in live], active=True, labour__in=LABOUR
        ).values_list("household_id", flat=True)
    )
    days = measure_days_of(sorted({(row.village_code[:6], row.year) for row in live}))
    for risk_id, monitored_id, kind in risks:
        need = REQUIRED.get(kind)
        if need and not kinds_by_risk[risk_id] & need:
            out[monitored_id].append(f"{RiskKind(kind).label}风险缺少{_labels(need)}措施")
    for row in live:
        kinds = measures_of[row.pk]
        if row.household_id in with_labour and not kinds & DEVELOPMENT:
            out[row.pk].append(f"有劳动力，缺少发展类措施（{_labels(DEVELOPMENT)}）")
        if row.household_id not in with_labour and not kinds & FALLBACK:
            out[row.pk].append(f"无劳动力，缺少兜底保障措施（{_labels(FALLBACK)}）")
        limit = days[(row.village_code[:6], row.year)]
        if (
            not kinds
            and row.identified_on is not None
            and row.identified_on < today - datetime.timedelta(days=limit)
        ):
            out[row.pk].append(f"识别后 {limit} 天仍未落实帮扶措施")
    return out


# --- 添加帮扶措施 ------------------------------------------------------------------------------


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise MonitoringError("金额须为数字。", "amount") from None
    if not amount.is_finite() or amount < 0 or amount >= AMOUNT_MAX:
        raise MonitoringError("金额须在 0 到 1 亿元之间。", "amount")
    return amount.quantize(Decimal("0.01"))


def add_measure(
    actor: Actor,
    monitored_pk: Any,
    *,
    risk: Any,
    kind: str,
    amount: Any,
    start_date: datetime.date | None,
    end_date: datetime.date | None = None,
    description: str = "",
) -> Measure:
    """添加帮扶措施 for one risk of a 风险未消除 monitored household (REVIEW_INCOMES on its
    village): a units.Measure on the household's Survey of this year, its risk_id set."""
    with transaction.atomic(durable=True):
        monitored = get_row(Monitored.objects.select_for_update(), actor.user, monitored_pk)
        if not may(actor.user, REVIEW_INCOMES, monitored.village_code):
            raise PermissionDenied("您的账号不能添加帮扶措施。")
        if monitored.state != MonitorState.MONITORED:
            raise MonitoringError("只能为风险未消除的监测对象添加帮扶措施。")
        risk_pk = parse_id(risk)
        found = Risk.objects.filter(monitored=monitored, pk=risk_pk).first() if risk_pk else None
        if found is None:
            raise MonitoringError("请选择该户的一项风险。", "risk")
        if kind not in K.values:
            raise MonitoringError("请选择措施类型。", "kind")
        value = _amount(amount)
        if start_date is None:
            raise MonitoringError("请填写开始日期。", "start_date")
        if end_date is not None and end_date < start_date:
            raise MonitoringError("结束日期不能早于开始日期。", "end_date")
        text = (description or "").strip() or f"{found.get_kind_display()}：{K(kind).label}"
        if len(text) > DESCRIPTION_MAX:
            raise MonitoringError(f"措施内容不能超过 {DESCRIPTION_MAX} 字。", "description")
        year = current_year()
        survey = (
            Survey.objects.select_for_update()
            .filter(household_id=monitored.household_id, year=year)
            .first()
        )
        if survey is None:
            survey = Survey(household_id=monitored.household_id, year=year)
            changelog.save(actor, survey, reason="防止返贫监测：添加帮扶措施")
        today = timezone.localdate()
        measure = Measure(
            survey=survey,
            kind=kind,
            description=text,
            amount=value,
            status=MeasureStatus.ONGOING if start_date <= today else MeasureStatus.PLANNED,
            start_date=start_date,
            end_date=end_date,
            risk_id=found.pk,
        )
        changelog.save(actor, measure, reason="防止返贫监测：添加帮扶措施")
        detail = {"measure": measure.pk, "risk": found.kind, "kind": kind, "amount": str(value)}
        MonitoringEvent.objects.create(
            monitored=monitored,
            kind=EventKind.MEASURE,
            reason=f"{found.get_kind_display()}：{K(kind).label}",
            detail=detail,
            actor=actor.account,
        )
        audit.record(
            actor,
            audit.MONITORING,
            obj=monitored,
            region_code=monitored.village_code,
            detail={"event": "measure", "household": monitored.household_id, **detail},
        )
    return measure


def measures_of(monitored: Monitored) -> list[Measure]:
    """The measures answering the risks of a monitored household (its page), one query."""
    return list(
        Measure.objects.filter(risk_id__in=Risk.objects.filter(monitored=monitored).values("pk"))
        .select_related("survey")
        .order_by("start_date", "pk")
    )

"""M · 防止返贫监测: monitored households (monitoring.Monitored) against the monitoring rules.

The day counts are the county's data (monitoring.MonitoringRules: 风险消除最短监测期, 识别后落实
措施时限, 监测范围): the rules read the rows of the counties once and build one filter per
distinct value (a handful), so each rule stays one query over the households.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from households.choices import Labour

from .base import active_members
from .registry import Context, rule

OPEN = ("identifying", "monitored")
MONITORED = "monitored"
ELIMINATED = "eliminated"
LABOUR = (Labour.ORDINARY, Labour.SKILLED)
# 兜底 for a household without labour (issue 13, item 4).
SAFETY_NET = ("dibao", "tekun", "disability_aid", "social_security")


def _monitorings(**lookups) -> QuerySet:
    from monitoring.models import Monitored

    return Monitored.objects.filter(household=OuterRef("pk"), **lookups)


def _by_county(name: str, ctx: Context) -> list[tuple[int, Q]]:
    """(value, filter on monitored rows' village code) for each distinct value of a rules
    field: the county's rules of the year (the latest earlier year's), else the default."""
    from monitoring.models import MonitoringRules

    default = MonitoringRules._meta.get_field(name).default
    latest: dict[str, tuple[int, int]] = {}
    for county, year, value in MonitoringRules.objects.filter(year__lte=ctx.year).values_list(
        "county_code", "year", name
    ):
        if county not in latest or latest[county][0] < year:
            latest[county] = (year, value)
    groups: dict[int, list[str]] = {}
    for county, (_, value) in latest.items():
        groups.setdefault(value, []).append(county)
    configured = list(latest)
    result: list[tuple[int, Q]] = []
    for value, counties in groups.items():
        q = Q(pk__in=[])
        for county in counties:
            q |= Q(village_code__startswith=county)
        result.append((value, q))
    rest = Q()
    for county in configured:
        rest &= ~Q(village_code__startswith=county)
    result.append((default, rest))  # type: ignore[arg-type]
    return result


def _per_county(name: str, ctx: Context, condition: Callable[[int], Q]) -> Q:
    """Monitored rows meeting `condition(value)` for their county's value of `name`."""
    q = Q(pk__in=[])
    for value, counties in _by_county(name, ctx):
        q |= counties & condition(value)
    return q


def _months_between() -> Case:
    """Whole months from identified_on to eliminated_on."""
    return (
        (ExtractYear("eliminated_on") - ExtractYear("identified_on")) * 12
        + ExtractMonth("eliminated_on")
        - ExtractMonth("identified_on")
        - Case(
            When(eliminated_on__day__lt=ExtractDay("identified_on"), then=1),
            default=0,
            output_field=IntegerField(),
        )
    )


@rule("M01", "防止返贫监测", "风险消除距识别不足规定的最短监测期（6 个月）")
def eliminated_too_soon(households: QuerySet, ctx: Context) -> QuerySet:
    rows = _monitorings(
        state=ELIMINATED, identified_on__isnull=False, eliminated_on__isnull=False
    ).annotate(_months=_months_between())
    q = _per_county("elimination_months", ctx, lambda months: Q(_months__lt=months))
    return households.filter(Exists(rows.filter(q)))


@rule("M02", "防止返贫监测", "识别纳入监测超过 1 个月仍未落实针对风险的帮扶措施")
def no_measure_after_a_month(households: QuerySet, ctx: Context) -> QuerySet:
    from monitoring.models import Risk
    from units.models import Measure

    answered = Measure.objects.filter(
        risk_id__in=Risk.objects.filter(monitored=OuterRef(OuterRef("pk"))).values("pk")
    )
    q = _per_county(
        "measure_days",
        ctx,
        lambda days: Q(identified_on__lt=ctx.today - datetime.timedelta(days=days)),
    )
    rows = _monitorings(state=MONITORED, identified_on__isnull=False).filter(q)
    return households.filter(Exists(rows.filter(~Exists(answered))))


@rule("M03", "防止返贫监测", "整户无劳动力却已风险消除")
def eliminated_without_labour(households: QuerySet, ctx: Context) -> QuerySet:
    latest = _monitorings().order_by("-pk").values("state")[:1]
    found = households.annotate(_monitoring=Subquery(latest)).filter(_monitoring=ELIMINATED)
    return found.filter(~Exists(active_members(labour__in=LABOUR)))


@rule("M04", "防止返贫监测", "风险类型为因病但合规自付医疗费用为零", fix="detail")
def illness_without_self_pay(households: QuerySet, ctx: Context) -> QuerySet:
    rows = _monitorings(state__in=OPEN, risks__kind="illness", medical_self_pay=0)
    return households.filter(Exists(rows))


@rule("M05", "防止返贫监测", "风险类型为因学但无教育类帮扶措施")
def schooling_without_education(households: QuerySet, ctx: Context) -> QuerySet:
    from units.models import Measure

    rows = _monitorings(state__in=OPEN, risks__kind="schooling")
    education = Measure.objects.filter(survey__household=OuterRef("pk"), kind="education")
    return households.filter(Exists(rows)).filter(~Exists(education))


@rule("M06", "防止返贫监测", "已风险消除但最近一次收入核查低于监测范围")
def eliminated_below_line(households: QuerySet, ctx: Context) -> QuerySet:
    from monitoring.models import IncomeReview

    last = IncomeReview.objects.filter(monitored=OuterRef("pk")).order_by("-date", "-pk")
    rows = (
        _monitorings(state=ELIMINATED)
        .annotate(_last=Subquery(last.values("income_per_head")[:1]))
        .filter(_last__lt=F("line"))
    )
    return households.filter(Exists(rows))


@rule("M07", "防止返贫监测", "整户无劳动力的监测户未落实兜底保障措施（低保、特困供养、残疾人补贴）")
def no_labour_without_safety_net(households: QuerySet, ctx: Context) -> QuerySet:
    from units.models import Measure

    net = Measure.objects.filter(survey__household=OuterRef("pk"), kind__in=SAFETY_NET)
    found = households.filter(Exists(_monitorings(state=MONITORED)))
    return found.filter(~Exists(active_members(labour__in=LABOUR))).filter(~Exists(net))


@rule("M08", "防止返贫监测", "监测对象没有风险类型")
def monitored_without_risk(households: QuerySet, ctx: Context) -> QuerySet:
    from monitoring.models import Risk

    risks = Risk.objects.filter(monitored=OuterRef("pk"))
    return households.filter(Exists(_monitorings(state__in=OPEN).filter(~Exists(risks))))

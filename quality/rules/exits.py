"""E · 脱贫: lifted households against the exit criteria, and stale drafts."""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from households.choices import HouseDanger, HouseholdStatus, SchoolStatus

from .base import LIFTED, aged, having_member
from .income import with_line
from .registry import DRAFT_DAYS, Context, rule


@rule("E01", "脱贫", "已脱贫户人均纯收入低于当年脱贫标准线", fix="part_3")
def lifted_below_line(households: QuerySet, ctx: Context) -> QuerySet:
    lined = with_line(households.filter(status__in=LIFTED), ctx)
    return (
        households.none() if lined is None else lined.filter(net_income_per_capita__lt=F("_line"))
    )


@rule("E02", "脱贫", "已脱贫户住房为C级或D级危房（住房安全未保障）", fix="part_2")
def lifted_unsafe_house(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(
        status__in=LIFTED, house_danger__in=(HouseDanger.GRADE_C, HouseDanger.GRADE_D)
    )


@rule("E03", "脱贫", "已脱贫户饮水不安全（饮水安全未保障）", fix="part_2")
def lifted_unsafe_water(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(status__in=LIFTED, drinking_water_safe=False)


@rule("E04", "脱贫", "已脱贫户有义务教育阶段失学辍学儿童（义务教育未保障）")
def lifted_with_dropout(households: QuerySet, ctx: Context) -> QuerySet:
    out = Q(school_status__in=(SchoolStatus.NOT_IN_SCHOOL, SchoolStatus.DROPPED_OUT))
    return having_member(households.filter(status__in=LIFTED), out & aged(ctx, 6, 15))


@rule("E05", "脱贫", "已脱贫户有成员未参加基本医疗保险（基本医疗未保障）")
def lifted_uninsured(households: QuerySet, ctx: Context) -> QuerySet:
    return having_member(households.filter(status__in=LIFTED), has_basic_medical=False)


@rule("E06", "脱贫", "已脱贫户无帮扶措施")
def lifted_without_measure(households: QuerySet, ctx: Context) -> QuerySet:
    from units.models import Measure

    measures = Measure.objects.filter(survey__household=OuterRef("pk"))
    return households.filter(status__in=LIFTED).filter(~Exists(measures))


@rule("E07", "脱贫", f"登记中超过{DRAFT_DAYS}天未完成登记")
def stale_draft(households: QuerySet, ctx: Context) -> QuerySet:
    since = datetime.datetime.combine(
        ctx.today - datetime.timedelta(days=DRAFT_DAYS), datetime.time(), tzinfo=datetime.UTC
    )
    return households.filter(status=HouseholdStatus.REGISTERING, created_at__lt=since)


@rule("E08", "脱贫", "已清退户仍有有效的认领、单位关联或干部结对")
def removed_still_paired(households: QuerySet, ctx: Context) -> QuerySet:
    from .pairing import _assignments, _claims, _links

    return households.filter(status=HouseholdStatus.REMOVED).filter(
        Exists(_claims()) | Exists(_links()) | Exists(_assignments())
    )

"""C · 致贫原因: the main cause against the members it speaks of."""

from __future__ import annotations

from django.db.models import CharField, F, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat

from households.choices import Cause, Health, Labour, SchoolStatus

from .base import COUNTED, aged, having_member, without_member
from .registry import Context, rule

ILL = (Health.CHRONIC, Health.SERIOUS)
STUDENTS = (
    SchoolStatus.PRIMARY,
    SchoolStatus.JUNIOR,
    SchoolStatus.SENIOR,
    SchoolStatus.VOCATIONAL,
    SchoolStatus.COLLEGE,
)


@rule("C01", "致贫原因", "未填写主要致贫原因", fix="part_4")
def no_main_cause(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(status__in=COUNTED, main_cause="")


@rule("C02", "致贫原因", "主要致贫原因为因病，但家庭成员均健康", fix="part_4")
def illness_all_healthy(households: QuerySet, ctx: Context) -> QuerySet:
    return without_member(households.filter(main_cause=Cause.ILLNESS), health__in=ILL)


@rule("C03", "致贫原因", "主要致贫原因为因残，但无残疾成员", fix="part_4")
def disability_none_disabled(households: QuerySet, ctx: Context) -> QuerySet:
    return without_member(households.filter(main_cause=Cause.DISABILITY), health=Health.DISABLED)


@rule("C04", "致贫原因", "主要致贫原因为因学，但无在校生", fix="part_4")
def schooling_no_student(households: QuerySet, ctx: Context) -> QuerySet:
    return without_member(households.filter(main_cause=Cause.SCHOOLING), school_status__in=STUDENTS)


@rule("C05", "致贫原因", "主要致贫原因为缺劳力，但有两名及以上16至60周岁劳动力", fix="part_4")
def labour_shortage_with_labourers(households: QuerySet, ctx: Context) -> QuerySet:
    from .members import _count

    q = Q(labour__in=(Labour.ORDINARY, Labour.SKILLED)) & aged(ctx, 16, 60)
    return households.filter(main_cause=Cause.LABOUR).annotate(_n=_count(q=q)).filter(_n__gte=2)


@rule("C06", "致贫原因", "其他致贫原因与主要致贫原因重复", fix="part_4")
def other_cause_repeats_main(households: QuerySet, ctx: Context) -> QuerySet:
    # The JSON list as text holds "illness" with its quotes on both databases.
    return (
        households.exclude(main_cause="")
        .annotate(
            _others=Cast("other_causes", TextField()),
            _quoted=Concat(Value('"'), "main_cause", Value('"'), output_field=CharField()),
        )
        .filter(_others__contains=F("_quoted"))
    )


@rule("C07", "致贫原因", "有患大病或残疾成员，但主要和其他致贫原因均未选因病或因残", fix="part_4")
def ill_member_cause_missing(households: QuerySet, ctx: Context) -> QuerySet:
    candidates = households.filter(status__in=COUNTED).exclude(
        main_cause__in=(Cause.ILLNESS, Cause.DISABILITY)
    )
    candidates = candidates.annotate(_others=Cast("other_causes", TextField())).exclude(
        Q(_others__contains='"illness"') | Q(_others__contains='"disability"')
    )
    return having_member(candidates, health__in=(Health.SERIOUS, Health.DISABLED))

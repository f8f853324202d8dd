"""B · 家庭成员: heads, spouses, household size, labour and school."""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from households.choices import Gender, Labour, Relation, SchoolStatus, WorkStatus
from households.models import Member

from .base import COUNTED, aged, having_member, members, without_member
from .registry import Context, rule

LABOURERS = (Labour.ORDINARY, Labour.SKILLED)
OUT_OF_SCHOOL = (SchoolStatus.NOT_IN_SCHOOL, SchoolStatus.DROPPED_OUT)
COMPULSORY = (6, 15)  # 义务教育阶段 (控辍保学)


def _count(relation: str | None = None, q: Q | None = None):
    members = Member.objects.filter(household=OuterRef("pk"), active=True)
    if relation:
        members = members.filter(relation=relation)
    if q is not None:
        members = members.filter(q)
    counted = members.order_by().values("household").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@rule("B01", "家庭成员", "无户主")
def no_head(households: QuerySet, ctx: Context) -> QuerySet:
    return without_member(households.filter(size__gt=0), relation=Relation.HEAD)


@rule("B02", "家庭成员", "贫困户无在册成员（家庭人口为0）")
def no_members(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(status__in=COUNTED, size=0)


def _head(field: str):
    heads = Member.objects.filter(
        household=OuterRef("household"), active=True, relation=Relation.HEAD
    )
    return Subquery(heads.values(field)[:1])


@rule("B03", "家庭成员", "户主与配偶性别相同")
def spouse_same_gender(households: QuerySet, ctx: Context) -> QuerySet:
    spouses = members(relation=Relation.SPOUSE, gender=_head("gender"))
    return households.filter(pk__in=spouses.values("household"))


@rule("B04", "家庭成员", "配偶多于一人")
def two_spouses(households: QuerySet, ctx: Context) -> QuerySet:
    return households.annotate(_n=_count(Relation.SPOUSE)).filter(_n__gt=1)


@rule("B05", "家庭成员", "家庭人口与在册成员数不一致")
def size_mismatch(households: QuerySet, ctx: Context) -> QuerySet:
    return households.annotate(_n=_count()).exclude(size=F("_n"))


@rule("B06", "家庭成员", "户主未满16周岁")
def head_under_16(households: QuerySet, ctx: Context) -> QuerySet:
    return having_member(households, aged(ctx, high=15), relation=Relation.HEAD)


@rule("B07", "家庭成员", "未满16周岁或超过70周岁的成员标为劳动力")
def labour_by_age(households: QuerySet, ctx: Context) -> QuerySet:
    q = Q(labour__in=LABOURERS) & (aged(ctx, high=15) | aged(ctx, low=71))
    return having_member(households, q)


@rule("B08", "家庭成员", "6至15周岁儿童非在校生或失学辍学（控辍保学）")
def child_not_in_school(households: QuerySet, ctx: Context) -> QuerySet:
    return having_member(households, aged(ctx, *COMPULSORY) & Q(school_status__in=OUT_OF_SCHOOL))


@rule("B09", "家庭成员", "在校生状况与年龄不符（学前教育超过7周岁，或5周岁以下为小学及以上在校生）")
def school_by_age(households: QuerySet, ctx: Context) -> QuerySet:
    students = ~Q(school_status__in=(*OUT_OF_SCHOOL, SchoolStatus.PRESCHOOL))
    q = Q(school_status=SchoolStatus.PRESCHOOL) & aged(ctx, low=8) | students & aged(ctx, high=4)
    return having_member(households, q)


@rule("B10", "家庭成员", "务工状况与务工时间不符")
def work_months_mismatch(households: QuerySet, ctx: Context) -> QuerySet:
    q = Q(work_status=WorkStatus.NONE, months_away__gt=0) | (
        ~Q(work_status=WorkStatus.NONE) & Q(months_away=0)
    )
    return having_member(households, q)


@rule("B11", "家庭成员", "丧失劳动力或无劳动力的成员登记为务工")
def non_labour_working(households: QuerySet, ctx: Context) -> QuerySet:
    q = Q(labour__in=(Labour.LOST, Labour.NONE)) & ~Q(work_status=WorkStatus.NONE)
    return having_member(households, q)


@rule("B12", "家庭成员", "成员未参加城乡居民基本医疗保险")
def no_basic_medical(households: QuerySet, ctx: Context) -> QuerySet:
    return having_member(households, has_basic_medical=False)


@rule("B13", "家庭成员", "与户主关系与性别不符（之子/之女/之儿媳/之女婿）")
def relation_gender(households: QuerySet, ctx: Context) -> QuerySet:
    q = Q(
        relation__in=(Relation.SON, Relation.SON_IN_LAW, Relation.GRANDSON), gender=Gender.FEMALE
    ) | Q(
        relation__in=(Relation.DAUGHTER, Relation.DAUGHTER_IN_LAW, Relation.GRANDDAUGHTER),
        gender=Gender.MALE,
    )
    return having_member(households, q)


@rule("B14", "家庭成员", "户主的父母年龄小于户主")
def parent_younger_than_head(households: QuerySet, ctx: Context) -> QuerySet:
    parents = members(relation=Relation.PARENT, birth_date__gt=_head("birth_date"))
    return households.filter(pk__in=parents.values("household"))


@rule("B15", "家庭成员", "在校生登记为务工")
def student_working(households: QuerySet, ctx: Context) -> QuerySet:
    students = ~Q(school_status__in=OUT_OF_SCHOOL) & ~Q(work_status=WorkStatus.NONE)
    return having_member(households, students & aged(ctx, high=15))

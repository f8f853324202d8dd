"""G · 基本情况: phones, areas, distances, bank accounts and the approval dates."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Length

from households.models import Household

from .base import COUNTED, OnlyChars
from .registry import HOUSING_ABSURD, PHONE_SHARED_BY, ROAD_ABSURD_KM, Context, rule

AREAS = (
    "arable_area",
    "irrigated_area",
    "forest_area",
    "returned_farmland_area",
    "pasture_area",
    "water_surface_area",
    "housing_area",
)


@rule("G01", "基本情况", "联系电话缺失", fix="part_1")
def phone_missing(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(status__in=COUNTED, phone="")


@rule("G02", "基本情况", "联系电话格式错误", fix="part_1")
def phone_malformed(households: QuerySet, ctx: Context) -> QuerySet:
    mobile = Q(_n=11, phone__startswith="1") & Q(OnlyChars("phone", "0-9"))
    landline = Q(_n__gte=10, _n__lte=13, phone__startswith="0") & Q(OnlyChars("phone", "0-9-"))
    return households.exclude(phone="").annotate(_n=Length("phone")).exclude(mobile | landline)


@rule("G03", "基本情况", f"同一联系电话被{PHONE_SHARED_BY}户及以上使用", fix="part_1")
def phone_shared(households: QuerySet, ctx: Context) -> QuerySet:
    shared = (
        Household.objects.exclude(phone="")
        .values("phone")
        .annotate(_n=Count("pk"))
        .filter(_n__gte=PHONE_SHARED_BY)
        .values("phone")
    )
    return households.filter(phone__in=shared)


@rule("G04", "基本情况", "面积为负数", fix="part_2")
def negative_area(households: QuerySet, ctx: Context) -> QuerySet:
    q = Q()
    for name in AREAS:
        q |= Q(**{f"{name}__lt": 0})
    return households.filter(q)


@rule("G05", "基本情况", "有效灌溉面积大于耕地面积", fix="part_2")
def irrigated_over_arable(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(irrigated_area__gt=F("arable_area"))


@rule("G06", "基本情况", f"住房面积为0或超过{HOUSING_ABSURD:,.0f}平方米", fix="part_2")
def housing_absurd(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(status__in=COUNTED).filter(
        Q(housing_area=0) | Q(housing_area__gt=HOUSING_ABSURD)
    )


@rule("G07", "基本情况", f"与村主干路距离超过{ROAD_ABSURD_KM}公里", fix="part_2")
def road_absurd(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(distance_to_road_km__gt=ROAD_ABSURD_KM)


@rule("G08", "基本情况", "银行账号格式错误（应为10至30位数字）", fix="part_1")
def bank_account_malformed(households: QuerySet, ctx: Context) -> QuerySet:
    return (
        households.exclude(bank_account="")
        .annotate(_n=Length("bank_account"))
        .exclude(Q(_n__gte=10, _n__lte=30) & Q(OnlyChars("bank_account", "0-9")))
    )


@rule("G09", "基本情况", "审批日期先后顺序错误（申请、评议、公示、审核、审批）", fix="part_7")
def approval_dates_out_of_order(households: QuerySet, ctx: Context) -> QuerySet:
    steps = (
        "application_date",
        "appraisal_date",
        "first_publicity_date",
        "township_review_date",
        "second_publicity_date",
        "county_approval_date",
    )
    q = Q()
    for earlier, later in zip(steps, steps[1:], strict=False):
        q |= Q(**{f"{later}__lt": F(earlier)})
    return households.filter(q)


@rule("G10", "基本情况", "未生产用电或生活用电但燃料为电", fix="part_2")
def electric_fuel_without_power(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(main_fuel="electric", has_household_power=False)

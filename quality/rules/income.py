"""D · 收入: per-capita net income against the year's line, and the amounts themselves."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models.functions import Abs

from households.choices import Attribute
from households.models import INCOME_FIELDS

from .base import POOR
from .registry import INCOME_ABSURD, Context, rule

MONEY = DecimalField(max_digits=14, decimal_places=2)


def income_line(ctx: Context):
    """The year's 人均纯收入标准线 of each household's village, as one CASE: the nearest
    region's row wins (longest code first), the default row last."""
    from assessment.models import ExitCriteria

    rows = sorted(
        ExitCriteria.objects.filter(year=ctx.year).values_list("region_code", "income_line"),
        key=lambda row: -len(row[0]),
    )
    whens = []
    default = None
    for code, line in rows:
        if not code:
            default = line
            continue
        upper = code[:-1] + chr(ord(code[-1]) + 1)
        whens.append(When(Q(village_code__gte=code, village_code__lt=upper), then=Value(line)))
    if default is None and not whens:
        return None
    return Case(*whens, default=Value(default), output_field=MONEY)


def with_line(households: QuerySet, ctx: Context) -> QuerySet | None:
    line = income_line(ctx)
    return None if line is None else households.annotate(_line=line).exclude(_line=None)


@rule("D01", "收入", "人均纯收入为负数", fix="part_3")
def negative_income(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(net_income_per_capita__lt=0)


@rule("D02", "收入", "贫困户人均纯收入高于当年脱贫标准线", fix="part_3")
def poor_above_line(households: QuerySet, ctx: Context) -> QuerySet:
    lined = with_line(households.filter(status__in=POOR), ctx)
    return (
        households.none() if lined is None else lined.filter(net_income_per_capita__gt=F("_line"))
    )


@rule("D03", "收入", "收入或支出金额为负数", fix="part_3")
def negative_amount(households: QuerySet, ctx: Context) -> QuerySet:
    q = Q()
    for name in INCOME_FIELDS:
        q |= Q(**{f"{name}__lt": 0})
    return households.filter(q)


@rule("D04", "收入", f"人均纯收入超过{INCOME_ABSURD:,.0f}元（金额异常）", fix="part_3")
def income_absurd(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(net_income_per_capita__gt=INCOME_ABSURD)


@rule("D05", "收入", "低保贫困户无低保金收入", fix="part_3")
def dibao_without_subsidy(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(attribute=Attribute.DIBAO, dibao_subsidy__lte=0)


@rule("D06", "收入", "五保贫困户无五保金收入", fix="part_3")
def wubao_without_subsidy(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(attribute=Attribute.WUBAO, wubao_subsidy__lte=0)


@rule(
    "D07",
    "收入",
    "人均纯收入与各项收入不符（应为总收入减生产经营性支出除以家庭人口）",
    fix="part_3",
)
def income_not_recomputed(households: QuerySet, ctx: Context) -> QuerySet:
    total = sum((F(name) for name in INCOME_FIELDS[:-1]), start=Value(Decimal("0")))
    net = (total - F("production_costs")) / F("size")
    return (
        households.filter(size__gt=0)
        .annotate(_net=ExpressionWrapper(net, output_field=MONEY))
        .annotate(_gap=Abs(F("_net") - F("net_income_per_capita"), output_field=MONEY))
        .filter(_gap__gt=Decimal("0.01"))
    )

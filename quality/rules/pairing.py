"""F · 帮扶: claims, unit links, cadres, surveys and visits of the registered households."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .base import POOR, counted
from .registry import Context, rule


def _claims():
    from households.models import Claim

    return Claim.objects.active().filter(household=OuterRef("pk"))


def _links():
    from units.models import HouseholdLink

    return HouseholdLink.objects.filter(household=OuterRef("pk"), ended_at__isnull=True)


def _assignments():
    from units.models import Assignment

    return Assignment.objects.filter(household=OuterRef("pk"), ended_at__isnull=True)


@rule("F01", "帮扶", "贫困户未被认领")
def unclaimed(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(status__in=POOR).filter(~Exists(_claims()))


@rule("F02", "帮扶", "已认领但未关联帮扶单位")
def claimed_without_unit(households: QuerySet, ctx: Context) -> QuerySet:
    return counted(households).filter(Exists(_claims())).filter(~Exists(_links()))


@rule("F03", "帮扶", "已关联帮扶单位但未分配帮扶干部")
def linked_without_cadre(households: QuerySet, ctx: Context) -> QuerySet:
    return counted(households).filter(Exists(_links())).filter(~Exists(_assignments()))


@rule("F04", "帮扶", "结对的帮扶干部已离开")
def cadre_departed(households: QuerySet, ctx: Context) -> QuerySet:
    return households.filter(Exists(_assignments().filter(cadre__left_at__isnull=False)))


@rule("F05", "帮扶", "帮扶干部所在单位与户关联的帮扶单位不一致")
def cadre_unit_mismatch(households: QuerySet, ctx: Context) -> QuerySet:
    from units.models import HouseholdLink

    same_unit = HouseholdLink.objects.filter(
        household=OuterRef("household"), ended_at__isnull=True, unit=OuterRef("unit")
    )
    return households.filter(Exists(_assignments().filter(~Exists(same_unit))))


@rule("F06", "帮扶", "本年度未填写贫困户信息调查情况表")
def no_survey_this_year(households: QuerySet, ctx: Context) -> QuerySet:
    from units.models import Survey

    surveys = Survey.objects.filter(household=OuterRef("pk"), year=ctx.year)
    return (
        households.filter(status__in=POOR).filter(Exists(_assignments())).filter(~Exists(surveys))
    )


@rule("F07", "帮扶", "本年度无帮扶日志（未走访）")
def no_visit_this_year(households: QuerySet, ctx: Context) -> QuerySet:
    from units.models import VisitLog

    visits = VisitLog.objects.filter(household=OuterRef("pk"), date__gte=ctx.year_start)
    return households.filter(status__in=POOR).filter(Exists(_assignments())).filter(~Exists(visits))


@rule("F08", "帮扶", "关联的帮扶单位未登记帮扶该村（帮扶情况登记表）")
def unit_not_assisting_village(households: QuerySet, ctx: Context) -> QuerySet:
    from units.models import UnitVillage

    assists = UnitVillage.objects.filter(
        unit=OuterRef("unit"), village=OuterRef("household__village"), ended_at__isnull=True
    )
    return households.filter(Exists(_links().filter(~Exists(assists))))

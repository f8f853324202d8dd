"""What the units pages read: each list or choice scoped through units.access (and the core's
region helpers) and shaped for its page in a constant number of queries, so that the views
only parse, call and render (the shape of households/listing.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from households import access as hh_access
from households.choices import HouseholdStatus
from households.models import Claim, Household
from poverty_system.core import access
from poverty_system.core.roles import LINK_UNITS, MANAGE_UNITS, TRACK_SURVEYS
from villages.models import Level, Region, User

from . import access as unit_access
from .models import Assignment, Cadre, HouseholdLink, Survey, Unit, UnitVillage
from .services import why_not_assignable

ARCHIVE_KINDS = ("links", "villages", "claims")


def unit_rows(user: User) -> QuerySet[Unit]:
    """单位信息管理: the units of the slice with their serving cadres and active villages."""
    return (
        unit_access.filter_units(Unit.objects.all(), user)
        .select_related("region")
        .annotate(
            cadre_count=Count("cadres", filter=Q(cadres__left_at__isnull=True), distinct=True),
            village_count=Count(
                "village_links", filter=Q(village_links__ended_at__isnull=True), distinct=True
            ),
        )
        .order_by("region__code", "name")
    )


def manageable_counties(user: User) -> QuerySet[Region]:
    """Counties (and their townships) where the account may create units."""
    q = Q(pk__in=[])
    for r in access.regions_with(user, MANAGE_UNITS):
        q |= Q(tree_id=r.tree_id, lft__gte=r.lft, lft__lte=r.rght)
    return Region.objects.filter(q, level__in=[Level.COUNTY, Level.TOWNSHIP]).order_by("code")


def reorganize_choices(user: User) -> dict[str, QuerySet[Any]]:
    """The choices of 合并/拆分: the county's units, their serving cadres and active villages."""
    counties = manageable_counties(user)
    units = (
        unit_access.filter_units(Unit.objects.all(), user)
        .select_related("region")
        .filter(region__in=counties)
        .order_by("name")
    )
    cadres = Cadre.objects.filter(unit__in=units, left_at__isnull=True).select_related("unit")
    villages = UnitVillage.objects.filter(unit__in=units, ended_at__isnull=True)
    return {
        "regions": counties,
        "units": units,
        "cadres": cadres.order_by("unit__name", "name"),
        "villages": villages.select_related("unit", "village").order_by(
            "unit__name", "village_code"
        ),
    }


def archive_rows(user: User, kind: str, year: int) -> QuerySet[Any]:
    """One year's pairings of a kind (assignments by default) in the slice."""
    if kind == "claims":
        rows = hh_access.filter_claims(Claim.objects.filter(started_at__year=year), user)
        return rows.select_related("household", "phone").order_by("household__village_code", "pk")
    found: QuerySet[Any]
    if kind == "links":
        found = unit_access.filter_household_links(
            HouseholdLink.objects.filter(year=year), user
        ).select_related("household", "unit")
    elif kind == "villages":
        found = unit_access.filter_village_links(
            UnitVillage.objects.filter(year=year), user
        ).select_related("village", "unit")
    else:
        found = unit_access.filter_assignments(
            Assignment.objects.filter(year=year), user
        ).select_related("household", "cadre", "unit")
    return found.order_by("village_code", "pk")


def cadre_rows(user: User, show_all: bool) -> QuerySet[Cadre]:
    """帮扶干部信息管理: the cadres of the slice with their assigned households' count."""
    found = (
        unit_access.filter_cadres(Cadre.objects.all(), user)
        .select_related("unit", "user")
        .annotate(households=Count("assignments", filter=Q(assignments__ended_at__isnull=True)))
        .order_by("left_at", "unit__name", "name")
    )
    return found if show_all else found.filter(left_at__isnull=True)


def assigned_households(cadre: Cadre) -> QuerySet[Assignment]:
    return (
        cadre.assignments.filter(ended_at__isnull=True)
        .select_related("household", "household__village")
        .order_by("village_code", "household__number")
    )


def assignable_households(
    cadre: Cadre, query: str
) -> tuple[QuerySet[Household], list[tuple[Household, str]]]:
    """分配 › 添加: the unit's linked households no cadre holds (those matching a search by
    户编号 or 户主姓名), with why each household the search finds cannot be added."""
    active_assignment = Assignment.objects.filter(household=OuterRef("pk"), ended_at__isnull=True)
    linked = HouseholdLink.objects.filter(
        household=OuterRef("pk"), ended_at__isnull=True, unit_id=cadre.unit_id
    )
    candidates = (
        Household.objects.filter(Exists(linked))
        .filter(~Exists(active_assignment))
        .select_related("village")
        .order_by("village_code", "number")
    )
    if not query:
        return candidates, []
    explained = [(h, why) for h, why in why_not_assignable(cadre.unit, query) if why]
    return candidates.filter(Q(number=query) | Q(head_name=query)), explained


def serving_cadres(user: User) -> QuerySet[Cadre]:
    """The unit account's serving cadres (调离/借调, 离开)."""
    return (
        Cadre.objects.filter(unit_id__in=unit_access.unit_ids(user), left_at__isnull=True)
        .select_related("unit")
        .order_by("name")
    )


def other_units(user: User) -> QuerySet[Unit]:
    """Units a cadre of the account's unit may move to."""
    return (
        Unit.objects.exclude(pk__in=unit_access.unit_ids(user))
        .select_related("region")
        .order_by("region__code", "name")
    )


def survey_rows(user: User, year: int, todo: bool) -> QuerySet[Household]:
    """贫困户信息调查情况表: the households of the slice with this year's survey: a cadre's
    assigned households (what is still to fill), a unit's linked ones, an office's region
    (those with a survey this year)."""
    this_years = Survey.objects.filter(household=OuterRef("pk"), year=year)
    cadre_name = Assignment.objects.filter(household=OuterRef("pk"), ended_at__isnull=True).values(
        "cadre__name"
    )[:1]
    found = hh_access.filter_households(Household.objects.all(), user)
    if not access.role_allows(user, TRACK_SURVEYS):
        # Offices read the surveys that exist: households with one this year.
        found = found.filter(Exists(this_years))
    found = (
        found.annotate(
            survey_id=Subquery(this_years.values("pk")[:1]),
            exit_year=Subquery(this_years.values("exit_year")[:1]),
            cadre_name=Subquery(cadre_name),
        )
        .select_related("village")
        .order_by("village_code", "number")
    )
    return found.filter(survey_id__isnull=True) if todo else found


def village_units(user: User) -> QuerySet[Unit]:
    """Units assisting the village account's villages."""
    codes = [r.code for r in access.regions_with(user, LINK_UNITS)]
    return (
        Unit.objects.filter(
            village_links__village_code__in=codes, village_links__ended_at__isnull=True
        )
        .distinct()
        .order_by("name")
    )


def claimed_households(user: User, phone: Any, unlinked: bool) -> QuerySet[Household]:
    """关联单位: the village's households claimed under the session's phone, with their
    active unit link."""
    claimed = Claim.objects.active().filter(household=OuterRef("pk"), phone=phone)
    active_link = HouseholdLink.objects.filter(household=OuterRef("pk"), ended_at__isnull=True)
    households = (
        hh_access.filter_households(
            Household.objects.exclude(status=HouseholdStatus.REMOVED), user, LINK_UNITS
        )
        .filter(Exists(claimed))
        .annotate(
            link_id=Subquery(active_link.values("pk")[:1]),
            link_unit=Subquery(active_link.values("unit__name")[:1]),
        )
        .select_related("village")
        .order_by("village_code", "number")
    )
    return households.filter(link_id__isnull=True) if unlinked else households

"""Who sees and acts on units, cadres, pairings and surveys.

- A unit account's slice is its Units (guardian grants 'view_slice' on Unit): the villages
  linked to them and the households linked to them (active links).
- A cadre account's slice is the households of its active assignments.
- Offices read what lies in their region slice (by the unit's region or the stored village
  code); the county office manages the units of its county.
Out of the slice is 404 (missing and not-yours look alike); inside it without the right, 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from households import access as hh_access
from poverty_system.core import access
from poverty_system.core.roles import (
    FILL_SURVEYS,
    MANAGE_UNIT,
    MANAGE_UNITS,
    RESET_PAIRINGS,
    ROLE_REGION_LEVEL,
    SLICE,
    VIEW,
    Role,
)

if TYPE_CHECKING:
    from households.models import Household
    from poverty_system.core.types import AnyUser
    from villages.models import Region

    from .models import Assignment, Cadre, HouseholdLink, Unit, UnitVillage, VisitLog

# A queryset of the scoped model, any shape (annotated, select_related, locked).
QS = TypeVar("QS", bound=QuerySet[Any])


def unit_ids(user: AnyUser) -> set[int]:
    """The units of a unit account's slice (its `view_slice` grants on Unit); none for other
    roles. Cached on the user object per request, like the region slice."""
    if access.role_of(user) != Role.UNIT:
        return set()
    cached: set[int] | None = getattr(user, access.UNIT_IDS_CACHE, None)
    if cached is None:
        from .models import UnitUserObjectPermission

        cached = set(
            UnitUserObjectPermission.objects.filter(
                user=user, permission__codename=SLICE
            ).values_list("content_object_id", flat=True)
        )
        setattr(user, access.UNIT_IDS_CACHE, cached)
    return cached


def manages_unit(user: AnyUser, unit_id: int) -> bool:
    """MANAGE_UNIT (the unit account's role) on a unit of its slice."""
    return access.role_allows(user, MANAGE_UNIT) and unit_id in unit_ids(user)


def cadre_of(user: AnyUser) -> Cadre | None:
    """The serving cadre record of a cadre account, cached on the user object, or None."""
    if not (user.is_authenticated and user.is_active) or user.role != Role.CADRE:
        return None
    if access.CADRE_CACHE not in user.__dict__:
        from .models import Cadre

        setattr(
            user, access.CADRE_CACHE, Cadre.objects.filter(user=user, left_at__isnull=True).first()
        )
    return cast("Cadre | None", getattr(user, access.CADRE_CACHE))


# --- units -------------------------------------------------------------------------------


def filter_units(queryset: QS, user: AnyUser) -> QS:
    if not access.is_active_account(user):
        return queryset.none()
    if access.is_admin(user):
        return queryset
    if user.role == Role.UNIT:
        return queryset.filter(pk__in=unit_ids(user))
    if user.role == Role.CADRE:
        cadre = cadre_of(user)
        return queryset.filter(pk=cadre.unit_id) if cadre else queryset.none()
    return queryset.filter(access.region_filter(user, VIEW, prefix="region__"))


def get_unit_for_user(
    user: AnyUser, pk: Any, *, manage: bool = False, queryset: QuerySet[Unit] | None = None
) -> Unit:
    """A unit in the slice (404 otherwise). manage=True: the unit's own account only (403)."""
    from .models import Unit

    try:
        unit = filter_units(queryset if queryset is not None else Unit.objects.all(), user).get(
            pk=pk
        )
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if manage and not manages_unit(user, unit.pk):
        raise PermissionDenied
    return unit


def can_manage_units_in(user: AnyUser, region: Region) -> bool:
    """County office (or administrator) over the region: creates, merges and splits units."""
    return access.has_region_perm(user, MANAGE_UNITS, region)


def get_office_unit_for_user(
    user: AnyUser, pk: Any, *, queryset: QuerySet[Unit] | None = None
) -> Unit:
    """A unit the county office manages (单位信息管理): 404 outside, 403 without the right."""
    unit = get_unit_for_user(user, pk, queryset=queryset)
    if not can_manage_units_in(user, unit.region):
        raise PermissionDenied
    return unit


# --- village links -----------------------------------------------------------------------


def filter_village_links(queryset: QS, user: AnyUser) -> QS:
    if not access.is_active_account(user):
        return queryset.none()
    if user.role in (Role.UNIT, Role.CADRE):
        return queryset.filter(unit__in=filter_units(_unit_model().objects.all(), user))
    q = access.code_filter(user, "village_code")
    return queryset if q is None else queryset.filter(q)


def get_village_link_for_user(user: AnyUser, pk: Any, *, manage: bool = False) -> UnitVillage:
    from .models import UnitVillage

    try:
        found = filter_village_links(UnitVillage.objects.select_related("unit", "village"), user)
        link = found.get(pk=pk)
    except (UnitVillage.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if manage and not manages_unit(user, link.unit_id):
        raise PermissionDenied
    return link


def _unit_model() -> Any:
    from .models import Unit

    return Unit


# --- household links and households ------------------------------------------------------


def filter_household_links(queryset: QS, user: AnyUser) -> QS:
    """Household links in the slice: a unit's own; offices and villages by village code."""
    if not access.is_active_account(user):
        return queryset.none()
    if user.role == Role.UNIT:
        return queryset.filter(unit_id__in=unit_ids(user))
    if user.role == Role.CADRE:
        return queryset.none()
    q = access.code_filter(user, "village_code")
    return queryset if q is None else queryset.filter(q)


def get_household_link_for_user(user: AnyUser, pk: Any, perm: str = VIEW) -> HouseholdLink:
    """A household link in the slice (404), with perm on its village (403 otherwise)."""
    from .models import HouseholdLink

    try:
        link = filter_household_links(
            HouseholdLink.objects.select_related("household", "unit", "household__village"), user
        ).get(pk=pk)
    except (HouseholdLink.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm != VIEW and not access.has_code_perm(user, perm, link.village_code):
        raise PermissionDenied
    return link


def get_survey_household_for_user(user: AnyUser, pk: Any, *, edit: bool = False) -> Household:
    """The household of a survey page: 404 outside the slice; edit=True only for the cadre
    assigned to it (everyone else in the slice reads, 403 for editing)."""
    from households.models import Household

    household = hh_access.get_household_for_user(
        user, pk, queryset=Household.objects.select_related("village")
    )
    if edit and not (access.role_allows(user, FILL_SURVEYS) and cadre_of(user) is not None):
        raise PermissionDenied
    return household


# --- cadres ------------------------------------------------------------------------------


def filter_cadres(queryset: QS, user: AnyUser) -> QS:
    if not access.is_active_account(user):
        return queryset.none()
    if access.is_admin(user):
        return queryset
    if user.role == Role.UNIT:
        return queryset.filter(unit_id__in=unit_ids(user))
    if user.role == Role.CADRE:
        cadre = cadre_of(user)
        return queryset.filter(pk=cadre.pk) if cadre else queryset.none()
    return queryset.filter(access.region_filter(user, VIEW, prefix="unit__region__"))


def get_cadre_for_user(
    user: AnyUser, pk: Any, *, manage: bool = False, queryset: QuerySet[Cadre] | None = None
) -> Cadre:
    """A cadre in the slice (404); manage=True: only the account of the cadre's unit (403)."""
    from .models import Cadre

    base = queryset if queryset is not None else Cadre.objects.select_related("unit", "user")
    try:
        cadre = filter_cadres(base, user).get(pk=pk)
    except (Cadre.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if manage and not manages_unit(user, cadre.unit_id):
        raise PermissionDenied
    return cadre


def filter_assignments(queryset: QS, user: AnyUser) -> QS:
    if not access.is_active_account(user):
        return queryset.none()
    if user.role == Role.UNIT:
        return queryset.filter(unit_id__in=unit_ids(user))
    if user.role == Role.CADRE:
        cadre = cadre_of(user)
        return queryset.filter(cadre=cadre) if cadre else queryset.none()
    q = access.code_filter(user, "village_code")
    return queryset if q is None else queryset.filter(q)


def get_assignment_for_user(user: AnyUser, pk: Any, *, manage: bool = False) -> Assignment:
    from .models import Assignment

    try:
        found = filter_assignments(Assignment.objects.select_related("cadre", "household"), user)
        assignment = found.get(pk=pk)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if manage and not manages_unit(user, assignment.unit_id):
        raise PermissionDenied
    return assignment


def get_visit_for_user(user: AnyUser, pk: Any) -> VisitLog:
    from .models import VisitLog

    try:
        visit = VisitLog.objects.select_related("household").get(pk=pk)
    except (VisitLog.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    # Readable by whoever reads the household's survey (the cadre who wrote it included).
    cadre = cadre_of(user)
    if cadre is not None and visit.cadre_id == cadre.pk:
        return visit
    hh_access.get_household_for_user(user, visit.household_id)
    return visit


def office_filter(user: AnyUser, field: str = "village_code", perm: str = VIEW) -> Q | None:
    """Q on a stored village code for an office or village account (None: everything)."""
    return access.code_filter(user, field, perm)


# --- yearly reset ------------------------------------------------------------------------


def can_reset(user: AnyUser, region: Region) -> bool:
    """A city or county office resets the pairings of its own city or county (the level of
    its slice, not a region below it)."""
    level = ROLE_REGION_LEVEL.get(access.role_of(user))
    return region.level == level and access.has_region_perm(user, RESET_PAIRINGS, region)


def reset_regions(user: AnyUser) -> list[Region]:
    """The regions a city or county office may reset (its own city or county)."""
    roots = cast("list[Region]", access.slice_roots(user))  # the account's Region rows
    return [r for r in roots if can_reset(user, r)]

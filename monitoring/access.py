"""Who sees and does what in 防止返贫监测, on the common helpers of poverty_system.core.access.

Leads and monitored households are scoped by the village code on the row, like households;
rules, holidays and department files by their county code. A cadre reads the leads of the
households assigned to it and the leads it reported itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from households.access import household_scope
from poverty_system.core import access
from poverty_system.core.roles import (
    EDIT_MONITORING_RULES,
    HANDLE_LEADS,
    IMPORT_DEPARTMENT_DATA,
    READ_MONITORING,
    REPORT_LEADS,
    REVIEW_INCOMES,
    VIEW,
    Role,
)

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

__all__ = [
    "EDIT_MONITORING_RULES",
    "HANDLE_LEADS",
    "IMPORT_DEPARTMENT_DATA",
    "READ_MONITORING",
    "REPORT_LEADS",
    "REVIEW_INCOMES",
]

M = TypeVar("M", bound=Model)


def _row_scope(user: AnyUser, perm: str, model: type[Model]) -> Q | None:
    """Rows with a village code (and a household) in the slice; None: unrestricted."""
    if getattr(user, "role", None) == Role.CADRE:
        # A cadre's slice is its households, not regions; it also reads the leads it reported.
        q = Q(household__in=_households_of(household_scope(user, VIEW)))
        if perm == VIEW and model._meta.model_name == "lead":
            q |= Q(pk__in=model.objects.filter(sources__reporter=user).values("pk"))
        return q
    return access.code_filter(user, "village_code", perm)


def _households_of(scope: Q | None) -> Any:
    from households.models import Household

    qs = Household.objects.all()
    return (qs if scope is None else qs.filter(scope)).values("pk")


def filter_rows(queryset: QuerySet[M], user: AnyUser, perm: str = VIEW) -> QuerySet[M]:
    """Leads or monitored households of the slice that the account may use `perm` on."""
    if not access.is_active_account(user) or not access.role_allows(user, perm):
        return queryset.none()
    if perm == VIEW and not (
        access.is_admin(user)
        or access.role_allows(user, READ_MONITORING)
        or access.role_allows(user, REPORT_LEADS)
    ):
        return queryset.none()  # unit accounts
    q = _row_scope(user, perm, queryset.model)
    return queryset if q is None else queryset.filter(q)


def get_row(queryset: QuerySet[M], user: AnyUser, pk: Any) -> M:
    """404 when missing or outside the slice."""
    try:
        return filter_rows(queryset, user).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def may(user: AnyUser, perm: str, village_code: str) -> bool:
    """perm on a row of village `village_code` (the row is already known to be in the slice)."""
    if getattr(user, "role", None) == Role.CADRE:
        return access.role_allows(user, perm)
    return access.has_code_perm(user, perm, village_code)


def filter_counties(queryset: QuerySet[M], user: AnyUser, perm: str = VIEW) -> QuerySet[M]:
    """Rows by county code (rules, holidays, department files): the counties in the slice and
    the county a township or village lies in."""
    if not access.is_active_account(user) or not access.role_allows(user, perm):
        return queryset.none()
    q = access.county_filter(user)
    return queryset if q is None else queryset.filter(q)


def report_villages(user: AnyUser) -> QuerySet[Any]:
    """The villages an account may report a family of (上报监测线索, a family not registered):
    the villages of its slice, for a cadre the villages of its households."""
    from villages.models import Region

    villages = Region.objects.filter(level="village")
    if not access.is_active_account(user) or not access.role_allows(user, REPORT_LEADS):
        return villages.none()
    if getattr(user, "role", None) == Role.CADRE:
        codes = _households_of(household_scope(user, VIEW)).values("village_code")
        return villages.filter(code__in=codes)
    q = access.code_filter(user, "code", REPORT_LEADS)
    return villages if q is None else villages.filter(q)


def county_of(user: AnyUser) -> Any:
    """The county whose 监测参数 the account reads: the county of its slice (a county office's
    own, the county a township or village lies in); None when its slice holds no one county."""
    from villages.models import Region

    codes = {region.code[:6] for region in access.slice_regions(user) if len(region.code) >= 6}
    if len(codes) != 1:
        return None
    return Region.objects.filter(code=codes.pop(), level="county").first()

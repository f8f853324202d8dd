"""Scoping of households, built on the common helpers of poverty_system.access.

One way to scope a household: `Household.objects.visible_to(user, perm)` (or
`filter_households` on any queryset of households) and `get_household_for_user`. A slice is
one indexed range on `village_code` per granted region, never per-object permission rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from poverty_system import access
from poverty_system.roles import (
    CANCEL_CLAIMS,
    CLAIM_HOUSEHOLDS,
    EDIT_HOUSEHOLDS,
    MANAGE_QR_CODES,
    VIEW,
)

if TYPE_CHECKING:
    from villages.models import Region

    from .models import Household


def filter_households(queryset: QuerySet[Any], user: Any, perm: str = VIEW) -> QuerySet[Any]:
    """Households in the account's slice where it holds perm. Unit and cadre accounts reach
    households through links and assignments (the units app scopes those)."""
    if not access.is_active_account(user):
        return queryset.none()
    q = access.code_filter(user, "village_code", perm)
    return queryset if q is None else queryset.filter(q)


def get_household_for_user(
    user: Any, pk: Any, perm: str = VIEW, *, queryset: QuerySet[Any] | None = None
) -> Household:
    """404 when missing or outside the slice (the same answer), 403 when inside but the
    account's role lacks perm."""
    from .models import Household

    found = filter_households(Household.objects.all() if queryset is None else queryset, user)
    try:
        household: Household = found.get(pk=pk)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm != VIEW and not access.has_code_perm(user, perm, household.village_code):
        raise PermissionDenied
    return household


def filter_claims(queryset: QuerySet[Any], user: Any, perm: str = VIEW) -> QuerySet[Any]:
    """Claims of households in the account's region slice (one indexed range per region).
    Claims belong to village phones: unit and cadre accounts, which hold no region slice,
    see none."""
    if not access.is_active_account(user):
        return queryset.none()
    q = access.code_filter(user, "household__village_code", perm)
    return queryset if q is None else queryset.filter(q)


def filter_households_in_region(
    queryset: QuerySet[Any], user: Any, region: Region, perm: str = VIEW
) -> QuerySet[Any]:
    """Households under `region`, which must lie in the account's slice (404 outside it,
    403 inside without perm): the region's own code range, one indexed range."""
    access.check_region_perm(user, perm, region)
    lo, hi = region.code_range
    return queryset.filter(village_code__gte=lo, village_code__lt=hi)


def can_claim(user: Any, household: Household) -> bool:
    """认领: the village account of the household's village (the action also wants the
    verified phone)."""
    return access.has_code_perm(user, CLAIM_HOUSEHOLDS, household.village_code)


def can_maintain_household(user: Any, household: Household) -> bool:
    """The village account of the household's village edits the household (the actions also
    want the verified phone holding the claim). Offices and the administrator only read."""
    return access.has_code_perm(user, EDIT_HOUSEHOLDS, household.village_code)


def can_cancel_claims(user: Any, household: Household) -> bool:
    """The township office over the household's village undoes a wrong claim."""
    return access.has_code_perm(user, CANCEL_CLAIMS, household.village_code)


def can_manage_qr_code(user: Any, household: Household) -> bool:
    """A household's QR code page (show, revoke and reissue): county and township offices."""
    return access.has_code_perm(user, MANAGE_QR_CODES, household.village_code)

"""Who sees which household: the one scope of the model, for all seven roles.

- Office and village accounts (and the administrator, whose slice is everything): the
  households under the regions of their slice, one indexed range on `village_code` per
  region, never per-object permission rows.
- A unit account: the households actively linked to a unit of its slice.
- A cadre account: the households of its active assignments, while it serves.

Units and cadres are reached through the reverse relations by name (`unit_links`,
`cadre_assignments`), so this app never imports the units app. The one spelling is
`filter_households(queryset, user, perm)` and `get_household_for_user(user, pk, perm)`;
claims have theirs, `filter_claims`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from poverty_system.core import access
from poverty_system.core.roles import (
    CANCEL_CLAIMS,
    CLAIM_HOUSEHOLDS,
    EDIT_HOUSEHOLDS,
    MANAGE_QR_CODES,
    SLICE,
    VIEW,
    Role,
)

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser
    from villages.models import Region

    from .models import Household


# A queryset of the scoped model, any shape (annotated, select_related, locked).
QS = TypeVar("QS", bound=QuerySet[Any])


def _active_through(relation: str, **conditions: Any) -> Exists:
    """EXISTS an active row of the reverse relation `relation` of Household (a unit link or
    an assignment, ended_at null) meeting `conditions`: one semi-join, no duplicate rows."""
    from .models import Household

    model = Household._meta.get_field(relation).related_model
    rows = model._default_manager.filter(  # type: ignore[union-attr]
        household=OuterRef("pk"), ended_at__isnull=True, **conditions
    )
    return Exists(rows)


def household_scope(user: AnyUser, perm: str = VIEW) -> Q | None:
    """The condition on Household for the households where the account may use perm: None
    for everything (the administrator reading), an empty Q for nothing."""
    if not access.role_allows(user, perm):
        return Q(pk__in=[])
    role = access.role_of(user)
    if role == Role.UNIT:
        return Q(
            _active_through(
                "unit_links", unit__grants__user=user, unit__grants__permission__codename=SLICE
            )
        )
    if role == Role.CADRE:
        return Q(
            _active_through("cadre_assignments", cadre__user=user, cadre__left_at__isnull=True)
        )
    return access.code_filter(user, "village_code", perm)


def filter_households(queryset: QS, user: AnyUser, perm: str = VIEW) -> QS:
    """The households of `queryset` in the account's scope where it may use perm."""
    if not access.is_active_account(user):
        return queryset.none()
    q = household_scope(user, perm)
    return queryset if q is None else queryset.filter(q)


def get_household_for_user(
    user: AnyUser, pk: Any, perm: str = VIEW, *, queryset: QuerySet[Household] | None = None
) -> Household:
    """404 when missing or outside the account's scope (the same answer), 403 when inside it
    but the account's role lacks perm."""
    from .models import Household

    found = filter_households(Household.objects.all() if queryset is None else queryset, user)
    try:
        household = found.get(pk=pk)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not access.role_allows(user, perm):
        raise PermissionDenied
    return household


def filter_claims(queryset: QS, user: AnyUser, perm: str = VIEW) -> QS:
    """Claims of households in the account's region slice (one indexed range per region).
    Claims belong to village phones: unit and cadre accounts, which hold no region slice,
    see none."""
    if not access.is_active_account(user):
        return queryset.none()
    q = access.code_filter(user, "household__village_code", perm)
    return queryset if q is None else queryset.filter(q)


def filter_households_in_region(
    queryset: QS, user: AnyUser, region: Region, perm: str = VIEW
) -> QS:
    """Households under `region`, which must lie in the account's slice (404 outside it,
    403 inside without perm): the region's own code range, one indexed range."""
    access.check_region_perm(user, perm, region)
    lo, hi = region.code_range
    return queryset.filter(village_code__gte=lo, village_code__lt=hi)


def can_claim(user: AnyUser, household: Household) -> bool:
    """认领: the village account of the household's village (the action also wants the
    verified phone)."""
    return access.has_code_perm(user, CLAIM_HOUSEHOLDS, household.village_code)


def can_maintain_household(user: AnyUser, household: Household) -> bool:
    """The village account of the household's village edits the household (the actions also
    want the verified phone holding the claim). Offices and the administrator only read."""
    return access.has_code_perm(user, EDIT_HOUSEHOLDS, household.village_code)


def can_cancel_claims(user: AnyUser, household: Household) -> bool:
    """The township office over the household's village undoes a wrong claim."""
    return access.has_code_perm(user, CANCEL_CLAIMS, household.village_code)


def can_manage_qr_code(user: AnyUser, household: Household) -> bool:
    """A household's QR code page (show, revoke and reissue): county and township offices."""
    return access.has_code_perm(user, MANAGE_QR_CODES, household.village_code)

"""A region by id for an account (404 outside its slice, 403 without the permission), the
scoping of accounts (which accounts an office may manage) and of the natural villages
(自然村), built on the common helpers of poverty_system.core.access."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from poverty_system.core.access import (
    _subtree_q,
    check_region_perm,
    code_filter,
    creatable_roles,
    has_code_perm,
    is_active_account,
    regions_with,
    role_allows,
    sees_whole_tree,
)
from poverty_system.core.roles import MANAGE_ACCOUNTS, MANAGE_PHONES, VIEW, Role

from .models import NaturalVillage, Region, RegionUserObjectPermission

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser


def get_region_for_user(user: AnyUser, pk: Any, perm: str = VIEW) -> Region:
    """The region with id pk: 404 outside the account's slice, 403 inside it without perm."""
    try:
        region: Region = Region.objects.get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    check_region_perm(user, perm, region)
    return region


def filter_manageable_accounts(queryset: QuerySet[Any], user: AnyUser) -> QuerySet[Any]:
    """Accounts this account may manage: the security administrator manages the city and
    county offices and the auditors; a county office the township and village accounts inside
    its county. Never its own account (no officer resets, locks or widens itself)."""
    roles = creatable_roles(user)
    if not roles:
        return queryset.none()
    queryset = queryset.filter(role__in=roles).exclude(pk=user.pk)
    if sees_whole_tree(user):
        return queryset
    return queryset.filter(pk__in=_accounts_inside(user, MANAGE_ACCOUNTS))


def filter_phone_managed_accounts(queryset: QuerySet[Any], user: AnyUser) -> QuerySet[Any]:
    """Village accounts whose phone numbers this account may manage (township offices, and
    the security administrator everywhere)."""
    if not role_allows(user, MANAGE_PHONES):
        return queryset.none()
    if sees_whole_tree(user):
        return queryset.filter(role=Role.VILLAGE)
    return queryset.filter(role=Role.VILLAGE, pk__in=_accounts_inside(user, MANAGE_PHONES))


def _accounts_inside(user: AnyUser, perm: str) -> QuerySet[Any]:
    """Ids of accounts whose slice lies inside the regions where `user` holds perm."""
    inside = _subtree_q(regions_with(user, perm), "content_object__")
    return RegionUserObjectPermission.objects.filter(inside, permission__codename=VIEW).values(
        "user_id"
    )


def filter_natural_villages(
    queryset: QuerySet[NaturalVillage], user: AnyUser, perm: str = VIEW
) -> QuerySet[NaturalVillage]:
    """自然村 of the villages of the account's slice where it holds perm (one code range per
    region of the slice)."""
    if not is_active_account(user):
        return queryset.none()
    q = code_filter(user, "village_code", perm)
    return queryset if q is None else queryset.filter(q)


def get_natural_village_for_user(user: AnyUser, pk: Any, perm: str = VIEW) -> NaturalVillage:
    """The 自然村 with id pk: 404 outside the slice, 403 inside it without perm."""
    try:
        found: NaturalVillage = filter_natural_villages(
            NaturalVillage.objects.select_related("village"), user
        ).get(pk=pk)
    except (NaturalVillage.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm != VIEW and not has_code_perm(user, perm, found.village_code):
        raise PermissionDenied
    return found

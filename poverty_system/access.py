"""The access layer: the one place that answers "what may this account see and do".

Slices are guardian grants on Region (office and village accounts) and on Unit (unit
accounts); a grant on a region covers its whole subtree. Queries are scoped in SQL with a
range on an indexed column, never with per-object permission rows. Out-of-slice objects are
404 (they are not revealed); in-slice objects the role may not act on are 403.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from .roles import CREATABLE_ROLES, EXPORT_QR, VIEW, Role

if TYPE_CHECKING:
    from villages.models import Region

# Any account object: villages.User, AnonymousUser, or the request's lazy user.
User = Any


def is_active_account(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def role_of(user: User) -> str:
    """The account's role for rule decisions ("" for anonymous or inactive accounts)."""
    if not is_active_account(user):
        return ""
    return str(Role.ADMIN if user.is_superuser else user.role)


def is_admin(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.role == Role.ADMIN or user.is_superuser)
    )


def region_grants(user: User) -> dict[str, list[Region]]:
    """codename -> regions the account holds it on; cached on the user object per request."""
    cached: dict[str, list[Region]] | None = getattr(user, "_region_grants", None)
    if cached is not None:
        return cached
    from villages.models import RegionUserObjectPermission

    grants: dict[str, list[Region]] = defaultdict(list)
    if user.is_authenticated and user.is_active:
        rows = RegionUserObjectPermission.objects.filter(user=user).select_related(
            "permission", "content_object"
        )
        for row in rows:
            grants[row.permission.codename].append(row.content_object)
    user._region_grants = grants
    return grants


def forget_grants(user: User) -> None:
    """Drop the per-request cache after grants of this user object changed."""
    user.__dict__.pop("_region_grants", None)
    user.__dict__.pop("_unit_ids", None)
    user.__dict__.pop("_cadre_households", None)
    user.__dict__.pop("_slice_roots", None)


def regions_with(user: User, perm: str = VIEW) -> list[Region]:
    return list(region_grants(user).get(perm, []))


def slice_roots(user: User) -> list[Region]:
    """Top regions of the account's slice: what its region tree starts from (cached on the
    user object per request, like the grants)."""
    from villages.models import Region

    cached: list[Region] | None = getattr(user, "_slice_roots", None)
    if cached is not None:
        return list(cached)
    if is_admin(user):
        roots = list(Region.objects.filter(parent__isnull=True).order_by("code"))
    else:
        regions = regions_with(user, VIEW)
        roots = sorted(
            (r for r in regions if not any(o is not r and o.contains(r) for o in regions)),
            key=lambda r: r.code,
        )
    user._slice_roots = roots
    return list(roots)


def _subtree_q(regions: Iterable[Region], prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for region in regions:
        q |= Q(
            **{
                f"{prefix}tree_id": region.tree_id,
                f"{prefix}lft__gte": region.lft,
                f"{prefix}lft__lte": region.rght,
            }
        )
    return q


def region_filter(user: User, perm: str = VIEW, *, prefix: str = "") -> Q | None:
    """Q on a Region relation (prefix 'village__' etc.) for the regions the account may use
    with perm; None means unrestricted (administrator)."""
    if is_admin(user):
        return None
    return _subtree_q(regions_with(user, perm), prefix)


def code_filter(user: User, code_field: str, perm: str = VIEW) -> Q | None:
    """Q on a stored 12-digit region code (e.g. a household's village code): one indexed
    range per granted region. None means unrestricted."""
    if is_admin(user):
        return None
    q = Q(pk__in=[])
    for region in regions_with(user, perm):
        lo, hi = region.code_range
        q |= Q(**{f"{code_field}__gte": lo, f"{code_field}__lt": hi})
    return q


def filter_regions(queryset: QuerySet[Any], user: User, perm: str = VIEW) -> QuerySet[Any]:
    q = region_filter(user, perm)
    return queryset if q is None else queryset.filter(q)


def has_region_perm(user: User, perm: str, region: Region) -> bool:
    if is_admin(user):
        return True
    return any(granted.contains(region) for granted in regions_with(user, perm))


def check_region_perm(user: User, perm: str, region: Region) -> None:
    """404 when the region is outside the slice, 403 when inside but perm is missing."""
    if not has_region_perm(user, VIEW, region):
        raise Http404
    if perm != VIEW and not has_region_perm(user, perm, region):
        raise PermissionDenied


def get_region_for_user(user: User, pk: Any, perm: str = VIEW) -> Region:
    from villages.models import Region

    try:
        region: Region = Region.objects.get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    check_region_perm(user, perm, region)
    return region


# --- accounts ----------------------------------------------------------------------------


def creatable_roles(user: User) -> tuple[str, ...]:
    """Roles of the accounts this account may create and manage."""
    return CREATABLE_ROLES.get(Role.ADMIN if is_admin(user) else role_of(user), ())


def has_code_perm(user: User, perm: str, code: str) -> bool:
    """Whether the account holds perm on a region whose code range contains `code` (e.g. a
    household's village code); no query once the grants are cached."""
    if is_admin(user):
        return True
    for region in regions_with(user, perm):
        lo, hi = region.code_range
        if lo <= code < hi:
            return True
    return False


# Levels where 导出二维码信息 may be pressed: a county (a zip per township), a township, a village.
QR_EXPORT_LEVELS = ("county", "township", "village")


def can_export_qr(user: User, region: Region | None) -> bool:
    """导出二维码信息 on `region`: the offices holding EXPORT_QR there (county and township
    offices, by their roles' grants). The administrator does not export."""
    if region is None or is_admin(user) or region.level not in QR_EXPORT_LEVELS:
        return False
    return has_region_perm(user, EXPORT_QR, region)

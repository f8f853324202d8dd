"""The access layer: the one place that answers "what may this account see and do".

An account may use a permission on an object when its role holds the permission
(roles.ROLE_PERMS, derived at check time) AND the object lies in its slice. Slices are
guardian `view_slice` grants on Region (office and village accounts) and on Unit (unit
accounts); a grant on a region covers its whole subtree. The administrator's slice is
everything; its role decides what it may do there. Queries are scoped in SQL with a
range on an indexed column, never with per-object permission rows. Out-of-slice objects are
404 (they are not revealed); in-slice objects the role may not act on are 403.

The core imports no app: it reads an account of the shape `types.AccountLike` (villages.User:
its role and its slice, `user.slice_regions()`) and works on any region object of the shape
`types.RegionLike`; a region fetched by id is villages/access.py's `get_region_for_user`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from .roles import (
    CREATABLE_ROLES,
    EXPORT_QR,
    READ_AUDIT,
    ROLE_PERMS,
    VIEW,
    WHOLE_TREE_ROLES,
    Role,
)
from .types import Account, AccountLike, RegionLike

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# The account type a caller holds (villages.User in the apps), kept through the narrowing.
A = TypeVar("A", bound=AccountLike)

# The per-request caches on the account object (forget_grants drops them).
SLICE_CACHE = "_slice_regions"
ROOTS_CACHE = "_slice_roots"
UNIT_IDS_CACHE = "_unit_ids"
CADRE_CACHE = "_cadre"


def is_active_account(user: A | AnonymousUser) -> TypeGuard[A]:
    """A signed-in, active account (not AnonymousUser, not a deactivated account)."""
    return bool(user.is_authenticated and user.is_active)


def role_of(user: Account) -> str:
    """The account's role for rule decisions ("" for anonymous or inactive accounts)."""
    if not is_active_account(user):
        return ""
    return str(Role.ADMIN if user.is_superuser else user.role)


def is_admin(user: Account) -> bool:
    return is_active_account(user) and (user.role == Role.ADMIN or user.is_superuser)


def sees_whole_tree(user: Account) -> bool:
    """The system and the security administrator: a slice of the whole tree without grant
    rows (what they may do there is only what their role holds)."""
    return is_active_account(user) and (user.role in WHOLE_TREE_ROLES or user.is_superuser)


def signs_in_by_phone(user: Account) -> bool:
    """Village accounts sign in with an SMS code to a registered phone, and the verified
    phone decides what the session may edit."""
    return is_active_account(user) and user.role == Role.VILLAGE


def role_allows(user: Account, perm: str) -> bool:
    """Whether the account's role holds perm (roles.ROLE_PERMS, derived at check time)."""
    return perm in ROLE_PERMS.get(role_of(user), frozenset())


def check_role_allows(user: Account, perm: str) -> None:
    """403 unless the account's role holds perm (for actions whose object is checked apart)."""
    if not role_allows(user, perm):
        raise PermissionDenied


def slice_regions(user: Account) -> list[RegionLike]:
    """The regions of the account's slice, as the account reads them (villages.User:
    its `view_slice` grants on Region; for the administrator, whose slice is everything,
    the roots of the tree); cached on the user object per request."""
    cached: list[RegionLike] | None = getattr(user, SLICE_CACHE, None)
    if cached is not None:
        return cached
    regions: list[RegionLike] = list(user.slice_regions()) if is_active_account(user) else []
    setattr(user, SLICE_CACHE, regions)
    return regions


def forget_grants(user: Account) -> None:
    """Drop the per-request cache after the slice of this user object changed."""
    for name in (SLICE_CACHE, UNIT_IDS_CACHE, CADRE_CACHE, ROOTS_CACHE):
        user.__dict__.pop(name, None)


def regions_with(user: Account, perm: str = VIEW) -> list[RegionLike]:
    """The regions where the account may use perm: its slice if its role holds perm (the
    administrator: the roots of the tree), else none."""
    if not role_allows(user, perm):
        return []
    return list(slice_regions(user))


def slice_roots(user: Account) -> list[RegionLike]:
    """Top regions of the account's slice: what its region tree starts from (cached on the
    user object per request, like the slice)."""
    cached: list[RegionLike] | None = getattr(user, ROOTS_CACHE, None)
    if cached is not None:
        return list(cached)
    regions = slice_regions(user)
    roots = sorted(
        (r for r in regions if not any(o is not r and o.contains(r) for o in regions)),
        key=lambda r: r.code,
    )
    setattr(user, ROOTS_CACHE, roots)
    return list(roots)


def _subtree_q(regions: Iterable[RegionLike], prefix: str = "") -> Q:
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


def region_filter(user: Account, perm: str = VIEW, *, prefix: str = "") -> Q | None:
    """Q on a Region relation (prefix 'village__' etc.) for the regions the account may use
    with perm; None means unrestricted (the administrator, for a permission of its role)."""
    if not role_allows(user, perm):
        return Q(pk__in=[])
    if sees_whole_tree(user):
        return None
    return _subtree_q(slice_regions(user), prefix)


def code_filter(user: Account, code_field: str, perm: str = VIEW) -> Q | None:
    """Q on a stored 12-digit region code (e.g. a household's village code): one indexed
    range per region of the slice. None means unrestricted (the administrator)."""
    q = Q(pk__in=[])
    if not role_allows(user, perm):
        return q
    if sees_whole_tree(user):
        return None
    for region in slice_regions(user):
        lo, hi = region.code_range
        q |= Q(**{f"{code_field}__gte": lo, f"{code_field}__lt": hi})
    return q


def county_filter(user: Account, code_field: str = "county_code") -> Q | None:
    """Q on a stored 6-digit county code: the counties in the slice, and the county each
    region of the slice lies in (a township or village office reads its county's rows:
    rounds, monitoring rules, department files). None means unrestricted (the administrator)."""
    if sees_whole_tree(user):
        return None
    q = Q(pk__in=[])
    for region in slice_regions(user):
        lo, hi = region.code_range
        q |= Q(**{f"{code_field}__gte": lo, f"{code_field}__lt": hi})
        q |= Q(**{code_field: region.code[:6]})
    return q


def filter_regions(queryset: QuerySet[Any], user: Account, perm: str = VIEW) -> QuerySet[Any]:
    q = region_filter(user, perm)
    return queryset if q is None else queryset.filter(q)


def filter_audit_entries(queryset: QuerySet[Any], user: Account) -> QuerySet[Any]:
    """Audit entries the account may read (安全审计 › 审计日志): the auditor's alone, those
    whose stored region code lies in its slice; an auditor attached to a root of the tree
    (the province) also reads the entries of no region (sign-ins of unknown names, the
    officers' own accounts, system jobs). Every other account reads none."""
    if not role_allows(user, READ_AUDIT):
        return queryset.none()
    q = Q(pk__in=[])
    for region in slice_regions(user):
        lo, hi = region.code_range
        q |= Q(region_code__gte=lo, region_code__lt=hi)
        if region.lft == 1:  # a root of the tree (MPTT numbers each tree from 1)
            q |= Q(region_code="")
    return queryset.filter(q)


def check_reads_audit(user: Account) -> None:
    """403 unless the account is an auditor (the rule of the audit pages admits no one else;
    this is the same question asked by the action)."""
    check_role_allows(user, READ_AUDIT)


def has_region_perm(user: Account, perm: str, region: RegionLike) -> bool:
    """perm is in the account's role's set AND the region lies in its slice."""
    if not role_allows(user, perm):
        return False
    return sees_whole_tree(user) or any(granted.contains(region) for granted in slice_regions(user))


def check_region_perm(user: Account, perm: str, region: RegionLike) -> None:
    """404 when the region is outside the slice, 403 when inside but perm is missing."""
    if not has_region_perm(user, VIEW, region):
        raise Http404
    if perm != VIEW and not has_region_perm(user, perm, region):
        raise PermissionDenied


# --- accounts ----------------------------------------------------------------------------


def creatable_roles(user: Account) -> tuple[str, ...]:
    """Roles of the accounts this account may create and manage."""
    return CREATABLE_ROLES.get(role_of(user), ())


def has_code_perm(user: Account, perm: str, code: str) -> bool:
    """Whether the account holds perm on a region whose code range contains `code` (e.g. a
    household's village code); no query once the slice is cached."""
    if not role_allows(user, perm):
        return False
    if sees_whole_tree(user):
        return True
    for region in slice_regions(user):
        lo, hi = region.code_range
        if lo <= code < hi:
            return True
    return False


# Levels where 导出二维码信息 may be pressed: a county (a zip per township), a township, a village.
QR_EXPORT_LEVELS = ("county", "township", "village")


def can_export_qr(user: Account, region: RegionLike | None) -> bool:
    """导出二维码信息 on `region`: the accounts whose role holds EXPORT_QR, there."""
    if region is None or region.level not in QR_EXPORT_LEVELS:
        return False
    return has_region_perm(user, EXPORT_QR, region)

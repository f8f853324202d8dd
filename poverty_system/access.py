"""The access layer: the one place that answers "what may this account see and do".

Slices are guardian grants on Region (office and village accounts) and on Unit (unit
accounts); a grant on a region covers its whole subtree. Queries are scoped in SQL with a
range on an indexed column, never with per-object permission rows. Out-of-slice objects are
404 (they are not revealed); in-slice objects the role may not act on are 403.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .roles import CANCEL_CLAIMS, CLAIM_HOUSEHOLDS, VIEW, Role


def is_admin(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.role == Role.ADMIN or user.is_superuser)
    )


def region_grants(user) -> dict[str, list]:
    """codename -> regions the account holds it on; cached on the user object per request."""
    cached = getattr(user, "_region_grants", None)
    if cached is not None:
        return cached
    from villages.models import RegionUserObjectPermission

    grants: dict[str, list] = defaultdict(list)
    if user.is_authenticated and user.is_active:
        rows = RegionUserObjectPermission.objects.filter(user=user).select_related(
            "permission", "content_object"
        )
        for row in rows:
            grants[row.permission.codename].append(row.content_object)
    user._region_grants = grants
    return grants


def forget_grants(user) -> None:
    """Drop the per-request cache after grants of this user object changed."""
    user.__dict__.pop("_region_grants", None)
    user.__dict__.pop("_unit_ids", None)
    user.__dict__.pop("_slice_roots", None)


def regions_with(user, perm: str = VIEW) -> list:
    return list(region_grants(user).get(perm, []))


def slice_roots(user) -> list:
    """Top regions of the account's slice: what its region tree starts from (cached on the
    user object per request, like the grants)."""
    from villages.models import Region

    cached = getattr(user, "_slice_roots", None)
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


def _subtree_q(regions, prefix: str = "") -> Q:
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


def region_filter(user, perm: str = VIEW, *, prefix: str = "") -> Q | None:
    """Q on a Region relation (prefix 'village__' etc.) for the regions the account may use
    with perm; None means unrestricted (administrator)."""
    if is_admin(user):
        return None
    return _subtree_q(regions_with(user, perm), prefix)


def code_filter(user, code_field: str, perm: str = VIEW) -> Q | None:
    """Q on a stored 12-digit region code (e.g. a household's village code): one indexed
    range per granted region. None means unrestricted."""
    if is_admin(user):
        return None
    q = Q(pk__in=[])
    for region in regions_with(user, perm):
        lo, hi = region.code_range
        q |= Q(**{f"{code_field}__gte": lo, f"{code_field}__lt": hi})
    return q


def filter_regions(queryset, user, perm: str = VIEW):
    q = region_filter(user, perm)
    return queryset if q is None else queryset.filter(q)


def has_region_perm(user, perm: str, region) -> bool:
    if is_admin(user):
        return True
    return any(granted.contains(region) for granted in regions_with(user, perm))


def check_region_perm(user, perm: str, region) -> None:
    """404 when the region is outside the slice, 403 when inside but perm is missing."""
    if not has_region_perm(user, VIEW, region):
        raise Http404
    if perm != VIEW and not has_region_perm(user, perm, region):
        raise PermissionDenied


def get_region_for_user(user, pk, perm: str = VIEW):
    from villages.models import Region

    try:
        region = Region.objects.get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    check_region_perm(user, perm, region)
    return region


# --- units -------------------------------------------------------------------------------


def unit_ids(user) -> set[int]:
    """Units an account acts for: a unit account's granted units, a cadre's own unit."""
    cached = getattr(user, "_unit_ids", None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    if user.is_authenticated and user.is_active:
        if user.role == Role.UNIT:
            from units.models import UnitUserObjectPermission

            ids = set(
                UnitUserObjectPermission.objects.filter(
                    user=user, permission__codename="manage_unit"
                ).values_list("content_object_id", flat=True)
            )
        elif user.role == Role.CADRE:
            from units.models import Cadre

            ids = set(
                Cadre.objects.filter(user=user, left_at__isnull=True).values_list(
                    "unit_id", flat=True
                )
            )
    user._unit_ids = ids
    return ids


def filter_units(queryset, user):
    if is_admin(user):
        return queryset
    if user.role in (Role.UNIT, Role.CADRE):
        return queryset.filter(pk__in=unit_ids(user))
    q = region_filter(user, VIEW, prefix="region__")
    return queryset.filter(q)


# --- accounts ----------------------------------------------------------------------------


def creatable_roles(user) -> tuple[str, ...]:
    """Roles of the accounts this account may create and manage."""
    from .roles import CREATABLE_ROLES

    return CREATABLE_ROLES.get(Role.ADMIN if is_admin(user) else user.role, ())


def filter_manageable_accounts(queryset, user):
    """Accounts this account may manage: the administrator manages city and county offices;
    a county office the township and village accounts inside its county."""
    from .roles import MANAGE_ACCOUNTS

    roles = creatable_roles(user)
    if is_admin(user):
        return queryset.filter(role__in=roles)
    if not roles:
        return queryset.none()
    return queryset.filter(role__in=roles, pk__in=_accounts_inside(user, MANAGE_ACCOUNTS))


def filter_phone_managed_accounts(queryset, user):
    """Village accounts whose phone numbers this account may manage (township offices)."""
    from .roles import MANAGE_PHONES

    if is_admin(user):
        return queryset.filter(role=Role.VILLAGE)
    return queryset.filter(role=Role.VILLAGE, pk__in=_accounts_inside(user, MANAGE_PHONES))


def _accounts_inside(user, perm: str):
    """Ids of accounts whose slice lies inside the regions where `user` holds perm."""
    from villages.models import RegionUserObjectPermission

    inside = _subtree_q(regions_with(user, perm), "content_object__")
    return RegionUserObjectPermission.objects.filter(inside, permission__codename=VIEW).values(
        "user_id"
    )


# --- households --------------------------------------------------------------------------


def filter_households(queryset, user, perm: str = VIEW):
    """Households in the account's slice: one indexed range on village_code per grant.

    Unit and cadre accounts reach households through links and assignments (units issue);
    until then they see none.
    """
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    q = code_filter(user, "village_code", perm)
    return queryset if q is None else queryset.filter(q)


def has_code_perm(user, perm: str, code: str) -> bool:
    """Whether the account holds perm on a region whose code range contains `code` (a
    household's village code); no query once the grants are cached."""
    if is_admin(user):
        return True
    for region in regions_with(user, perm):
        lo, hi = region.code_range
        if lo <= code < hi:
            return True
    return False


def can_maintain_household(user, household) -> bool:
    """The village account of the household's village: it claims, registers and edits the
    household (the actions also want the verified phone holding the claim). Offices and the
    administrator only read."""
    return user.role == Role.VILLAGE and has_code_perm(
        user, CLAIM_HOUSEHOLDS, household.village_code
    )


def can_cancel_claims(user, household) -> bool:
    """The township office over the household's village undoes a wrong claim."""
    return user.role == Role.TOWNSHIP and has_code_perm(user, CANCEL_CLAIMS, household.village_code)


def get_household_for_user(user, pk, perm: str = VIEW, *, queryset=None):
    """A household in the account's slice: 404 when missing or outside the slice (the same
    answer), 403 when inside but the account's role lacks perm."""
    from households.models import Household

    found = filter_households(Household.objects.all() if queryset is None else queryset, user)
    try:
        household = found.get(pk=pk)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm != VIEW and not has_code_perm(user, perm, household.village_code):
        raise PermissionDenied
    return household


def filter_households_in_region(queryset, user, region, perm: str = VIEW):
    """Households under `region`, which must lie in the account's slice (404 outside it,
    403 inside without perm): the region's own code range, one indexed range."""
    check_region_perm(user, perm, region)
    lo, hi = region.code_range
    return queryset.filter(village_code__gte=lo, village_code__lt=hi)


# --- QR archives ---------------------------------------------------------------------------

QR_EXPORT_LEVELS = ("county", "township", "village")


def can_export_qr(user, region) -> bool:
    """导出二维码信息 on `region`: a county or township office holding EXPORT_QR there, for a
    county (a zip per township), a township or a village. The administrator does not export."""
    from .roles import EXPORT_QR

    if region is None or is_admin(user) or region.level not in QR_EXPORT_LEVELS:
        return False
    return user.role in (Role.COUNTY, Role.TOWNSHIP) and has_region_perm(user, EXPORT_QR, region)


def can_manage_qr_code(user, household) -> bool:
    """A household's QR code page (show, revoke and reissue): the county or township office
    holding EXPORT_QR on its village."""
    from .roles import EXPORT_QR

    return (
        not is_admin(user)
        and user.role in (Role.COUNTY, Role.TOWNSHIP)
        and has_code_perm(user, EXPORT_QR, household.village_code)
    )

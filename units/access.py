"""Scoping of units, built on the common helpers of poverty_system.access. A unit account's
slice is its guardian grants on Unit; a cadre acts for its own unit."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from poverty_system import access
from poverty_system.roles import MANAGE_UNIT, VIEW, Role


def unit_ids(user: Any) -> set[int]:
    """Units an account acts for: a unit account's granted units, a cadre's own unit
    (cached on the user object per request, like the region grants)."""
    cached: set[int] | None = getattr(user, "_unit_ids", None)
    if cached is not None:
        return cached
    from .models import Cadre, UnitUserObjectPermission

    ids: set[int] = set()
    role = access.role_of(user)
    if role == Role.UNIT:
        ids = set(
            UnitUserObjectPermission.objects.filter(
                user=user, permission__codename=MANAGE_UNIT
            ).values_list("content_object_id", flat=True)
        )
    elif role == Role.CADRE:
        ids = set(
            Cadre.objects.filter(user=user, left_at__isnull=True).values_list("unit_id", flat=True)
        )
    user._unit_ids = ids
    return ids


def filter_units(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if access.is_admin(user):
        return queryset
    if access.role_of(user) in (Role.UNIT, Role.CADRE):
        return queryset.filter(pk__in=unit_ids(user))
    q = access.region_filter(user, VIEW, prefix="region__")
    return queryset.none() if q is None else queryset.filter(q)

"""Scoping of the assessment records, built on the common helpers of poverty_system.core.access.

Each assessment action checks its own permission of poverty_system.core.roles (MARK_LIFTED,
RETURN_TO_POVERTY, SUBMIT_POOR_VILLAGES, APPROVE_POOR_VILLAGES, MANAGE_POOR_COUNTY,
EDIT_EXIT_CRITERIA, SET_SCALE_PLANS); roles.py says which roles hold each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from poverty_system.core import access
from poverty_system.core.roles import APPROVE_POOR_VILLAGES, SUBMIT_POOR_VILLAGES, VIEW

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

M = TypeVar("M", bound=models.Model)


def filter_by_code(
    queryset: QuerySet[M], user: AnyUser, field: str, perm: str = VIEW
) -> QuerySet[M]:
    if not access.is_active_account(user):
        return queryset.none()
    q = access.code_filter(user, field, perm)
    return queryset if q is None else queryset.filter(q)


def get_scoped(queryset: QuerySet[M], user: AnyUser, pk: Any, field: str, perm: str = VIEW) -> M:
    """404 when missing or outside the slice, 403 inside it without perm."""
    try:
        obj = filter_by_code(queryset, user, field).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm != VIEW and not access.has_code_perm(user, perm, getattr(obj, field)):
        raise PermissionDenied
    return obj


def may(user: AnyUser, perm: str, code: str) -> bool:
    return access.has_code_perm(user, perm, code)


def sees_only_approved(user: AnyUser) -> bool:
    """The city office (and any account without a hand in the workflow) reads approved and
    exited poor-village records only."""
    return not (
        access.is_admin(user)
        or access.regions_with(user, SUBMIT_POOR_VILLAGES)
        or access.regions_with(user, APPROVE_POOR_VILLAGES)
    )

"""Scoping of the assessment records, built on the common helpers of poverty_system.access.

Each assessment action checks its own permission of poverty_system.roles (MARK_LIFTED,
RETURN_TO_POVERTY, SUBMIT_POOR_VILLAGES, APPROVE_POOR_VILLAGES, MANAGE_POOR_COUNTY,
EDIT_EXIT_CRITERIA, SET_SCALE_PLANS); roles.py says which roles hold each.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from poverty_system import access
from poverty_system.roles import APPROVE_POOR_VILLAGES, SUBMIT_POOR_VILLAGES, VIEW


def filter_by_code(queryset: QuerySet[Any], user: Any, field: str, perm: str = VIEW):
    if not access.is_active_account(user):
        return queryset.none()
    q = access.code_filter(user, field, perm)
    return queryset if q is None else queryset.filter(q)


def get_scoped(queryset: QuerySet[Any], user: Any, pk: Any, field: str, perm: str = VIEW):
    """404 when missing or outside the slice, 403 inside it without perm."""
    try:
        obj = filter_by_code(queryset, user, field).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm != VIEW and not access.has_code_perm(user, perm, getattr(obj, field)):
        raise PermissionDenied
    return obj


def may(user: Any, perm: str, code: str) -> bool:
    return access.has_code_perm(user, perm, code)


def sees_only_approved(user: Any) -> bool:
    """The city office (and any account without a hand in the workflow) reads approved and
    exited poor-village records only."""
    return not (
        access.is_admin(user)
        or access.regions_with(user, SUBMIT_POOR_VILLAGES)
        or access.regions_with(user, APPROVE_POOR_VILLAGES)
    )

"""Who may do what with projects, funds, assets and notices.

Permissions are named for what they allow and derived from the account's role at check time
(declared in poverty_system.core.roles, one line each): "perm is in the role's set AND the place
lies in the slice". A unit
account reads the projects it implements (实施单位). Out of the slice is 404, inside it
without the permission 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from poverty_system.core import access
from poverty_system.core.roles import (  # noqa: F401 - the app's permissions, named here once
    ACCEPT_PROJECTS,
    ANSWER_FEEDBACK,
    APPROVE_PROJECTS,
    EDIT_BENEFICIARIES,
    EVALUATE_PROJECTS,
    MANAGE_ASSETS,
    PROPOSE_PROJECTS,
    PUBLISH_NOTICES,
    READ_FUNDS,
    READ_PROJECTS,
    RECORD_FUNDS,
    REVIEW_PROJECTS,
    RUN_PROJECTS,
    STORE_PROJECTS,
    VIEW,
    Role,
)


def holds(user: Any, perm: str) -> bool:
    return access.role_allows(user, perm)


def may(user: Any, perm: str, code: str) -> bool:
    """perm on a place of the slice (a project's village code, a county code)."""
    return access.has_code_perm(user, perm, code)


def slice_q(user: Any, field: str = "region_code") -> Q | None:
    """The account's region slice on a stored code; None is everything (administrator)."""
    return access.code_filter(user, field, VIEW)


def filter_projects(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """Projects the account may read: its region slice, or for a unit account the projects
    its unit implements. Other roles (cadres) read none."""
    if not access.is_active_account(user):
        return queryset.none()
    role = access.role_of(user)
    if role == Role.UNIT:
        from units.access import unit_ids

        return queryset.filter(implementing_unit_id__in=list(unit_ids(user)))
    if not holds(user, READ_PROJECTS):
        return queryset.none()
    q = slice_q(user)
    return queryset if q is None else queryset.filter(q)


def get_project(user: Any, pk: Any, perm: str | None = None, *, queryset=None):
    """404 when missing or unreadable, 403 when readable but perm is not held there."""
    from .models import Project

    found = filter_projects(queryset if queryset is not None else Project.objects.all(), user)
    try:
        project = found.get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm is not None and not may(user, perm, project.region_code):
        raise PermissionDenied
    return project


def filter_by_slice(queryset: QuerySet[Any], user: Any, perm: str, field: str = "region_code"):
    """Rows on a stored code in the slice, for an account whose role holds perm."""
    if not access.is_active_account(user) or not holds(user, perm):
        return queryset.none()
    q = slice_q(user, field)
    return queryset if q is None else queryset.filter(q)


def get_in_slice(queryset: QuerySet[Any], user: Any, pk: Any, perm: str, field="region_code"):
    """404 outside the slice (or for a role that reads none of them)."""
    try:
        return filter_by_slice(queryset, user, perm, field).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None

"""Who may do what with projects, funds, assets and notices.

Permissions are named for what they allow and derived from the account's role at check time
(declared in poverty_system.core.roles, one line each): "perm is in the role's set AND the place
lies in the slice". A unit
account reads the projects it implements (实施单位). Out of the slice is 404, inside it
without the permission 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from poverty_system.core import access
from poverty_system.core.ids import id_or_404
from poverty_system.core.roles import (
    ACCEPT_PROJECTS,
    ANSWER_FEEDBACK,
    APPROVE_PROJECTS,
    EDIT_BENEFICIARIES,
    EVALUATE_PROJECTS,
    IMPORT_PROJECTS,
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

from .models import Project

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

# The app's permissions, named here once for its modules, and its scopes.
__all__ = [
    "ACCEPT_PROJECTS",
    "ANSWER_FEEDBACK",
    "APPROVE_PROJECTS",
    "EDIT_BENEFICIARIES",
    "EVALUATE_PROJECTS",
    "IMPORT_PROJECTS",
    "MANAGE_ASSETS",
    "PROPOSE_PROJECTS",
    "PUBLISH_NOTICES",
    "READ_FUNDS",
    "READ_PROJECTS",
    "RECORD_FUNDS",
    "REVIEW_PROJECTS",
    "RUN_PROJECTS",
    "STORE_PROJECTS",
    "filter_by_slice",
    "filter_projects",
    "get_in_slice",
    "get_project",
    "holds",
    "may",
    "office_county",
    "slice_q",
]

# A queryset of the scoped model, any shape (annotated, select_related, locked).
QS = TypeVar("QS", bound=QuerySet[Any])
M = TypeVar("M", bound=Model)


def holds(user: AnyUser, perm: str) -> bool:
    return access.role_allows(user, perm)


def may(user: AnyUser, perm: str, code: str) -> bool:
    """perm on a place of the slice (a project's village code, a county code)."""
    return access.has_code_perm(user, perm, code)


def slice_q(user: AnyUser, field: str = "region_code") -> Q | None:
    """The account's region slice on a stored code; None is everything (administrator)."""
    return access.code_filter(user, field, VIEW)


def filter_projects(queryset: QS, user: AnyUser) -> QS:
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


def get_project(
    user: AnyUser, pk: Any, perm: str | None = None, *, queryset: QuerySet[Project] | None = None
) -> Project:
    """404 when missing or unreadable, 403 when readable but perm is not held there."""
    found = filter_projects(queryset if queryset is not None else Project.objects.all(), user)
    try:
        project = found.get(pk=id_or_404(pk))
    except Project.DoesNotExist:
        raise Http404 from None
    if perm is not None and not may(user, perm, project.region_code):
        raise PermissionDenied
    return project


def filter_by_slice(queryset: QS, user: AnyUser, perm: str, field: str = "region_code") -> QS:
    """Rows on a stored code in the slice, for an account whose role holds perm."""
    if not access.is_active_account(user) or not holds(user, perm):
        return queryset.none()
    q = slice_q(user, field)
    return queryset if q is None else queryset.filter(q)


def get_in_slice(
    queryset: QuerySet[M], user: AnyUser, pk: Any, perm: str, field: str = "region_code"
) -> M:
    """404 outside the slice (or for a role that reads none of them)."""
    try:
        return filter_by_slice(queryset, user, perm, field).get(pk=id_or_404(pk))
    except ObjectDoesNotExist:
        raise Http404 from None


def office_county(user: AnyUser, perm: str) -> Any:
    """The county a county office works for with perm (资金录入, 项目导入), else None."""
    regions = [r for r in access.regions_with(user) if r.level == "county"]
    return regions[0] if len(regions) == 1 and may(user, perm, regions[0].code) else None

"""Who may do what in identification, built on the common helpers of poverty_system.core.access.

The permission of each step by name (declared in poverty_system.core.roles with the roles that
hold them): the village's APPLY_IDENTIFICATION for 申请 and 村内公示, the township's
REVIEW_IDENTIFICATION for 乡镇审核 and 乡镇公示 (and the exits it starts and announces), the
county's DECIDE_IDENTIFICATION for 县级比对, 县级审批, 县级核查 and 公告. Each is held by one role
only; the administrator holds none of them, so it reads every case and does no step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from poverty_system.core import access
from poverty_system.core.roles import (
    APPLY_IDENTIFICATION,
    DECIDE_IDENTIFICATION,
    EDIT_IDENTIFICATION_RULES,
    MARK_KEY_HOUSEHOLDS,
    READ_ROUNDS,
    REVIEW_IDENTIFICATION,
    VIEW,
)

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

VILLAGE_STEPS = APPLY_IDENTIFICATION
TOWNSHIP_STEPS = REVIEW_IDENTIFICATION
COUNTY_STEPS = DECIDE_IDENTIFICATION
EDIT_RULES = EDIT_IDENTIFICATION_RULES


# The scoped model (Case, KeyHousehold, Notice, ...).
M = TypeVar("M", bound=Model)


def filter_by_code(
    queryset: QuerySet[M], user: AnyUser, field: str = "village_code", perm: str = VIEW
) -> QuerySet[M]:
    if not access.is_active_account(user):
        return queryset.none()
    q = access.code_filter(user, field, perm)
    return queryset if q is None else queryset.filter(q)


def get_scoped(queryset: QuerySet[M], user: AnyUser, pk: Any, field: str = "village_code") -> M:
    """404 when missing or outside the slice."""
    try:
        return filter_by_code(queryset, user, field).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def may_act(user: AnyUser, perm: str, code: str) -> bool:
    """A step of a case (or its start) on the household of village `code`: the step's
    permission there (each step's permission is held by the one role that does it)."""
    return access.has_code_perm(user, perm, code)


def may_mark_key(user: AnyUser, code: str) -> bool:
    """标注重点帮扶对象: the township or county office of the household."""
    return not access.is_admin(user) and access.has_code_perm(user, MARK_KEY_HOUSEHOLDS, code)


def filter_rounds(queryset: QuerySet[M], user: AnyUser) -> QuerySet[M]:
    """年度动态管理 of the slice: the rounds of the counties in it (city, county offices) and
    of the county a township lies in (its office sees its county's round)."""
    if not access.role_allows(user, READ_ROUNDS):
        return queryset.none()
    q = access.county_filter(user)
    return queryset if q is None else queryset.filter(q)

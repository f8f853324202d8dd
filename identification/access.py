"""Who may do what in identification, built on the common helpers of poverty_system.core.access.

The permission of each step by name (declared in poverty_system.core.roles with the roles that
hold them): the village's APPLY_IDENTIFICATION for 申请 and 村内公示, the township's
REVIEW_IDENTIFICATION for 乡镇审核 and 乡镇公示 (and the exits it starts and announces), the
county's DECIDE_IDENTIFICATION for 县级比对, 县级审批, 县级核查 and 公告. Each step also
names its role, so the administrator (who reads everything) does not act.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from poverty_system.core import access
from poverty_system.core.roles import (
    APPLY_IDENTIFICATION,
    DECIDE_IDENTIFICATION,
    EDIT_IDENTIFICATION_RULES,
    MARK_KEY_HOUSEHOLDS,
    REVIEW_IDENTIFICATION,
    VIEW,
)

VILLAGE_STEPS = APPLY_IDENTIFICATION
TOWNSHIP_STEPS = REVIEW_IDENTIFICATION
COUNTY_STEPS = DECIDE_IDENTIFICATION
EDIT_RULES = EDIT_IDENTIFICATION_RULES


def filter_by_code(
    queryset: QuerySet[Any], user: Any, field: str = "village_code", perm: str = VIEW
) -> QuerySet[Any]:
    if not access.is_active_account(user):
        return queryset.none()
    q = access.code_filter(user, field, perm)
    return queryset if q is None else queryset.filter(q)


def get_scoped(queryset: QuerySet[Any], user: Any, pk: Any, field: str = "village_code") -> Any:
    """404 when missing or outside the slice."""
    try:
        return filter_by_code(queryset, user, field).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def may_act(user: Any, role: str, perm: str, code: str) -> bool:
    return access.role_of(user) == role and access.has_code_perm(user, perm, code)


def may_mark_key(user: Any, code: str) -> bool:
    """标注重点帮扶对象: the township or county office of the household."""
    return not access.is_admin(user) and access.has_code_perm(user, MARK_KEY_HOUSEHOLDS, code)

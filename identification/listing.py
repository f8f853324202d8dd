"""What the identification pages read, scoped through identification.access and shaped for
the page in a constant number of queries, so that the views only parse, call and render (the
shape of households/listing.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator

from households.access import filter_households
from households.choices import HouseholdStatus as S
from households.models import Household

from .access import filter_by_code, may_mark_key
from .models import KeyHousehold

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

PER_PAGE = 50


@dataclass
class KeyList:
    """标注重点帮扶对象: the marks of the slice (one page) and the household asked for by 户编号."""

    page: Page[KeyHousehold]
    rows: list[KeyHousehold]
    reason: str
    active: str
    number: str
    candidate: Household | None
    can_mark: bool


def key_list(user: AnyUser, params: Mapping[str, Any]) -> KeyList:
    reason, active = params.get("reason", ""), params.get("active", "1")
    found = KeyHousehold.objects.all()
    if active == "1":  # 在册; "0" 已取消; anything else 全部
        found = found.active()
    elif active == "0":
        found = found.ended()
    if reason in KeyHousehold.Reason.values:
        found = found.filter(reason=reason)
    scoped = filter_by_code(found, user).select_related(
        "household", "household__village", "marked_by"
    )
    page = Paginator(scoped.order_by("-started_at", "-pk"), PER_PAGE).get_page(params.get("page"))
    rows = list(page.object_list)
    for row in rows:
        row.can_remove = row.active and may_mark_key(user, row.village_code)
    number = str(params.get("number", "")).strip()[:16]
    candidate = None
    if number:
        candidate = (
            filter_households(Household.objects.exclude(status=S.REMOVED), user)
            .filter(number=number)
            .select_related("village")
            .first()
        )
    can_mark = candidate is not None and may_mark_key(user, candidate.village_code)
    return KeyList(page, rows, reason, active, number, candidate, can_mark)

"""动态管理 › 标注重点帮扶对象: the township or county office marks a household with a reason,
removes the mark with a reason; the list is filterable by reason and 在册/已取消."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from households.access import filter_households
from households.choices import HouseholdStatus as S
from households.models import Household
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import services
from ..access import filter_by_code, may_mark_key
from ..models import KeyHousehold
from .common import ERRORS, readers

PER_PAGE = 50
MARKERS = roles(Role.TOWNSHIP, Role.COUNTY)


@readers
def key_households(request):
    found = filter_by_code(KeyHousehold.objects.all(), request.user).select_related(
        "household", "household__village", "marked_by"
    )
    reason, active = request.GET.get("reason", ""), request.GET.get("active", "1")
    if reason in KeyHousehold.Reason.values:
        found = found.filter(reason=reason)
    if active == "1":
        found = found.filter(ended_at__isnull=True)
    elif active == "0":
        found = found.filter(ended_at__isnull=False)
    page = Paginator(found.order_by("-marked_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    for row in rows:
        row.can_remove = row.ended_at is None and may_mark_key(request.user, row.village_code)
    number = request.GET.get("number", "").strip()[:16]
    candidate = None
    if number:
        candidate = (
            filter_households(Household.objects.exclude(status=S.REMOVED), request.user)
            .filter(number=number)
            .select_related("village")
            .first()
        )
    return render(
        request,
        "identification/key_households.html",
        {
            "page": page,
            "rows": rows,
            "reasons": KeyHousehold.Reason.choices,
            "reason": reason,
            "active": active,
            "number": number,
            "candidate": candidate,
            "can_mark": candidate is not None
            and may_mark_key(request.user, candidate.village_code),
        },
    )


@require_POST
@MARKERS
def mark(request, pk):
    try:
        services.mark_key(
            request.actor, pk, request.POST.get("reason", ""), request.POST.get("note", "")
        )
    except ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已标注为重点帮扶对象。")
    return redirect("identification:key_households")


@require_POST
@MARKERS
def unmark(request, pk):
    try:
        services.unmark_key(request.actor, pk, request.POST.get("end_reason", ""))
    except ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已取消重点帮扶对象标注。")
    return redirect("identification:key_households")


urlpatterns = [
    path("key-households/", key_households, name="key_households"),
    path("households/<int:pk>/key/", mark, name="key_mark"),
    path("key-households/<int:pk>/remove/", unmark, name="key_unmark"),
]

"""动态管理 › 标注重点帮扶对象: the township or county office marks a household with a reason,
removes the mark with a reason; the list is filterable by reason and 在册/已取消."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import services
from ..listing import key_list
from ..models import KeyHousehold
from .common import ERRORS, readers

MARKERS = roles(Role.TOWNSHIP, Role.COUNTY)


@readers
def key_households(request):
    listing = key_list(request.user, request.GET)
    return render(
        request,
        "identification/key_households.html",
        {**vars(listing), "reasons": KeyHousehold.Reason.choices},
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

"""贫困村信息 (procedure 10): 添加贫困村信息, 管理贫困村信息 and 贫困村审核 (county)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import (
    APPROVE_POOR_VILLAGES,
    OFFICE_ROLES,
    SUBMIT_POOR_VILLAGES,
    Role,
)
from poverty_system.core.rules import roles

from .. import poor_village_states as states
from ..access import filter_by_code, may
from ..forms import AddForm, PoorVillageForm
from ..listing import filtered_records, get_record
from ..models import PoorVillage
from ..services import poor_villages as actions

State = PoorVillage.State
PER_PAGE = 50
readers = roles(Role.ADMIN, *OFFICE_ROLES)


@roles(Role.TOWNSHIP)
def add(request: HttpRequest) -> HttpResponse:
    form = AddForm(request.POST or None, user=request.user, instance=PoorVillage())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = actions.add_poor_village(request.actor, data["village"], data["year"], data)
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已添加{record}，请核对后上报。")
            return redirect("assessment:poor_village", pk=record.pk)
    return render(request, "assessment/poor_village_form.html", {"form": form, "adding": True})


@readers
def records(request: HttpRequest) -> HttpResponse:
    found, chosen = filtered_records(request.user, request.GET)  # 404 outside the slice
    found = found.select_related("village")
    page = Paginator(found.order_by("-year", "village_code"), PER_PAGE)
    context = {"page": page.get_page(request.GET.get("page")), **chosen}
    context |= {"states": State.choices, "title": "管理贫困村信息"}
    return render(request, "assessment/poor_villages.html", context)


@roles(Role.COUNTY)
def review(request: HttpRequest) -> HttpResponse:
    found = filter_by_code(
        PoorVillage.objects.filter(state=State.SUBMITTED),
        request.user,
        "village_code",
        APPROVE_POOR_VILLAGES,
    ).select_related("village")
    page = Paginator(found.order_by("village_code"), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessment/poor_villages.html",
        {"page": page, "title": "贫困村审核", "review": True},
    )


@readers
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_record(request.user, pk)
    events = record.events.select_related("actor")
    context = {"record": record, "events": events, "threshold": actions.exit_threshold()}
    return render(request, "assessment/poor_village.html", {**context, **_offered(request, record)})


def _offered(request: HttpRequest, record: PoorVillage) -> dict[str, Any]:
    """What the page offers this account: 修改, and each state change it may make."""
    user = request.user
    can = {
        to: states.may_set(user, record, to) and to in states.TRANSITIONS[record.state]
        for to in states.TARGET_PERMS
    }
    editable = record.state in states.EDITABLE
    return {
        "can": can,
        "can_edit": editable and may(user, SUBMIT_POOR_VILLAGES, record.village_code),
    }


@roles(Role.TOWNSHIP)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_record(request.user, pk, SUBMIT_POOR_VILLAGES)
    if record.state not in states.EDITABLE:
        messages.info(request, f"状态为“{record.get_state_display()}”的贫困村信息不能修改。")
        return redirect("assessment:poor_village", pk=record.pk)
    form = PoorVillageForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_poor_village(
                request.actor, record.pk, form.cleaned_data, request.POST.get("version")
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("assessment:poor_village", pk=record.pk)
    return render(request, "assessment/poor_village_form.html", {"form": form, "record": record})


def _state_view(to_state: str, done: str) -> Callable[..., HttpResponse]:
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        record = get_record(request.user, pk, states.TARGET_PERMS[to_state])
        try:
            actions.change_state(request.actor, record.pk, to_state, request.POST.get("reason", ""))
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{record}{done}")
        return redirect("assessment:poor_village", pk=record.pk)

    return view


submit = roles(Role.TOWNSHIP)(_state_view(State.SUBMITTED, "已上报县扶贫办审核。"))
approve = roles(Role.COUNTY)(_state_view(State.APPROVED, "已审核通过。"))
return_record = roles(Role.COUNTY)(_state_view(State.RETURNED, "已退回乡镇扶贫办。"))
exit_village = roles(Role.COUNTY)(_state_view(State.EXITED, "已出列。"))


urlpatterns = [
    path("poor-villages/", records, name="poor_villages"),
    path("poor-villages/add/", add, name="poor_village_add"),
    path("poor-villages/review/", review, name="poor_village_review"),
    path("poor-villages/<int:pk>/", detail, name="poor_village"),
    path("poor-villages/<int:pk>/edit/", edit, name="poor_village_edit"),
    path("poor-villages/<int:pk>/submit/", submit, name="poor_village_submit"),
    path("poor-villages/<int:pk>/approve/", approve, name="poor_village_approve"),
    path("poor-villages/<int:pk>/return/", return_record, name="poor_village_return"),
    path("poor-villages/<int:pk>/exit/", exit_village, name="poor_village_exit"),
]

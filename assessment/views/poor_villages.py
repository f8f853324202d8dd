"""贫困村信息 (procedure 10): 添加贫困村信息, 管理贫困村信息 and 贫困村审核 (county)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from poverty_system import access as core_access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.roles import APPROVE_POOR_VILLAGES, OFFICE_ROLES, SUBMIT_POOR_VILLAGES, Role
from poverty_system.rules import roles
from villages.models import Region

from .. import poor_village_states as states
from ..access import filter_by_code, get_scoped, may, sees_only_approved
from ..forms import PoorVillageForm
from ..models import PoorVillage
from ..services import poor_villages as actions

State = PoorVillage.State
PER_PAGE = 50
readers = roles(Role.ADMIN, *OFFICE_ROLES)


def visible_records(user):
    found = filter_by_code(PoorVillage.objects.all(), user, "village_code")
    if sees_only_approved(user):
        found = found.filter(state__in=(State.APPROVED, State.EXITED))
    return found


def get_record(user, pk, perm=None):
    """404 outside the slice (and, for the city office, before approval), 403 without perm."""
    record = get_scoped(visible_records(user).select_related("village"), user, pk, "village_code")
    if perm is not None and not may(user, perm, record.village_code):
        raise PermissionDenied
    return record


class AddForm(PoorVillageForm):
    village = forms.ModelChoiceField(
        label="村",
        queryset=Region.objects.none(),
        empty_label="请选择村",
        error_messages={"required": "请选择村。"},
    )
    year = forms.IntegerField(
        label="年度", min_value=2014, max_value=2030, initial=lambda: timezone.localdate().year
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = core_access.filter_regions(
            Region.objects.filter(level="village"), user, SUBMIT_POOR_VILLAGES
        ).order_by("code")
        self.fields["village"].error_messages["invalid_choice"] = "请选择辖区内的村。"
        self.fields["year"].initial = timezone.localdate().year
        # village and year are not model fields of this form: uniqueness is the action's.
        self.order_fields(["village", "year"])


@roles(Role.TOWNSHIP)
def add(request):
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
def records(request):
    found = visible_records(request.user).select_related("village")
    state = request.GET.get("state")
    if state in State.values:
        found = found.filter(state=state)
    page = Paginator(found.order_by("-year", "village_code"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "assessment/poor_villages.html",
        {"page": page, "states": State.choices, "state": state, "title": "管理贫困村信息"},
    )


@roles(Role.COUNTY)
def review(request):
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
def detail(request, pk):
    record = get_record(request.user, pk)
    user = request.user
    actions_allowed = {
        to: states.may_set(user, record, to) and to in states.TRANSITIONS[record.state]
        for to in states.TARGET_PERMS
    }
    return render(
        request,
        "assessment/poor_village.html",
        {
            "record": record,
            "events": record.events.select_related("actor"),
            "can_edit": record.state in states.EDITABLE
            and may(user, SUBMIT_POOR_VILLAGES, record.village_code),
            "can": actions_allowed,
            "threshold": actions.exit_threshold(),
        },
    )


@roles(Role.TOWNSHIP)
def edit(request, pk):
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


def _state_view(to_state, done):
    @require_POST
    def view(request, pk):
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

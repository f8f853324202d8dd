"""人口自然变更 (add and remove members with a reason and month) and 分户 (split)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error

from .. import services
from ..forms import AddMemberForm, RemoveMemberForm, SplitForm
from ..models import Household, Member
from ..services import MEMBER_FIELDS
from .common import editable_household, village_only


def _change_members(
    request: HttpRequest,
    household: Household,
    form: forms.Form,
    change: Callable[[dict[str, Any]], Member],
    *,
    removing: bool,
) -> HttpResponse:
    """人口自然变更's page: run `change` (an action) on the valid form, or show it again."""
    if request.method == "POST" and form.is_valid():
        try:
            member = change(form.cleaned_data)
        except ActionError as exc:
            show_error(form, exc)
        else:
            done = (
                "已减少家庭成员 {}，家庭人口和人均纯收入已重新计算。"
                if removing
                else "已新增家庭成员 {}。"
            )
            messages.success(request, done.format(member.name))
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/member_change.html",
        {"household": household, "form": form, "removing": removing},
    )


@village_only
def add_member(request: HttpRequest, pk: int) -> HttpResponse:
    household = editable_household(request, pk)

    def add(data: dict[str, Any]) -> Member:
        return services.add_member(
            request.actor,
            household,
            {k: data[k] for k in MEMBER_FIELDS},
            change=data["change"],
            month=data["change_month"],
            note=data["change_note"],
        )

    return _change_members(
        request, household, AddMemberForm(request.POST or None), add, removing=False
    )


@village_only
def remove_member(request: HttpRequest, pk: int) -> HttpResponse:
    household = editable_household(request, pk)
    members = household.members.filter(active=True).order_by("pk")
    initial = {"member": request.GET.get("member")} if request.GET.get("member") else {}
    form = RemoveMemberForm(request.POST or None, members=members, initial=initial)

    def remove(data: dict[str, Any]) -> Member:
        return services.remove_member(
            request.actor,
            household,
            data["member"],
            change=data["change"],
            month=data["change_month"],
            note=data["change_note"],
            new_head=data["new_head"],
        )

    return _change_members(request, household, form, remove, removing=True)


@village_only
def split(request: HttpRequest, pk: int) -> HttpResponse:
    household = editable_household(request, pk)
    members = list(household.members.filter(active=True).order_by("pk"))
    form = SplitForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.split_household(
                request.actor,
                household,
                data["moves"],
                data["new_head"],
                month=data["change_month"],
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request,
                f"分户完成：新户编号 {new.number}（户主 {new.head_name}），"
                "已由当前手机号认领。请填写新户的家庭收入情况。",
            )
            return redirect("households:detail", pk=new.pk)
    return render(request, "households/split.html", {"household": household, "form": form})


urlpatterns = [
    path("<int:pk>/members/add/", add_member, name="member_add"),
    path("<int:pk>/members/remove/", remove_member, name="member_remove"),
    path("<int:pk>/split/", split, name="split"),
]

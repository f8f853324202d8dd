"""扶贫对象登记表 (procedure 5): the village's unfinished drafts, a new household's part 1,
and every part's form (also used to edit a registered household, part by part)."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from poverty_system.core import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import REGISTER_HOUSEHOLDS
from villages.models import Level, Region, User

from .. import parts, services
from ..access import filter_households
from ..choices import HouseholdStatus
from ..forms import PART_FORMS, BasicForm, member_formset
from ..models import Household, Member
from .common import (
    editable_household,
    masked_rows,
    village_only,
    with_claims,
)

NEW_MEMBER_ROWS = 6
MORE_MEMBER_ROWS = 3


def _villages(user: User) -> QuerySet[Region]:
    return access.filter_regions(
        Region.objects.filter(level=Level.VILLAGE), user, REGISTER_HOUSEHOLDS
    ).order_by("code")


@village_only
def register(request: HttpRequest) -> HttpResponse:
    """The drafts of the account's villages, and part 1 of a new household."""
    villages = _villages(request.user)
    form = BasicForm(request.POST or None, villages=villages, prefix="basic")
    formset = member_formset(NEW_MEMBER_ROWS)(
        request.POST or None, queryset=Member.objects.none(), prefix="members"
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        basic = dict(form.cleaned_data)
        basic.pop("version", None)
        village = basic.pop("village", None) or villages.first()
        try:
            household = services.start_registration(
                request.actor, village, basic, [data for _, data in formset.rows()]
            )
        except ActionError as exc:
            show_error(form, exc, formset.filled_forms())
        else:
            messages.success(request, REGISTERED.format(household.number))
            return redirect(parts.BY_NUMBER[2].url_name, pk=household.pk)
    page = _drafts(request)
    context = {"form": form, "formset": formset, "page": page, "parts": parts.PARTS}
    return render(request, "households/register.html", context)


REGISTERED = (
    "已保存【家庭基本情况】，户编号 {}，已由当前验证手机号认领。请继续填写【家庭生产情况】。"
)


def _drafts(request: HttpRequest) -> "Page[Any]":
    """A page of the unfinished registrations of the account's villages, each with the part
    to fill next and whether this session may fill it."""
    drafts = (
        with_claims(filter_households(Household.objects.all(), request.user))
        .filter(status=HouseholdStatus.REGISTERING)
        .order_by("-created_at", "-pk")
    )
    page = Paginator(drafts, 20).get_page(request.GET.get("page"))
    page.object_list = masked_rows(page.object_list)
    for draft in page.object_list:
        draft.next_part = parts.BY_NUMBER[min(draft.parts_done + 1, parts.LAST)]
        draft.mine = services.can_edit(request.actor, draft, draft.claim_phone_id)
    return page


@village_only
def edit_part(request: HttpRequest, pk: int, part: int) -> HttpResponse:
    """One part of 扶贫对象登记表 for a draft or a registered household: only the session
    verified with the claiming phone; a part opens when the one before it is saved."""
    household = editable_household(request, pk)
    if not parts.is_open(household.parts_done, part):
        first_open = parts.BY_NUMBER[household.parts_done + 1]
        messages.error(request, f"请先填写并保存【{first_open.label}】。")
        return redirect(first_open.url_name, pk=household.pk)
    if part == 1:
        return _edit_basic(request, household)
    was_registering = household.status == HouseholdStatus.REGISTERING
    form = PART_FORMS[part](request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form._meta.fields}
        confirmed = bool(form.cleaned_data.get("confirm_negative_income"))
        version = form.cleaned_data["version"] or 0
        try:
            saved = services.save_part(
                request.actor,
                household,
                part,
                data,
                version=version,
                confirm_negative_income=confirmed,
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            if part == 3 and saved.net_income_per_capita < 0:
                messages.warning(request, NEGATIVE_INCOME)
            return _after_save(request, saved, part, was_registering)
    return _render_part(request, household, part, {"form": form})


NEGATIVE_INCOME = (
    "注意：该户人均纯收入为负数（生产经营性支出大于收入），"
    "已列入数据质量检查（管理贫困户信息 › 数据质量：人均纯收入为负）。"
)


def _edit_basic(request: HttpRequest, household: Household) -> HttpResponse:
    registering = household.status == HouseholdStatus.REGISTERING
    form = BasicForm(request.POST or None, instance=household, prefix="basic")
    members = household.members.filter(active=True).order_by("pk")
    formset = member_formset(MORE_MEMBER_ROWS if registering else 0)(
        request.POST or None, queryset=members, prefix="members"
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        basic = {name: form.cleaned_data[name] for name in BasicForm._meta.fields}
        try:
            saved = services.save_basic(
                request.actor,
                household,
                basic,
                formset.rows(),
                version=form.cleaned_data["version"] or 0,
            )
        except ActionError as exc:
            show_error(form, exc, formset.filled_forms())
        else:
            return _after_save(request, saved, 1, registering)
    return _render_part(
        request, household, 1, {"form": form, "formset": formset, "registering": registering}
    )


def _after_save(
    request: HttpRequest, household: Household, part: int, was_registering: bool
) -> HttpResponse:
    label = parts.BY_NUMBER[part].label
    if household.status == HouseholdStatus.REGISTERING and household.parts_done < parts.LAST:
        following = parts.BY_NUMBER[household.parts_done + 1]  # the first part not saved
        messages.success(request, f"已保存【{label}】，请继续填写【{following.label}】。")
        return redirect(following.url_name, pk=household.pk)
    if household.status == HouseholdStatus.REGISTERING:
        # The identification pages (两公示一比对一公告) are reached by URL name only.
        messages.success(
            request,
            f"已保存【{label}】，户编号 {household.number} 登记表填写完成；"
            "请发起识别申请（农户申请、民主评议 → 村内公示 → 乡镇审核 → 乡镇公示 → 县级比对 → "
            "县级审批 → 公告），公告后成为贫困户。",
        )
        return redirect("identification:start", pk=household.pk)
    messages.success(request, f"已保存【{label}】。")
    return redirect("households:detail", pk=household.pk)


def _render_part(
    request: HttpRequest, household: Household, part: int, context: dict[str, Any]
) -> HttpResponse:
    steps = [
        (p, parts.is_open(household.parts_done, p.number), p.number <= household.parts_done)
        for p in parts.PARTS
    ]
    return render(
        request,
        f"households/part_{parts.BY_NUMBER[part].slug}.html"
        if part in (1, 3)
        else "households/part_form.html",
        {"household": household, "part": parts.BY_NUMBER[part], "steps": steps, **context},
    )


urlpatterns = [
    path("register/", register, name="register"),
    *[
        path(f"<int:pk>/{p.slug}/", edit_part, {"part": p.number}, name=f"part_{p.slug}")
        for p in parts.PARTS
    ],
]

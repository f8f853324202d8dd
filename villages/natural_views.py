"""自然村信息管理: the village's natural villages (村民小组), kept by the village account and its
township office: the list (by village), 添加, 修改 (version-checked), 删除 (停用 when households
name the group) and 启用."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from poverty_system.core import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import MANAGE_NATURAL_VILLAGES, Role
from poverty_system.core.rules import roles

from . import natural
from .access import filter_natural_villages, get_natural_village_for_user, get_region_for_user
from .forms import NaturalVillageAddForm, NaturalVillageForm
from .models import Level, NaturalVillage, Region

keepers = roles(Role.TOWNSHIP, Role.VILLAGE)
PER_PAGE = 50


def _villages(request: HttpRequest) -> QuerySet[Region]:
    return access.filter_regions(
        Region.objects.filter(level=Level.VILLAGE), request.user, MANAGE_NATURAL_VILLAGES
    ).order_by("code")


def _list_url(record: NaturalVillage) -> str:
    return reverse("villages:natural_villages") + f"?village={record.village_id}"


@keepers
def natural_villages(request: HttpRequest) -> HttpResponse:
    """自然村信息管理: the groups of the account's villages (one village when chosen)."""
    found = filter_natural_villages(
        NaturalVillage.objects.select_related("village"), request.user, MANAGE_NATURAL_VILLAGES
    )
    village = None
    if request.GET.get("village"):
        village = get_region_for_user(request.user, request.GET["village"])
        found = found.filter(village=village)
    page = Paginator(found.order_by("village_code", "-active", "pk"), PER_PAGE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "village": village,
        "villages": list(_villages(request)),
    }
    return render(request, "villages/natural_villages.html", context)


@keepers
def natural_village_add(request: HttpRequest) -> HttpResponse:
    initial = {"village": request.GET.get("village")}
    form = NaturalVillageAddForm(
        request.POST or None, user=request.user, instance=NaturalVillage(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = natural.add_natural_village(request.actor, data["village"], data)
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已添加自然村（村民小组）“{record.name}”。")
            return redirect(_list_url(record))
    return render(request, "villages/natural_village_form.html", {"form": form, "adding": True})


@keepers
def natural_village_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_natural_village_for_user(request.user, pk, MANAGE_NATURAL_VILLAGES)
    form = NaturalVillageForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        try:
            natural.edit_natural_village(
                request.actor, record.pk, form.cleaned_data, request.POST.get("version")
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect(_list_url(record))
    return render(request, "villages/natural_village_form.html", {"form": form, "record": record})


@keepers
@require_POST
def natural_village_remove(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_natural_village_for_user(request.user, pk, MANAGE_NATURAL_VILLAGES)
    try:
        deleted = natural.remove_natural_village(request.actor, pk, request.POST.get("version"))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        done = "已删除" if deleted else "已有贫困户填写该村民小组，已停用（不再供选择）"
        messages.success(request, f"{done}：{record.name}。")
    return redirect(_list_url(record))


@keepers
@require_POST
def natural_village_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_natural_village_for_user(request.user, pk, MANAGE_NATURAL_VILLAGES)
    try:
        natural.reactivate_natural_village(request.actor, pk, request.POST.get("version"))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已启用：{record.name}。")
    return redirect(_list_url(record))

"""帮扶干部信息管理 (procedures 4 and 8): the unit's cadres, their login accounts, 分配 › 添加 ›
确定, removing assignments, 调离/借调 and 离开. Offices read the cadres of their slice."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.ids import parse_id, parse_ids
from poverty_system.core.roles import OFFICE_ROLES, Role
from poverty_system.core.rules import roles
from poverty_system.core.versioning import StaleEdit

from .. import access as unit_access
from .. import listing, services
from ..forms import AccountForm, CadreForm, DepartForm, TransferForm
from ..models import Cadre, Transfer, Unit
from .common import PER_PAGE, unit_only

cadre_readers = roles(Role.ADMIN, Role.UNIT, *OFFICE_ROLES)


@cadre_readers
def cadres(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "")
    found = listing.cadre_rows(request.user, show_all=show == "all")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    manage = bool(unit_access.unit_ids(request.user))
    return render(request, "units/cadres.html", {"page": page, "manage": manage, "show": show})


@unit_only
def cadre_add(request: HttpRequest) -> HttpResponse:
    unit = Unit.objects.filter(pk__in=unit_access.unit_ids(request.user)).order_by("pk").first()
    form = CadreForm(request.POST or None)
    if request.method == "POST" and unit is not None and form.is_valid():
        try:
            cadre = services.add_cadre(request.actor, unit, form.cleaned_data)
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已添加帮扶干部{cadre.name}。")
            return redirect("units:cadre", cadre.pk)
    return render(request, "units/cadre_form.html", {"form": form, "unit": unit})


@cadre_readers
def cadre(request: HttpRequest, pk: int, form: CadreForm | None = None) -> HttpResponse:
    cadre = unit_access.get_cadre_for_user(request.user, pk)
    manage = cadre.unit_id in unit_access.unit_ids(request.user) and cadre.serving
    if manage and form is None:
        form = _cadre_form(cadre)
    assignments = (
        cadre.assignments.filter(ended_at__isnull=True)
        .select_related("household", "household__village")
        .order_by("village_code", "household__number")
    )
    return render(
        request,
        "units/cadre.html",
        {
            "cadre": cadre,
            "form": form if manage else None,
            "manage": manage,
            "assignments": assignments,
            "transfers": cadre.transfers.select_related("from_unit", "to_unit"),
            "account_form": AccountForm() if manage and cadre.user_id is None else None,
        },
    )


def _cadre_form(cadre: Cadre) -> CadreForm:
    """The edit form of a cadre's saved details; the ID number is never sent back in full."""
    form = CadreForm(instance=cadre, initial={"id_number": ""})
    if cadre.id_number:
        form.fields[
            "id_number"
        ].help_text = f"当前：{cadre.masked_id_number}。留空则不修改；填写后性别由身份证号码得出。"
    return form


@unit_only
@require_POST
def cadre_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cadre_obj = unit_access.get_cadre_for_user(request.user, pk, manage=True)
    form = CadreForm(request.POST)
    if form.is_valid():
        try:
            services.update_cadre(
                request.actor, cadre_obj, form.cleaned_data, version=form.cleaned_data["version"]
            )
        except ActionError as exc:
            if isinstance(exc, StaleEdit):  # the newer data, in a fresh form
                form = _cadre_form(cadre_obj)
            show_error(form, exc)
        else:
            messages.success(request, "干部信息已保存。")
            return redirect("units:cadre", pk)
    return cadre(request, pk, form=form)


@unit_only
def cadre_account(request: HttpRequest, pk: int) -> HttpResponse:
    cadre_obj = unit_access.get_cadre_for_user(request.user, pk, manage=True)
    form = AccountForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            account, password = services.create_cadre_login(
                request.actor, cadre_obj, username=form.cleaned_data["username"]
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            created = {"account": account, "password": password}
    return render(
        request, "units/cadre_account.html", {"cadre": cadre_obj, "form": form, "created": created}
    )


# --- 分配 › 添加 › 确定 ----------------------------------------------------------------------


@unit_only
def assign(request: HttpRequest, pk: int, error: str | None = None) -> HttpResponse:
    """The cadre's households (tick to remove) and the unit's unassigned linked households
    (tick to add, 确定); a search by 户编号 or 户主姓名 says why a household cannot be added."""
    cadre_obj = unit_access.get_cadre_for_user(request.user, pk, manage=True)
    query = (request.GET.get("q") or "").strip()
    candidates, explained = listing.assignable_households(cadre_obj, query)
    page = Paginator(candidates, 200).get_page(request.GET.get("page"))
    assigned = listing.assigned_households(cadre_obj)
    context = {"cadre": cadre_obj, "assigned": assigned, "page": page, "query": query}
    return render(request, "units/assign.html", {**context, "explained": explained, "error": error})


@unit_only
@require_POST
def assign_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    cadre_obj = unit_access.get_cadre_for_user(request.user, pk, manage=True)
    try:
        count = services.assign_households(
            request.actor, cadre_obj, parse_ids(request.POST.getlist("households"))
        )
    except ActionError as exc:
        return assign(request, pk, error=exc.message)
    messages.success(request, f"已将 {count} 户分配给{cadre_obj.name}。")
    return redirect("units:assign", pk)


@unit_only
@require_POST
def unassign(request: HttpRequest, pk: int) -> HttpResponse:
    cadre_obj = unit_access.get_cadre_for_user(request.user, pk, manage=True)
    try:
        count = services.unassign(
            request.actor, cadre_obj, parse_ids(request.POST.getlist("households"))
        )
    except ActionError as exc:
        return assign(request, pk, error=exc.message)
    messages.success(request, f"已解除 {count} 户与{cadre_obj.name}的分配。")
    return redirect("units:assign", pk)


# --- 调离/借调 and 离开 -----------------------------------------------------------------------


def _initial(request: HttpRequest) -> dict:
    """The cadre the page was opened for (?cadre=), chosen in the form."""
    return {"cadre": parse_id(request.GET.get("cadre", ""))}


@unit_only
def transfer(request: HttpRequest) -> HttpResponse:
    cadres, units = listing.serving_cadres(request.user), listing.other_units(request.user)
    form = TransferForm(request.POST or None, cadres=cadres, units=units, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            moved = services.transfer_cadre(
                request.actor, data.pop("cadre"), data.pop("to_unit"), **data
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _moved_message(form.cleaned_data, moved))
            return redirect("units:cadres")
    return render(request, "units/transfer.html", {"form": form})


def _moved_message(data: dict[str, Any], moved: Transfer) -> str:
    return (
        f"{data['cadre'].name}已调至{data['to_unit'].name}（{moved.get_kind_display()}）；"
        f"原有帮扶分配结束 {moved.ended} 户（在本单位显示为未分配），"
        f"调入单位同时帮扶的 {moved.kept} 户继续由其帮扶。"
    )


@unit_only
def depart(request: HttpRequest) -> HttpResponse:
    cadres = listing.serving_cadres(request.user)
    form = DepartForm(request.POST or None, cadres=cadres, initial=_initial(request))
    confirm = None
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["cadre"]
        if request.POST.get("confirm") != "yes":
            confirm = {
                "cadre": chosen,
                "households": chosen.assignments.filter(ended_at__isnull=True).count(),
            }
        else:
            try:
                services.depart_cadre(request.actor, chosen, date=form.cleaned_data["date"])
            except ActionError as exc:
                show_error(form, exc)
            else:
                messages.success(request, f"{chosen.name}已登记离开，其登录账号已停用。")
                return redirect("units:cadres")
    return render(request, "units/depart.html", {"form": form, "confirm": confirm})


urlpatterns = [
    path("cadres/", cadres, name="cadres"),
    path("cadres/add/", cadre_add, name="cadre_add"),
    path("cadres/transfer/", transfer, name="transfer"),
    path("cadres/depart/", depart, name="depart"),
    path("cadres/<int:pk>/", cadre, name="cadre"),
    path("cadres/<int:pk>/edit/", cadre_edit, name="cadre_edit"),
    path("cadres/<int:pk>/account/", cadre_account, name="cadre_account"),
    path("cadres/<int:pk>/assign/", assign, name="assign"),
    path("cadres/<int:pk>/assign/confirm/", assign_confirm, name="assign_confirm"),
    path("cadres/<int:pk>/unassign/", unassign, name="unassign"),
]

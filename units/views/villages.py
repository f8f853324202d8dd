"""帮扶情况登记表 (procedure 1): the unit links itself to villages of its county and writes the
assistance plan and the annual plans; villages and offices read the links of their slice."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core.dates import current_year
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.versioning import StaleEdit

from .. import access as unit_access
from .. import services
from ..forms import PlansForm, ReasonForm, VillageLinkForm
from ..models import Unit, UnitVillage
from .common import PER_PAGE, pairing_readers, unit_only


def _own_unit(request: HttpRequest) -> Unit | None:
    """The unit a unit account acts for (the first of its units)."""
    ids = unit_access.unit_ids(request.user)
    return Unit.objects.filter(pk__in=ids).select_related("region").order_by("pk").first()


def _link_form(unit: Unit, data: QueryDict | None = None) -> VillageLinkForm:
    linked = UnitVillage.objects.filter(unit=unit, ended_at__isnull=True).values("village_id")
    villages = services.linkable_villages(unit).exclude(pk__in=linked).order_by("code")
    return VillageLinkForm(data, villages=villages)


@pairing_readers
def villages(request: HttpRequest, form: VillageLinkForm | None = None) -> HttpResponse:
    links = unit_access.filter_village_links(
        UnitVillage.objects.filter(ended_at__isnull=True), request.user
    ).select_related("unit", "village")
    page = Paginator(links.order_by("village_code", "unit__name"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    unit = _own_unit(request) if unit_access.unit_ids(request.user) else None
    if unit is not None and form is None:
        form = _link_form(unit)
    return render(request, "units/villages.html", {"page": page, "unit": unit, "form": form})


@unit_only
@require_POST
def village_link(request: HttpRequest) -> HttpResponse:
    unit = _own_unit(request)
    if unit is None:
        return redirect("units:villages")
    form = _link_form(unit, request.POST)
    if form.is_valid():
        try:
            link = services.link_village(
                request.actor, unit, form.cleaned_data["village"], plan=form.cleaned_data["plan"]
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, f"已登记帮扶村：{link.village.name}。请填写帮扶规划和年度帮扶计划。"
            )
            return redirect("units:village", link.pk)
    return villages(request, form=form)


def _plans_form(link: UnitVillage, year: int, data: QueryDict | None = None) -> PlansForm:
    annual = link.annual_plans.filter(year=year).first()
    initial = {
        "version": link.version,
        "plan": link.plan,
        "year": year,
        "annual_plan": annual.content if annual else "",
        "plan_version": annual.version if annual else None,
    }
    return PlansForm(data, initial=initial)


@pairing_readers
def village(request: HttpRequest, pk: int, form: PlansForm | None = None) -> HttpResponse:
    link = unit_access.get_village_link_for_user(request.user, pk)
    can_edit = link.active and link.unit_id in unit_access.unit_ids(request.user)
    if can_edit and form is None:
        form = _plans_form(link, current_year())
    return render(
        request,
        "units/village.html",
        {
            "link": link,
            "annual_plans": link.annual_plans.all(),
            "form": form if can_edit else None,
            "end_form": ReasonForm() if can_edit else None,
            "households": link.unit.household_links.filter(
                village_code=link.village_code, ended_at__isnull=True
            ).count(),
        },
    )


@unit_only
@require_POST
def village_plans(request: HttpRequest, pk: int) -> HttpResponse:
    link = unit_access.get_village_link_for_user(request.user, pk, manage=True)
    form = PlansForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.save_village_plans(
                request.actor,
                link,
                plan=data["plan"],
                year=data["year"],
                annual_plan=data["annual_plan"],
                version=data["version"],
                plan_version=data["plan_version"],
            )
        except ActionError as exc:
            if isinstance(exc, StaleEdit):  # the newer data, in a fresh form
                form = _plans_form(link, data["year"])
            show_error(form, exc)
        else:
            messages.success(request, "帮扶规划和年度帮扶计划已保存。")
            return redirect("units:village", link.pk)
    return village(request, pk, form=form)


@unit_only
@require_POST
def village_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    link = unit_access.get_village_link_for_user(request.user, pk, manage=True)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise services.UnitError("请填写原因。", "reason")
        services.end_village_link(request.actor, link, form.cleaned_data["reason"])
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("units:village", link.pk)
    messages.success(request, f"已取消帮扶“{link.village.name}”。")
    return redirect("units:villages")


urlpatterns = [
    path("villages/", villages, name="villages"),
    path("villages/link/", village_link, name="village_link"),
    path("villages/<int:pk>/", village, name="village"),
    path("villages/<int:pk>/plans/", village_plans, name="village_plans"),
    path("villages/<int:pk>/end/", village_unlink, name="village_unlink"),
]

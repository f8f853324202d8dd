"""关联单位 / 取消关联 (procedure 3): the village links the households claimed under its
verified phone to a unit assisting its village; the township cancels a link with a reason;
units and offices read the links of their slice."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from households.models import Household
from poverty_system.core import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.ids import parse_id, parse_ids
from poverty_system.core.roles import LINK_UNITS, UNLINK_UNITS, Role
from poverty_system.core.rules import roles
from villages.auth import verified_phone

from .. import access as unit_access
from .. import listing, services
from ..forms import HouseholdLinkForm, ReasonForm
from ..models import Assignment, HouseholdLink
from .common import PER_PAGE, pairing_readers


def _village_page(request: HttpRequest, form: HouseholdLinkForm | None = None) -> HttpResponse:
    phone = verified_phone(request)
    unlinked = request.GET.get("show") == "unlinked"
    households = listing.claimed_households(request.user, phone, unlinked)
    page = Paginator(households, PER_PAGE).get_page(request.GET.get("page"))
    units = listing.village_units(request.user)
    form = form or HouseholdLinkForm(units=units)
    return render(
        request,
        "units/links_village.html",
        {
            "page": page,
            "form": form,
            "units": units,
            "phone": phone,
            "highlight": request.GET.get("household", ""),
            "show": request.GET.get("show", ""),
        },
    )


@pairing_readers
def household_links(request: HttpRequest, form: HouseholdLinkForm | None = None) -> HttpResponse:
    if access.role_allows(request.user, LINK_UNITS):
        return _village_page(request, form)
    links = unit_access.filter_household_links(
        HouseholdLink.objects.filter(ended_at__isnull=True), request.user
    )
    household = parse_id(request.GET.get("household", ""))
    if household is not None:
        links = links.filter(household_id=household)
    cadre_name = Assignment.objects.filter(
        household=OuterRef("household_id"), ended_at__isnull=True
    ).values("cadre__name")[:1]
    links = (
        links.select_related("household", "household__village", "unit")
        .annotate(cadre_name=Subquery(cadre_name))
        .order_by("village_code", "household__number")
    )
    page = Paginator(links, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for row in rows:
        row.can_cancel = access.has_code_perm(request.user, UNLINK_UNITS, row.village_code)
    return render(request, "units/links.html", {"page": page, "rows": rows})


@roles(Role.VILLAGE)
@require_POST
def household_link(request: HttpRequest) -> HttpResponse:
    form = HouseholdLinkForm(request.POST, units=listing.village_units(request.user))
    ids = parse_ids(request.POST.getlist("households"))
    if form.is_valid():
        households = list(Household.objects.filter(pk__in=ids))
        try:
            if len(households) != len(set(ids)):
                raise services.UnitError("请选择要关联的贫困户。", "unit")
            links = services.link_households(request.actor, households, form.cleaned_data["unit"])
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(
                request, f"已将 {len(links)} 户关联到{form.cleaned_data['unit'].name}。"
            )
            return redirect("units:household_links")
    return _village_page(request, form)


@roles(Role.TOWNSHIP)
def link_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    link = unit_access.get_household_link_for_user(request.user, pk, UNLINK_UNITS)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_household_link(request.actor, link, form.cleaned_data["reason"])
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已取消{link.household}与{link.unit.name}的关联。")
            return redirect("units:household_links")
    return render(request, "units/link_cancel.html", {"link": link, "form": form})


urlpatterns = [
    path("links/", household_links, name="household_links"),
    path("links/add/", household_link, name="household_link"),
    path("links/<int:pk>/cancel/", link_cancel, name="link_cancel"),
]

"""单位信息管理 (county office): units with their accounts, merge and split (procedure 9);
the yearly reset of pairings and its archive (city and county offices)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from poverty_system.core import access
from poverty_system.core.dates import current_year
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import MANAGE_UNITS, OFFICE_ROLES, Role
from poverty_system.core.rules import roles
from villages.models import Region

from .. import access as unit_access
from .. import listing, services
from ..forms import ReorganizeForm, UnitEditForm, UnitForm
from ..models import Unit, YearlyReset
from ..services.reset import LABELS
from .common import PER_PAGE, county_only

unit_readers = roles(Role.ADMIN, *OFFICE_ROLES)
resetters = roles(Role.CITY, Role.COUNTY)


@unit_readers
def unit_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(listing.unit_rows(request.user), PER_PAGE).get_page(request.GET.get("page"))
    manage = bool(access.regions_with(request.user, MANAGE_UNITS))
    return render(request, "units/unit_list.html", {"page": page, "manage": manage})


@county_only
def unit_add(request: HttpRequest) -> HttpResponse:
    form = UnitForm(request.POST or None, regions=listing.manageable_counties(request.user))
    created = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            unit, account, password = services.create_unit(request.actor, **data)
        except ActionError as exc:
            show_error(form, exc)
        else:
            created = {"unit": unit, "account": account, "password": password}
    return render(request, "units/unit_form.html", {"form": form, "created": created})


@unit_readers
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_access.get_unit_for_user(
        request.user, pk, queryset=Unit.objects.select_related("region")
    )
    return render(request, "units/unit_detail.html", {"unit": unit, **_unit_page(unit)})


def _unit_page(unit: Unit) -> dict:
    return {
        "cadres": unit.cadres.filter(left_at__isnull=True).select_related("user"),
        "links": unit.village_links.filter(ended_at__isnull=True).select_related("village"),
        "households": unit.household_links.filter(ended_at__isnull=True).count(),
        "accounts": [g.user for g in unit.grants.select_related("user")],
    }


@roles(Role.COUNTY, Role.UNIT)
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The county office of the unit, or the unit itself, corrects the unit's details."""
    unit = unit_access.get_unit_for_user(
        request.user, pk, queryset=Unit.objects.select_related("region")
    )
    own = unit.pk in unit_access.unit_ids(request.user)
    if not own and not unit_access.can_manage_units_in(request.user, unit.region):
        raise PermissionDenied
    form = UnitEditForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.update_unit(request.actor, unit, data, version=data.pop("version"))
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "单位信息已保存。")
            return redirect("home" if own else "units:unit", *([] if own else [unit.pk]))
    return render(request, "units/unit_edit.html", {"unit": unit, "form": form})


@county_only
def reorganize(request: HttpRequest) -> HttpResponse:
    """合并/拆分: a new unit with its account, the sources' cadres seconded to it."""
    form = ReorganizeForm(request.POST or None, **listing.reorganize_choices(request.user))
    created = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        for many in ("sources", "cadres", "villages"):
            data[many] = list(data[many])
        try:
            unit, account, password, summary = services.reorganize_units(request.actor, **data)
        except ActionError as exc:
            show_error(form, exc)
        else:
            created = {"unit": unit, "account": account, "password": password, "summary": summary}
    return render(request, "units/reorganize.html", {"form": form, "created": created})


# --- yearly reset -----------------------------------------------------------------------


@resetters
def reset(request: HttpRequest) -> HttpResponse:
    regions = unit_access.reset_regions(request.user)
    if not regions:
        raise PermissionDenied
    if request.method == "POST":
        return _reset(request, regions[0])
    counts = services.reset_counts(request.actor, regions[0])
    return render(request, "units/reset.html", _reset_page(regions[0], counts))


def _reset(request: HttpRequest, region: Region) -> HttpResponse:
    """年度结对重置: done only when the counts the office confirmed are still the counts."""
    counts = services.reset_counts(request.actor, region)
    expected = {key: _count(request.POST.get(key, "")) for key in counts}
    try:
        done = services.yearly_reset(request.actor, region, expected=expected)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("units:reset")
    total = sum(done.counts.values())
    messages.success(request, f"{region.name}的结对关系已归档并解除，共 {total} 条。")
    return redirect(f"{reverse('units:archive')}?year={done.year}")


def _count(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() else -1


def _reset_page(region: Region, counts: dict) -> dict:
    return {
        "region": region,
        "rows": [(LABELS[k], k, v) for k, v in counts.items()],
        "year": current_year(),
        "resets": YearlyReset.objects.filter(region=region).select_related("by")[:10],
    }


@roles(Role.ADMIN, Role.UNIT, *OFFICE_ROLES)
def archive(request: HttpRequest) -> HttpResponse:
    """Pairings of one year (ended or still active), read in the account's slice."""
    this_year = current_year()
    value = request.GET.get("year", "")
    ok = value.isascii() and value.isdigit() and 2000 <= int(value) <= this_year
    year = int(value) if ok else this_year
    kind = request.GET.get("kind") if request.GET.get("kind") in listing.ARCHIVE_KINDS else ""
    rows = listing.archive_rows(request.user, kind, year)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    years = list(range(this_year, 2013, -1))
    context = {"page": page, "year": year, "kind": kind, "years": years}
    return render(request, "units/archive.html", context)


urlpatterns = [
    path("units/", unit_list, name="unit_list"),
    path("units/add/", unit_add, name="unit_add"),
    path("units/reorganize/", reorganize, name="reorganize"),
    path("units/<int:pk>/", unit_detail, name="unit"),
    path("units/<int:pk>/edit/", unit_edit, name="unit_edit"),
    path("reset/", reset, name="reset"),
    path("archive/", archive, name="archive"),
]

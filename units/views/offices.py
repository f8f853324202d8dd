"""单位信息管理 (county office): units with their accounts, merge and split (procedure 9);
the yearly reset of pairings and its archive (city and county offices)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path, reverse

from households import access as hh_access
from households.models import Claim
from poverty_system import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.roles import MANAGE_UNITS, OFFICE_ROLES, Role
from poverty_system.rules import roles
from villages.models import Level, Region

from .. import access as unit_access
from .. import services
from ..forms import ReorganizeForm, UnitEditForm, UnitForm
from ..models import Assignment, Cadre, HouseholdLink, Unit, UnitVillage, YearlyReset
from ..services.reset import LABELS
from .common import PER_PAGE, county_only

unit_readers = roles(Role.ADMIN, *OFFICE_ROLES)
resetters = roles(Role.CITY, Role.COUNTY)


def _manageable_counties(request):
    """Counties (and their townships) where the account may create units."""
    regions = access.regions_with(request.user, MANAGE_UNITS)
    q = Q(pk__in=[])
    for r in regions:
        q |= Q(tree_id=r.tree_id, lft__gte=r.lft, lft__lte=r.rght)
    return Region.objects.filter(q, level__in=[Level.COUNTY, Level.TOWNSHIP]).order_by("code")


@unit_readers
def unit_list(request):
    units = (
        unit_access.filter_units(Unit.objects.all(), request.user)
        .select_related("region")
        .annotate(
            cadre_count=Count("cadres", filter=Q(cadres__left_at__isnull=True), distinct=True),
            village_count=Count(
                "village_links", filter=Q(village_links__ended_at__isnull=True), distinct=True
            ),
        )
        .order_by("region__code", "name")
    )
    page = Paginator(units, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "units/unit_list.html",
        {"page": page, "manage": bool(access.regions_with(request.user, MANAGE_UNITS))},
    )


@county_only
def unit_add(request):
    form = UnitForm(request.POST or None, regions=_manageable_counties(request))
    created = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            unit, account, password = services.create_unit(
                request.actor,
                name=data.pop("name"),
                region=data.pop("region"),
                username=data.pop("username"),
                **data,
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            created = {"unit": unit, "account": account, "password": password}
    return render(request, "units/unit_form.html", {"form": form, "created": created})


@unit_readers
def unit_detail(request, pk):
    unit = unit_access.get_unit_for_user(
        request.user, pk, queryset=Unit.objects.select_related("region")
    )
    return render(
        request,
        "units/unit_detail.html",
        {
            "unit": unit,
            "cadres": unit.cadres.filter(left_at__isnull=True).select_related("user"),
            "links": unit.village_links.filter(ended_at__isnull=True).select_related("village"),
            "households": unit.household_links.filter(ended_at__isnull=True).count(),
            "accounts": [g.user for g in unit.grants.select_related("user")],
        },
    )


@roles(Role.COUNTY, Role.UNIT)
def unit_edit(request, pk):
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
def reorganize(request):
    units = (
        unit_access.filter_units(Unit.objects.all(), request.user)
        .select_related("region")
        .filter(region__in=_manageable_counties(request))
        .order_by("name")
    )
    form = ReorganizeForm(
        request.POST or None,
        regions=_manageable_counties(request),
        units=units,
        cadres=Cadre.objects.filter(unit__in=units, left_at__isnull=True)
        .select_related("unit")
        .order_by("unit__name", "name"),
        villages=UnitVillage.objects.filter(unit__in=units, ended_at__isnull=True)
        .select_related("unit", "village")
        .order_by("unit__name", "village_code"),
    )
    created = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            unit, account, password, summary = services.reorganize_units(
                request.actor,
                mode=data.pop("mode"),
                sources=list(data.pop("sources")),
                cadres=list(data.pop("cadres")),
                villages=list(data.pop("villages")),
                name=data.pop("name"),
                region=data.pop("region"),
                username=data.pop("username"),
                date=data.pop("date"),
                **data,
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            created = {
                "unit": unit,
                "account": account,
                "password": password,
                "summary": summary,
            }
    return render(request, "units/reorganize.html", {"form": form, "created": created})


# --- yearly reset -----------------------------------------------------------------------


@resetters
def reset(request):
    regions = unit_access.reset_regions(request.user)
    if not regions:
        raise PermissionDenied
    region = regions[0]
    counts = services.reset_counts(request.actor, region)
    if request.method == "POST":
        expected = {}
        for key in counts:
            value = request.POST.get(key, "")
            expected[key] = int(value) if value.isascii() and value.isdigit() else -1
        try:
            done = services.yearly_reset(request.actor, region, expected=expected)
        except ActionError as exc:
            messages.error(request, exc.message)
            return redirect("units:reset")
        total = sum(done.counts.values())
        messages.success(request, f"{region.name}的结对关系已归档并解除，共 {total} 条。")
        return redirect(f"{reverse('units:archive')}?year={done.year}")
    return render(
        request,
        "units/reset.html",
        {
            "region": region,
            "rows": [(LABELS[k], k, v) for k, v in counts.items()],
            "year": services.this_year(),
            "resets": YearlyReset.objects.filter(region=region).select_related("by")[:10],
        },
    )


@roles(Role.ADMIN, Role.UNIT, *OFFICE_ROLES)
def archive(request):
    """Pairings of one year (ended or still active), read in the account's slice."""
    this_year = services.this_year()
    value = request.GET.get("year", "")
    ok = value.isascii() and value.isdigit() and 2000 <= int(value) <= this_year
    year = int(value) if ok else this_year
    kinds = ("links", "villages", "claims")
    kind = request.GET.get("kind") if request.GET.get("kind") in kinds else ""
    if kind == "claims":
        rows = hh_access.filter_claims(Claim.objects.filter(claimed_at__year=year), request.user)
        rows = rows.select_related("household", "phone").order_by("household__village_code", "pk")
    elif kind == "links":
        rows = unit_access.filter_household_links(
            HouseholdLink.objects.filter(year=year), request.user
        ).select_related("household", "unit")
    elif kind == "villages":
        rows = unit_access.filter_village_links(
            UnitVillage.objects.filter(year=year), request.user
        ).select_related("village", "unit")
    else:
        rows = unit_access.filter_assignments(
            Assignment.objects.filter(year=year), request.user
        ).select_related("household", "cadre", "unit")
    if kind != "claims":
        rows = rows.order_by("village_code", "pk")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "units/archive.html",
        {
            "page": page,
            "year": year,
            "kind": kind,
            "years": list(range(this_year, 2013, -1)),
        },
    )


urlpatterns = [
    path("units/", unit_list, name="unit_list"),
    path("units/add/", unit_add, name="unit_add"),
    path("units/reorganize/", reorganize, name="reorganize"),
    path("units/<int:pk>/", unit_detail, name="unit"),
    path("units/<int:pk>/edit/", unit_edit, name="unit_edit"),
    path("reset/", reset, name="reset"),
    path("archive/", archive, name="archive"),
]

"""脱贫标准: the county office sets the year's income line and checks for its county."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from poverty_system import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.roles import EDIT_EXIT_CRITERIA, Role
from poverty_system.rules import roles

from ..criteria import criteria_rows, nearest
from ..forms import CriteriaForm
from ..models import ExitCriteria
from ..services.criteria import YEARS, save_criteria


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return year if year in YEARS else timezone.localdate().year


@roles(Role.COUNTY)
def criteria(request):
    regions = access.regions_with(request.user, EDIT_EXIT_CRITERIA)
    if not regions:
        raise PermissionDenied
    county = regions[0]
    year = _year(request)
    own = ExitCriteria.objects.filter(year=year, region=county).first()
    effective = own or nearest(criteria_rows(year), county.code)
    if request.method == "POST":
        form = CriteriaForm(request.POST, instance=own or ExitCriteria())
        if form.is_valid():
            try:
                save_criteria(
                    request.actor, county, year, form.cleaned_data, request.POST.get("version")
                )
            except ActionError as exc:
                show_error(form, exc)
            else:
                messages.success(request, f"已保存{county.name}{year}年度脱贫标准。")
                return redirect(f"{request.path}?year={year}")
    else:
        initial = {}
        if own is None and effective is not None:
            initial = {f: getattr(effective, f) for f in CriteriaForm.Meta.fields}
            initial["note"] = ""
        form = CriteriaForm(instance=own or ExitCriteria(), initial=initial)
    rows = ExitCriteria.objects.filter(region=county).order_by("-year")
    return render(
        request,
        "assessment/criteria.html",
        {
            "county": county,
            "year": year,
            "years": YEARS,
            "own": own,
            "effective": effective,
            "form": form,
            "rows": rows,
        },
    )


urlpatterns = [path("criteria/", criteria, name="criteria")]

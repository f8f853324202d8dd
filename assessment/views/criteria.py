"""脱贫标准: the county office sets the year's income line and checks for its county."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from poverty_system.core import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import EDIT_EXIT_CRITERIA, Role
from poverty_system.core.rules import roles

from ..criteria import criteria_rows, nearest
from ..forms import CriteriaForm
from ..listing import chosen_year
from ..models import ExitCriteria
from ..services.criteria import YEARS, save_criteria


@roles(Role.COUNTY)
def criteria(request: HttpRequest) -> HttpResponse:
    regions = access.regions_with(request.user, EDIT_EXIT_CRITERIA)
    if not regions:
        raise PermissionDenied
    county, year = regions[0], chosen_year(request.GET.get("year"), YEARS)
    own = ExitCriteria.objects.filter(year=year, region=county).first()
    effective = own or nearest(criteria_rows(year), county.code)
    form = CriteriaForm(request.POST or None, instance=own or ExitCriteria())
    if request.method != "POST":
        form = CriteriaForm(instance=own or ExitCriteria(), initial=_inherited(own, effective))
    elif form.is_valid():
        try:
            save_criteria(
                request.actor, county, year, form.cleaned_data, request.POST.get("version")
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已保存{county.name}{year}年度脱贫标准。")
            return redirect(f"{request.path}?year={year}")
    rows = ExitCriteria.objects.filter(region=county).order_by("-year")
    context = {"county": county, "year": year, "years": YEARS, "own": own, "rows": rows}
    return render(
        request, "assessment/criteria.html", {**context, "effective": effective, "form": form}
    )


def _inherited(own: ExitCriteria | None, effective: ExitCriteria | None) -> dict:
    """A county without its own row starts from the criteria that apply to it (no note)."""
    if own is not None or effective is None:
        return {}
    return {**{f: getattr(effective, f) for f in CriteriaForm.Meta.fields}, "note": ""}


urlpatterns = [path("criteria/", criteria, name="criteria")]

"""贫困县信息: the county office enters and edits it; the city office reads it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from poverty_system.core import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import MANAGE_POOR_COUNTY, Role
from poverty_system.core.rules import roles

from ..forms import PoorCountyForm
from ..listing import county_records
from ..models import PoorCounty
from ..services.county import county_figures, save_poor_county


@roles(Role.COUNTY, Role.CITY)
def poor_county(request: HttpRequest) -> HttpResponse:
    counties = access.regions_with(request.user, MANAGE_POOR_COUNTY)
    if not counties:  # the city office reads the records of its counties, changes nothing
        if request.method == "POST":
            raise PermissionDenied
        records = county_records(request.user)
        return render(request, "assessment/poor_counties.html", {"records": records})
    county = counties[0]
    record = PoorCounty.objects.filter(county=county).first()
    form = PoorCountyForm(request.POST or None, instance=record or PoorCounty())
    if request.method == "POST" and form.is_valid():
        try:
            save_poor_county(request.actor, county, form.cleaned_data, request.POST.get("version"))
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已保存{county.name}贫困县信息。")
            return redirect("assessment:poor_county")
    context = {"county": county, "record": record, "form": form}
    figures = county_figures(county.code)
    return render(request, "assessment/poor_county.html", {**context, "figures": figures})


urlpatterns = [path("poor-county/", poor_county, name="poor_county")]

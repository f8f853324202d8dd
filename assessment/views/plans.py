"""脱贫规模: a city or county office sets its children's plans and sees progress."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path

from poverty_system.core import access
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import SET_SCALE_PLANS, Role
from poverty_system.core.rules import roles
from villages.models import Region

from ..listing import chosen_year
from ..services import AssessmentError
from ..services.plans import plan_rows, save_children_plans

YEARS = range(2014, 2031)


@roles(Role.CITY, Role.COUNTY)
def scale_plans(request: HttpRequest) -> HttpResponse:
    regions = access.regions_with(request.user, SET_SCALE_PLANS)
    if not regions:
        raise PermissionDenied
    parent = min(regions, key=lambda r: len(r.code))
    year, error = chosen_year(request.GET.get("year"), YEARS), None
    if request.method == "POST":
        try:
            entries = _entries(request.POST, plan_rows(parent, year)[1])
            saved = save_children_plans(request.actor, parent, year, entries)
        except ActionError as exc:
            error = exc.message
        else:
            messages.success(request, f"已保存 {len(saved)} 个区域的{year}年脱贫规模。")
            return redirect(f"{request.path}?year={year}")
    own, rows = _shown_rows(parent, year, request.POST)
    context = {"parent": parent, "own": own, "rows": rows, "year": year, "years": YEARS}
    return render(request, "assessment/scale_plans.html", {**context, "error": error})


def _entries(posted: QueryDict, rows: list[Any]) -> dict[int, tuple[int, int, str | None]]:
    """(exits, new, version) by child region from the posted table."""
    entries = {}
    for row in rows:
        pk = row.region.pk
        exits = _number(posted.get(f"exits-{pk}"), row.region.name)
        new = _number(posted.get(f"new-{pk}"), row.region.name)
        entries[pk] = (exits, new, posted.get(f"version-{pk}"))
    return entries


def _shown_rows(parent: Region, year: int, posted: QueryDict) -> tuple[Any, list[Any]]:
    """The plan rows with the values to show: what was posted (a refused save), else saved."""
    own, rows = plan_rows(parent, year)
    for row in rows:
        pk = row.region.pk
        row.exits_value = posted.get(f"exits-{pk}", row.planned_exits)
        row.new_value = posted.get(f"new-{pk}", row.planned_new)
        row.version = row.plan.version if row.plan else 0
    return own, rows


def _number(value: str | None, name: str) -> int:
    try:
        number = int(value or 0)
    except ValueError:
        raise AssessmentError(f"{name}：请填写整数。") from None
    if number < 0:
        raise AssessmentError(f"{name}：人数不能为负数。")
    return number


urlpatterns = [path("scale-plans/", scale_plans, name="scale_plans")]

"""脱贫规模: a city or county office sets its children's plans and sees progress."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from poverty_system import access
from poverty_system.core.errors import ActionError
from poverty_system.roles import SET_SCALE_PLANS, Role
from poverty_system.rules import roles

from ..services import AssessmentError
from ..services.plans import plan_rows, save_children_plans

YEARS = range(2014, 2031)


@roles(Role.CITY, Role.COUNTY)
def scale_plans(request):
    regions = access.regions_with(request.user, SET_SCALE_PLANS)
    if not regions:
        raise PermissionDenied
    parent = min(regions, key=lambda r: len(r.code))
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = year if year in YEARS else timezone.localdate().year
    error, posted = None, {}
    if request.method == "POST":
        own, rows = plan_rows(parent, year)
        entries, posted = {}, request.POST
        try:
            for row in rows:
                pk = row.region.pk
                exits = _number(request.POST.get(f"exits-{pk}"), row.region.name)
                new = _number(request.POST.get(f"new-{pk}"), row.region.name)
                entries[pk] = (exits, new, request.POST.get(f"version-{pk}"))
            saved = save_children_plans(request.actor, parent, year, entries)
        except ActionError as exc:
            error = exc.message
        else:
            messages.success(request, f"已保存 {len(saved)} 个区域的{year}年脱贫规模。")
            return redirect(f"{request.path}?year={year}")
    own, rows = plan_rows(parent, year)
    for row in rows:
        pk = row.region.pk
        row.exits_value = posted.get(f"exits-{pk}", row.planned_exits)
        row.new_value = posted.get(f"new-{pk}", row.planned_new)
        row.version = row.plan.version if row.plan else 0
    return render(
        request,
        "assessment/scale_plans.html",
        {"parent": parent, "own": own, "rows": rows, "year": year, "years": YEARS, "error": error},
    )


def _number(value, name) -> int:
    try:
        number = int(value or 0)
    except ValueError:
        raise AssessmentError(f"{name}：请填写整数。") from None
    if number < 0:
        raise AssessmentError(f"{name}：人数不能为负数。")
    return number


urlpatterns = [path("scale-plans/", scale_plans, name="scale_plans")]

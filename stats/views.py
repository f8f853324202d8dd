"""统计: the slice's statistics by child region with drill-down to the village, for today or
a past year-end; every number links to the household list that it counts."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from poverty_system.core import audit
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from . import export, listing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@roles(Role.CITY, Role.COUNTY)
def index(request):
    q = request.GET
    nav, region = listing.region_nav(request.user, q.get("region"))  # 404 / 403
    year, tab = listing.chosen_year(q.get("year", "")), listing.chosen_tab(q.get("table"))
    found = listing.table(request.user, nav, region, tab, year, q.get("over"))
    if q.get("format") == "xlsx":
        return _xlsx(request, nav, found)
    context = {**found, **listing.page_links(nav, region, tab, year)}
    return render(request, "stats/index.html", context)


@roles(Role.CITY, Role.COUNTY)
def members(request):
    """家庭成员 counted by a cell of the people's tables (and 控辍保学's school-age children
    out of school), in the slice, ID numbers masked."""
    nav, region = listing.region_nav(request.user, request.GET.get("region"))  # 404 / 403
    context = listing.member_list(request.user, nav, region, request.GET)
    return render(request, "stats/members.html", context)


def _xlsx(request, nav, found) -> HttpResponse:
    title, header, rows = listing.sheet(nav, found)
    rows = list(rows)
    audit.record(
        request.actor,
        audit.EXPORT,
        region_code=nav.current.code if nav.current is not None else "",
        detail={"what": "统计", "table": found["tab"], "year": found["year"], "rows": len(rows)},
    )
    response = HttpResponse(export.workbook(title, header, rows), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=statistics.xlsx"
    return response

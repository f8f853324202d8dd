"""贫困户变更查询 and 贫困户销户查询 (查询 › 动态管理查询 / 基础信息查询): a filter form, the
region tree, a page of rows and the same rows as an Excel file (?format=xlsx, audited)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from households.listing import region_nav
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import queries, services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
query_readers = roles(Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.xlsx"
    return response


def _context(request: HttpRequest, query: queries.Query, info: Any, kinds: Any) -> dict:
    nav = region_nav(request.user, str(query.region.pk) if query.region else None)
    return {
        "query": query,
        "info": info,
        "links": queries.Links(query, nav, info),
        "kinds": kinds,
        "years": queries.year_options(),
    }


@query_readers
def changes(request: HttpRequest) -> HttpResponse:
    """贫困户变更查询: status changes and natural changes of members."""
    query = queries.Query.parse(request.user, request.GET, queries.CHANGE_KINDS)
    if request.GET.get("format") == "xlsx":
        return _xlsx(services.export_changes(request.actor, query), "贫困户变更查询")
    info, rows = queries.change_page(request.user, query, request.GET.get("page"))
    kinds = [(k, label) for k, (label, _, _) in queries.CHANGE_KINDS.items()]
    context = _context(request, query, info, kinds) | {"rows": rows}
    return render(request, "reports/changes.html", context)


@query_readers
def removals(request: HttpRequest) -> HttpResponse:
    """贫困户销户查询: households removed (清退) or left without members."""
    query = queries.Query.parse(request.user, request.GET, queries.REMOVAL_KINDS)
    if request.GET.get("format") == "xlsx":
        return _xlsx(services.export_removals(request.actor, query), "贫困户销户查询")
    info, rows = queries.removal_page(request.user, query, request.GET.get("page"))
    kinds = list(queries.REMOVAL_KINDS.items())
    context = _context(request, query, info, kinds) | {"rows": rows}
    return render(request, "reports/removals.html", context)

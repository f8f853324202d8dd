"""安全审计 › 审计日志 (日志查询, 导出): the auditor's pages, and nobody else's. The system and
the security administrator are refused like every other role (三员分立)."""

from __future__ import annotations

from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles
from poverty_system.core.xlsx import XLSX_CONTENT_TYPE

from . import audit_trail

audit_readers = roles(Role.AUDITOR)
PAGE_SIZE = 50


@audit_readers
def audit_log(request: HttpRequest) -> HttpResponse:
    """日志查询: the trail of the auditor's slice, filtered, newest first, 50 a page."""
    form = audit_trail.TrailFilterForm(request.GET or None)
    refused = form.is_bound and not form.is_valid()
    filters = form.cleaned_data if form.is_bound and not refused else {}
    found = audit_trail.trail(request.user, filters)
    page = Paginator(found.none() if refused else found, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "villages/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": audit_trail.rows(list(page.object_list)),
            "query": "" if refused else _without_page(request),
        },
    )


@audit_readers
def audit_export(request: HttpRequest) -> HttpResponse:
    """导出: the filters (those of 日志查询 carried over), how many entries they find, and the
    button; the POST writes the workbook (audited with its row count)."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = audit_trail.TrailFilterForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            content, _ = audit_trail.export_trail(request.actor, form.cleaned_data)
        except ActionError as exc:
            show_error(form, exc)
        else:
            name = f"审计日志{timezone.localdate():%Y%m%d}.xlsx"
            response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
            return response
    valid = form.is_valid() if data is not None else True
    filters = form.cleaned_data if data is not None and valid else {}
    count = audit_trail.trail(request.user, filters).count() if valid else None
    chosen = audit_trail.described(form, filters)
    return render(
        request, "villages/audit_export.html", {"form": form, "count": count, "chosen": chosen}
    )


def _without_page(request: HttpRequest) -> str:
    """The filters of the page shown, for its 导出 link (without the page number)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()

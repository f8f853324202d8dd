"""信息表打印 (扶贫对象 › 基础信息维护): 贫困户信息表, 贫困户信息对照表 and 贫困村信息表 as Word
files, for one household (from its page) or every household of a village (from the print
pages' region tree). Every file is audited (reports.services)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from households.choices import HouseholdStatus
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import listing, natural, services

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Village sheets and the print pages: the offices and the village; a cadre prints its own
# households from their pages.
region_printers = roles(Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
household_printers = roles(Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.CADRE)


def _disposition(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name)}.docx"


def _docx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = _disposition(name)
    return response


def _file(handle: Any, name: str) -> FileResponse:
    response = FileResponse(handle, content_type=DOCX)
    response["Content-Disposition"] = _disposition(name)
    return response


@household_printers
def household_info(request: HttpRequest, pk: int) -> HttpResponse:
    return _docx(*services.print_household(request.actor, pk, "info"))


@household_printers
def household_compare(request: HttpRequest, pk: int) -> HttpResponse:
    return _docx(*services.print_household(request.actor, pk, "compare"))


@region_printers
def village_info(request: HttpRequest, pk: int) -> FileResponse:
    return _file(*services.print_village(request.actor, pk, "info"))


@region_printers
def village_compare(request: HttpRequest, pk: int) -> FileResponse:
    return _file(*services.print_village(request.actor, pk, "compare"))


def _page(request: HttpRequest, kind: str, title: str) -> HttpResponse:
    page = listing.print_page(request.user, request.GET.get("region"), with_households=True)
    context = {"page": page, "kind": kind, "title": title, "statuses": HouseholdStatus}
    return render(request, "reports/print.html", context)


@region_printers
def info_page(request: HttpRequest) -> HttpResponse:
    """贫困户信息表打印: choose a village, print one household or all of them."""
    return _page(request, "info", "贫困户信息表打印")


@region_printers
def compare_page(request: HttpRequest) -> HttpResponse:
    """贫困户信息对照表打印: the same, for the comparison with the end of last year."""
    return _page(request, "compare", "贫困户信息对照表打印")


@region_printers
def village_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    return _docx(*services.print_village_sheet(request.actor, pk))


@region_printers
def village_page(request: HttpRequest) -> HttpResponse:
    """贫困村信息表打印: choose a village in the region tree and print its sheet."""
    page = listing.print_page(request.user, request.GET.get("region"), with_households=False)
    context = {"page": page, "kind": "village", "title": "贫困村信息表打印"}
    return render(request, "reports/print.html", context)


@region_printers
def natural_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    return _docx(*services.print_natural_sheet(request.actor, pk))


@region_printers
def natural_page(request: HttpRequest) -> HttpResponse:
    """自然村信息表打印: choose a village in the region tree, read its 自然村信息表 on the page
    (the printable page) and print it as a Word file."""
    page = listing.print_page(request.user, request.GET.get("region"), with_households=False)
    facts = None
    if page.village is not None:
        facts = natural.natural_facts(
            request.user, services.printable_village(request.user, page.village.pk)
        )
    context = {"page": page, "kind": "natural", "title": "自然村信息表打印", "facts": facts}
    context["headers"] = natural.HEADERS
    return render(request, "reports/print.html", context)


@region_printers
def selected(request: HttpRequest, kind: str) -> HttpResponse:
    """The households ticked on a print page, in one file (可选择多户)."""
    try:
        return _file(
            *services.print_selected(request.actor, request.GET.getlist("households"), kind)
        )
    except ActionError as exc:
        messages.error(request, exc.message)
        back = "reports:compare_print" if kind == "compare" else "reports:info_print"
        region = request.GET.get("region", "")
        return redirect(reverse(back) + (f"?region={quote(region)}" if region else ""))

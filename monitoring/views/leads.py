"""防止返贫监测 › 监测线索 (the inbox, a lead's page, 入户核实, 不纳入, 关联农户) and 上报监测线索
(基层干部排查: from a household's page, or a page of its own for any family)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from households import idnumbers, search
from households.access import filter_households, get_household_for_user
from households.choices import HouseholdStatus
from households.models import Household
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.ids import id_or_404
from poverty_system.core.roles import OFFICE_ROLES, REPORT_LEADS, Role
from poverty_system.core.rules import roles

from .. import lead_actions, listing
from ..access import may, report_villages
from ..choices import Category, RiskKind
from ..forms import FamilyReportForm, HouseholdReportForm, RejectForm, VisitForm

readers = roles(Role.CADRE, Role.VILLAGE, *OFFICE_ROLES)
handlers = roles(Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
reporters = roles(Role.TOWNSHIP, Role.VILLAGE, Role.CADRE)
SEARCH_MAX = 20


@readers
def inbox(request: HttpRequest) -> HttpResponse:
    """监测线索: the slice's leads with their clocks, filtered (see monitoring.listing)."""
    return render(request, "monitoring/leads.html", listing.inbox(request.user, request.GET))


def _lead_page(request: HttpRequest, pk: Any, status: int = 200, **forms: Any) -> HttpResponse:
    found = listing.lead_page(request.user, pk)
    lead = found["lead"]
    if found["can_link"]:
        found["link_choices"] = listing.link_choices(request.user, lead)
    found.setdefault("visit_form", forms.get("visit_form") or VisitForm())
    found.setdefault("reject_form", forms.get("reject_form") or RejectForm())
    found["link_error"] = forms.get("link_error")
    return render(request, "monitoring/lead.html", found, status=status)


@readers
def lead(request: HttpRequest, pk: int) -> HttpResponse:
    return _lead_page(request, id_or_404(pk))


@handlers
@require_POST
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            lead_actions.record_visit(
                request.actor, pk, form.cleaned_data["note"], version=request.POST.get("version")
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已记录入户核实。")
            return redirect("monitoring:lead", pk)
    return _lead_page(request, pk, status=400, visit_form=form)


@handlers
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            lead_actions.reject(
                request.actor,
                pk,
                form.cleaned_data["reason"],
                version=request.POST.get("version"),
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已办结：不纳入。")
            return redirect("monitoring:lead", pk)
    return _lead_page(request, pk, status=400, reject_form=form)


@handlers
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    household = id_or_404(request.POST.get("household")) if request.POST.get("household") else 0
    try:
        if not household:
            raise lead_actions.MonitoringError("请选择农户。", "household")
        lead_actions.link_household(
            request.actor, pk, household, version=request.POST.get("version")
        )
    except ActionError as exc:
        return _lead_page(request, pk, status=400, link_error=exc.message)
    messages.success(request, "已关联农户。")
    return redirect("monitoring:lead", pk)


# --- 纳入监测（启动识别）: the village's 入户核实 with the signed 承诺授权书 (monitoring.identify)


def _identify_page(
    request: HttpRequest, pk: Any, error: ActionError | None = None, status: int = 200
) -> HttpResponse:
    found = listing.lead_page(request.user, pk)
    if not found["can_identify"]:
        raise PermissionDenied
    return render(
        request,
        "monitoring/identify_start.html",
        {
            **found,
            "categories": Category.choices,
            "risk_choices": RiskKind.choices,
            "error": error,
            "posted": request.POST if error else {},
            "chosen_risks": request.POST.getlist("risks") if error else list(found["lead"].risks),
        },
        status=status,
    )


@roles(Role.VILLAGE)
def identify_start(request: HttpRequest, pk: int) -> HttpResponse:
    """纳入监测（启动识别）: the form of the chain's first step, 入户核实."""
    return _identify_page(request, id_or_404(pk))


@roles(Role.VILLAGE)
@require_POST
def identify_start_save(request: HttpRequest, pk: int) -> HttpResponse:
    from identification.views.common import step_input

    from .. import identify

    try:
        monitored = identify.start(
            request.actor,
            id_or_404(pk),
            category=request.POST.get("category", ""),
            risks=request.POST.getlist("risks"),
            data=step_input(request),
        )
    except ActionError as exc:
        return _identify_page(request, id_or_404(pk), exc, status=400)
    messages.success(request, "已入户核实，纳入监测识别程序。")
    assert monitored.case_id is not None
    return redirect("identification:case", monitored.case_id)


# --- 上报监测线索 ---------------------------------------------------------------------------------


def _search(request: HttpRequest) -> tuple[str, list[Household], str]:
    """A household of the slice by the head's name or 户编号 (never an ID number in a URL)."""
    text = (request.GET.get("q") or "").strip()[:30]
    if not text:
        return "", [], ""
    try:
        found = search.parse(text)
    except idnumbers.InvalidIdNumber:
        found = None  # a mistyped ID number is refused like a right one: not searched here
    if found is None or found.kind == search.ID:
        return "", [], "请输入户主姓名或户编号（身份证号码请在下方“未登记的家庭”中填写）。"
    households = filter_households(
        Household.objects.filter(search.household_filter(found)).exclude(
            status=HouseholdStatus.REMOVED
        ),
        request.user,
    ).select_related("village")
    return text, list(households.order_by("village_code", "number")[:SEARCH_MAX]), ""


def _report_page(
    request: HttpRequest, form: FamilyReportForm | None = None, status: int = 200
) -> HttpResponse:
    text, households, search_error = _search(request)
    villages = report_villages(request.user).order_by("code")
    return render(
        request,
        "monitoring/report.html",
        {
            "q": text,
            "households": households,
            "search_error": search_error,
            "form": form or FamilyReportForm(villages=villages),
        },
        status=status,
    )


@reporters
def report(request: HttpRequest) -> HttpResponse:
    """上报监测线索: find the household (name or 户编号), or report a family not registered."""
    return _report_page(request)


@reporters
@require_POST
def report_family(request: HttpRequest) -> HttpResponse:
    villages = report_villages(request.user).order_by("code")
    form = FamilyReportForm(request.POST, villages=villages)
    if form.is_valid():
        data = form.cleaned_data
        try:
            lead = lead_actions.report_family(
                request.actor,
                data["village"],
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                hardship=data["hardship"],
                risks=tuple(data["risks"]),
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            return _reported(request, lead)
    return _report_page(request, form, status=400)


def _reported(request: HttpRequest, lead: Any) -> HttpResponse:
    messages.success(request, f"监测线索已上报，受理编号 {lead.number}。")
    return redirect("monitoring:lead", lead.pk)


def _household_page(
    request: HttpRequest, pk: int, form: HouseholdReportForm | None = None, status: int = 200
) -> HttpResponse:
    household = get_household_for_user(request.user, pk)
    if not may(request.user, REPORT_LEADS, household.village_code):
        raise PermissionDenied
    return render(
        request,
        "monitoring/report_household.html",
        {"household": household, "form": form or HouseholdReportForm()},
        status=status,
    )


@reporters
def report_household(request: HttpRequest, pk: int) -> HttpResponse:
    """上报监测线索 from the household's page."""
    return _household_page(request, id_or_404(pk))


@reporters
@require_POST
def report_household_save(request: HttpRequest, pk: int) -> HttpResponse:
    form = HouseholdReportForm(request.POST)
    if form.is_valid():
        try:
            lead = lead_actions.report_household(
                request.actor,
                id_or_404(pk),
                form.cleaned_data["hardship"],
                tuple(form.cleaned_data["risks"]),
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            return _reported(request, lead)
    return _household_page(request, id_or_404(pk), form, status=400)


urlpatterns = [
    path("leads/", inbox, name="leads"),
    path("leads/report/", report, name="report"),
    path("leads/report/family/", report_family, name="report_family"),
    path("leads/<int:pk>/", lead, name="lead"),
    path("leads/<int:pk>/visit/", visit, name="lead_visit"),
    path("leads/<int:pk>/reject/", reject, name="lead_reject"),
    path("leads/<int:pk>/link/", link, name="lead_link"),
    path("leads/<int:pk>/identify/", identify_start, name="identify_start"),
    path("leads/<int:pk>/identify/save/", identify_start_save, name="identify_start_save"),
    path("households/<int:pk>/report/", report_household, name="report_household"),
    path("households/<int:pk>/report/save/", report_household_save, name="report_household_save"),
]

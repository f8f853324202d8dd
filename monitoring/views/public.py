"""农户自主申报 (一码申报) and 申报查询: public, no login, rate-limited per client address,
CSRF-protected; nothing the person typed is shown back, only the 受理编号 and, on 申报查询,
the state of the report.

The village is chosen from the region tree one level at a time (GET ?at=<region id>): each
level is a plain form with a 下一步 button; static/js/app.js submits it on change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from archives import ratelimit, tokens
from poverty_system.core.actor import client_ip
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.ids import parse_id
from poverty_system.core.rules import public
from villages.models import Region

from .. import lead_actions
from ..forms import PublicReportForm

REPORT_SCOPE = "monitoring-report"
SESSION_RECEIPT = "monitoring_receipt"


def _busy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/public_message.html",
        {
            "title": "访问过于频繁",
            "message": "提交过于频繁，请稍后再试，或联系村委会、乡镇扶贫办。",
        },
        status=429,
    )


def _path_to(at: Region | None) -> tuple[list[Region], list[Region]]:
    """The chosen region's ancestors (with it) and its children; the provinces for none."""
    if at is None:
        return [], list(Region.objects.filter(parent__isnull=True).order_by("code"))
    return list(at.get_ancestors(include_self=True)), list(at.get_children().order_by("code"))


def _region(value: Any) -> Region | None:
    pk = parse_id(value)
    return Region.objects.filter(pk=pk).first() if pk else None


def _form_page(
    request: HttpRequest, form: PublicReportForm | None = None, status: int = 200
) -> HttpResponse:
    at = _region(request.GET.get("at") or request.POST.get("village"))
    trail, children = _path_to(at)
    village = at if at is not None and at.level == "village" else None
    return render(
        request,
        "monitoring/public_report.html",
        {
            "trail": trail,
            "children": children if village is None else [],
            "village": village,
            "form": form or PublicReportForm(),
        },
        status=status,
    )


@public
def report(request: HttpRequest) -> HttpResponse:
    """一码申报: choose the village, then tell the hardship."""
    ip = client_ip(request)
    if ratelimit.exceeded(ip):
        return _busy(request)
    ratelimit.count(ip)
    return _form_page(request)


def _spend(request: HttpRequest) -> bool:
    return ratelimit.spend(REPORT_SCOPE, client_ip(request), settings.MONITORING_REPORTS_PER_HOUR)


def _received(request: HttpRequest, receipt: str) -> HttpResponse:
    request.session[SESSION_RECEIPT] = receipt
    return redirect("monitoring:public_received")


@public
@require_POST
def report_save(request: HttpRequest) -> HttpResponse:
    if not _spend(request):
        return _busy(request)
    form = PublicReportForm(request.POST)
    village = _region(request.POST.get("village"))
    if form.is_valid():
        try:
            if village is None:
                raise lead_actions.MonitoringError("请选择所在的村。", "village")
            receipt = lead_actions.self_report(request.actor, village, **form.cleaned_data)
        except ActionError as exc:
            show_error(form, exc)
        else:
            return _received(request, receipt)
    return _form_page(request, form, status=400)


def _token_household(token: str) -> Any:
    found = tokens.find(token)
    if found is None or not found.active:
        return None
    return found.household


def _qr_page(
    request: HttpRequest, token: str, form: PublicReportForm | None = None, status: int = 200
) -> HttpResponse:
    ip = client_ip(request)
    household = _token_household(token)
    if household is None:
        ratelimit.count(ip, ratelimit.MISS_COST)
        raise Http404
    ratelimit.count(ip)
    form = form or PublicReportForm()
    form.fields["id_number"].label = "身份证号码（可不填）"
    return render(
        request,
        "monitoring/public_qr_report.html",
        {"village": household.village.name, "number": household.number, "form": form},
        status=status,
    )


@public
def qr_report(request: HttpRequest, token: str) -> HttpResponse:
    """申报困难 from a household's QR page: the household is known from the code."""
    if ratelimit.exceeded(client_ip(request)):
        return _busy(request)
    return _qr_page(request, token)


@public
@require_POST
def qr_report_save(request: HttpRequest, token: str) -> HttpResponse:
    if ratelimit.exceeded(client_ip(request)) or not _spend(request):
        return _busy(request)
    household = _token_household(token)
    if household is None:
        ratelimit.count(client_ip(request), ratelimit.MISS_COST)
        raise Http404
    form = PublicReportForm(request.POST)
    if form.is_valid():
        try:
            receipt = lead_actions.self_report(
                request.actor, household.village, household=household, **form.cleaned_data
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            return _received(request, receipt)
    return _qr_page(request, token, form, status=400)


@public
def received(request: HttpRequest) -> HttpResponse:
    """The 受理编号, shown once (kept in the session, never in the address)."""
    receipt = request.session.pop(SESSION_RECEIPT, None)
    return render(request, "monitoring/public_received.html", {"receipt": receipt})


@public
def lookup(request: HttpRequest) -> HttpResponse:
    """申报查询: the 受理编号 is sent by POST (never in the address)."""
    return render(request, "monitoring/public_lookup.html", {})


@public
@require_POST
def lookup_result(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request)
    if ratelimit.exceeded(ip):
        return _busy(request)
    status = lead_actions.receipt_status(request.POST.get("number", ""))
    ratelimit.count(ip, 1 if status else ratelimit.MISS_COST)
    return render(
        request,
        "monitoring/public_lookup.html",
        {"status": status, "searched": True},
        status=200 if status else 404,
    )


urlpatterns = [
    path("report/", report, name="public_report"),
    path("report/save/", report_save, name="public_report_save"),
    path("report/received/", received, name="public_received"),
    path("q/<str:token>/report/", qr_report, name="qr_report"),
    path("q/<str:token>/report/save/", qr_report_save, name="qr_report_save"),
    path("lookup/", lookup, name="lookup"),
    path("lookup/result/", lookup_result, name="lookup_result"),
]

"""防止返贫监测 › 监测对象: the list, a monitored household's page (risks, measures, 收入核查,
history), 添加帮扶措施, 收入核查, 风险消除 (starts the elimination chain), 风险消除回退, and the
公示 of monitored households of a village."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from households.choices import Relation
from households.idnumbers import mask
from identification import notices
from identification.access import may_act
from identification.views.common import step_input
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import OFFICE_ROLES, Role
from poverty_system.core.rules import roles
from units.models import MeasureKind
from villages.access import get_region_for_user

from .. import elimination, measures
from .. import monitored_listing as listing
from ..access import REVIEW_INCOMES, get_row, may
from ..chains import E_VILLAGE, NOTICE_STAGES
from ..choices import Category, MonitorState, RiskKind
from ..clocks import rules_for
from ..errors import MonitoringError
from ..models import Monitored

readers = roles(Role.VILLAGE, Role.CADRE, *OFFICE_ROLES)


def _date(request, name: str, label: str) -> datetime.date | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise MonitoringError(f"{label}格式不正确（例如 2026-03-01）。", name) from None


@readers
def monitored_list(request):
    found = listing.monitored_list(request.user, request.GET)
    return render(
        request,
        "monitoring/monitored_list.html",
        {
            "list": found,
            "page": found.page,
            "rows": found.rows,
            "values": found.values,
            "categories": Category.choices,
            "risks": RiskKind.choices,
            "states": MonitorState.choices,
            "missing": listing.MISSING,
        },
    )


def _context(request, monitored: Monitored) -> dict:
    household = monitored.household
    head = household.members.filter(relation=Relation.HEAD, active=True).first()
    today = timezone.localdate()
    risks = list(monitored.risks.all())
    labels = {r.pk: r.get_kind_display() for r in risks}
    rows = measures.measures_of(monitored)
    for m in rows:
        m.risk_label = labels.get(m.risk_id, "")
        m.continues = (
            monitored.state == MonitorState.ELIMINATED
            and m.end_date is not None
            and m.end_date > (monitored.eliminated_on or today)
        )
    reviews = list(monitored.reviews.select_related("by").order_by("-date", "-pk"))
    for r in reviews:
        r.net = elimination.net_income(r.income_per_head, r.medical_self_pay, household.size)
    user = request.user
    live = monitored.state == MonitorState.MONITORED
    open_case = elimination.open_elimination(monitored) if live else None
    return {
        "monitored": monitored,
        "household": household,
        "head_id": mask(head.id_number) if head else "",
        "risks": risks,
        "measures": rows,
        "reviews": reviews,
        "events": list(monitored.events.select_related("actor").order_by("at", "pk")),
        "lacks": measures.missing([monitored], today)[monitored.pk],
        "gate": elimination.gate(monitored, today) if live else None,
        "open_case": open_case,
        "kinds": MeasureKind.choices,
        "can_edit": live and may(user, REVIEW_INCOMES, monitored.village_code),
        "can_eliminate": live
        and open_case is None
        and may_act(user, E_VILLAGE.perm, monitored.village_code),
        "can_roll_back": elimination.may_roll_back(user, monitored),
        "days": rules_for(monitored.village_code[:6], today.year).publicity_days,
        "today": today,
    }


def _monitored(request, pk) -> Monitored:
    return get_row(
        Monitored.objects.select_related("household", "household__village", "lead"),
        request.user,
        pk,
    )


@readers
def monitored_detail(request, pk):
    monitored = _monitored(request, pk)
    return render(request, "monitoring/monitored.html", _context(request, monitored))


def _refused(request, monitored, exc: ActionError, form: str):
    monitored.refresh_from_db()
    context = _context(request, monitored)
    context.update({"error": exc, "form": form, "posted": request.POST})
    return render(request, "monitoring/monitored.html", context)


@require_POST
@roles(Role.VILLAGE, Role.TOWNSHIP, Role.CADRE)
def add_measure(request, pk):
    monitored = _monitored(request, pk)
    try:
        measures.add_measure(
            request.actor,
            monitored.pk,
            risk=request.POST.get("risk"),
            kind=request.POST.get("kind", ""),
            amount=request.POST.get("amount", ""),
            start_date=_date(request, "start_date", "开始日期"),
            end_date=_date(request, "end_date", "结束日期"),
            description=request.POST.get("description", ""),
        )
    except ActionError as exc:
        return _refused(request, monitored, exc, "measure")
    messages.success(request, "已添加帮扶措施。")
    return redirect("monitoring:monitored", pk=monitored.pk)


@require_POST
@roles(Role.VILLAGE, Role.TOWNSHIP, Role.CADRE)
def add_review(request, pk):
    monitored = _monitored(request, pk)
    try:
        elimination.record_review(
            request.actor,
            monitored.pk,
            date=_date(request, "date", "核查日期"),
            income_per_head=request.POST.get("income_per_head", ""),
            medical_self_pay=request.POST.get("medical_self_pay", "") or "0",
            three_guarantees=request.POST.get("three_guarantees") == "on",
            drinking_water=request.POST.get("drinking_water") == "on",
            note=request.POST.get("note", ""),
            version=request.POST.get("version"),
        )
    except ActionError as exc:
        return _refused(request, monitored, exc, "review")
    messages.success(request, "已录入收入核查。")
    return redirect("monitoring:monitored", pk=monitored.pk)


@require_POST
@roles(Role.VILLAGE)
def eliminate(request, pk):
    monitored = _monitored(request, pk)
    try:
        case = elimination.start_elimination(request.actor, monitored.pk, step_input(request))
    except ActionError as exc:
        return _refused(request, monitored, exc, "eliminate")
    messages.success(request, "已发起风险消除，下一环节：【乡级审核】。")
    return redirect("identification:case", pk=case.pk)


@require_POST
@roles(Role.COUNTY)
def roll_back(request, pk):
    monitored = _monitored(request, pk)
    try:
        elimination.roll_back(
            request.actor,
            monitored.pk,
            request.POST.get("reason", ""),
            version=request.POST.get("version"),
        )
    except ActionError as exc:
        return _refused(request, monitored, exc, "roll_back")
    messages.success(request, "已回退风险消除，该户恢复为风险未消除。")
    return redirect("monitoring:monitored", pk=monitored.pk)


@readers
def notice(request, pk):
    """公示 of monitored households of a village (纳入监测 / 风险消除), from the allowed-field
    notice generator: the group, the head's name and the household size only."""
    village = get_region_for_user(request.user, pk)
    if village.level != "village":
        raise Http404
    stage = request.GET.get("stage", "m_village")
    if stage not in NOTICE_STAGES:
        raise Http404
    year = request.GET.get("year", "")
    year_value = listing._year(year)
    built = notices.build(
        village, stage, year_value, stages=NOTICE_STAGES, subject="防止返贫监测对象"
    )
    return render(
        request,
        "monitoring/notice.html",
        {"notice": built, "stage": stage, "stages": NOTICE_STAGES, "columns": notices.COLUMNS},
    )


urlpatterns = [
    path("monitored/", monitored_list, name="monitored_list"),
    path("monitored/<int:pk>/", monitored_detail, name="monitored"),
    path("monitored/<int:pk>/measures/", add_measure, name="add_measure"),
    path("monitored/<int:pk>/reviews/", add_review, name="add_review"),
    path("monitored/<int:pk>/eliminate/", eliminate, name="eliminate"),
    path("monitored/<int:pk>/roll-back/", roll_back, name="roll_back"),
    path("villages/<int:pk>/monitoring-notice/", notice, name="notice"),
]

"""动态管理 › 新识别 / 返贫 / 识别审核: the cases of the slice, a case's page with its steps and
the form of the step due, 发起 (申请) and the attachments."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from households.access import filter_households, get_household_for_user
from households.choices import HouseholdStatus as S
from households.models import Household
from poverty_system.core import access
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import services, states
from ..access import COUNTY_STEPS, filter_by_code, get_scoped
from ..attachments import CONTENT_TYPES
from ..chains import CHAINS, CHECK, KIND_LABELS, NEW, RETURN, chain_of
from ..checks import check_hits
from ..models import Attachment, Case
from .common import ERRORS, readers, step_input

PER_PAGE = 50
STARTABLE = {NEW: "新识别", RETURN: "返贫"}
STEP_LABELS = {s.code: s.label for c in CHAINS.values() for s in c.steps}


@readers
def case_list(request):
    """识别审核: cases of the slice, filtered by kind, state and the step they wait at."""
    found = filter_by_code(Case.objects.all(), request.user).select_related(
        "household", "household__village"
    )
    kind, step, state = (request.GET.get(k, "") for k in ("kind", "step", "state"))
    if kind in CHAINS:
        found = found.filter(kind=kind)
    if step in STEP_LABELS:
        found = found.filter(step=step, state=Case.State.OPEN)
    if state in Case.State.values:
        found = found.filter(state=state)
    page = Paginator(found.order_by("-started_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    for case in rows:
        case.kind_label = KIND_LABELS.get(case.kind, case.kind)
        case.step_label = STEP_LABELS.get(case.step, "")
    # 县级比对 in a batch: the county ticks the cases waiting at it, each with its hits.
    batch = step == "county_check" and access.role_allows(request.user, COUNTY_STEPS)
    if batch:
        hits = check_hits(rows)
        for case in rows:
            case.hit_count = len(hits[case.pk])
    return render(
        request,
        "identification/cases.html",
        {
            "batch": batch,
            "page": page,
            "rows": rows,
            "kinds": KIND_LABELS,
            "steps": STEP_LABELS,
            "states": Case.State.choices,
            "kind": kind,
            "step": step,
            "state": state,
        },
    )


def _case_context(request, case):
    chain = chain_of(case.kind)
    events = list(
        case.events.select_related("actor").prefetch_related("attachments").order_by("at", "pk")
    )
    for event in events:
        event.step_label = STEP_LABELS.get(event.step, event.step)
    latest = states.latest_events(case)
    due = states.due(case)
    steps = []
    for step in chain.steps:
        event = latest.get(step.code)
        steps.append(
            {"step": step, "event": event, "due": due is not None and step.code == due.code}
        )
    can_do = due is not None and states.may_do(request.user, case, due)
    hits = check_hits([case])[case.pk] if due is not None and due.form == CHECK else []
    return {
        "case": case,
        "household": case.household,
        "chain": chain,
        "kind_label": KIND_LABELS.get(case.kind, case.kind),
        "events": events,
        "step_labels": STEP_LABELS,
        "steps": steps,
        "due": due,
        "can_do": can_do,
        "hits": hits,
        "days": states.publicity_days(case),
        "facts": chain.facts(case) if chain.facts is not None else [],
        "target_label": S(case.target_status).label,
    }


@readers
def waiting(request, kind):
    """新识别 / 返贫: for the village, its households that may start the chain (registered
    with all seven parts, or lifted) with 发起; for everyone, the cases of the kind."""
    chain = chain_of(kind)
    page = None
    if access.role_allows(request.user, chain.steps[0].perm):  # who may 发起 sees 发起
        found = filter_households(
            Household.objects.filter(status__in=chain.start_statuses), request.user
        ).exclude(identification_cases__state=Case.State.OPEN)
        if chain.fills_approval_form:
            found = found.filter(parts_done__gte=7)
        page = Paginator(found.select_related("village").order_by("number"), PER_PAGE).get_page(
            request.GET.get("page")
        )
    cases = (
        filter_by_code(Case.objects.filter(kind=kind), request.user)
        .select_related("household", "household__village")
        .order_by("-started_at", "-pk")[:PER_PAGE]
    )
    rows = list(cases)
    for case in rows:
        case.step_label = STEP_LABELS.get(case.step, "")
    return render(
        request,
        "identification/waiting.html",
        {"chain": chain, "kind": kind, "page": page, "rows": rows},
    )


@readers
def case_detail(request, pk):
    case = get_scoped(
        Case.objects.select_related("household", "household__village"), request.user, pk
    )
    return render(request, "identification/case.html", _case_context(request, case))


@require_POST
@roles(Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY)
def case_step(request, pk):
    case = get_scoped(
        Case.objects.select_related("household", "household__village"), request.user, pk
    )
    code = request.POST.get("step", "")
    try:
        services.advance(
            request.actor, case.pk, code, step_input(request), version=request.POST.get("version")
        )
    except ERRORS as exc:
        context = _case_context(request, case)
        context["error"] = exc
        context["posted"] = request.POST
        return render(request, "identification/case.html", context, status=200)
    case.refresh_from_db()
    label = STEP_LABELS.get(code, "")
    if case.state == Case.State.DONE:
        messages.success(request, f"已公告，该户已成为“{S(case.target_status).label}”。")
    elif case.return_reason and case.step == chain_of(case.kind).steps[0].code:
        messages.success(request, f"已退回，原因：{case.return_reason}")
    else:
        messages.success(
            request, f"已办理【{label}】，下一环节：【{STEP_LABELS.get(case.step, '')}】。"
        )
    return redirect("identification:case", pk=case.pk)


@require_POST
@roles(Role.COUNTY)
def check_batch(request):
    """县级比对 of the ticked cases together (those with hits are decided one by one)."""
    try:
        cases = services.confirm_checks(
            request.actor, request.POST.getlist("cases"), request.POST.get("opinion", "")
        )
    except ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已完成 {len(cases)} 户的县级比对，下一环节：【县级审批】。")
    return redirect(f"{reverse('identification:cases')}?step=county_check")


@roles(Role.VILLAGE)
def start(request, pk, kind):
    """发起识别申请 (新识别 / 返贫): the village records 农户申请 and 民主评议."""
    if kind not in STARTABLE:
        raise Http404
    household = get_household_for_user(request.user, pk)
    chain = chain_of(kind)
    open_case = household.identification_cases.filter(state=Case.State.OPEN).first()
    if open_case is not None:
        return redirect("identification:case", pk=open_case.pk)
    refusal, error = states.start_refusal(chain, household), None
    if request.method == "POST" and refusal is None:
        try:
            case = services.start_case(
                request.actor, household.pk, kind, chain.targets[0], step_input(request)
            )
        except ERRORS as exc:
            error = exc
        else:
            messages.success(request, f"已发起{chain.label}，下一环节：【村内公示】。")
            return redirect("identification:case", pk=case.pk)
    return render(
        request,
        "identification/start.html",
        {
            "household": household,
            "chain": chain,
            "kind": kind,
            "step": chain.steps[0],
            "error": error,
            "refusal": refusal,
            "posted": request.POST,
            "target_label": S(chain.targets[0]).label,
        },
    )


@readers
def attachment(request, pk):
    """An attachment, only to accounts that read the case (its village's slice)."""
    found = get_scoped(
        Attachment.objects.select_related("event__case"),
        request.user,
        pk,
        "event__case__village_code",
    )
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    ext = found.file.name.rsplit(".", 1)[-1].lower()
    content_type = CONTENT_TYPES.get(ext, "application/octet-stream")
    response = FileResponse(handle, content_type=content_type, as_attachment=ext == "pdf")
    response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("new/", waiting, {"kind": NEW}, name="new"),
    path("returns/", waiting, {"kind": RETURN}, name="returns"),
    path("cases/", case_list, name="cases"),
    path("cases/check/", check_batch, name="check_batch"),
    path("cases/<int:pk>/", case_detail, name="case"),
    path("cases/<int:pk>/step/", case_step, name="case_step"),
    path("households/<int:pk>/start/new/", start, {"kind": NEW}, name="start"),
    path("households/<int:pk>/start/return/", start, {"kind": RETURN}, name="start_return"),
    path("attachments/<int:pk>/", attachment, name="attachment"),
]

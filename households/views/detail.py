"""The household page (full values only here: ID numbers, phone, bank account), with its
members, claims, status history and 修改日志; and 清退 (removal, procedure 2)."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from poverty_system.core import uploads
from poverty_system.core.errors import ActionError
from poverty_system.core.formatting import yuan
from poverty_system.core.forms import show_error

from .. import changelog, parts, services
from ..access import can_manage_qr_code, get_household_for_user
from ..forms import PART_FORMS, ReasonForm
from ..models import Household, StatusEvidence
from .common import editable_household, household_viewers, village_only

LOG_PER_PAGE = 50


def _sections(household: Household) -> list[tuple[Any, bool, bool, list[Any]]]:
    """(part, saved, open, [(label, value)]) of parts 2–7 as saved; part 1 is shown with the
    members. `open`: the part may be filled in now (the one before it is saved)."""
    sections = []
    for part in parts.PARTS[1:]:
        rows = []
        for name in PART_FORMS[part.number]._meta.fields:
            field = Household._meta.get_field(name)
            rows.append((field.verbose_name, changelog.display(field, getattr(household, name))))
        if part.number == 3:
            for label, value in (
                ("转移性收入", household.transfer_income),
                ("家庭总收入", household.total_income),
                ("人均纯收入（自动计算）", household.net_income_per_capita),
            ):
                rows.append((label, yuan(value)))
        sections.append(
            (
                part,
                part.number <= household.parts_done,
                parts.is_open(household.parts_done, part.number),
                rows,
            )
        )
    return sections


@household_viewers
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One query per list on the page (members, claims, status changes, and the change log's
    three), whatever their length. ID numbers, phones and bank accounts are masked; the
    显示完整信息 button (POST) shows them in full and writes an audit entry for the reveal."""
    household = get_household_for_user(
        request.user, pk, queryset=Household.objects.select_related("village__parent")
    )
    reveal = request.method == "POST" and "reveal" in request.POST
    if reveal:
        services.record_reveal(request.actor, household)
    claims = list(
        household.claims.select_related("phone", "account", "ended_by").order_by(
            "-started_at", "-pk"
        )
    )
    active = next((c for c in claims if c.active), None)
    log = Paginator(changelog.household_log(household, reveal=reveal), LOG_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "ancestors": household.village.get_ancestors(),
            "members": household.members.order_by("-active", "pk"),
            "claims": claims,
            "status_changes": household.status_changes.select_related("actor").prefetch_related(
                "evidence"
            ),
            "sections": _sections(household),
            "log": log,
            "actions": services.page_actions(request.actor, household, active),
            "reveal": reveal,
            # 二维码 (units app, linked by URL name only): offices with EXPORT_QR.
            "qr_code": can_manage_qr_code(request.user, household),
        },
    )


@village_only
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    """清退: remove a wrongly identified household (a status change with a reason)."""
    household = editable_household(request, pk)
    blockers = services.removal_blockers(household)
    form = ReasonForm(request.POST or None, label="清退原因")
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_household(
                request.actor,
                household,
                form.cleaned_data["reason"],
                files=request.FILES.getlist("attachments"),
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"{household} 已清退，记录和历史仍保留可查。")
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/remove.html",
        {
            "household": household,
            "blockers": blockers,
            "form": form,
        },
    )


@household_viewers
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A file of evidence of a status change (清退), only to accounts that read its household
    (404 for a missing file and another's alike)."""
    found = StatusEvidence.objects.filter(pk=pk).select_related("change").first()
    if found is None:
        raise Http404
    get_household_for_user(request.user, found.change.household_id)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    pdf = found.content_type == uploads.CONTENT_TYPES["pdf"]
    response = FileResponse(handle, content_type=found.content_type, as_attachment=pdf)
    response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/remove/", remove, name="remove"),
    path("evidence/<int:pk>/", evidence, name="evidence"),
]

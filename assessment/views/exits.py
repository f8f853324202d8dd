"""贫困户脱贫情况 (township), 贫困户返贫操作 (county) and 综合回退 (procedure 6)."""

from collections.abc import Set as AbstractSet

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from households import lifecycle
from households.access import get_household_for_user
from households.choices import HouseholdStatus as S
from households.models import StatusChange
from poverty_system.core.dates import current_year
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import MARK_LIFTED, RETURN_TO_POVERTY, Role
from poverty_system.core.rules import roles

from .. import listing, services
from ..services.exits import LIFTABLE, RETURNABLE


@roles(Role.TOWNSHIP)
def lift(request: HttpRequest) -> HttpResponse:
    """贫困户脱贫情况: tick households, press 脱贫 or 脱贫(不再享受政策), write an opinion."""
    if request.method == "POST":
        return lift_save(request)
    return _lift_page(request)


@require_POST
def lift_save(request: HttpRequest) -> HttpResponse:
    """脱贫: the ticked households that pass the exit check change; the rest are listed."""
    opinion, to = request.POST.get("opinion", ""), request.POST.get("to", "")
    ticked = request.POST.getlist("households")
    try:
        outcome = services.mark_lifted(request.actor, ticked, to, opinion)
    except ActionError as exc:
        return _lift_page(request, error=exc, opinion=opinion, ticked=set(ticked))
    context = {"outcome": outcome, "to_label": S(to).label, "opinion": opinion}
    return render(request, "assessment/lift_result.html", context)


def _lift_page(
    request: HttpRequest,
    *,
    error: ActionError | None = None,
    opinion: str = "",
    ticked: AbstractSet[str] = frozenset(),
) -> HttpResponse:
    context = listing.exit_page(request.user, request.GET, LIFTABLE, MARK_LIFTED)
    year = current_year()
    context |= {"error": error, "opinion": opinion, "ticked": ticked, "year": year}
    return render(request, "assessment/lift.html", context)


@roles(Role.COUNTY)
def return_households(request: HttpRequest) -> HttpResponse:
    """贫困户返贫操作: tick lifted households, choose the reason, confirm."""
    form = {"reason": request.POST.get("reason", ""), "text": request.POST.get("text", "").strip()}
    ticked = request.POST.getlist("households")
    if request.method != "POST":
        return _return_page(request, form, ticked)
    try:
        if request.POST.get("confirm") == "1":
            changes = services.return_to_poverty(
                request.actor, ticked, form["reason"], form["text"]
            )
            messages.success(request, f"已将 {len(changes)} 户标记为返贫。")
            return redirect("assessment:return")
        return _return_confirm(request, form, ticked)
    except ActionError as exc:
        return _return_page(request, form, ticked, error=exc)


def _return_confirm(request: HttpRequest, form: dict[str, str], ticked: list[str]) -> HttpResponse:
    """The chosen households and reason, to confirm before anything changes."""
    chosen = listing.chosen_households(request.user, ticked)
    label = services.RETURN_REASONS.get(form["reason"])
    services.exits.return_reason(form["reason"], form["text"])
    if not chosen:
        raise services.AssessmentError("请勾选贫困户。", "households")
    context = {"chosen": chosen, "form": form, "label": label}
    return render(request, "assessment/return_confirm.html", context)


def _return_page(
    request: HttpRequest,
    form: dict[str, str],
    ticked: list[str],
    error: ActionError | None = None,
) -> HttpResponse:
    context = listing.exit_page(request.user, request.GET, RETURNABLE, RETURN_TO_POVERTY)
    context |= {"error": error, "form": form, "ticked": set(ticked)}
    return render(
        request, "assessment/return.html", {**context, "reasons": services.RETURN_REASONS}
    )


ROLLBACK_ROLES = (Role.TOWNSHIP, Role.COUNTY)


@roles(*ROLLBACK_ROLES)
def changes(request: HttpRequest) -> HttpResponse:
    """This year's status changes in the slice; the last one of a household may be rolled
    back (综合回退) by an office that marks exits or returns."""
    year = current_year()
    page, rows = listing.status_changes(request.user, year, request.GET.get("page"))
    return render(request, "assessment/changes.html", {"page": page, "rows": rows, "year": year})


@roles(*ROLLBACK_ROLES)
def rollback(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household_for_user(request.user, pk)
    if not lifecycle.may_rollback(request.user, household):
        raise PermissionDenied
    error, reason = None, request.POST.get("reason", "")
    if request.method == "POST":
        try:
            change = services.rollback_status(request.actor, household, reason)
        except ActionError as exc:
            error = exc
        else:
            messages.success(request, f"已回退 {household}：{_change_label(change)}。")
            return redirect("assessment:changes")
    last = lifecycle.last_change(household)
    refusal = lifecycle.rollback_refusal(household, last)
    context = {"household": household, "last": last, "refusal": refusal}
    return render(
        request, "assessment/rollback.html", {**context, "error": error, "reason": reason}
    )


def _change_label(change: StatusChange) -> str:
    return f"{change.get_from_status_display()} → {change.get_to_status_display()}"


urlpatterns = [
    path("lift/", lift, name="lift"),
    path("return/", return_households, name="return"),
    path("changes/", changes, name="changes"),
    path("households/<int:pk>/rollback/", rollback, name="rollback"),
]

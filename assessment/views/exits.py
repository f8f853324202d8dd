"""贫困户脱贫情况 (township), 贫困户返贫操作 (county) and 综合回退 (procedure 6)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from households import lifecycle
from households.access import filter_households, get_household_for_user
from households.choices import HouseholdStatus as S
from households.models import Household, StatusChange
from poverty_system import access
from poverty_system.core.errors import ActionError
from poverty_system.roles import MARK_LIFTED, RETURN_TO_POVERTY, VIEW, Role
from poverty_system.rules import roles
from villages.models import Region

from .. import services
from ..criteria import exit_check
from ..pairing import pairings
from ..services.exits import LIFTABLE, RETURNABLE

PER_PAGE = 100
PAGE_SIZES = (100, 500, 1000)  # a township ticks up to 1,000 households in one batch


def _village_choice(request, perm):
    """The village (or township) chosen in the filter, inside the slice; None for all."""
    pk = request.GET.get("region")
    if not pk:
        return None
    region = access.get_region_for_user(request.user, pk, perm)
    return region


def _rows(request, statuses, perm):
    region = _village_choice(request, perm)
    found = filter_households(Household.objects.filter(status__in=statuses), request.user, perm)
    if region is not None:
        lo, hi = region.code_range
        found = found.filter(village_code__gte=lo, village_code__lt=hi)
    found = found.select_related("village").order_by("village_code", "number")
    size = request.GET.get("per_page", "")
    size = int(size) if size.isascii() and size.isdigit() and int(size) in PAGE_SIZES else PER_PAGE
    page = Paginator(found, size).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    checks = exit_check(rows)
    pairs = pairings(rows)
    for row in rows:
        row.check = checks[row.pk]
        row.pairing = pairs[row.pk]
    regions = (
        Region.objects.visible_to(request.user)
        .filter(level__in=["township", "village"])
        .order_by("code")
    )
    page.sizes, page.size = PAGE_SIZES, size
    return page, rows, region, regions


@roles(Role.TOWNSHIP)
def lift(request):
    """贫困户脱贫情况: tick households, press 脱贫 or 脱贫(不再享受政策), write an opinion."""
    error, opinion = None, ""
    if request.method == "POST":
        opinion = request.POST.get("opinion", "")
        try:
            outcome = services.mark_lifted(
                request.actor,
                request.POST.getlist("households"),
                request.POST.get("to", ""),
                opinion,
            )
        except ActionError as exc:
            error = exc
        else:
            return render(
                request,
                "assessment/lift_result.html",
                {
                    "outcome": outcome,
                    "to_label": S(request.POST["to"]).label,
                    "opinion": opinion,
                },
            )
    page, rows, region, regions = _rows(request, LIFTABLE, MARK_LIFTED)
    ticked = set(request.POST.getlist("households")) if request.method == "POST" else set()
    return render(
        request,
        "assessment/lift.html",
        {
            "page": page,
            "rows": rows,
            "region": region,
            "regions": regions,
            "error": error,
            "opinion": opinion,
            "ticked": ticked,
            "year": timezone.localdate().year,
        },
    )


@roles(Role.COUNTY)
def return_households(request):
    """贫困户返贫操作: tick lifted households, choose the reason, confirm."""
    error = None
    form = {
        "reason": request.POST.get("reason", ""),
        "text": request.POST.get("text", "").strip(),
    }
    ticked = request.POST.getlist("households")
    if request.method == "POST":
        try:
            if request.POST.get("confirm") == "1":
                changes = services.return_to_poverty(
                    request.actor, ticked, form["reason"], form["text"]
                )
                messages.success(request, f"已将 {len(changes)} 户标记为返贫。")
                return redirect("assessment:return")
            chosen = _chosen(request, ticked)
            services.exits.return_reason(form["reason"], form["text"])
            if not chosen:
                raise services.AssessmentError("请勾选贫困户。", "households")
            return render(
                request,
                "assessment/return_confirm.html",
                {"chosen": chosen, "form": form, "label": services.RETURN_REASONS[form["reason"]]},
            )
        except ActionError as exc:
            error = exc
    page, rows, region, regions = _rows(request, RETURNABLE, RETURN_TO_POVERTY)
    return render(
        request,
        "assessment/return.html",
        {
            "page": page,
            "rows": rows,
            "region": region,
            "regions": regions,
            "error": error,
            "form": form,
            "reasons": services.RETURN_REASONS,
            "ticked": set(ticked),
        },
    )


def _chosen(request, ticked):
    try:
        ids = {int(pk) for pk in ticked}
    except ValueError:
        ids = set()
    ids = {pk for pk in ids if 0 < pk < 2**63}  # beyond a database integer: no row
    found = filter_households(Household.objects.filter(pk__in=ids), request.user, RETURN_TO_POVERTY)
    return list(found.select_related("village").order_by("village_code", "number"))


ROLLBACK_ROLES = (Role.TOWNSHIP, Role.COUNTY)


@roles(*ROLLBACK_ROLES)
def changes(request):
    """This year's status changes in the slice; the last one of a household may be rolled
    back (综合回退) by an office that marks exits or returns."""
    year = timezone.localdate().year
    later = StatusChange.objects.filter(household=OuterRef("household"), pk__gt=OuterRef("pk"))
    found = StatusChange.objects.filter(year=year).exclude(kind=StatusChange.Kind.SPLIT)
    scope = access.code_filter(request.user, "household__village_code", VIEW)
    if scope is not None:
        found = found.filter(scope)
    found = (
        found.annotate(is_last=~Exists(later.exclude(kind=StatusChange.Kind.SPLIT)))
        .select_related("household__village", "actor")
        .order_by("-at", "-pk")
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for row in rows:
        row.can_rollback = (
            row.is_last
            and row.kind != StatusChange.Kind.ROLLBACK
            and row.household.status == row.to_status
            and lifecycle.may_rollback(request.user, row.household)
        )
    return render(request, "assessment/changes.html", {"page": page, "rows": rows, "year": year})


@roles(*ROLLBACK_ROLES)
def rollback(request, pk):
    household = get_household_for_user(request.user, pk)
    if not lifecycle.may_rollback(request.user, household):
        raise PermissionDenied
    last = lifecycle.last_change(household)
    refusal = lifecycle.rollback_refusal(household, last)
    error, reason = None, ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            change = services.rollback_status(request.actor, household, reason)
        except ActionError as exc:
            error = exc
        else:
            messages.success(
                request,
                f"已回退 {household}：{change.get_from_status_display()} → "
                f"{change.get_to_status_display()}。",
            )
            return redirect("assessment:changes")
    return render(
        request,
        "assessment/rollback.html",
        {
            "household": household,
            "last": last,
            "refusal": refusal,
            "error": error,
            "reason": reason,
        },
    )


urlpatterns = [
    path("lift/", lift, name="lift"),
    path("return/", return_households, name="return"),
    path("changes/", changes, name="changes"),
    path("households/<int:pk>/rollback/", rollback, name="rollback"),
]

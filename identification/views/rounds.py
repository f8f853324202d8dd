"""动态管理 › 年度动态管理: the county office opens its round of a year with a deadline per
step, every office of the county sees its progress per township (overdue steps marked), and
the county seals the year at its close or reopens it with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core import access
from poverty_system.core.dates import current_year
from poverty_system.core.forms import show_error
from poverty_system.core.ids import id_or_404
from poverty_system.core.roles import MANAGE_ROUNDS, OFFICE_ROLES, Role
from poverty_system.core.rules import roles

from .. import rounds as actions
from ..access import filter_rounds
from ..forms import DeadlinesForm, OpenRoundForm, ReopenForm
from ..models import Round
from ..round_progress import progress
from .common import ERRORS

offices = roles(*OFFICE_ROLES)
county_office = roles(Role.COUNTY)


def _own_county(request):
    """The county office's county (None for other accounts)."""
    if not access.role_allows(request.user, MANAGE_ROUNDS):
        return None
    return next((r for r in access.slice_roots(request.user) if r.level == "county"), None)


@offices
def round_list(request, form=None):
    found = filter_rounds(Round.objects.select_related("county"), request.user)
    county = _own_county(request)
    if county is not None and form is None:
        form = OpenRoundForm(initial={"year": current_year()})
    return render(
        request,
        "identification/rounds.html",
        {"rounds": found.order_by("-year", "county_code"), "county": county, "form": form},
    )


@require_POST
@county_office
def round_open(request):
    county = _own_county(request)
    form = OpenRoundForm(request.POST)
    if county is None or not form.is_valid():
        return round_list(request, form=form)
    try:
        opened = actions.open_round(
            request.actor, county, form.cleaned_data["year"], form.cleaned_data
        )
    except ERRORS as exc:
        show_error(form, exc)
        return round_list(request, form=form)
    messages.success(request, f"已开启{opened.year}年度动态管理。")
    return redirect("identification:round", pk=opened.pk)


def _round(request, pk):
    return get_object_or_404(
        filter_rounds(Round.objects.select_related("county"), request.user), pk=id_or_404(pk)
    )


@offices
def round_detail(request, pk, form=None, reopen_form=None):
    found = _round(request, pk)
    manages = access.has_region_perm(request.user, MANAGE_ROUNDS, found.county)
    rows = progress(found, request.user)
    return render(
        request,
        "identification/round.html",
        {
            "round": found,
            "rows": rows,
            "manages": manages,
            "form": form or DeadlinesForm(instance=found),
            "reopen_form": reopen_form or ReopenForm(initial={"version": found.version}),
            "events": found.events.select_related("actor").order_by("at", "pk"),
            "deadlines": [(label, getattr(found, n)) for n, label in actions.STEP_LABELS.items()],
        },
    )


@require_POST
@county_office
def round_deadlines(request, pk):
    found = _round(request, pk)
    form = DeadlinesForm(request.POST, instance=found)
    if not form.is_valid():
        return round_detail(request, pk, form=form)
    try:
        actions.change_deadlines(
            request.actor, found.pk, form.cleaned_data, version=request.POST.get("version")
        )
    except ERRORS as exc:
        show_error(form, exc)
        return round_detail(request, pk, form=form)
    messages.success(request, "截止日期已保存。")
    return redirect("identification:round", pk=found.pk)


@require_POST
@county_office
def round_seal(request, pk):
    found = _round(request, pk)
    try:
        actions.seal(request.actor, found.pk, version=request.POST.get("version"))
    except ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{found.year}年度数据已封存。")
    return redirect("identification:round", pk=found.pk)


@require_POST
@county_office
def round_reopen(request, pk):
    found = _round(request, pk)
    form = ReopenForm(request.POST)
    try:
        actions.reopen(
            request.actor,
            found.pk,
            request.POST.get("reason", ""),
            version=request.POST.get("version"),
        )
    except ERRORS as exc:
        show_error(form, exc)
        return round_detail(request, pk, reopen_form=form)
    messages.success(request, f"已重新开启{found.year}年度，修改后请再次封存。")
    return redirect("identification:round", pk=found.pk)


urlpatterns = [
    path("rounds/", round_list, name="rounds"),
    path("rounds/open/", round_open, name="round_open"),
    path("rounds/<int:pk>/", round_detail, name="round"),
    path("rounds/<int:pk>/deadlines/", round_deadlines, name="round_deadlines"),
    path("rounds/<int:pk>/seal/", round_seal, name="round_seal"),
    path("rounds/<int:pk>/reopen/", round_reopen, name="round_reopen"),
]

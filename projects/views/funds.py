"""扶贫资金管理 (到账, 安排, 下拨, 结余) and 扶贫资金查询 (汇总, 到账, 下拨): the ledger's
movements and the balances computed from them, by region, year and source, exportable."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core.ids import parse_id
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import clock, listing, sheets
from ..choices import MovementKind as M
from ..choices import Source
from ..export import audited_xlsx_response
from ..forms import MovementForm
from ..services import funds as actions
from .common import EDIT_ERRORS, fund_readers, show_error

MOVEMENT_FIELDS = ("kind", "source", "amount", "date", "doc_number", "note", "project")
TITLES = {M.RECEIVED: "扶贫资金到账", M.ARRANGED: "扶贫资金安排", M.DISBURSED: "扶贫资金下拨"}


@fund_readers
def summary(request):
    found = listing.fund_summary(request.user, request.GET)
    if request.GET.get("format") == "xlsx":
        header, rows = listing.summary_sheet(found["rows"])
        return audited_xlsx_response(
            request.actor,
            {"what": "扶贫资金汇总查询"},
            "扶贫资金汇总.xlsx",
            "扶贫资金汇总",
            header,
            rows,
        )
    return render(request, "projects/fund_summary.html", found)


def _ledger(kind, title):
    @fund_readers
    def view(request):
        found, filters = listing.movements(request.user, request.GET)
        found = found.filter(kind=kind).select_related("account", "project")
        if request.GET.get("format") == "xlsx":
            rows = sheets.ledger_rows(found)
            return audited_xlsx_response(
                request.actor,
                {"what": title},
                f"{title}.xlsx",
                title,
                sheets.ledger_columns(),
                rows,
            )
        context = {
            "title": title,
            "page": listing.ledger_page(found, request.GET.get("page")),
            "filters": filters,
            "sources": Source.choices,
            "can_reverse": bool(listing.recording_county(request.user)),
            "kind": kind,
        }
        return render(request, "projects/movements.html", context)

    return view


@fund_readers
def ledger_list(request):
    """扶贫资金台账: every movement of the filters (the statistics link here), its count and
    sum, exportable with the same filters."""
    found, filters = listing.movements(request.user, request.GET)
    if request.GET.get("format") == "xlsx":
        rows = sheets.ledger_rows(found)
        return audited_xlsx_response(
            request.actor,
            {"what": "扶贫资金台账", **filters},
            "扶贫资金台账.xlsx",
            "扶贫资金台账",
            sheets.ledger_columns(),
            rows,
        )
    context = {
        "title": "扶贫资金台账",
        "page": listing.ledger_page(
            found.select_related("account", "project"), request.GET.get("page")
        ),
        "filters": filters,
        "sources": Source.choices,
        "totals": listing.ledger_totals(found),
        "kinds": M.choices,
    }
    return render(request, "projects/movements.html", context)


@fund_readers
def balances(request):
    """扶贫资金结余: each account's 可安排 and 结余 with its age, flagged at 24 months."""
    context = {"rows": listing.balances(request.user), "idle_months": clock.rule("idle_months")}
    return render(request, "projects/balances.html", context)


def _add(preset=None):
    @roles(Role.COUNTY)
    def view(request):
        return add(request, preset)

    return view


def add(request, preset=None):
    county = listing.recording_county(request.user)
    kind = preset or request.GET.get("kind")
    project = parse_id(request.GET.get("project")) if request.method == "GET" else None
    form = MovementForm(
        request.POST or None, county=county, initial={"kind": kind, "project": project}
    )
    if request.method == "POST" and form.is_valid() and county is not None:
        data = {name: form.cleaned_data[name] for name in MOVEMENT_FIELDS}
        try:
            movement = actions.record(request.actor, county, **data)
        except EDIT_ERRORS as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已记录{movement.get_kind_display()} {movement.amount} 元。")
            if movement.project_id:
                return redirect("projects:project", pk=movement.project_id)
            return redirect("projects:fund_received")
    context = {"form": form, "county": county, "title": TITLES.get(preset, "录入资金")}
    return render(request, "projects/movement_form.html", context)


@roles(Role.COUNTY)
@require_POST
def reverse(request, pk):
    try:
        movement = actions.reverse(request.actor, pk, request.POST.get("note", ""))
    except EDIT_ERRORS as exc:
        messages.error(request, f"冲正未完成：{exc.message}")
    else:
        messages.success(request, f"已冲正 {-movement.amount} 元。")
    return redirect(
        request.POST.get("next")
        if request.POST.get("next", "").startswith("/projects/")
        else "projects:fund_summary"
    )


urlpatterns = [
    path("funds/", summary, name="fund_summary"),
    path("funds/received/", _ledger(M.RECEIVED, "扶贫资金到账查询"), name="fund_received"),
    path("funds/disbursed/", _ledger(M.DISBURSED, "扶贫资金下拨查询"), name="fund_disbursed"),
    path("funds/arranged/", _ledger(M.ARRANGED, "扶贫资金安排"), name="fund_arranged"),
    path("funds/balances/", balances, name="fund_balances"),
    path("funds/ledger/", ledger_list, name="fund_ledger"),
    path("funds/add/", _add(), name="fund_add"),
    path("funds/receive/", _add(M.RECEIVED), name="fund_receive"),
    path("funds/arrange/", _add(M.ARRANGED), name="fund_arrange"),
    path("funds/disburse/", _add(M.DISBURSED), name="fund_disburse"),
    path("funds/<int:pk>/reverse/", reverse, name="fund_reverse"),
]

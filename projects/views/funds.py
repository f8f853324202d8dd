"""扶贫资金管理 (到账, 安排, 下拨, 结余) and 扶贫资金查询 (汇总, 到账, 下拨): the ledger's
movements and the balances computed from them, by region, year and source, exportable."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.db.models.functions import Substr
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from poverty_system.core import access as core_access
from poverty_system.core import audit
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import clock, ledger
from ..access import READ_FUNDS, RECORD_FUNDS, filter_by_slice, may
from ..choices import MovementKind as M
from ..choices import Source
from ..export import xlsx_response
from ..forms import MovementForm
from ..models import FundAccount, FundMovement
from ..services import funds as actions
from .common import EDIT_ERRORS, PER_PAGE, fund_readers, int_or_none, show_error

LEVEL_DIGITS = {"county": 6, "township": 9, "village": 12}


def _movements(request):
    found = filter_by_slice(FundMovement.objects.all(), request.user, READ_FUNDS)
    year, source = int_or_none(request.GET.get("year")), request.GET.get("source")
    if year:
        found = found.filter(year=year)
    if source in Source.values:
        found = found.filter(account__source=source)
    return found, {"year": year or "", "source": source}


def _county_of(user):
    regions = [r for r in core_access.regions_with(user) if r.level == "county"]
    return regions[0] if len(regions) == 1 and may(user, RECORD_FUNDS, regions[0].code) else None


@fund_readers
def summary(request):
    found, filters = _movements(request)
    level = request.GET.get("by") if request.GET.get("by") in LEVEL_DIGITS else "county"
    found = found.annotate(area=Substr("region_code", 1, LEVEL_DIGITS[level]))
    rows = ledger.summary(found.annotate(src=F("account__source")), "area")
    by_source = ledger.summary(found.annotate(src=F("account__source")), "src")
    from villages.models import Region

    names = dict(
        Region.objects.filter(code__in=[r["area"] for r in rows]).values_list("code", "name")
    )
    for row in rows:
        row["name"] = names.get(row["area"], row["area"])
    for row in by_source:
        row["name"] = Source(row["src"]).label
    if request.GET.get("format") == "xlsx":
        audit.record(request.actor, audit.EXPORT, detail={"what": "扶贫资金汇总查询"})
        return xlsx_response(
            "扶贫资金汇总.xlsx",
            "扶贫资金汇总",
            [
                "区域",
                "到账",
                "退回",
                "安排",
                "拨付",
                "支出",
                "报账",
                "可安排",
                "待拨",
                "支出进度（%）",
            ],
            [
                [
                    r["name"],
                    r[M.RECEIVED],
                    r[M.RETURNED],
                    r[M.ARRANGED],
                    r[M.DISBURSED],
                    r[M.SPENT],
                    r[M.SETTLED],
                    r["available"],
                    r["to_disburse"],
                    r["progress"],
                ]
                for r in rows
            ],
        )
    return render(
        request,
        "projects/fund_summary.html",
        {
            "rows": rows,
            "by_source": by_source,
            "filters": filters,
            "sources": Source.choices,
            "by": level,
            "levels": [("county", "按县"), ("township", "按乡镇"), ("village", "按村")],
        },
    )


def _ledger(kind, title):
    @fund_readers
    def view(request):
        found, filters = _movements(request)
        found = found.filter(kind=kind).select_related("account", "project")
        if request.GET.get("format") == "xlsx":
            audit.record(request.actor, audit.EXPORT, detail={"what": title})
            return xlsx_response(
                f"{title}.xlsx",
                title,
                ["日期", "资金来源", "项目编号", "项目名称", "金额（元）", "文号/凭证号", "摘要"],
                [
                    [
                        m.date,
                        m.account.get_source_display(),
                        m.project.number if m.project else "",
                        m.project.name if m.project else "",
                        m.amount,
                        m.doc_number,
                        m.note,
                    ]
                    for m in found.order_by("date", "pk").iterator()
                ],
            )
        page = Paginator(found.order_by("-date", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "projects/movements.html",
            {
                "title": title,
                "page": page,
                "filters": filters,
                "sources": Source.choices,
                "can_reverse": bool(_county_of(request.user)),
            },
        )

    return view


@fund_readers
def balances(request):
    """扶贫资金结余: each account's 可安排 and 结余 with its age, flagged at 24 months."""
    accounts = filter_by_slice(FundAccount.objects.all(), request.user, READ_FUNDS, "county_code")
    today = timezone.localdate()
    rows = []
    for account in accounts.select_related("county").order_by("county_code", "source"):
        totals = ledger.account_totals(account)
        balance, age = ledger.idle_age(account, today)
        rows.append(
            {
                "account": account,
                "totals": totals,
                "balance": balance,
                "age": age,
                "idle": age is not None and age >= clock.rule("idle_months"),
            }
        )
    return render(
        request, "projects/balances.html", {"rows": rows, "idle_months": clock.rule("idle_months")}
    )


def _add(preset=None):
    @roles(Role.COUNTY)
    def view(request):
        return add(request, preset)

    return view


def add(request, preset=None):
    county = _county_of(request.user)
    kind = preset or request.GET.get("kind")
    project = int_or_none(request.GET.get("project")) if request.method == "GET" else None
    form = MovementForm(
        request.POST or None, county=county, initial={"kind": kind, "project": project}
    )
    if request.method == "POST" and form.is_valid() and county is not None:
        data = form.cleaned_data
        try:
            movement = actions.record(
                request.actor,
                county,
                kind=data["kind"],
                source=data["source"],
                amount=data["amount"],
                date=data["date"],
                doc_number=data["doc_number"],
                note=data["note"],
                project=data["project"],
            )
        except EDIT_ERRORS as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已记录{movement.get_kind_display()} {movement.amount} 元。")
            if movement.project_id:
                return redirect("projects:project", pk=movement.project_id)
            return redirect("projects:fund_received")
    title = {M.RECEIVED: "扶贫资金到账", M.ARRANGED: "扶贫资金安排", M.DISBURSED: "扶贫资金下拨"}
    return render(
        request,
        "projects/movement_form.html",
        {"form": form, "county": county, "title": title.get(preset, "录入资金")},
    )


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
    path("funds/add/", _add(), name="fund_add"),
    path("funds/receive/", _add(M.RECEIVED), name="fund_receive"),
    path("funds/arrange/", _add(M.ARRANGED), name="fund_arrange"),
    path("funds/disburse/", _add(M.DISBURSED), name="fund_disburse"),
    path("funds/<int:pk>/reverse/", reverse, name="fund_reverse"),
]

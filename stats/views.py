"""统计: the slice's statistics by child region with drill-down to the village, for today or
a past year-end; every number links to the household list that it counts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from households import asof, listing
from households.filters import year_choices
from poverty_system.core import access, audit
from poverty_system.core.dates import current_year
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from . import charts, export, figures
from .access import READ_STATISTICS

TABS = [
    ("status", "按状态"),
    ("attribute", "按贫困户属性"),
    ("cause", "按主要致贫原因"),
    ("standard", "按识别标准"),
    ("events", "年度变动"),
    ("pairing", "结对帮扶"),
    ("plan", "脱贫规模"),
]
BUSY_DEFAULT = 5  # 帮扶干部 with more households than this are listed (?over= changes it)


def _year(value) -> int | None:
    valid = {value for value, _ in year_choices() if value}
    return int(value) if value in valid else None


def _over(value) -> int:
    try:
        return min(max(int(value), 1), 1000)
    except (TypeError, ValueError):
        return BUSY_DEFAULT


def _list_url(params: dict[str, Any]) -> str:
    return reverse("households:view") + "?" + urlencode(params)


def _link(grid: figures.Grid, region) -> None:
    """Each number's list URL; the total row's lists are narrowed to the page's region."""
    for row in [*grid.rows, grid.total]:
        for cell in [*row.cells, row.total]:
            params = dict(cell.params)
            if params and region is not None:
                params.setdefault("region", region.pk)
            cell.url = _list_url(params) if params else ""  # type: ignore[attr-defined]


@roles(Role.CITY, Role.COUNTY)
def index(request):
    user = request.user
    nav = listing.region_nav(user, request.GET.get("region"))  # 404 outside the slice
    region = nav.current if nav.chosen else None
    for root in [nav.current] if nav.current is not None else nav.children:
        if not access.has_region_perm(user, READ_STATISTICS, root):
            raise PermissionDenied
    year = _year(request.GET.get("year", ""))
    tab = request.GET.get("table", "status")
    if tab not in dict(TABS):
        tab = "status"
    children = nav.children or ([nav.current] if nav.current is not None else [])
    households = listing.scoped_households(user, region)
    this_year = current_year()
    event_year = year or this_year
    context: dict[str, Any] = {"tab": tab, "year": year, "event_year": event_year}
    chart = None
    grid = None
    if tab in figures.TABLES:
        grid = figures.grid(figures.TABLES[tab], households, children, year)
        if tab == "status":
            chart = charts.stacked_bars(
                "状态（户数）",
                [(r.label, [c.households for c in r.cells]) for r in grid.rows],
                [label for _, label in grid.columns],
            )
        elif tab == "cause":
            chart = charts.bars(
                "主要致贫原因（户数）",
                [
                    (label, c.households)
                    for (_, label), c in zip(grid.columns, grid.total.cells, strict=True)
                ],
            )
    elif tab == "events":
        grid = figures.events(households, children, event_year)
        chart = charts.line("历年脱贫户数", figures.exits_per_year(households, this_year))
    elif tab == "pairing":
        grid = figures.pairing(households, children)
        chart = charts.bars(
            "结对帮扶缺口（户数）",
            [
                (label, c.households)
                for (_, label), c in zip(grid.columns, grid.total.cells, strict=True)
            ],
        )
        over = _over(request.GET.get("over"))
        context["over"] = over
        context["busy"] = figures.busy_cadres(households, over)
    else:
        context["plan"] = figures.plan_progress(households, children, event_year)
        for row in context["plan"]:
            row["url"] = _list_url(row["params"])
    if grid is not None:
        _link(grid, region)
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, nav, tab, grid, context, year)
    base = {"region": region.pk} if region is not None else {}
    keep = {**({"year": year} if year else {}), "table": tab}
    context.update(
        {
            "nav": nav,
            "region": region,
            "grid": grid,
            "chart": chart,
            "tabs": [
                (key, label, "?" + urlencode({**base, **keep, "table": key})) for key, label in TABS
            ],
            "years": year_choices(),
            "path": [(n, "?" + urlencode({"region": n.pk, **keep})) for n in nav.path],
            "drill": {c.pk: "?" + urlencode({"region": c.pk, **keep}) for c in nav.children},
            "export_url": "?" + urlencode({**base, **keep, "format": "xlsx"}),
            "as_of": f"{year}年底" if year else f"当前（{timezone.localdate():%Y-%m-%d}）",
            "first_year": asof.FIRST_YEAR,
        }
    )
    return render(request, "stats/index.html", context)


def _xlsx(request, nav, tab, grid, context, year) -> HttpResponse:
    where = nav.current.name if nav.current is not None else "全部"
    title = f"{where} {dict(TABS)[tab]} {year or '当前'}"
    if grid is not None:
        header = ["区域"]
        for _, label in grid.columns:
            header += [f"{label}户数", f"{label}人数"]
        rows = []
        for row in [*grid.rows, grid.total]:
            line: list[Any] = [row.label]
            for cell in row.cells:
                line += [cell.households, cell.people]
            rows.append(line)
    else:
        header = ["区域", "计划脱贫人口", "已脱贫户数", "已脱贫人口", "完成比例（%）"]
        rows = [
            [r["region"].name, r["planned"], r["households"], r["people"], r["percent"]]
            for r in context["plan"]
        ]
    audit.record(
        request.actor,
        audit.EXPORT,
        region_code=nav.current.code if nav.current is not None else "",
        detail={"what": "统计", "table": tab, "year": year},
    )
    response = HttpResponse(
        export.workbook(title, header, rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename=statistics.xlsx"
    return response

"""What the 统计 page reads: the region of ?region= checked through the access layer, the
table of the chosen tab (with its chart) over the slice's households, every number linked
to the household list it counts, the page's links and the table as an Excel sheet, so that
the view only parses, calls and renders (the shape of households/listing.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from households import asof
from households import listing as households_listing
from households.filters import year_choices
from poverty_system.core.dates import current_year
from villages.models import Region

from . import charts, figures, monitoring, people
from .access import READ_STATISTICS

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

TABS = [
    ("status", "按状态"),
    ("attribute", "按贫困户属性"),
    ("cause", "按主要致贫原因"),
    ("standard", "按识别标准"),
    ("health", "按健康状况"),
    ("labour", "按劳动技能"),
    ("school", "按在校生状况"),
    ("villages", "贫困村"),
    ("incidence", "贫困发生率"),
    ("events", "年度变动"),
    ("pairing", "结对帮扶"),
    ("plan", "脱贫规模"),
    ("monitoring", "防止返贫监测"),
]
BUSY_DEFAULT = 5  # 帮扶干部 with more households than this are listed (?over= changes it)


def chosen_year(value: Any) -> int | None:
    """The year-end of ?year= when it is one of the years offered, else None (today)."""
    valid = {value for value, _ in year_choices() if value}
    return int(value) if value in valid else None


def chosen_tab(value: Any) -> str:
    return value if value in dict(TABS) else "status"


def busy_over(value: Any) -> int:
    try:
        return min(max(int(value), 1), 1000)
    except (TypeError, ValueError):
        return BUSY_DEFAULT


def region_nav(user: AnyUser, region: str | None) -> tuple[Any, Region | None]:
    """The region of ?region= (404 outside the slice), its tree and the chosen region;
    403 without READ_STATISTICS there."""
    return households_listing.region_nav_for(user, region, READ_STATISTICS)


def _list_url(params: dict[str, Any], name: str = "households:view") -> str:
    return reverse(name) + "?" + urlencode(params)


def _link(grid: figures.Grid, region: Region | None) -> None:
    """Each number's list URL (the household list, or the member list for the people's
    tables); the total row's lists are narrowed to the page's region."""
    for row in [*grid.rows, grid.total]:
        for cell in [*row.cells, row.total]:
            params = dict(cell.params)
            linked = bool(params or grid.unit)
            if region is not None and linked:
                params.setdefault("region", region.pk)
            cell.url = _list_url(params, grid.list_name) if linked else ""  # type: ignore[attr-defined]


def _total_bars(title: str, grid: figures.Grid) -> Any:
    """A bar chart of the total row: one bar per column."""
    cells = zip(grid.columns, grid.total.cells, strict=True)
    return charts.bars(title, [(label, c.households) for (_, label), c in cells])


def _chart(tab: str, grid: figures.Grid) -> Any:
    if tab == "status":
        return charts.stacked_bars(
            "状态（户数）",
            [(r.label, [c.households for c in r.cells]) for r in grid.rows],
            [label for _, label in grid.columns],
        )
    if tab == "cause":
        return _total_bars("主要致贫原因（户数）", grid)
    return None


def _poor_villages(user: AnyUser, region: Region | None) -> Any:
    """贫困村信息 the account reads (管理贫困村信息's own scope), narrowed to the region."""
    from assessment.listing import visible_records

    records = visible_records(user)  # type: ignore[arg-type]
    if region is not None:
        lo, hi = region.code_range
        records = records.filter(village_code__gte=lo, village_code__lt=hi)
    return records


def table(
    user: AnyUser, nav: Any, region: Region | None, tab: str, year: int | None, over: Any
) -> dict[str, Any]:
    """The chosen tab over the slice's households (narrowed to the region) by child region:
    its grid (or the plan rows), its chart, and for 结对帮扶 the busy cadres."""
    children = nav.children or ([nav.current] if nav.current is not None else [])
    households = households_listing.scoped_households(user, region)
    event_year = year or current_year()
    found: dict[str, Any] = {"tab": tab, "year": year, "event_year": event_year}
    grid = chart = None
    if tab in figures.TABLES:
        grid = figures.grid(figures.TABLES[tab], households, children, year)
        chart = _chart(tab, grid)
    elif tab in people.MEMBER_TABLES:
        grid = people.grid(people.MEMBER_TABLES[tab], households, children, year)
        chart = _total_bars(grid.title, grid)
    elif tab == "incidence":
        found["incidence"] = figures.incidence(households, children, year)
        for row in found["incidence"]:
            row["url"] = _list_url(
                {**row["params"], **({"region": region.pk} if region and not row["region"] else {})}
            )
    elif tab == "villages":
        grid = figures.poor_villages(_poor_villages(user, region), children, event_year)
    elif tab == "events":
        grid = figures.events(households, children, event_year)
        chart = charts.line("历年脱贫户数", figures.exits_per_year(households, current_year()))
    elif tab == "monitoring":
        found["grids"] = monitoring.grids(user, region, children)  # today's, whatever year
    elif tab == "pairing":
        grid = figures.pairing(households, children)
        chart = _total_bars("结对帮扶缺口（户数）", grid)
        found["over"] = busy_over(over)
        found["busy"] = figures.busy_cadres(households, found["over"])
    else:
        found["plan"] = figures.plan_progress(households, children, event_year)
        for row in found["plan"]:
            row["url"] = _list_url(row["params"])
    if grid is not None:
        _link(grid, region)
    return {**found, "grid": grid, "chart": chart}


def page_links(nav: Any, region: Region | None, tab: str, year: int | None) -> dict[str, Any]:
    """The tabs, the path and the drill-down links keeping the year and the tab, the export
    link and the time the figures stand at."""
    base = {"region": region.pk} if region is not None else {}
    keep = {**({"year": year} if year else {}), "table": tab}
    return {
        "nav": nav,
        "region": region,
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


def sheet(nav: Any, found: dict[str, Any]) -> tuple[str, list[str], list[list[Any]]]:
    """The table of the page as an Excel sheet: its title, header and rows (households and
    people per column; for 脱贫规模 the plan against the exits)."""
    where = nav.current.name if nav.current is not None else "全部"
    tab, year, grid = found["tab"], found["year"], found["grid"]
    title = f"{where} {dict(TABS)[tab]} {year or '当前'}"
    if "grids" in found:  # 防止返贫监测: its tables one under the other, a number a line
        header = ["统计表", "区域", "项目", "数量"]
        rows = [
            [g.title, row.label, label, cell.households]
            for g in found["grids"]
            for row in [*g.rows, g.total]
            for (_, label), cell in [
                *zip(g.columns, row.cells, strict=True),
                (("", "合计"), row.total),
            ]
        ]
        return title, header, rows
    if "incidence" in found:
        header = [
            "区域",
            "村数",
            "已填农村人口村数",
            "农村人口",
            "贫困户数",
            "贫困人口",
            "贫困发生率（%）",
        ]
        rows = [
            [r["label"], r["villages"], r["filled"], r["population"] if r["filled"] else None]
            + [
                r["households"],
                r["people"],
                r["incidence"] if r["incidence"] is not None else "未填写",
            ]
            for r in found["incidence"]
        ]
        return title, header, rows
    if grid is None:
        header = ["区域", "计划脱贫人口", "已脱贫户数", "已脱贫人口", "完成比例（%）"]
        rows = [
            [r["region"].name, r["planned"], r["households"], r["people"], r["percent"]]
            for r in found["plan"]
        ]
        return title, header, rows
    header = ["区域"]
    rows = []
    if grid.unit:  # one number per column (people, villages), then in all
        header += [f"{label}{grid.unit}" for _, label in grid.columns] + [f"合计{grid.unit}"]
        for row in [*grid.rows, grid.total]:
            rows.append([row.label, *(c.households for c in row.cells), row.total.households])
        return title, header, rows
    for _, label in grid.columns:
        header += [f"{label}户数", f"{label}人数"]
    for row in [*grid.rows, grid.total]:
        line: list[Any] = [row.label]
        for cell in row.cells:
            line += [cell.households, cell.people]
        rows.append(line)
    return title, header, rows


def member_list(user: AnyUser, nav: Any, region: Region | None, query: Any) -> dict[str, Any]:
    """家庭成员 of the slice (narrowed to the region) that one statistics cell counts: one
    page of them with masked ID numbers, the conditions in words, and the page links."""
    choice = people.chosen(query, chosen_year(query.get("year", "")))
    members = people.listed(households_listing.scoped_households(user, region), choice)
    page, rows = people.page(members, choice, households_listing.parse_page(query.get("page")))
    keep = {**({"region": region.pk} if region is not None else {}), **choice.params()}
    conditions = [f"{choice.year}年底" if choice.year else "当前"]
    for key, value in choice.values.items():
        table = people.MEMBER_TABLES[key]
        conditions.append(f"{table.label}：{dict(table.choices)[value]}")
    if choice.out:
        conditions.append(people.OUT_LABEL + "（非在校生或失学辍学）")
    back = {k: v for k, v in keep.items() if k in ("region", "year")}
    return {
        "nav": nav,
        "region": region,
        "page": page,
        "rows": rows,
        "total": page.paginator.count,
        "conditions": conditions,
        "page_prefix": "?" + urlencode({**keep, "page": ""}),
        "back_url": reverse("stats:index") + "?" + urlencode(back),
    }

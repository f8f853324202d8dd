"""统计 › 防止返贫监测: the slice's leads and monitored households by child region, each grid
one grouped query with a conditional count per column, counted with the lists' own filters
(the inbox's monitoring.listing.apply, the 监测对象 filters of monitoring.listfilters), so
every number equals the list it links to with the same parameters, narrowed to the row's
region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from monitoring import listfilters as lf
from monitoring import listing as inbox
from monitoring import monitored_listing
from monitoring.access import filter_rows
from monitoring.choices import Category, Channel, LeadState, MonitorState, RiskKind
from monitoring.models import Lead, Monitored
from villages.models import Region

from .figures import Cell, Grid, Row, child_key

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

# The lists the numbers open (the first name that resolves): the inbox and 监测对象.
LEAD_LISTS = ("monitoring:leads",)
MONITORED_LISTS = ("monitoring:monitored_list",)
UNLINKED = ("decided", "rolled_back")  # a share, and a count the lists have no filter for


def list_url(names: tuple[str, ...], params: dict[str, Any]) -> str:
    for name in names:
        try:
            return reverse(name) + ("?" + urlencode(params) if params else "")
        except NoReverseMatch:
            continue
    return ""


def _within(region: Region | None) -> Q:
    if region is None:
        return Q()
    lo, hi = region.code_range
    return Q(village_code__gte=lo, village_code__lt=hi)


def leads_of(user: AnyUser, region: Region | None) -> QuerySet[Lead]:
    """The leads the inbox shows the account, narrowed to the region."""
    return filter_rows(Lead.objects.all(), user).filter(_within(region))


def monitored_of(user: AnyUser, region: Region | None) -> QuerySet[Monitored]:
    return filter_rows(Monitored.objects.all(), user).filter(_within(region))


Column = tuple[str, str, dict[str, str]]


def _condition(is_lead: bool, params: dict[str, str], today: Any) -> Q:
    """The list's own filter for a column's parameters, as a condition on the row (the rows
    are already the account's slice narrowed to the region, as the list's are)."""
    if not is_lead:
        if "rolled_back" in params:
            return lf.rolled_back_q()
        return monitored_listing.monitored_q(params)
    if "decided" in params:  # 按期办结: a share, not a list
        return lf.decided_q({"in_time": True, "late": False}.get(params["decided"]))
    return inbox.lead_q(inbox.Filters.parse(params), today)


def _counted(
    rows_qs: QuerySet[Any], children: list[Region], specs: list[tuple[list[Column], dict[str, str]]]
) -> dict[str, dict[str, int]]:
    """One grouped query for every grid over the same rows: per child region, a conditional
    count per column (c{grid}_{column}) and per grid total (t{grid})."""
    today = timezone.localdate()
    is_lead = rows_qs.model is Lead
    annotations: dict[str, Any] = {}
    for g, (columns, total) in enumerate(specs):
        for i, (_, _, p) in enumerate(columns):
            annotations[f"c{g}_{i}"] = Count("pk", filter=_condition(is_lead, p, today))
        annotations[f"t{g}"] = Count("pk", filter=_condition(is_lead, total, today))
    source = lf.with_decided_on(rows_qs) if is_lead else rows_qs
    return {
        row["_key"]: row
        for row in source.order_by()
        .annotate(_key=child_key(children))
        .values("_key")
        .annotate(**annotations)
    }


def _grid(
    title: str,
    grouped: dict[str, dict[str, int]],
    g: int,
    children: list[Region],
    columns: list[Column],
    total: dict[str, str],
    unit: str,
    lists: tuple[str, ...],
    region: Region | None,
) -> Grid:
    """Grid number `g` of the counts (_counted): per child region a count per column (its
    parameters' filter) and the row's total (the total's parameters); each number with its
    list's URL."""
    here = {"region": region.pk} if region is not None else {}
    sums = [Cell(0, 0, {**p, **here}) for _, _, p in columns]
    grand = Cell(0, 0, {**total, **here})
    rows = []
    for child in children:
        found = grouped.get(child.code, {})
        cells = [
            Cell(found.get(f"c{g}_{i}", 0), 0, {**p, "region": child.pk})
            for i, (_, _, p) in enumerate(columns)
        ]
        row_total = Cell(found.get(f"t{g}", 0), 0, {**total, "region": child.pk})
        for s, c in zip(sums, cells, strict=True):
            s.households += c.households
        grand.households += row_total.households
        rows.append(Row(child, cells, row_total))
    grid = Grid(title, [(k, label) for k, label, _ in columns], rows, Row(None, sums, grand))
    grid.unit = unit
    for row in [*grid.rows, grid.total]:
        for cell in [*row.cells, row.total]:
            linked = not any(k in cell.params for k in UNLINKED)
            cell.url = list_url(lists, cell.params) if linked else ""  # type: ignore[attr-defined]
    return grid


def grids(user: AnyUser, region: Region | None, children: list[Region]) -> list[Grid]:
    """The tab's grids: leads by channel, by state, the pending by age and overdue, decided
    in time; monitored households by category and state, by risk. The lead grids are one
    grouped query over the leads, the monitored ones one over the monitored rows."""
    year = timezone.localdate().year
    lead_grids: list[tuple[str, list[Column], dict[str, str]]] = [
        (
            "监测线索·按来源渠道（条，合并的线索按每个来源计）",
            [(c, label, {"channel": c}) for c, label in Channel.choices],
            {},
        ),
        (
            "监测线索·按办理结果（条）",
            [(s, label, {"state": s}) for s, label in LeadState.choices],
            {},
        ),
        (
            "未办结线索·按受理时长（条）",
            [
                *(
                    (a, label, {"state": inbox.ACTIVE, "age": a})
                    for a, (label, _, _) in inbox.AGES.items()
                ),
                ("overdue", "其中逾期", {"state": inbox.ACTIVE, "overdue": "1"}),
            ],
            {"state": inbox.ACTIVE},
        ),
        (
            "已办结线索·按期办结（条，识别办结期限内办结；占比见右）",
            [
                (LeadState.ADMITTED, "纳入监测", {"state": LeadState.ADMITTED}),
                (LeadState.REJECTED, "不纳入", {"state": LeadState.REJECTED}),
                ("in_time", "按期办结", {"decided": "in_time"}),
            ],
            {"decided": "all"},
        ),
    ]
    monitored_grids: list[tuple[str, list[Column], dict[str, str]]] = [
        (
            "监测对象·按类别（户，风险未消除）",
            [
                (c, label, {"category": c, "state": MonitorState.MONITORED})
                for c, label in Category.choices
            ],
            {"state": MonitorState.MONITORED},
        ),
        (
            "监测对象·按状态（户）",
            [
                *((k, label, {"state": k}) for k, label in MonitorState.choices),
                ("year", f"其中{year}年风险消除", {"eliminated": str(year)}),
                ("rolled_back", "曾风险消除回退", {"rolled_back": "1"}),
            ],
            {},
        ),
        (
            "监测对象·按风险类型（户，风险未消除；一户可有多项）",
            [
                (k, label, {"risk": k, "state": MonitorState.MONITORED})
                for k, label in RiskKind.choices
            ],
            {"state": MonitorState.MONITORED},
        ),
    ]
    found = []
    for rows_qs, specs, unit, lists in (
        (leads_of(user, region), lead_grids, "条", LEAD_LISTS),
        (monitored_of(user, region), monitored_grids, "户", MONITORED_LISTS),
    ):
        grouped = _counted(rows_qs, children, [(columns, total) for _, columns, total in specs])
        for g, (title, columns, total) in enumerate(specs):
            found.append(_grid(title, grouped, g, children, columns, total, unit, lists, region))
    for grid in found:
        for row in [*grid.rows, grid.total]:
            share = None
            if grid.columns[-1][0] == "in_time" and row.total.households:
                share = round(100 * row.cells[-1].households / row.total.households, 1)
            row.share = share  # type: ignore[attr-defined]
    return found

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


def _grid(
    user: AnyUser,
    title: str,
    rows_qs: QuerySet[Any],
    children: list[Region],
    columns: list[tuple[str, str, dict[str, str]]],
    total: dict[str, str],
    unit: str,
    lists: tuple[str, ...],
    region: Region | None,
) -> Grid:
    """One grouped query: per child region, a count per column (its parameters' filter) and
    the row's total (the total's parameters); each number with its list's URL."""
    today = timezone.localdate()
    is_lead = rows_qs.model is Lead

    def q(params: dict[str, str]) -> Q:
        if not is_lead:
            if "rolled_back" in params:
                return lf.rolled_back_q()
            rows = monitored_listing.filtered(user, params)
            return Q(pk__in=rows.values("pk")) if params else Q()
        if "decided" in params:  # 按期办结: a share, not a list
            return lf.decided_q({"in_time": True, "late": False}.get(params["decided"]))
        chosen = inbox.apply(Lead.objects.all(), inbox.Filters.parse(params), today)
        return Q(pk__in=chosen.values("pk")) if params else Q()

    annotations: dict[str, Any] = {
        f"c{i}": Count("pk", filter=q(p)) for i, (_, _, p) in enumerate(columns)
    }
    annotations["total"] = Count("pk", filter=q(total))
    source = lf.with_decided_on(rows_qs) if is_lead else rows_qs
    grouped = {
        row["_key"]: row
        for row in source.order_by()
        .annotate(_key=child_key(children))
        .values("_key")
        .annotate(**annotations)
    }
    here = {"region": region.pk} if region is not None else {}
    sums = [Cell(0, 0, {**p, **here}) for _, _, p in columns]
    grand = Cell(0, 0, {**total, **here})
    rows = []
    for child in children:
        found = grouped.get(child.code, {})
        cells = [
            Cell(found.get(f"c{i}", 0), 0, {**p, "region": child.pk})
            for i, (_, _, p) in enumerate(columns)
        ]
        row_total = Cell(found.get("total", 0), 0, {**total, "region": child.pk})
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
    in time; monitored households by category and state, by risk."""
    leads = leads_of(user, region)
    monitored = monitored_of(user, region)
    year = timezone.localdate().year
    found = [
        _grid(
            user,
            "监测线索·按来源渠道（条，合并的线索按每个来源计）",
            leads,
            children,
            [(c, label, {"channel": c}) for c, label in Channel.choices],
            {},
            "条",
            LEAD_LISTS,
            region,
        ),
        _grid(
            user,
            "监测线索·按办理结果（条）",
            leads,
            children,
            [(s, label, {"state": s}) for s, label in LeadState.choices],
            {},
            "条",
            LEAD_LISTS,
            region,
        ),
        _grid(
            user,
            "未办结线索·按受理时长（条）",
            leads,
            children,
            [
                *(
                    (a, label, {"state": inbox.ACTIVE, "age": a})
                    for a, (label, _, _) in inbox.AGES.items()
                ),
                ("overdue", "其中逾期", {"state": inbox.ACTIVE, "overdue": "1"}),
            ],
            {"state": inbox.ACTIVE},
            "条",
            LEAD_LISTS,
            region,
        ),
        _grid(
            user,
            "已办结线索·按期办结（条，识别办结期限内办结；占比见右）",
            leads,
            children,
            [
                (LeadState.ADMITTED, "纳入监测", {"state": LeadState.ADMITTED}),
                (LeadState.REJECTED, "不纳入", {"state": LeadState.REJECTED}),
                ("in_time", "按期办结", {"decided": "in_time"}),
            ],
            {"decided": "all"},
            "条",
            LEAD_LISTS,
            region,
        ),
        _grid(
            user,
            "监测对象·按类别（户，风险未消除）",
            monitored,
            children,
            [
                (c, label, {"category": c, "state": MonitorState.MONITORED})
                for c, label in Category.choices
            ],
            {"state": MonitorState.MONITORED},
            "户",
            MONITORED_LISTS,
            region,
        ),
        _grid(
            user,
            "监测对象·按状态（户）",
            monitored,
            children,
            [
                *((k, label, {"state": k}) for k, label in MonitorState.choices),
                ("year", f"其中{year}年风险消除", {"eliminated": str(year)}),
                ("rolled_back", "曾风险消除回退", {"rolled_back": "1"}),
            ],
            {},
            "户",
            MONITORED_LISTS,
            region,
        ),
        _grid(
            user,
            "监测对象·按风险类型（户，风险未消除；一户可有多项）",
            monitored,
            children,
            [
                (k, label, {"risk": k, "state": MonitorState.MONITORED})
                for k, label in RiskKind.choices
            ],
            {"state": MonitorState.MONITORED},
            "户",
            MONITORED_LISTS,
            region,
        ),
    ]
    for grid in found:
        for row in [*grid.rows, grid.total]:
            share = None
            if grid.columns[-1][0] == "in_time" and row.total.households:
                share = round(100 * row.cells[-1].households / row.total.households, 1)
            row.share = share  # type: ignore[attr-defined]
    return found

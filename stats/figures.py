"""统计: the numbers of a slice by child region, for today or a past year-end.

Everything here is computed on request from the households, their status history and change
log (households.asof), in a fixed number of grouped queries per table whatever the data:
each table is one GROUP BY (child region, category). Every cell carries the household list's
filters that list exactly the households it counts (tests/test_stats.py sums them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr

from households import asof
from households.choices import ROSTER_STATUSES, Attribute, Cause, IdentificationStandard
from poverty_system.core.dates import current_year
from villages.models import LEVEL_DIGITS, Region

STATUSES = [(s.value, s.label) for s in ROSTER_STATUSES]
CAUSES = [*Cause.choices, ("none", "未填写")]  # "none": the list's filter for a blank cause


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    column: str  # the household field the columns are values of
    choices: list[tuple[str, str]]
    filter_name: str  # the list's filter for a column
    registered_only: bool  # only 在册 households (the status table shows every status)


TABLES = {
    "status": Table("status", "贫困户(人口)·按状态", "status", STATUSES, "status", False),
    "attribute": Table(
        "attribute", "按贫困户属性", "attribute", list(Attribute.choices), "attribute", True
    ),
    "cause": Table("cause", "按主要致贫原因", "main_cause", CAUSES, "cause", True),
    "standard": Table(
        "standard", "按识别标准", "standard", list(IdentificationStandard.choices), "standard", True
    ),
}


@dataclass
class Cell:
    households: int = 0
    people: int = 0
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    region: Region | None  # None: the total row
    cells: list[Cell]
    total: Cell

    @property
    def label(self) -> str:
        return self.region.name if self.region is not None else "合计"


@dataclass
class Grid:
    title: str
    columns: list[tuple[str, str]]
    rows: list[Row]
    total: Row
    # The list a number links to, and for a table of one number per cell (people, villages
    # rather than households and people) the unit of that number.
    list_name: str = "households:view"
    unit: str = ""


def child_key(children: list[Region], code: str = "village_code"):
    """The expression grouping a household (or a row with its village code at `code`) under
    its child region: the code's prefix when the children share a level, else a CASE over
    their ranges."""
    levels = {c.level for c in children}
    if len(levels) == 1:
        return Substr(code, 1, LEVEL_DIGITS[levels.pop()])
    whens = [
        When(
            Q(**{f"{code}__gte": c.code_range[0], f"{code}__lt": c.code_range[1]}),
            then=Value(c.code),
        )
        for c in children
    ]
    return Case(*whens, default=Value(""), output_field=CharField())


def within(children: list[Region], code: str = "village_code") -> Q:
    """Rows whose village code lies under one of the children."""
    q = Q(pk__in=[])
    for child in children:
        lo, hi = child.code_range
        q |= Q(**{f"{code}__gte": lo, f"{code}__lt": hi})
    return q


def _kept(table: Table, children: list[Region], statuses) -> QuerySet[Any]:
    """Today's numbers from the kept counts (stats.kept keeps them equal to the households):
    a sum over the children's villages' rows instead of a scan of their households."""
    from . import kept
    from .models import KeptCount

    kept.refresh()
    return (
        KeptCount.objects.filter(within(children), dim=table.column, status__in=statuses)
        .order_by()
        .annotate(_key=child_key(children), _col=F("value"))
        .values("_key", "_col")
        .annotate(n=Sum("households"), p=Sum("people"))
    )


def grid(table: Table, households: QuerySet[Any], children: list[Region], year: int | None) -> Grid:
    """The table by child region: households and people per column, with the list's
    parameters for each cell."""
    statuses = asof.REGISTERED if table.registered_only else [s for s, _ in STATUSES]
    if year is None:
        grouped = _kept(table, children, statuses)
    else:
        base = asof.as_of(households, year).filter(ye_status__in=statuses)
        grouped = (
            base.order_by()
            .annotate(_key=child_key(children), _col=Coalesce(f"ye_{table.column}", Value("")))
            .values("_key", "_col")
            .annotate(n=Count("pk"), p=Coalesce(Sum("ye_size"), 0))
        )
    found: dict[tuple[str, str], tuple[int, int]] = {
        (row["_key"], row["_col"]): (row["n"], row["p"]) for row in grouped
    }
    common: dict[str, Any] = {"year": year} if year is not None else {}
    common["status"] = "registered" if table.registered_only else "entered"
    rows = []
    sums = [Cell() for _ in table.choices]
    grand = Cell(params={**common})
    for child in children:
        cells = []
        row_total = Cell(params={**common, "region": child.pk})
        for i, (value, _) in enumerate(table.choices):
            n, p = found.get((child.code, "" if value == "none" else value), (0, 0))
            cell = Cell(n, p, {**common, "region": child.pk, table.filter_name: value})
            if table.filter_name == "status":
                cell.params["status"] = value
            cells.append(cell)
            row_total.households += n
            row_total.people += p
            sums[i].households += n
            sums[i].people += p
        grand.households += row_total.households
        grand.people += row_total.people
        rows.append(Row(child, cells, row_total))
    for i, (value, _) in enumerate(table.choices):
        sums[i].params = {**common, table.filter_name: value}
    return Grid(table.title, table.choices, rows, Row(None, sums, grand))


# --- events of the year -------------------------------------------------------------------


def events(households: QuerySet[Any], children: list[Region], year: int) -> Grid:
    """新识别 / 脱贫 / 返贫 / 清退 in the year, by child region (one query per event)."""
    columns = [(key, label) for key, (label, _) in asof.EVENTS.items()]
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for key, _ in columns:
        grouped = (
            asof.with_event(households, key, year)
            .order_by()
            .annotate(_key=child_key(children))
            .values("_key")
            .annotate(n=Count("pk"), p=Coalesce(Sum("size"), 0))
        )
        for row in grouped:
            found[(row["_key"], key)] = (row["n"], row["p"])
    return _pivot("本年度变动（户数按当前人口计人数）", columns, found, children, year, "event")


def _pivot(title, columns, found, children, year, filter_name) -> Grid:
    # The list's event filter reads the current year without a year (统计时点 is a year-end).
    common = {"year": year} if year != current_year() else {}
    rows = []
    sums = [Cell(params={**common, filter_name: key}) for key, _ in columns]
    for child in children:
        cells = []
        for i, (key, _) in enumerate(columns):
            n, p = found.get((child.code, key), (0, 0))
            cells.append(Cell(n, p, {**common, "region": child.pk, filter_name: key}))
            sums[i].households += n
            sums[i].people += p
        rows.append(Row(child, cells, Cell()))
    return Grid(title, columns, rows, Row(None, sums, Cell()))


# --- pairing coverage (today) -------------------------------------------------------------

PAIRING = [
    ("claimed", "no", "未认领"),
    ("pairing", "no_unit", "未关联帮扶单位"),
    ("pairing", "no_cadre", "未分配帮扶干部"),
    ("missing", "survey", "本年度未填调查情况表"),
    ("missing", "visit", "本年度无帮扶日志"),
]


def pairing(households: QuerySet[Any], children: list[Region]) -> Grid:
    """在册 households without a claim, a unit, a cadre, this year's survey or visit, grouped
    by child region, with the household list's own conditions (households.filters.
    pairing_rows). Two grouped queries that each read the households once: the claim, link,
    assignment and survey LEFT JOINed (at most one row each per household) with a
    conditional count per column; the assigned households with a visit this year (a
    semi-join), whose complement among the assigned is the last column. The list's NOT EXISTS
    per column was five scans of the households, each with a probe per household."""
    from households.filters import has_row, pairing_rows

    registered = households.filter(status__in=asof.REGISTERED).order_by()
    rows_of = pairing_rows(current_year())
    joined = registered.annotate(
        **{
            f"_{kind}": FilteredRelation(
                name, condition=Q(**{f"{name}__{k}": v for k, v in lookups.items()})
            )
            for kind, (name, lookups) in rows_of.items()
            if kind != "visit"
        }
    )
    conditions = {
        "claimed=no": Q(_claim__isnull=True),
        "pairing=no_unit": Q(_unit__isnull=True),
        "pairing=no_cadre": Q(_cadre__isnull=True),
        "missing=survey": Q(_cadre__isnull=False, _survey__isnull=True),
        "assigned": Q(_cadre__isnull=False),
    }
    annotations: dict[str, Any] = {}
    for i, condition in enumerate(conditions.values()):
        annotations[f"n{i}"] = Count("pk", filter=condition)
        annotations[f"p{i}"] = Coalesce(Sum("size", filter=condition), 0)
    found: dict[tuple[str, str], tuple[int, int]] = {}
    assigned: dict[str, tuple[int, int]] = {}
    for row in joined.annotate(_key=child_key(children)).values("_key").annotate(**annotations):
        for i, key in enumerate(conditions):
            if key == "assigned":
                assigned[row["_key"]] = (row[f"n{i}"], row[f"p{i}"])
            else:
                found[(row["_key"], key)] = (row[f"n{i}"], row[f"p{i}"])
    visited = (
        registered.filter(has_row("cadre"), has_row("visit"))
        .annotate(_key=child_key(children))
        .values("_key")
        .annotate(n=Count("pk"), p=Coalesce(Sum("size"), 0))
    )
    seen = {row["_key"]: (row["n"], row["p"]) for row in visited}
    for key, (n, p) in assigned.items():
        v_n, v_p = seen.get(key, (0, 0))
        found[(key, "missing=visit")] = (n - v_n, p - v_p)
    columns = [(f"{name}={value}", label) for name, value, label in PAIRING]
    rows = []
    sums = []
    for name, value, _ in PAIRING:
        sums.append(Cell(params={"status": "registered", name: value}))
    for child in children:
        cells = []
        for i, ((name, value, _), (key, _)) in enumerate(zip(PAIRING, columns, strict=True)):
            n, p = found.get((child.code, key), (0, 0))
            cells.append(Cell(n, p, {"status": "registered", "region": child.pk, name: value}))
            sums[i].households += n
            sums[i].people += p
        rows.append(Row(child, cells, Cell()))
    return Grid("结对帮扶覆盖（在册户）", columns, rows, Row(None, sums, Cell()))


def busy_cadres(households: QuerySet[Any], over: int) -> list[dict[str, Any]]:
    """Cadres with more than `over` households of the slice assigned (one grouped query)."""
    from units.models import Assignment

    return list(
        Assignment.objects.filter(ended_at__isnull=True, household__in=households.values("pk"))
        .values("cadre_id", "cadre__name", "cadre__unit__name")
        .annotate(n=Count("household", distinct=True))
        .filter(n__gt=over)
        .order_by("-n", "cadre__name")[:200]
    )


# --- 脱贫规模 -----------------------------------------------------------------------------


def plan_progress(households: QuerySet[Any], children: list[Region], year: int) -> list[dict]:
    """Planned exits (脱贫规模, people) against people lifted in the year, per child."""
    from assessment.models import ScalePlan

    plans = {p.region_id: p for p in ScalePlan.objects.filter(year=year, region__in=children)}
    lifted = (
        asof.with_event(households, "lifted", year)
        .order_by()
        .annotate(_key=child_key(children))
        .values("_key")
        .annotate(n=Count("pk"), p=Coalesce(Sum("size"), 0))
    )
    done = {row["_key"]: (row["n"], row["p"]) for row in lifted}
    params = {"event": "lifted"}
    if year != current_year():
        params["year"] = year
    rows = []
    for child in children:
        plan = plans.get(child.pk)
        n, p = done.get(child.code, (0, 0))
        planned = plan.planned_exits if plan else None
        rows.append(
            {
                "region": child,
                "planned": planned,
                "households": n,
                "people": p,
                "percent": round(100 * p / planned, 1) if planned else None,
                "params": {**params, "region": child.pk},
            }
        )
    return rows


def exits_per_year(households: QuerySet[Any], last_year: int) -> list[tuple[int, int]]:
    """Households lifted per year from 2014 (one query per year, at most a dozen)."""
    return [
        (y, asof.with_event(households, "lifted", y).order_by().count())
        for y in range(asof.FIRST_YEAR, last_year + 1)
    ]


# --- 贫困村 (assessment.PoorVillage) -------------------------------------------------------


def poor_villages(records: QuerySet[Any], children: list[Region], year: int) -> Grid:
    """The year's 贫困村信息 records by state (出列 is 已出列) per child region, one grouped
    query; each number links to 管理贫困村信息 with the same 区域, 年度 and 状态."""
    from assessment.models import PoorVillage

    grouped = (
        records.filter(year=year)
        .order_by()
        .annotate(_key=child_key(children))
        .values("_key", "state")
        .annotate(n=Count("pk"))
    )
    found = {(row["_key"], row["state"]): row["n"] for row in grouped}
    columns = list(PoorVillage.State.choices)
    rows = []
    sums = [Cell(params={"year": year, "state": value}) for value, _ in columns]
    grand = Cell(params={"year": year})
    for child in children:
        cells = [
            Cell(
                found.get((child.code, value), 0),
                0,
                {"year": year, "region": child.pk, "state": value},
            )
            for value, _ in columns
        ]
        row_total = Cell(sum(c.households for c in cells), 0, {"year": year, "region": child.pk})
        for total, cell in zip(sums, cells, strict=True):
            total.households += cell.households
        grand.households += row_total.households
        rows.append(Row(child, cells, row_total))
    title = f"贫困村·按状态（{year}年度贫困村信息，个数）"
    return Grid(title, columns, rows, Row(None, sums, grand), "assessment:poor_villages", "个数")


# --- 贫困发生率 -----------------------------------------------------------------------------


def _within(children: list[Region], code: str) -> Q:
    within = Q(pk__in=[])
    for child in children:
        lo, hi = child.code_range
        within |= Q(**{f"{code}__gte": lo, f"{code}__lt": hi})
    return within


def incidence(households: QuerySet[Any], children: list[Region], year: int | None) -> list[dict]:
    """贫困发生率 per child region and in all: poor people (贫困户 and 返贫户, today or at the
    year-end) over the 农村人口 of its villages (villages.VillagePopulation), given only where
    every village has it filled in; three grouped queries."""
    from villages.models import Level, VillagePopulation

    villages = (
        Region.objects.filter(_within(children, "code"), level=Level.VILLAGE)
        .order_by()
        .annotate(_key=child_key(children, "code"))
        .values("_key")
        .annotate(n=Count("pk"))
    )
    counted = {row["_key"]: row["n"] for row in villages}
    filled = {
        row["_key"]: (row["n"], row["p"])
        for row in VillagePopulation.objects.filter(_within(children, "village_code"))
        .order_by()
        .annotate(_key=child_key(children))
        .values("_key")
        .annotate(n=Count("pk"), p=Sum("rural_population"))
    }
    if year is None:
        poor, size = households.filter(status__in=asof.POOR), "size"
    else:
        poor, size = asof.as_of(households, year).filter(ye_status__in=asof.POOR), "ye_size"
    grouped = (
        poor.order_by()
        .annotate(_key=child_key(children))
        .values("_key")
        .annotate(n=Count("pk"), p=Coalesce(Sum(size), 0))
    )
    found = {row["_key"]: (row["n"], row["p"]) for row in grouped}
    common = {"status": "unlifted", **({"year": year} if year is not None else {})}
    rows = []
    for child in children:
        n, p = found.get(child.code, (0, 0))
        known, population = filled.get(child.code, (0, 0))
        row = _incidence_row(child, counted.get(child.code, 0), known, population, n, p)
        rows.append({**row, "params": {**common, "region": child.pk}})
    total = _incidence_row(
        None,
        *(
            sum(r[k] for r in rows)
            for k in ("villages", "filled", "population", "households", "people")
        ),
    )
    return [*rows, {**total, "params": common}]


def _incidence_row(region, villages, filled, population, households, people) -> dict[str, Any]:
    complete = villages > 0 and filled == villages and population > 0
    return {
        "region": region,
        "label": region.name if region is not None else "合计",
        "villages": villages,
        "filled": filled,
        "population": population,
        "households": households,
        "people": people,
        "incidence": round(100 * people / population, 2) if complete else None,
    }

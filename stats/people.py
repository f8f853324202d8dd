"""统计 of the people: the active members of the 在册 households by 健康状况, 劳动技能
and 在校生状况 per child region, today or at a past year-end, and the school-age children
(6–15 full years at the reference date) not in school for 控辍保学. Today's tables read the
kept counts (stats.kept: the members per village, household status and value, and the
members out of school by birth date, kept equal to the members through their change log);
a past year-end is one grouped query over the members' change log. Every cell carries the
member list's parameters (stats.views.members) that list exactly the people it counts
(tests/test_stats_people.py sums them).

A past year-end reads the members' change log as households.asof reads the households': the
last row by then, else the row as first entered; a member with no row by then counts only
when its household had none either (data loaded with its baseline after the year).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from households import asof
from households.choices import Gender, Health, Labour, Relation, SchoolStatus
from households.idnumbers import mask
from households.models import Household, Member
from villages.models import Region

from . import kept
from .figures import Cell, Grid, Row, child_key, within
from .kept import OUT_OF_SCHOOL
from .models import KeptCount

COMPULSORY = (6, 15)  # 义务教育阶段 (控辍保学), full years at the reference date
OUT_KEY = "out"  # the member list's parameter (and the column) of school-age children out
OUT_LABEL = "6–15周岁未在校"
FIELDS = ("health", "labour", "school_status")


@dataclass(frozen=True)
class MemberTable:
    key: str  # the tab and the member list's parameter
    label: str
    title: str
    column: str  # the member field the columns are values of
    choices: list[tuple[str, str]]


MEMBER_TABLES = {
    "health": MemberTable(
        "health", "健康状况", "家庭成员·按健康状况（人数）", "health", list(Health.choices)
    ),
    "labour": MemberTable(
        "labour", "劳动技能", "家庭成员·按劳动技能（人数）", "labour", list(Labour.choices)
    ),
    "school": MemberTable(
        "school",
        "在校生状况",
        "家庭成员·按在校生状况（人数）",
        "school_status",
        list(SchoolStatus.choices),
    ),
}


def reference_date(year: int | None) -> datetime.date:
    """The day ages are reckoned at: today, or 31 December of the year-end."""
    return timezone.localdate() if year is None else datetime.date(year, 12, 31)


def _born_before(day: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone at least `years` full years old on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def school_age_out(year: int | None) -> Q:
    """School-age children (6–15 full years at the reference date) 非在校生 or 失学辍学."""
    day = reference_date(year)
    low, high = COMPULSORY
    return Q(
        birth_date__lte=_born_before(day, low),
        birth_date__gt=_born_before(day, high + 1),
        **{f"{column('school_status', year)}__in": OUT_OF_SCHOOL},
    )


def column(name: str, year: int | None) -> str:
    """The member's field today, or its year-end annotation of members_at."""
    return name if year is None else f"ye_{name}"


def members_at(households: QuerySet[Any], year: int | None) -> QuerySet[Member]:
    """The active members of the 在册 households among `households`, today or at the end of
    `year` (then annotated ye_health, ye_labour, ye_school_status as they stood)."""
    if year is None:
        registered = households.filter(status__in=asof.REGISTERED)
        return Member.objects.filter(active=True, household__in=registered.values("pk"))
    registered = asof.as_of(households, year).filter(ye_status__in=asof.REGISTERED)
    end = asof.year_end(year)
    history = Member.history.model.objects.filter(id=OuterRef("pk"))  # type: ignore[attr-defined]
    by_then = history.filter(history_date__lt=end).order_by("-history_date", "-pk")
    first = history.order_by("history_date", "pk")
    household_then = Household.history.model.objects.filter(  # type: ignore[attr-defined]
        id=OuterRef("household_id"), history_date__lt=end
    )
    then: dict[str, Any] = {
        f"ye_{name}": Coalesce(
            Subquery(by_then.values(name)[:1]), Subquery(first.values(name)[:1]), F(name)
        )
        for name in FIELDS
    }
    then["ye_active"] = Coalesce(
        Subquery(by_then.values("active")[:1]),
        Case(When(Exists(household_then), then=Value(False)), default=F("active")),
        output_field=BooleanField(),
    )
    return (
        Member.objects.filter(household__in=registered.values("pk"))
        .annotate(**then)
        .filter(ye_active=True)
    )


CODE = "household__village_code"


def _grouped(members: QuerySet[Member], children: list[Region], col: Any) -> dict:
    rows = (
        members.order_by()
        .annotate(_key=child_key(children, CODE), _col=col)
        .values("_key", "_col")
        .annotate(n=Count("pk"))
    )
    return {(row["_key"], row["_col"]): row["n"] for row in rows}


def _kept_grouped(field: str, children: list[Region]) -> dict:
    """Today's people by child region and value from the kept counts (stats.kept keeps them
    equal to the members): a sum over the children's villages' rows, not a member scan."""
    kept.refresh()
    rows = (
        KeptCount.objects.filter(
            within(children), dim=kept.member_dim(field), status__in=asof.REGISTERED
        )
        .order_by()
        .annotate(_key=child_key(children), _col=F("value"))
        .values("_key", "_col")
        .annotate(n=Sum("people"))
    )
    return {(row["_key"], row["_col"]): row["n"] for row in rows}


def _kept_out(children: list[Region]) -> dict:
    """Today's school-age children out of school from the kept counts by birth date (the
    refresh already ran for the table beside it): the 6–15 range of today."""
    day = reference_date(None)
    low, high = COMPULSORY
    rows = (
        KeptCount.objects.filter(
            within(children),
            dim=kept.OUT_DIM,
            status__in=asof.REGISTERED,
            value__lte=_born_before(day, low).isoformat(),
            value__gt=_born_before(day, high + 1).isoformat(),
        )
        .order_by()
        .annotate(_key=child_key(children))
        .values("_key")
        .annotate(n=Sum("people"))
    )
    return {(row["_key"], OUT_KEY): row["n"] for row in rows}


def grid(
    table: MemberTable, households: QuerySet[Any], children: list[Region], year: int | None
) -> Grid:
    """The table by child region: people per column and in all; 在校生状况 adds the
    school-age children out of school."""
    members = members_at(households, year)
    if year is None:
        found = _kept_grouped(table.column, children)
    else:
        found = _grouped(members, children, F(column(table.column, year)))
    columns = list(table.choices)
    if table.key == "school":
        out = (
            _kept_out(children)
            if year is None
            else _grouped(members.filter(school_age_out(year)), children, Value(OUT_KEY))
        )
        found.update(out)
        columns.append((OUT_KEY, OUT_LABEL))
    common: dict[str, Any] = {"year": year} if year is not None else {}

    def params(value: str) -> dict[str, Any]:
        return {**common, OUT_KEY: "1"} if value == OUT_KEY else {**common, table.key: value}

    rows = []
    sums = [Cell(params=params(value)) for value, _ in columns]
    grand = Cell(params=dict(common))
    for child in children:
        cells = [
            Cell(found.get((child.code, value), 0), 0, {**params(value), "region": child.pk})
            for value, _ in columns
        ]
        counted = [c for (value, _), c in zip(columns, cells, strict=True) if value != OUT_KEY]
        row_total = Cell(sum(c.households for c in counted), 0, {**common, "region": child.pk})
        for total, cell in zip(sums, cells, strict=True):
            total.households += cell.households
        grand.households += row_total.households
        rows.append(Row(child, cells, row_total))
    return Grid(table.title, columns, rows, Row(None, sums, grand), "stats:members", "人数")


# --- the member list ------------------------------------------------------------------------


@dataclass(frozen=True)
class Chosen:
    """The member list's valid parameters (an unknown value is dropped)."""

    year: int | None
    values: dict[str, str]  # health / labour / school -> a value of its choices
    out: bool  # school-age children out of school

    def params(self) -> dict[str, Any]:
        found: dict[str, Any] = {"year": self.year} if self.year is not None else {}
        return {**found, **self.values, **({OUT_KEY: "1"} if self.out else {})}


def chosen(query: Any, year: int | None) -> Chosen:
    values = {
        key: query.get(key)
        for key, table in MEMBER_TABLES.items()
        if query.get(key) in dict(table.choices)
    }
    return Chosen(year, values, query.get(OUT_KEY) == "1")


def listed(households: QuerySet[Any], choice: Chosen) -> QuerySet[Member]:
    """The members the list shows for the chosen parameters (what a cell counts)."""
    members = members_at(households, choice.year)
    for key, value in choice.values.items():
        members = members.filter(**{column(MEMBER_TABLES[key].column, choice.year): value})
    if choice.out:
        members = members.filter(school_age_out(choice.year))
    return members


def age(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


PER_PAGE = 20
ROW_FIELDS = ("pk", "name", "id_number", "gender", "birth_date", "relation", "household_id")


def page(members: QuerySet[Member], choice: Chosen, number: int) -> tuple[Any, list[dict]]:
    """One page of the list (a count and the page's rows, two queries), ID numbers masked
    here: the full values never reach the template."""
    ordered = members.order_by("household__village_code", "household__number", "pk").values(
        *ROW_FIELDS,
        number=F("household__number"),
        village=F("household__village__name"),
        v_health=F(column("health", choice.year)),
        v_labour=F(column("labour", choice.year)),
        v_school=F(column("school_status", choice.year)),
    )
    shown = Paginator(ordered, PER_PAGE).get_page(number)
    day = reference_date(choice.year)
    labels = {
        "gender": dict(Gender.choices),
        "relation": dict(Relation.choices),
        "health": dict(Health.choices),
        "labour": dict(Labour.choices),
        "school": dict(SchoolStatus.choices),
    }
    rows = [
        {
            "name": v["name"],
            "id_masked": mask(v["id_number"]),
            "gender": labels["gender"].get(v["gender"], v["gender"]),
            "age": age(v["birth_date"], day),
            "relation": labels["relation"].get(v["relation"], v["relation"]),
            "household_id": v["household_id"],
            "number": v["number"],
            "village": v["village"],
            "health": labels["health"].get(v["v_health"], v["v_health"]),
            "labour": labels["labour"].get(v["v_labour"], v["v_labour"]),
            "school": labels["school"].get(v["v_school"], v["v_school"]),
        }
        for v in shown.object_list
    ]
    return shown, rows

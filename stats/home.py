"""Where things stand, for each role's home page: a few figures of its own work, each a link
to the list it counts (the household list with the same filters, or the page of the work).

Computed on request, a handful of counts on the slice's index ranges; the problem counts
are the kept ones of the last 数据质量检查 run (quality.models.Problem)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.http import urlencode

from households import asof
from households.access import filter_households
from households.choices import HouseholdStatus
from households.filters import Filters, apply_filters
from households.models import Household
from poverty_system.core import access
from poverty_system.core.dates import current_year
from poverty_system.core.roles import (
    APPROVE_POOR_VILLAGES,
    COMPARE_REGIONS,
    FILL_SURVEYS,
    HANDLE_LEADS,
    MANAGE_UNIT,
    MARK_LIFTED,
    READ_AUDIT,
    REGISTER_HOUSEHOLDS,
)
from villages.models import Region

from . import figures

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser
    from quality.models import Problem


@dataclass
class Figure:
    label: str
    value: int | str
    url: str
    note: str = ""


def _list(**params: Any) -> str:
    return reverse("households:view") + "?" + urlencode(params)


def _count(households: QuerySet[Household], **filters: Any) -> int:
    return apply_filters(households, Filters(cleaned=filters), None).order_by().count()


def _open_problems(user: AnyUser) -> QuerySet[Problem]:
    from quality.models import Problem

    q = access.code_filter(user, "village_code")
    problems = Problem.objects.filter(cleared_on__isnull=True)
    return problems if q is None else problems.filter(q)


def _village_work(user: AnyUser, households: QuerySet[Household], year: int) -> dict[str, Any]:
    """The village's registration work: claimed, still registering, without a unit."""
    return {
        "figures": [
            Figure("已认领贫困户", _count(households, claimed="yes"), _list(claimed="yes")),
            Figure(
                "待完成登记",
                _count(households, status=HouseholdStatus.REGISTERING),
                _list(status=HouseholdStatus.REGISTERING),
            ),
            Figure(
                "未关联帮扶单位",
                _count(households, status="registered", pairing="no_unit"),
                _list(status="registered", pairing="no_unit"),
            ),
        ]
    }


def _township_work(user: AnyUser, households: QuerySet[Household], year: int) -> dict[str, Any]:
    """The township's exits against its plan, new claims to check, open problems."""
    people = _people(asof.with_event(households, "lifted", year).order_by())
    return {
        "figures": [
            Figure(
                f"{year}年已脱贫人口",
                people,
                _list(event="lifted"),
                note=_plan_note(user, year, people),
            ),
            Figure(
                f"{year}年新认领待核对", _new_claims(households, year), reverse("households:claims")
            ),
            Figure("数据质量问题", _open_problems(user).count(), reverse("quality:index")),
        ]
    }


def _county_work(user: AnyUser, households: QuerySet[Household], year: int) -> dict[str, Any]:
    """The county's poor villages to review, returns of the year, problems by township."""
    from assessment.models import PoorVillage

    q = access.code_filter(user, "village_code")
    waiting = PoorVillage.objects.filter(state=PoorVillage.State.SUBMITTED)
    waiting = waiting if q is None else waiting.filter(q)
    return {
        "figures": [
            Figure("待审核贫困村", waiting.count(), reverse("assessment:poor_village_review")),
            Figure(
                f"{year}年返贫户",
                _count(households, event="returned"),
                _list(event="returned"),
            ),
            Figure("数据质量问题", _open_problems(user).count(), reverse("quality:index")),
        ],
        "by_township": _problems_by_township(user),
    }


def _region_table(user: AnyUser, households: QuerySet[Household], year: int) -> dict[str, Any]:
    """The statuses of the city's counties, each linked to its statistics and lists."""
    roots = access.slice_roots(user)
    if len(roots) != 1 or not roots[0].has_children:
        return {}
    children = list(roots[0].get_children().order_by("code"))
    grid = figures.grid(figures.TABLES["status"], households, children, None)
    for row in grid.rows:
        row.url = reverse("stats:index") + "?" + urlencode({"region": row.region.pk})
        for cell in [*row.cells, row.total]:
            cell.url = _list(**cell.params)
    for cell in [*grid.total.cells, grid.total.total]:
        cell.url = _list(**cell.params)
    return {"table": grid}


def _lead_work(user: AnyUser, households: QuerySet[Household], year: int) -> dict[str, Any]:
    """防止返贫监测: leads whose clock has run out today (the inbox's overdue lists)."""
    from monitoring import listing

    visit, decide = listing.overdue_counts(user)
    return {
        "figures": [
            Figure("逾期未核实线索", visit, listing.inbox_url(overdue="visit")),
            Figure("逾期未办结线索", decide, listing.inbox_url(overdue="decide")),
        ]
    }


def _audit_work(user: AnyUser, households: QuerySet[Household], year: int) -> dict[str, Any]:
    """安全审计: today's entries of the auditor's slice, its failed sign-ins and its exports,
    each a link to 日志查询 with the same filters."""
    from django.utils import timezone

    from poverty_system.core import audit
    from poverty_system.core.models import AuditEntry

    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    entries = access.filter_audit_entries(AuditEntry.objects.filter(at__gte=start), user)
    counts = dict(
        entries.filter(action__in=[audit.LOGIN_FAILED, audit.EXPORT])
        .values_list("action")
        .annotate(n=Count("*"))
        .order_by()
    )
    url = reverse("villages:audit_log") + "?" + urlencode({"start": today.isoformat()})
    return {
        "figures": [
            Figure("今日审计日志", entries.count(), url),
            Figure("今日登录失败", counts.get(audit.LOGIN_FAILED, 0), url + "&action=login_failed"),
            Figure("今日导出", counts.get(audit.EXPORT, 0), url + "&action=export"),
        ]
    }


# What each account's home page shows: the board of each piece of work its role holds the
# permission for (poverty_system.core.roles says which roles hold which).
BOARDS: list[tuple[str, Callable[[Any, Any, int], dict[str, Any]]]] = [
    (REGISTER_HOUSEHOLDS, _village_work),
    (MARK_LIFTED, _township_work),
    (APPROVE_POOR_VILLAGES, _county_work),
    (COMPARE_REGIONS, _region_table),
    (MANAGE_UNIT, lambda user, households, year: {"figures": _unit_work(user)}),
    (FILL_SURVEYS, lambda user, households, year: {"figures": _cadre_work(user, year)}),
    (HANDLE_LEADS, _lead_work),
    (READ_AUDIT, _audit_work),
]


def for_user(user: AnyUser) -> dict[str, Any]:
    households = filter_households(Household.objects.all(), user)
    year = current_year()
    found: dict[str, Any] = {"figures": [], "table": None, "by_township": []}
    for perm, board in BOARDS:
        if access.role_allows(user, perm):
            shown = board(user, households, year)
            found["figures"] += shown.pop("figures", [])
            found.update(shown)
    return found


def _new_claims(households: QuerySet[Household], year: int) -> int:
    from households.models import Claim

    return (
        Claim.objects.active()
        .filter(started_at__gte=asof.year_start(year), household__in=households.values("pk"))
        .count()
    )


def _unit_work(user: AnyUser) -> list[Figure]:
    """The unit's linked households without a cadre (units' own scope)."""
    from units import access as unit_access
    from units.models import Assignment, HouseholdLink

    ids = unit_access.unit_ids(user)
    linked = HouseholdLink.objects.filter(unit_id__in=ids, ended_at__isnull=True)
    assigned = Assignment.objects.filter(unit_id__in=ids, ended_at__isnull=True)
    n = linked.filter(~Exists(assigned.filter(household_id=OuterRef("household_id")))).count()
    return [Figure("未分配帮扶干部的贫困户", n, reverse("units:household_links"))]


def _cadre_work(user: AnyUser, year: int) -> list[Figure]:
    """The cadre's households without this year's survey or visit."""
    from units.models import Survey, VisitLog

    mine = filter_households(Household.objects.all(), user)
    surveys = reverse("units:surveys")
    visits = VisitLog.objects.filter(
        household=OuterRef("pk"), date__gte=asof.year_start(year).date()
    )
    return [
        Figure(
            f"{year}年未填调查情况表",
            mine.filter(~Exists(Survey.objects.filter(household=OuterRef("pk"), year=year)))
            .order_by()
            .count(),
            surveys,
        ),
        Figure(
            f"{year}年未走访（无帮扶日志）",
            mine.filter(~Exists(visits)).order_by().count(),
            surveys,
        ),
    ]


def _people(households: QuerySet[Household]) -> int:
    from django.db.models import Sum

    return households.aggregate(p=Sum("size"))["p"] or 0


def _plan_note(user, year: int, people: int) -> str:
    from assessment.models import ScalePlan

    roots = access.slice_roots(user)
    plan = ScalePlan.objects.filter(year=year, region__in=roots).first()
    if plan is None:
        return "未设置脱贫规模"
    return f"计划 {plan.planned_exits} 人"


def _problems_by_township(user) -> list[dict[str, Any]]:
    """Open problems of the last run per township of the county (one GROUP BY)."""
    grouped = (
        _open_problems(user)
        .annotate(township=Substr("village_code", 1, 9))
        .values("township")
        .annotate(n=Count("pk"))
        .order_by("township")
    )
    counts = {row["township"]: row["n"] for row in grouped}
    if not counts:
        return []
    towns = Region.objects.filter(code__in=counts).order_by("code")
    base = reverse("quality:index")
    return [
        {"name": t.name, "n": counts[t.code], "url": f"{base}?{urlencode({'region': t.pk})}"}
        for t in towns
    ]

"""扶贫项目与资金统计 (统计 menu): money by source and by category, 支出进度 by county and
township, projects by state, beneficiary households and villages by township, and the
county's share of steps done on time. Each figure is a sum or count of a list's own query
(listing.movements, listing.library, beneficiary_list), and links to that list with the
filters that make it, so the table and the list cannot disagree."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse

from villages.models import Region, User, code_range

from . import ledger, listing
from .access import filter_projects
from .choices import Category, Source, State
from .choices import MovementKind as M
from .models import Beneficiary, FundMovement, Project, ProjectEvent

ZERO = Decimal("0")
LIBRARY = "projects:library"
MONEY_KINDS = (M.RECEIVED, M.ARRANGED, M.DISBURSED, M.SPENT)


def _url(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _money_row(label: str, sums: Mapping[str, Decimal], **filters: Any) -> dict[str, Any]:
    cells = [
        {"value": sums.get(k) or ZERO, "url": _url("projects:fund_ledger", kind=k, **filters)}
        for k in MONEY_KINDS
    ]
    progress = ledger.progress(sums.get(M.SPENT) or ZERO, sums.get(M.RECEIVED) or ZERO)
    return {"label": label, "cells": cells, "progress": progress, "filters": filters}


def _grouped(found: QuerySet[FundMovement]) -> list[dict[str, Any]]:
    """The four sums per source, category (None: county money) and township (the first nine
    digits of the movement's code; six for 到账 and 退回), in one statement."""
    kinds = {k: Coalesce(Sum("amount", filter=Q(kind=k)), ZERO) for k in MONEY_KINDS}
    rows = found.annotate(area=Substr("region_code", 1, 9), src=F("account__source"))
    rows = rows.annotate(cat=F("project__category"))
    return list(rows.values("src", "cat", "area").annotate(**kinds).order_by())


def _fold(rows: list[dict[str, Any]], key: Any) -> dict[str, dict[str, Decimal]]:
    """The rows summed by key(row) (rows whose key is None left out), in key order."""
    sums: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        value = key(row)
        if value is None:
            continue
        into = sums.setdefault(value, dict.fromkeys(MONEY_KINDS, ZERO))
        for k in MONEY_KINDS:
            into[k] += row[k]
    return dict(sorted(sums.items()))


def _with_total(rows: list[dict[str, Any]], **filters: Any) -> dict[str, Any]:
    totals = {
        k: sum((r["cells"][i]["value"] for r in rows), ZERO) for i, k in enumerate(MONEY_KINDS)
    }
    return {"rows": rows, "total": _money_row("合计", totals, **filters)}


def money(found: QuerySet[FundMovement], year: Any) -> dict[str, Any]:
    """资金按来源, 按项目类别 and 支出进度 按县 / 按乡镇: four sums per row, each a ledger link.
    按项目类别 and 按乡镇 hold the money of projects only (到账 and 退回 stay at the county)."""
    grouped = _grouped(found)
    by_source = _fold(grouped, lambda r: r["src"])
    by_category = _fold(grouped, lambda r: r["cat"])
    by_county = _fold(grouped, lambda r: r["area"][:6])
    by_township = _fold(grouped, lambda r: r["area"] if r["cat"] is not None else None)
    codes = [*by_county, *by_township]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    source_labels, category_labels = dict(Source.choices), dict(Category.choices)
    funded = {"projects": 1}

    def table(sums: dict[str, dict[str, Decimal]], labels: Any, param: str, **scope: Any) -> Any:
        order = list(sums) if param == "region" else [v for v in labels if v in sums]
        rows = [
            _money_row(str(labels.get(v, v)), sums[v], **{param: v}, year=year, **scope)
            for v in order
        ]
        return _with_total(rows, year=year, **scope)

    return {
        "by_source": table(by_source, source_labels, "source"),
        "by_category": table(by_category, category_labels, "category", **funded),
        "by_county": table(by_county, names, "region"),
        "by_township": table(by_township, names, "region", **funded),
    }


def projects_by_state(user: User, year: Any) -> list[dict[str, Any]]:
    found, _ = listing.library(user, (), {"year": year})
    counts = dict(found.order_by().values_list("state").annotate(n=Count("pk")))
    rows = [
        {
            "label": str(label),
            "count": counts[v],
            "url": _url("projects:library", state=v, year=year),
        }
        for v, label in State.choices
        if v in counts
    ]
    total = {
        "label": "合计",
        "count": sum(counts.values()),
        "url": _url("projects:library", year=year),
    }
    return [*rows, total]


# --- beneficiaries ----------------------------------------------------------------------


def beneficiaries(user: User, q: Mapping[str, Any]) -> tuple[QuerySet[Beneficiary], dict]:
    """受益户名单: the beneficiary links of the readable projects, of ?year= (the project's)
    and ?region= (the household's village code)."""
    year, region = listing.year_or_none(q.get("year")), listing.code_or_none(q.get("region"))
    projects = filter_projects(Project.objects.all(), user)
    if year:
        projects = projects.filter(year=year)
    found = Beneficiary.objects.filter(project__in=projects)
    if region:
        lo, hi = code_range(region)
        found = found.filter(household__village_code__gte=lo, household__village_code__lt=hi)
    return found, {"year": year or "", "region": region or ""}


def _counts(found: QuerySet[Beneficiary]) -> dict[str, int]:
    return found.aggregate(
        links=Count("pk"),
        households=Count("household", distinct=True),
        villages=Count("household__village_code", distinct=True),
    )


def beneficiary_list(user: User, q: Mapping[str, Any]) -> dict[str, Any]:
    found, filters = beneficiaries(user, q)
    rows = found.select_related("household__village", "project").order_by(
        "household__number", "project__number"
    )
    return {
        "page": Paginator(rows, listing.PER_PAGE).get_page(q.get("page")),
        "counts": _counts(found),
        "filters": filters,
    }


def beneficiaries_by_township(user: User, year: Any) -> list[dict[str, Any]]:
    found, _ = beneficiaries(user, {"year": year})
    rows = (
        found.annotate(area=Substr("household__village_code", 1, 9))
        .values("area")
        .annotate(
            households=Count("household", distinct=True),
            villages=Count("household__village_code", distinct=True),
        )
        .order_by("area")
    )
    rows = list(rows)
    names = dict(
        Region.objects.filter(code__in=[r["area"] for r in rows]).values_list("code", "name")
    )
    for row in rows:
        row["label"] = names.get(row["area"], row["area"])
        row["url"] = _url("projects:beneficiary_list", region=row["area"], year=year)
    total = {"label": "合计", **_counts(found), "url": _url("projects:beneficiary_list", year=year)}
    return [*rows, total]


# --- on time ------------------------------------------------------------------------------

# The clocks: (what, the step whose event carries `late`, the rule's text).
CLOCKS = (
    ("批复后 7 天内发布批复公告", "announce"),
    ("批复后 15 个工作日内录入", "approve"),
)


def _share(done: int, late: int) -> dict[str, Any]:
    on_time = done - late
    return {
        "done": done,
        "on_time": on_time,
        "late": late,
        "share": (Decimal(on_time * 100) / done).quantize(Decimal("0.1")) if done else None,
    }


def on_time(user: User, year: Any) -> list[dict[str, Any]]:
    """按时办理: of the readable projects (of ?year=), how many of each clock's steps were done
    in time. 村级公示 under 10 days is refused at 申报, so every 申报 counts as in time; a
    资金 movement entered more than 15 working days after its date is flagged 超期录入."""
    projects, _ = listing.library(user, (), {"year": year})
    events = ProjectEvent.objects.filter(project__in=projects.order_by())
    counts = {
        row["step"]: row
        for row in events.filter(step__in=["propose", "announce", "approve"])
        .values("step")
        .annotate(n=Count("pk"), late_n=Count("pk", filter=Q(late=True)))
        .order_by()
    }
    rows = [{"label": "村级公示不少于 10 天", **_share(counts.get("propose", {}).get("n", 0), 0)}]
    for label, step in CLOCKS:
        row = counts.get(step, {"n": 0, "late_n": 0})
        rows.append({"label": label, **_share(row["n"], row["late_n"])})
    found, _ = listing.movements(user, {"year": year})
    money = found.filter(reverses__isnull=True, amount__gt=0).aggregate(
        n=Count("pk"), late_n=Count("pk", filter=Q(late=True))
    )
    rows.append({"label": "资金 15 个工作日内录入", **_share(money["n"], money["late_n"])})
    for row in rows:
        row["bar"] = float(row["share"]) if row["share"] is not None else 0
    return rows


def page(user: User, q: Mapping[str, Any]) -> dict[str, Any]:
    year = listing.year_or_none(q.get("year")) or ""
    found, _ = listing.movements(user, {"year": year})
    return {
        "year": year,
        **money(found, year),
        "states": projects_by_state(user, year),
        "beneficiaries": beneficiaries_by_township(user, year),
        "on_time": on_time(user, year),
    }

"""监测对象: the list of the slice (filters, region drill-down) and one row's page, read in a
constant number of queries.

The list's parameters (GET, statistics link to them): region (a Region pk: the rows of its
villages; the tree drills down from the slice), category (Category), risk (RiskKind), state
(MonitorState), eliminated (a year: 风险消除 in that year), missing (lacking: lacks the
measure its risk or labour requires; late: no measure `measure_days` after identification),
page.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from households.choices import Relation
from households.idnumbers import mask
from households.listing import RegionNav, region_nav
from households.models import Member
from units.models import Measure
from villages.models import code_range

from . import measures
from .access import filter_rows
from .choices import Category, MonitorState, RiskKind
from .models import IncomeReview, Monitored, Risk

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser
    from villages.models import User

PER_PAGE = 50
MISSING = {"lacking": "缺少风险对应措施", "late": "识别后逾期未落实措施"}
FILTERS = ("category", "risk", "state", "eliminated", "missing")


@dataclass
class MonitoredList:
    page: Page[Monitored]
    rows: list[Monitored]
    nav: RegionNav
    values: dict[str, str]
    region_links: list[tuple[Any, str]] = field(default_factory=list)
    path_links: list[tuple[Any, str]] = field(default_factory=list)


def _year(value: str) -> int | None:
    return (
        int(value) if value.isascii() and value.isdigit() and 2014 <= int(value) <= 2100 else None
    )


def filtered(
    user: AnyUser, params: Mapping[str, Any], nav: RegionNav | None = None
) -> QuerySet[Monitored]:
    """The monitored rows of the slice under the list's filters (the statistics count this)."""
    found = filter_rows(Monitored.objects.all(), user)
    if nav is not None and nav.chosen and nav.current is not None:
        lo, hi = code_range(nav.current.code)
        found = found.filter(village_code__gte=lo, village_code__lt=hi)
    found = found.filter(monitored_q(params))
    missing = str(params.get("missing", ""))
    if missing == "lacking":
        found = measures.lacking(found)
    elif missing == "late":
        found = measures.without_measure(found)
    return found


def monitored_q(params: Mapping[str, Any]) -> Q:
    """The list's category, risk, state and 风险消除 year filters as one condition on a
    monitored row (统计 counts each column with it; the risk a subquery on the risks, one per
    kind and row)."""
    category, risk, state = (str(params.get(k, "")) for k in ("category", "risk", "state"))
    q = Q()
    if category in Category.values:
        q &= Q(category=category)
    if risk in RiskKind.values:
        q &= Q(pk__in=Risk.objects.filter(kind=risk).values("monitored_id"))
    if state in MonitorState.values:
        q &= Q(state=state)
    year = _year(str(params.get("eliminated", "")))
    if year is not None:
        q &= Q(state=MonitorState.ELIMINATED, eliminated_on__year=year)
    return q


def monitored_list(user: AnyUser, params: Mapping[str, Any]) -> MonitoredList:
    nav = region_nav(cast("User", user), params.get("region") or None)  # a signed-in account
    head_id = Member.objects.filter(
        household_id=OuterRef("household_id"), relation=Relation.HEAD, active=True
    ).values("id_number")[:1]
    found = (
        filtered(user, params, nav)
        .select_related("household", "household__village")
        .annotate(head_id_number=Subquery(head_id))
        .order_by("-pk")
    )
    page: Page[Monitored] = Paginator(found, PER_PAGE).get_page(params.get("page"))  # type: ignore[assignment]
    rows = list(page.object_list)
    decorate(rows)
    values = {k: str(params.get(k, "")) for k in FILTERS}
    keep = {k: v for k, v in values.items() if v}

    def url(region: Any) -> str:
        return "?" + urlencode({**keep, "region": region.pk})

    return MonitoredList(
        page,
        rows,
        nav,
        values,
        region_links=[(n, url(n)) for n in nav.children],
        path_links=[(n, url(n)) for n in nav.path],
    )


def decorate(rows: list[Monitored], today: datetime.date | None = None) -> None:
    """Each row's masked head ID, risks, measure and review counts and what it lacks: four
    queries for the page, plus one per county and year of the rows."""
    if not rows:
        return
    risks: dict[int, list[Risk]] = defaultdict(list)
    risk_of: dict[int, int] = {}
    for risk in Risk.objects.filter(monitored__in=rows):
        risks[risk.monitored_id].append(risk)
        risk_of[risk.pk] = risk.monitored_id
    counted: Counter[int] = Counter()
    for risk_id in Measure.objects.filter(risk_id__in=list(risk_of)).values_list(
        "risk_id", flat=True
    ):
        if risk_id is not None:
            counted[risk_of[risk_id]] += 1
    reviews = Counter(
        IncomeReview.objects.filter(monitored__in=rows).values_list("monitored_id", flat=True)
    )
    lacks = measures.missing(rows, today or timezone.localdate())
    for row in rows:  # what the list's template shows of each row
        shown = {
            "masked_id": mask(getattr(row, "head_id_number", "") or ""),
            "risk_list": risks[row.pk],
            "measure_count": counted[row.pk],
            "review_count": reviews[row.pk],
            "lacks": lacks[row.pk],
        }
        for name, value in shown.items():
            setattr(row, name, value)

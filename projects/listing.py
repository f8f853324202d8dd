"""What the project pages read: each list scoped through projects.access and shaped for its
page (and its Excel sheet) in a constant number of queries, so that the views only parse,
call and render (the shape of households/listing.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, Count, F, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from poverty_system.core import access as core_access
from poverty_system.core.formatting import mask_phone
from poverty_system.core.ids import parse_id
from villages.models import Region, User, code_range

from . import clock, ledger, states
from .access import (
    ANSWER_FEEDBACK,
    EDIT_BENEFICIARIES,
    IMPORT_PROJECTS,
    PROPOSE_PROJECTS,
    READ_FUNDS,
    READ_PROJECTS,
    RECORD_FUNDS,
    filter_by_slice,
    filter_projects,
    may,
    office_county,
)
from .choices import Category, Source, State
from .choices import MovementKind as M
from .forms import step_form
from .models import Asset, Feedback, FundAccount, FundMovement, Notice, Project
from .services import beneficiaries as beneficiary_actions
from .services.funds import FUNDED_STATES

PER_PAGE = 50
LEVEL_DIGITS = {"county": 6, "township": 9, "village": 12}
LEVELS = [("county", "按县"), ("township", "按乡镇"), ("village", "按村")]
Sheet = tuple[list[str], Iterator[list[Any]]]


def year_or_none(value: Any) -> int | None:
    """A year of ?year= (1–9999), or None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 10000 else None


# --- the project library -------------------------------------------------------------------


def may_propose(user: User) -> bool:
    return any(may(user, PROPOSE_PROJECTS, r.code) for r in core_access.regions_with(user))


def library(
    user: User, stage_states: Collection[str], q: Mapping[str, Any]
) -> tuple[QuerySet[Project], dict[str, Any]]:
    """The library (by stage) filtered by year, state, category, 超期 and name; the filters
    as read. The list and its export are this one query."""
    found = filter_projects(Project.objects.all(), user)
    if stage_states:
        found = found.filter(state__in=stage_states)
    year, state, category = year_or_none(q.get("year")), q.get("state"), q.get("category")
    if year:
        found = found.filter(year=year)
    if state in State.values:
        found = found.filter(state=state)
    if category in Category.values:
        found = found.filter(category=category)
    if q.get("overdue"):
        found = found.filter(due_on__lt=timezone.localdate())
    name = (q.get("q") or "").strip()[:50]
    if name:
        found = found.filter(name__contains=name)
    filters = {
        "year": year or "",
        "state": state,
        "category": category,
        "q": name,
        "overdue": q.get("overdue"),
    }
    return found.order_by("-year", "-number"), filters


def project_list(user: User, stage_states: Collection[str], q: Mapping[str, Any]) -> dict[str, Any]:
    """A list of the library (by stage), 50 a page."""
    found, filters = library(user, stage_states, q)
    return {
        "page": Paginator(found.select_related("region"), PER_PAGE).get_page(q.get("page")),
        "today": timezone.localdate(),
        "states": State.choices,
        "categories": Category.choices,
        "filters": filters,
        "can_add": may_propose(user),
        "can_import": office_county(user, IMPORT_PROJECTS) is not None,
    }


def step_label() -> Case:
    """The label of an event's step (申报, 乡镇审核通过 ...), read with the event."""
    return Case(
        *[When(step=code, then=Value(step.label)) for code, step in states.STEPS.items()],
        default=F("step"),
        output_field=CharField(),
    )


def project_page(user: User, project: Project) -> dict[str, Any]:
    """The project page: its record, the steps the account may take (each with its form), the
    events with their attachments, places, funds, notices and assets."""
    events = (
        project.events.select_related("actor")
        .prefetch_related("attachments")
        .annotate(step_label=step_label())
    )
    return {
        "project": project,
        "steps": [(step, step_form(step)) for step in states.available(user, project)],
        "events": events,
        "places": project.places.all(),
        "can_edit": project.state in states.EDITABLE
        and may(user, PROPOSE_PROJECTS, project.region_code),
        "totals": ledger.project_totals(project),
        "today": timezone.localdate(),
        "notices": project.notices.all(),
        "assets": project.assets.all(),
        "can_fund": may(user, RECORD_FUNDS, project.county_code) and project.state in FUNDED_STATES,
    }


def county_of(project: Project) -> Region | None:
    return project.region.get_ancestors().filter(level="county").first()


# --- beneficiaries -------------------------------------------------------------------------


def beneficiaries_page(user: User, project: Project, q: Mapping[str, Any]) -> dict[str, Any]:
    """受益户: the project's list with the counts, and for an editor the households of the
    project's villages matching ?q= (户编号 prefix or name) that are not listed yet."""
    listed = project.beneficiaries.select_related("household", "household__village").order_by(
        "household__number"
    )
    can_edit = may(user, EDIT_BENEFICIARIES, project.region_code)
    query = (q.get("q") or "").strip()[:30]
    found = None
    if can_edit and query:
        open_ = beneficiary_actions.candidates(project).exclude(project_benefits__project=project)
        found = (
            (open_.filter(number__startswith=query) | open_.filter(head_name__contains=query))
            .select_related("village")
            .order_by("number")[:100]
        )
    return {
        "project": project,
        "page": Paginator(listed, PER_PAGE).get_page(q.get("page")),
        "counts": beneficiary_actions.counts(project),
        "can_edit": can_edit,
        "query": query,
        "found": found,
    }


# --- funds ---------------------------------------------------------------------------------


def code_or_none(value: Any) -> str | None:
    """A region code of ?region= (2 to 12 digits), or None."""
    text = str(value or "")
    return text if text.isdigit() and 2 <= len(text) <= 12 else None


def movements(user: User, q: Mapping[str, Any]) -> tuple[QuerySet[FundMovement], dict[str, Any]]:
    """The slice's fund movements of ?year=, ?source=, ?kind=, ?category= (of the project),
    ?projects= (only the money of projects) and ?region= (a code inside the slice narrows
    it), and the filters as read."""
    found = filter_by_slice(FundMovement.objects.all(), user, READ_FUNDS)
    year, source, kind = year_or_none(q.get("year")), q.get("source"), q.get("kind")
    category, region = q.get("category"), code_or_none(q.get("region"))
    if year:
        found = found.filter(year=year)
    if source in Source.values:
        found = found.filter(account__source=source)
    if kind in M.values:
        found = found.filter(kind=kind)
    if category in Category.values:
        found = found.filter(project__category=category)
    projects = "1" if q.get("projects") else ""
    if projects:  # the money arranged to projects (no 到账 or 退回)
        found = found.filter(project__isnull=False)
    if region:
        lo, hi = code_range(region)
        found = found.filter(region_code__gte=lo, region_code__lt=hi)
    filters = {"year": year or "", "source": source, "kind": kind, "category": category}
    return found, {**filters, "region": region or "", "projects": projects}


def recording_county(user: User) -> Any:
    """The county whose funds the account records (a county office), else None."""
    return office_county(user, RECORD_FUNDS)


def fund_summary(user: User, q: Mapping[str, Any]) -> dict[str, Any]:
    """扶贫资金汇总查询: the sums by region (?by= county, township or village) and by source."""
    found, filters = movements(user, q)
    level = q.get("by") if q.get("by") in LEVEL_DIGITS else "county"
    found = found.annotate(area=Substr("region_code", 1, LEVEL_DIGITS[level]))
    rows = ledger.summary(found, "area")
    by_source = ledger.summary(found.annotate(src=F("account__source")), "src")
    names = dict(
        Region.objects.filter(code__in=[r["area"] for r in rows]).values_list("code", "name")
    )
    for row in rows:
        row["name"] = names.get(row["area"], row["area"])
    for row in by_source:
        row["name"] = Source(row["src"]).label
    return {
        "rows": rows,
        "by_source": by_source,
        "filters": filters,
        "sources": Source.choices,
        "by": level,
        "levels": LEVELS,
        "can_record": recording_county(user) is not None,
    }


SUMMARY_COLUMNS = [
    ("区域", "name"),
    ("到账", M.RECEIVED),
    ("退回", M.RETURNED),
    ("安排", M.ARRANGED),
    ("拨付", M.DISBURSED),
    ("支出", M.SPENT),
    ("报账", M.SETTLED),
    ("可安排", "available"),
    ("待拨", "to_disburse"),
    ("支出进度（%）", "progress"),
]


def summary_sheet(rows: list[dict[str, Any]]) -> Sheet:
    return (
        [label for label, _ in SUMMARY_COLUMNS],
        ([row[key] for _, key in SUMMARY_COLUMNS] for row in rows),
    )


def ledger_totals(found: QuerySet[FundMovement]) -> dict[str, Any]:
    return found.aggregate(count=Count("pk"), amount=Coalesce(Sum("amount"), Decimal("0")))


def ledger_page(found: QuerySet[FundMovement], page: Any) -> Page[FundMovement]:
    return Paginator(found.order_by("-date", "-pk"), PER_PAGE).get_page(page)


def balances(user: User) -> list[dict[str, Any]]:
    """扶贫资金结余: each account's 可安排 and 结余 with its age, flagged at 24 months."""
    accounts = filter_by_slice(FundAccount.objects.all(), user, READ_FUNDS, "county_code")
    today = timezone.localdate()
    rows = []
    for account in accounts.select_related("county").order_by("county_code", "source"):
        balance, age = ledger.idle_age(account, today)
        rows.append(
            {
                "account": account,
                "totals": ledger.account_totals(account),
                "balance": balance,
                "age": age,
                "idle": age is not None and age >= clock.rule("idle_months"),
            }
        )
    return rows


# --- assets --------------------------------------------------------------------------------


def assets(user: User, kind: str | None) -> QuerySet[Asset]:
    """扶贫项目资产台账: the slice's assets, of ?kind= when it is one."""
    found = filter_by_slice(Asset.objects.all(), user, READ_PROJECTS)
    if kind in Asset.Kind.values:
        found = found.filter(kind=kind)
    return found.select_related("project").order_by("region_code", "pk")


ASSET_HEADER = [
    "资产名称",
    "资产类别",
    "资产价值（元）",
    "产权归属",
    "产权单位",
    "管护主体",
    "资产位置",
    "资产状态",
    "项目编号",
    "项目名称",
    "确权日期",
]


def asset_sheet(found: QuerySet[Asset]) -> Sheet:
    return (
        ASSET_HEADER,
        (
            [
                a.name,
                a.get_kind_display(),
                a.value,
                a.get_owner_display(),
                a.owner_name,
                a.manager,
                a.location,
                a.get_condition_display(),
                a.project.number,
                a.project.name,
                a.confirmed_on,
            ]
            for a in found.iterator()
        ),
    )


# --- notices and feedback ------------------------------------------------------------------


def notices(user: User, q: Mapping[str, Any]) -> dict[str, Any]:
    """项目公开公示信息查询 / 资金公开公示信息查询: the notices of readable projects by year."""
    found = Notice.objects.filter(project__in=filter_projects(Project.objects.all(), user))
    year = year_or_none(q.get("year"))
    if year:
        found = found.filter(published_on__year=year)
    found = found.select_related("project", "project__region")
    return {"page": Paginator(found, PER_PAGE).get_page(q.get("page")), "year": year or ""}


def readable_notice(user: User, pk: Any) -> Notice | None:
    """The notice, when the account reads its project; else None (404)."""
    notice = Notice.objects.select_related("project").filter(pk=parse_id(pk)).first()
    if notice is None:
        return None
    readable = filter_projects(Project.objects.filter(pk=notice.project_id), user)
    return notice if readable.exists() else None


def inbox(user: User, q: Mapping[str, Any]) -> Page[Feedback]:
    """在线反馈: the county's feedback (?open= unanswered only), phones masked."""
    found = filter_by_slice(Feedback.objects.all(), user, ANSWER_FEEDBACK, "county_code")
    if q.get("open"):
        found = found.filter(answered_at__isnull=True)
    page = Paginator(found.select_related("notice__project"), PER_PAGE).get_page(q.get("page"))
    for item in page.object_list:
        item.masked_phone = mask_phone(item.phone)
    return page

"""监测线索: what the inbox and a lead's page read, scoped through monitoring.access, and the
overdue counts of the home pages. The filters are query parameters (statistics link to them):

    region   a region's id (the slice's child regions drill down)
    channel  self | cadre | department            (来源渠道: a lead with a source of it)
    state    open | visited | admitted | rejected | active (待核实 and 已入户核实)
    overdue  1 (either clock run out) | visit (逾期未核实) | decide (逾期未办结)
    age      d3 | d7 | d15 | over                 (days since the lead: ≤3, 4–7, 8–15, >15)

Overdue is read on the stored due dates against today, so a lead is flagged the day after its
due date, at once, on every page. ID numbers leave this module masked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from households import idnumbers
from households.listing import RegionNav, region_nav
from poverty_system.core import access
from poverty_system.core.models import AuditEntry
from poverty_system.core.roles import HANDLE_LEADS, VIEW
from villages.models import code_range, mask_phone

from .access import filter_rows, get_row, may
from .choices import Channel, LeadState
from .leads import OPEN_STATES
from .models import Lead, Monitored

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

PER_PAGE = 30
AGES: dict[str, tuple[str, int, int | None]] = {
    "d3": ("3 天内", 0, 3),
    "d7": ("4–7 天", 4, 7),
    "d15": ("8–15 天", 8, 15),
    "over": ("15 天以上", 16, None),
}
OVERDUE = {"1": "已逾期", "visit": "逾期未核实", "decide": "逾期未办结"}
ACTIVE = "active"
STATES = {**dict(LeadState.choices), ACTIVE: "未办结"}


def overdue_visit(today: datetime.date) -> Q:
    """逾期未核实: not visited and the visit's due day has passed."""
    return Q(state=LeadState.OPEN, visit_due__lt=today)


def overdue_decision(today: datetime.date) -> Q:
    """逾期未办结: not decided and the decision's due day has passed."""
    return Q(state__in=OPEN_STATES, decide_due__lt=today)


@dataclass(frozen=True)
class Filters:
    channel: str = ""
    state: str = ""
    overdue: str = ""
    age: str = ""

    @classmethod
    def parse(cls, params: QueryDict | dict[str, str]) -> Filters:
        def pick(name: str, allowed: Any) -> str:
            value = str(params.get(name) or "")
            return value if value in allowed else ""

        return cls(
            channel=pick("channel", Channel.values),
            state=pick("state", STATES),
            overdue=pick("overdue", OVERDUE),
            age=pick("age", AGES),
        )

    def params(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def apply(leads: QuerySet[Lead], filters: Filters, today: datetime.date) -> QuerySet[Lead]:
    """The inbox's filters on any queryset of leads."""
    return leads.filter(lead_q(filters, today))


def lead_q(filters: Filters, today: datetime.date) -> Q:
    """The inbox's filters as one condition on a lead (统计 counts each column with it as a
    conditional count; the channel is a subquery on the sources, the rest the lead's own
    columns)."""
    q = Q()
    if filters.channel:
        q &= Q(pk__in=Lead.objects.filter(sources__channel=filters.channel).values("pk"))
    if filters.state == ACTIVE:
        q &= Q(state__in=OPEN_STATES)
    elif filters.state:
        q &= Q(state=filters.state)
    if filters.overdue == "visit":
        q &= overdue_visit(today)
    elif filters.overdue == "decide":
        q &= overdue_decision(today)
    elif filters.overdue:
        q &= overdue_visit(today) | overdue_decision(today)
    if filters.age:
        _, low, high = AGES[filters.age]
        # received on or before today - low days (and after today - high - 1 days)
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(
            today - datetime.timedelta(days=low - 1), datetime.time(), tz
        )
        q &= Q(received_at__lt=start)
        if high is not None:
            since = datetime.datetime.combine(
                today - datetime.timedelta(days=high), datetime.time(), tz
            )
            q &= Q(received_at__gte=since)
    return q


def scoped(user: AnyUser, region: Any = None) -> QuerySet[Lead]:
    leads = filter_rows(Lead.objects.all(), user)
    if region is not None:
        lo, hi = region.code_range
        leads = leads.filter(village_code__gte=lo, village_code__lt=hi)
    return leads


@dataclass
class Row:
    pk: int
    number: str
    name: str
    id_number: str  # masked
    village: str
    channels: list[str]
    sources: int
    received_on: datetime.date
    visit_due: datetime.date
    decide_due: datetime.date
    state: str
    state_label: str
    visit_overdue: bool
    decide_overdue: bool
    url: str


def _nav(user: AnyUser, region_param: str | None) -> RegionNav | None:
    """The region drill-down; none for a cadre (its slice is households, not regions)."""
    if not access.slice_regions(user):
        return None
    return region_nav(user, region_param)  # type: ignore[arg-type]  # an account here


def inbox(user: AnyUser, params: QueryDict) -> dict[str, Any]:
    """监测线索: the slice's leads, newest first, filtered; a page runs the same queries at
    any size (the count, the page's rows with their sources counted per channel)."""
    today = timezone.localdate()
    nav = _nav(user, params.get("region"))
    region = nav.current if nav is not None and nav.chosen else None
    filters = Filters.parse(params)
    found = apply(scoped(user, region), filters, today).order_by("-received_at", "-pk")
    # The count and the page's ids on the lead table alone; the sources are counted for the
    # page's rows only (a GROUP BY over every lead of a county would grow with the inbox).
    page: Page[Any] = Paginator(found.values_list("pk", flat=True), PER_PAGE).get_page(
        params.get("page")
    )
    counts = {f"n_{c}": Count("sources", filter=Q(sources__channel=c)) for c in Channel.values}
    leads = (
        Lead.objects.filter(pk__in=list(page.object_list))
        .select_related("village")
        .annotate(source_count=Count("sources"), **counts)
        .order_by("-received_at", "-pk")
    )
    labels = dict(Channel.choices)
    rows = []
    for lead in leads:
        channels = [labels[c] for c in Channel.values if getattr(lead, f"n_{c}")]
        rows.append(
            Row(
                pk=lead.pk,
                number=lead.number,
                name=lead.name,
                id_number=idnumbers.mask(lead.id_number) if lead.id_number else "—",
                village=lead.village.name,
                channels=channels,
                sources=lead.source_count,  # type: ignore[attr-defined]
                received_on=timezone.localtime(lead.received_at).date(),
                visit_due=lead.visit_due,
                decide_due=lead.decide_due,
                state=lead.state,
                state_label=lead.get_state_display(),
                visit_overdue=lead.state == LeadState.OPEN and lead.visit_due < today,
                decide_overdue=lead.state in OPEN_STATES and lead.decide_due < today,
                url=reverse("monitoring:lead", args=[lead.pk]),
            )
        )
    region_params = {"region": str(region.pk)} if region is not None else {}
    return {
        "page": page,
        "rows": rows,
        "nav": nav,
        "region": region,
        "filters": filters,
        "today": today,
        "channels": Channel.choices,
        "states": list(STATES.items()),
        "overdue_choices": list(OVERDUE.items()),
        "ages": [(k, v[0]) for k, v in AGES.items()],
        "query": urlencode({**region_params, **filters.params()}),
        "region_params": urlencode(filters.params()),
    }


def overdue_counts(user: AnyUser) -> tuple[int, int]:
    """(逾期未核实, 逾期未办结) of the slice, today: the counts of the inbox's overdue=visit
    and overdue=decide lists."""
    today = timezone.localdate()
    leads = scoped(user)
    found = leads.aggregate(
        visit=Count("pk", filter=overdue_visit(today)),
        decide=Count("pk", filter=overdue_decision(today)),
    )
    return found["visit"], found["decide"]


def inbox_url(**params: str) -> str:
    return reverse("monitoring:leads") + ("?" + urlencode(params) if params else "")


# --- a lead's page -----------------------------------------------------------------------------

STEP_LABELS = {
    None: "收到线索",
    "visit": "入户核实",
    "reject": "不纳入",
    "link": "关联农户",
    "identify": "纳入监测（启动识别）",
}


def may_start(user: AnyUser, lead: Lead) -> bool:
    """纳入监测（启动识别）: the chain's first step, 入户核实, is the village's."""
    from identification.access import may_act

    from .chains import VISIT

    return may_act(user, VISIT.perm, lead.village_code)


def lead_page(user: AnyUser, pk: Any) -> dict[str, Any]:
    """A lead with its sources (every channel kept), its clock and its history; 404 outside
    the slice. Personal data masked."""
    lead = get_row(Lead.objects.select_related("village", "household", "decided_by"), user, pk)
    today = timezone.localdate()
    sources = list(lead.sources.select_related("reporter").order_by("at", "pk"))
    entries = list(
        AuditEntry.objects.filter(object_type="monitoring.lead", object_id=str(lead.pk))
        .select_related("user")
        .order_by("at", "pk")
    )
    history = []
    for entry in entries:
        step = entry.detail.get("step")
        label = STEP_LABELS.get(step, step)
        if step is None:
            label = "合并线索" if entry.detail.get("merged") else "收到线索"
            label += "（" + Channel(entry.detail.get("channel", "self")).label + "）"
        history.append({"at": entry.at, "label": label, "who": entry.username or "申报人"})
    handle = may(user, HANDLE_LEADS, lead.village_code) and lead.is_open
    monitored = Monitored.objects.filter(lead=lead, case__isnull=False).order_by("-pk").first()
    return {
        "lead": lead,
        "id_number": idnumbers.mask(lead.id_number) if lead.id_number else "—",
        "phone": mask_phone(lead.phone) if lead.phone else "—",
        "sources": sources,
        "history": history,
        "received_on": timezone.localtime(lead.received_at).date(),
        "visit_overdue": lead.state == LeadState.OPEN and lead.visit_due < today,
        "decide_overdue": lead.is_open and lead.decide_due < today,
        "can_visit": handle and lead.state == LeadState.OPEN,
        "can_reject": handle,
        "can_link": handle and lead.household_id is None,
        "can_identify": handle and lead.household_id is not None and may_start(user, lead),
        "case_url": (reverse("identification:case", args=[monitored.case_id]) if monitored else ""),
        "household_url": (
            reverse("households:detail", args=[lead.household_id])
            if lead.household_id and access.has_code_perm(user, VIEW, lead.village_code)
            else ""
        ),
    }


def link_choices(user: AnyUser, lead: Lead) -> list[tuple[int, str]]:
    """关联农户: the households of the lead's village the account reads, those with a member of
    the lead's ID number first (a family just registered for the lead is one of them)."""
    from households.access import filter_households
    from households.choices import HouseholdStatus
    from households.models import Household

    found = (
        filter_households(Household.objects.filter(village_code=lead.village_code), user)
        .exclude(status=HouseholdStatus.REMOVED)
        .order_by("-pk")
        .values_list("pk", "number", "head_name")[:300]
    )
    matching: set[int] = set()
    if lead.id_number:
        lo, hi = code_range(lead.village_code[:6])
        matching = set(
            filter_households(
                Household.objects.filter(
                    village_code__gte=lo,
                    village_code__lt=hi,
                    members__id_number=lead.id_number,
                    members__active=True,
                ),
                user,
            ).values_list("pk", flat=True)
        )
    rows = [(pk, f"{number} {head or '（未填户主）'}") for pk, number, head in found]
    first = [(pk, label + "（身份证号码相符）") for pk, label in rows if pk in matching]
    return first + [(pk, label) for pk, label in rows if pk not in matching]

"""The core of the lead inbox: receiving a report from any channel, merged with an open lead
of the same family, with its clock. The channels' pages and the department comparison call
`receive` inside their own transaction; `receive` itself checks nothing about who reports
(the caller did): it only files the report where it belongs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from households.models import Household, Member
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from villages.models import code_range

from .choices import RISKS_MAX, Channel, LeadState, RiskKind
from .clocks import due_dates
from .errors import MonitoringError
from .models import Lead, LeadSource

if TYPE_CHECKING:
    from villages.models import Region

    from .models import DepartmentRow

OPEN_STATES = (LeadState.OPEN, LeadState.VISITED)
HARDSHIP_MAX = 1000


@dataclass(frozen=True)
class Report:
    """What a report says: the family (a household, or a name and ID number for a family not
    registered), its village and the hardship."""

    village: Region
    channel: str
    hardship: str
    name: str = ""
    id_number: str = ""
    phone: str = ""
    household: Household | None = None
    risks: tuple[str, ...] = ()
    department_row: DepartmentRow | None = None


def new_number() -> str:
    """受理编号: JC + date + 6 random digits; what the person keeps to look the lead up."""
    today = timezone.localdate().strftime("%Y%m%d")
    return f"JC{today}{secrets.randbelow(10**6):06d}"


def clean_risks(risks: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(r for r in risks if r))
    unknown = [r for r in chosen if r not in RiskKind.values]
    if unknown:
        raise MonitoringError("风险类型不正确。", "risks")
    if len(chosen) > RISKS_MAX:
        raise MonitoringError(f"风险类型最多选择{RISKS_MAX}项。", "risks")
    return chosen


def household_of(id_number: str, county_code: str) -> Household | None:
    """The household an ID number belongs to in the county (an active member), if any."""
    if not id_number:
        return None
    member = (
        Member.objects.filter(id_number=id_number, active=True)
        .filter(
            household__village_code__gte=code_range(county_code)[0],
            household__village_code__lt=code_range(county_code)[1],
        )
        .select_related("household")
        .first()
    )
    return member.household if member else None


def free_numbers(count: int) -> list[str]:
    """`count` distinct 受理编号 no lead and no receipt holds: drawn together and checked in
    one statement, the taken ones drawn again (a batch of reports costs one query, not one a
    number)."""
    numbers: set[str] = set()
    taken: set[str] = set()
    while True:
        candidates: set[str] = set()
        while len(numbers) + len(candidates) < count:
            number = new_number()
            if number not in numbers and number not in taken:
                candidates.add(number)
        if not candidates:
            return list(numbers)
        found = set(
            Lead.objects.filter(number__in=candidates)
            .order_by()
            .values_list("number", flat=True)
            .union(
                LeadSource.objects.filter(receipt__in=candidates)
                .order_by()
                .values_list("receipt", flat=True)
            )
        )
        taken |= found
        numbers |= candidates - found


def receive(actor: Actor, report: Report) -> tuple[Lead, bool]:
    """File a report (call inside a transaction): (the lead, whether it is new). A report of a
    family that already has an open lead in the county joins it as one more source."""
    source, created = receive_source(actor, report)
    return source.lead, created


def receive_source(actor: Actor, report: Report) -> tuple[LeadSource, bool]:
    """receive, answering the source it filed: a 农户自主申报 carries its 受理编号 (`receipt`:
    the lead's number when the report opened it, a number of its own when merged)."""
    return receive_many(actor, [report])[0]


class _Open:
    """The open leads of one county that a batch can join, by household and by ID number:
    the earliest lead (by pk; a lead opened in the batch after every stored one) wins, as
    `open_lead_of` would answer after each report."""

    def __init__(self, leads: Iterable[Lead]) -> None:
        self.rank: dict[int, int] = {}
        self.by_household: dict[int, Lead] = {}
        self.by_id: dict[str, Lead] = {}
        for lead in leads:  # ordered by pk
            self.remember(lead)

    def remember(self, lead: Lead) -> None:
        rank = self.rank.setdefault(id(lead), len(self.rank))
        household = lead.household_id
        if household and self.rank[id(self.by_household.get(household, lead))] >= rank:
            self.by_household[household] = lead
        number = lead.id_number
        if number and self.rank[id(self.by_id.get(number, lead))] >= rank:
            self.by_id[number] = lead

    def find(self, household: Household | None, id_number: str) -> Lead | None:
        found = [
            lead
            for lead in (
                self.by_household.get(household.pk) if household is not None else None,
                self.by_id.get(id_number) if id_number else None,
            )
            if lead is not None
        ]
        return min(found, key=lambda lead: self.rank[id(lead)]) if found else None


def _open_leads(county_code: str, reports: list[tuple[Report, Household | None]]) -> _Open:
    """The open leads of the county of any household or ID number of the batch (one query,
    locked)."""
    households = {h.pk for _, h in reports if h is not None}
    numbers = {r.id_number for r, _ in reports if r.id_number}
    lo, hi = code_range(county_code)
    if not households and not numbers:
        return _Open([])
    return _Open(
        Lead.objects.select_for_update()
        .filter(
            Q(household_id__in=households) | Q(id_number__in=numbers),
            state__in=OPEN_STATES,
            village_code__gte=lo,
            village_code__lt=hi,
        )
        .order_by("pk")
    )


def _checked(report: Report) -> tuple[str, list[str]]:
    hardship = (report.hardship or "").strip()
    if not hardship:
        raise MonitoringError("请填写困难情况。", "hardship")
    if len(hardship) > HARDSHIP_MAX:
        raise MonitoringError(f"困难情况不能超过{HARDSHIP_MAX}字。", "hardship")
    if report.channel not in Channel.values:
        raise MonitoringError("线索来源不正确。", "channel")
    return hardship, clean_risks(report.risks)


def receive_many(actor: Actor, reports: list[Report]) -> list[tuple[LeadSource, bool]]:
    """File a batch of reports (call inside a transaction), in order, as `receive_source`
    would one after the other: each report joins the open lead of its family (stored, or
    opened by an earlier report of the batch) or opens one. The writes are in bulk: one query
    for the open leads of each county, one for the new numbers, one insert each of the leads,
    the sources and the audit entries, one update of the leads that changed; so a department
    file of 500 rows a chunk costs the same statements for 5 hits or 500."""
    checked = [_checked(report) for report in reports]
    families = [(r, r.household or household_of(r.id_number, r.village.code[:6])) for r in reports]
    counties: dict[str, _Open] = {}
    for county_code in dict.fromkeys(r.village.code[:6] for r in reports):
        here = [(r, h) for r, h in families if r.village.code[:6] == county_code]
        counties[county_code] = _open_leads(county_code, here)
    now = timezone.now()
    new_leads: list[Lead] = []
    changed: dict[int, Lead] = {}  # stored leads a report changed, by pk
    filed: list[tuple[Lead, bool, Report, str]] = []
    for (report, household), (hardship, risks) in zip(families, checked, strict=True):
        county_code = report.village.code[:6]
        leads = counties[county_code]
        id_number = report.id_number
        lead = leads.find(household, id_number)
        created = lead is None
        if lead is None:
            visit_due, decide_due = due_dates(now, county_code)
            lead = Lead(
                number="",
                village_id=household.village_id if household else report.village.pk,
                village_code=household.village_code if household else report.village.code,
                household=household,
                name=(report.name or (household.head_name if household else ""))[:50],
                id_number=id_number,
                phone=report.phone,
                hardship=hardship,
                risks=risks,
                received_at=now,
                visit_due=visit_due,
                decide_due=decide_due,
            )
            new_leads.append(lead)
        elif _merge(lead, household, id_number, risks) and lead.pk is not None:
            changed[lead.pk] = lead
        leads.remember(lead)
        filed.append((lead, created, report, hardship))
    receipts = [not created and r.channel == Channel.SELF_REPORT for _, created, r, _ in filed]
    numbers = iter(free_numbers(len(new_leads) + sum(receipts)))
    for lead in new_leads:
        lead.number = next(numbers)
    Lead.objects.bulk_create(new_leads)
    if changed:
        Lead.objects.bulk_update(
            list(changed.values()), ["household", "id_number", "risks", "version"]
        )
    sources = LeadSource.objects.bulk_create(
        LeadSource(
            lead=lead,
            channel=report.channel,
            detail=hardship,
            reporter=actor.account_or_none,
            department_row=report.department_row,
            receipt=(
                next(numbers)
                if own
                else (lead.number if created and report.channel == Channel.SELF_REPORT else None)
            ),
        )
        for (lead, created, report, hardship), own in zip(filed, receipts, strict=True)
    )
    audit.record_many(
        actor,
        audit.LEAD,
        [
            (lead, {"channel": report.channel, "merged": not created, "number": lead.number})
            for lead, created, report, _ in filed
        ],
    )
    return [(source, created) for source, (_, created, _, _) in zip(sources, filed, strict=True)]


def _merge(lead: Lead, household: Household | None, id_number: str, risks: list[str]) -> bool:
    """A report joins `lead`: the household and ID number it lacked, the risks added (at most
    RISKS_MAX); the version rises when anything changed. True when it did."""
    changed: dict[str, Any] = {}
    if household is not None and lead.household_id is None:
        changed["household"] = household
    if id_number and not lead.id_number:
        changed["id_number"] = id_number
    merged_risks = clean_risks([*lead.risks, *risks][:RISKS_MAX])
    if merged_risks != lead.risks:
        changed["risks"] = merged_risks
    for name, value in changed.items():
        setattr(lead, name, value)
    if changed:
        lead.version += 1
    return bool(changed)

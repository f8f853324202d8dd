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


def open_lead_of(household: Household | None, id_number: str, county_code: str) -> Lead | None:
    """The open lead of the same family in the county, to merge a new report into."""
    q = Q(pk__in=[])
    if household is not None:
        q |= Q(household=household)
    if id_number:
        q |= Q(id_number=id_number)
    return (
        Lead.objects.select_for_update()
        .filter(
            q,
            state__in=OPEN_STATES,
            village_code__gte=code_range(county_code)[0],
            village_code__lt=code_range(county_code)[1],
        )
        .order_by("pk")
        .first()
    )


def _number_taken(number: str) -> bool:
    return (
        Lead.objects.filter(number=number).exists()
        or LeadSource.objects.filter(receipt=number).exists()
    )


def receive(actor: Actor, report: Report) -> tuple[Lead, bool]:
    """File a report (call inside a transaction): (the lead, whether it is new). A report of a
    family that already has an open lead in the county joins it as one more source."""
    source, created = receive_source(actor, report)
    return source.lead, created


def receive_source(actor: Actor, report: Report) -> tuple[LeadSource, bool]:
    """receive, answering the source it filed: a 农户自主申报 carries its 受理编号 (`receipt`:
    the lead's number when the report opened it, a number of its own when merged)."""
    hardship = (report.hardship or "").strip()
    if not hardship:
        raise MonitoringError("请填写困难情况。", "hardship")
    if len(hardship) > HARDSHIP_MAX:
        raise MonitoringError(f"困难情况不能超过{HARDSHIP_MAX}字。", "hardship")
    if report.channel not in Channel.values:
        raise MonitoringError("线索来源不正确。", "channel")
    risks = clean_risks(report.risks)
    county_code = report.village.code[:6]
    household = report.household or household_of(report.id_number, county_code)
    id_number = report.id_number
    lead = open_lead_of(household, id_number, county_code)
    created = lead is None
    if lead is None:
        now = timezone.now()
        village_code = household.village_code if household else report.village.code
        visit_due, decide_due = due_dates(now, county_code)
        lead = Lead(
            number=new_number(),
            village_id=household.village_id if household else report.village.pk,
            village_code=village_code,
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
        while _number_taken(lead.number):
            lead.number = new_number()
        lead.save()
    else:
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
            lead.save()
    receipt = None
    if report.channel == Channel.SELF_REPORT:
        receipt = lead.number if created else new_number()
        while not created and _number_taken(receipt):
            receipt = new_number()
    source = LeadSource.objects.create(
        lead=lead,
        channel=report.channel,
        detail=hardship,
        reporter=actor.account_or_none,
        department_row=report.department_row,
        receipt=receipt,
    )
    audit.record(
        actor,
        audit.LEAD,
        obj=lead,
        detail={"channel": report.channel, "merged": not created, "number": lead.number},
    )
    return source, created

"""The actions on leads (线索): 基层干部排查 (a village, township or cadre account reports a
family), 农户自主申报 (the public 一码申报, no login), 入户核实, 不纳入 with the reason the
applicant is told, and linking a lead of a family not registered to the household the village
registered for it. 纳入监测（启动识别） is the identification chain's first step
(monitoring.identify)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from households import idnumbers
from households.access import get_household_for_user
from households.choices import HouseholdStatus
from households.models import Household
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.roles import HANDLE_LEADS, REPORT_LEADS
from poverty_system.core.text import PHONE_RE, clean_reason
from poverty_system.core.versioning import bump, check_version

from .access import get_row, may, report_villages
from .choices import Channel, LeadState
from .errors import MonitoringError
from .leads import OPEN_STATES, Report, receive, receive_source
from .models import Lead, LeadSource

if TYPE_CHECKING:
    from villages.models import Region

NAME_MAX = 50
NOTE_MAX = 1000
REASON_MAX = 500


def clean_id_number(value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise MonitoringError("请填写身份证号码。", "id_number")
        return ""
    try:
        return idnumbers.normalize(value)
    except idnumbers.InvalidIdNumber as exc:
        raise MonitoringError(str(exc), "id_number") from None


def clean_name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise MonitoringError("请填写姓名。", "name")
    if len(value) > NAME_MAX:
        raise MonitoringError(f"姓名不能超过 {NAME_MAX} 字。", "name")
    return value


def clean_phone(value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if not PHONE_RE.match(value):
        raise MonitoringError("请填写 11 位手机号码。", "phone")
    return value


# --- 基层干部排查 -------------------------------------------------------------------------------


def report_household(
    actor: Actor, household_pk: Any, hardship: str, risks: tuple[str, ...] = ()
) -> Lead:
    """上报监测线索 from a household's page: the household is in the account's slice (404
    outside it, 403 inside it without REPORT_LEADS)."""
    household = get_household_for_user(actor.user, household_pk)
    if not may(actor.user, REPORT_LEADS, household.village_code):
        raise PermissionDenied
    if household.status == HouseholdStatus.REMOVED:
        raise MonitoringError("该户已清退，不能上报监测线索。")
    with transaction.atomic(durable=True):
        lead, _ = receive(
            actor,
            Report(household.village, Channel.CADRE, hardship, household=household, risks=risks),
        )
    return lead


def report_family(
    actor: Actor,
    village: Region,
    *,
    name: str,
    id_number: str,
    phone: str,
    hardship: str,
    risks: tuple[str, ...] = (),
) -> Lead:
    """上报监测线索 of a family not registered (or whose household the reporter does not
    know): its name, ID number and phone, in a village the account may report in."""
    if not report_villages(actor.user).filter(pk=village.pk).exists():
        raise MonitoringError("请选择您辖区内的村。", "village")
    report = Report(
        village,
        Channel.CADRE,
        hardship,
        name=clean_name(name),
        id_number=clean_id_number(id_number, required=True),
        phone=clean_phone(phone, required=False),
        risks=risks,
    )
    with transaction.atomic(durable=True):
        lead, _ = receive(actor, report)
    return lead


# --- 农户自主申报 -------------------------------------------------------------------------------


def self_report(
    actor: Actor,
    village: Region,
    *,
    name: str,
    phone: str,
    id_number: str,
    hardship: str,
    household: Household | None = None,
) -> str:
    """一码申报 (no login): files the report and answers its 受理编号, the only thing the
    person is shown. From a household's QR page the household is known (ID number optional)."""
    if village.level != "village":
        raise MonitoringError("请选择所在的村。", "village")
    report = Report(
        village,
        Channel.SELF_REPORT,
        hardship,
        name=clean_name(name),
        phone=clean_phone(phone, required=True),
        id_number=clean_id_number(id_number, required=household is None),
        household=household,
    )
    with transaction.atomic(durable=True):
        source, _ = receive_source(actor, report)
    assert source.receipt  # a self-report always gets one (monitoring.leads)
    return source.receipt


def receipt_status(number: str) -> dict[str, Any] | None:
    """申报查询: what a 受理编号 may tell anyone holding it: the state, the dates, and the
    reason of a 不纳入 (told to the applicant). Nothing about the family."""
    number = (number or "").strip().upper()
    if not number or len(number) > 20:
        return None
    source = (
        LeadSource.objects.filter(receipt=number, channel=Channel.SELF_REPORT)
        .select_related("lead")
        .first()
    )
    if source is None:
        return None
    lead = source.lead
    return {
        "number": number,
        "state": lead.get_state_display(),
        "state_code": lead.state,
        "reported_at": source.at,
        "visited_at": lead.visited_at,
        "decided_at": lead.decided_at,
        "reason": lead.decision_reason if lead.state == LeadState.REJECTED else "",
    }


# --- handling a lead ---------------------------------------------------------------------------


def _locked(actor: Actor, pk: Any, version: Any) -> Lead:
    """The lead under its row lock, after the slice (404) and HANDLE_LEADS (403) checks and
    the version the form was opened with."""
    lead = get_row(Lead.objects.all(), actor.user, pk)
    if not may(actor.user, HANDLE_LEADS, lead.village_code):
        raise PermissionDenied
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    check_version(lead, version, what="该线索")
    if lead.state not in OPEN_STATES:
        raise MonitoringError(f"该线索已办结（{lead.get_state_display()}）。")
    return lead


def record_visit(actor: Actor, pk: Any, note: str, *, version: Any) -> Lead:
    """入户核实: the visit done, with what was found."""
    note = clean_reason(note, "核实情况", limit=NOTE_MAX, field="note", error=MonitoringError)
    with transaction.atomic(durable=True):
        lead = _locked(actor, pk, version)
        if lead.state != LeadState.OPEN:
            raise MonitoringError("该线索已入户核实。")
        now = timezone.now()
        lead.state, lead.visited_at, lead.visit_note = LeadState.VISITED, now, note
        bump(lead)
        lead.save(update_fields=["state", "visited_at", "visit_note", "version"])
        late = timezone.localtime(now).date() > lead.visit_due
        audit.record(actor, audit.LEAD, obj=lead, detail={"step": "visit", "late": late})
    return lead


def reject(actor: Actor, pk: Any, reason: str, *, version: Any) -> Lead:
    """不纳入: the lead ends with the reason, which the applicant sees on 申报查询."""
    reason = clean_reason(reason, "不纳入理由", limit=REASON_MAX, error=MonitoringError)
    with transaction.atomic(durable=True):
        lead = _locked(actor, pk, version)
        now = timezone.now()
        lead.state, lead.decided_at, lead.decided_by = LeadState.REJECTED, now, actor.account
        lead.decision_reason = reason
        bump(lead)
        lead.save(update_fields=["state", "decided_at", "decided_by", "decision_reason", "version"])
        late = timezone.localtime(now).date() > lead.decide_due
        audit.record(actor, audit.LEAD, obj=lead, detail={"step": "reject", "late": late})
    return lead


def link_household(actor: Actor, pk: Any, household_pk: Any, *, version: Any) -> Lead:
    """A lead of a family not registered: the household the village registered for it (through
    the households' own forms), so that identification can start."""
    household = get_household_for_user(actor.user, household_pk)
    with transaction.atomic(durable=True):
        lead = _locked(actor, pk, version)
        if lead.household_id is not None:
            raise MonitoringError("该线索已关联农户。", "household")
        if household.village_code[:6] != lead.village_code[:6]:
            raise MonitoringError("请选择本县的农户。", "household")
        if household.status == HouseholdStatus.REMOVED:
            raise MonitoringError("该户已清退。", "household")
        other = (
            Lead.objects.filter(household=household, state__in=OPEN_STATES)
            .exclude(pk=lead.pk)
            .first()
        )
        if other is not None:
            raise MonitoringError(f"该户已有待办线索（{other.number}）。", "household")
        if (
            lead.id_number
            and not household.members.filter(id_number=lead.id_number, active=True).exists()
        ):
            raise MonitoringError("该户成员中没有线索登记的身份证号码。", "household")
        lead.household = household
        lead.village_id, lead.village_code = household.village_id, household.village_code
        bump(lead)
        lead.save(update_fields=["household", "village", "village_code", "version"])
        audit.record(
            actor, audit.LEAD, obj=lead, detail={"step": "link", "household": household.pk}
        )
    return lead

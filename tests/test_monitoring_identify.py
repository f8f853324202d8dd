"""识别 of monitored households: 入户核实 (monitoring.identify.start) and the monitoring chain
on the identification engine, each rule from both sides."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from households.choices import HouseholdStatus as S
from identification import services as identification
from identification.errors import IdentificationError
from identification.models import Attachment, Case
from identification.states import StepInput
from monitoring import identify
from monitoring.choices import Category, EventKind, LeadState, MonitorState, RiskKind
from monitoring.errors import MonitoringError
from monitoring.models import Monitored, MonitoringRules
from poverty_system.core.actor import Actor

from .identification_data import days_ago
from .monitoring_data import (
    actors,
    advance_to,
    chain_inputs,
    identified,
    lead_of,
    lifted_household,
    new_family,
    start,
    village_actor,
    visit_input,
)

pytestmark = pytest.mark.django_db


def _start(world, lead, **kw):
    args = {"category": Category.MARGINAL, "risks": [RiskKind.ILLNESS], "data": visit_input()}
    args.update(kw)
    return identify.start(village_actor(world), lead.pk, **args)


def test_visit_creates_the_monitored_row_its_risks_and_the_case(world, sms_outbox):
    MonitoringRules.objects.create(
        county=world.county, county_code="360731", year=2026, line=Decimal("8000")
    )
    household = new_family(world)
    lead = lead_of(world, household)
    monitored = _start(world, lead, risks=[RiskKind.ILLNESS, RiskKind.SCHOOLING])
    assert monitored.state == MonitorState.IDENTIFYING
    assert monitored.line == Decimal("8000") and monitored.category == Category.MARGINAL
    assert sorted(monitored.risks.values_list("kind", flat=True)) == ["illness", "schooling"]
    case = Case.objects.get(pk=monitored.case_id)
    assert case.kind == "monitoring" and case.step == "m_check" and case.state == Case.State.OPEN
    assert Attachment.objects.filter(event__case=case, event__step="m_visit").count() == 1
    lead.refresh_from_db()
    assert lead.state == LeadState.VISITED and lead.visited_at is not None


def test_the_signed_consent_is_required(world, sms_outbox):
    lead = lead_of(world, new_family(world))
    with pytest.raises(MonitoringError, match="承诺授权书") as exc:
        _start(world, lead, data=visit_input(files=[]))
    assert exc.value.field == "attachments"
    assert not Monitored.objects.exists() and not Case.objects.exists()


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"risks": []}, "至少选择一项风险类型"),
        ({"risks": list(RiskKind.values)[:6]}, "最多选择5项"),
        ({"risks": ["nonsense"]}, "风险类型不正确"),
        ({"category": "x"}, "请选择监测对象类别"),
        ({"category": Category.UNSTABLE}, "脱贫不稳定户须为已脱贫户"),
        ({"data": visit_input(opinion="")}, "请填写核实情况"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(world, sms_outbox, kw, message):
    lead = lead_of(world, new_family(world))
    with pytest.raises((MonitoringError, IdentificationError), match=message):
        _start(world, lead, **kw)
    assert not Monitored.objects.exists() and not Case.objects.exists()
    lead.refresh_from_db()
    assert lead.state == LeadState.OPEN


def test_a_lifted_household_is_unstable_not_marginal(world, sms_outbox):
    household = lifted_household(world)
    with pytest.raises(MonitoringError, match="未纳入贫困户"):
        _start(world, lead_of(world, household), category=Category.MARGINAL)
    monitored = start(world, household, Category.UNSTABLE)  # the lead is still open
    assert monitored.state == MonitorState.IDENTIFYING


def test_a_poor_household_is_not_monitored(world, sms_outbox):
    from .households_data import register

    household = register(world.village_account, world.phone)
    assert household.status == S.POOR
    with pytest.raises(MonitoringError):
        _start(world, lead_of(world, household), category=Category.UNSTABLE)


def test_a_lead_without_household_is_refused(world, sms_outbox):
    from django.db import transaction

    from monitoring.choices import Channel
    from monitoring.leads import Report, receive

    with transaction.atomic():
        lead, _ = receive(
            Actor.system(world.county_office),
            Report(world.village, Channel.SELF_REPORT, "家里遭灾", name="孙八"),
        )
    with pytest.raises(MonitoringError, match="尚未关联农户"):
        _start(world, lead)


def test_only_the_village_of_the_lead_visits(world, sms_outbox):
    lead = lead_of(world, new_family(world))
    for account in (world.other_village_account, world.other_township_office):
        with pytest.raises(Http404):
            identify.start(Actor(account), lead.pk, category="marginal", risks=["illness"],
                           data=visit_input())  # fmt: skip
    for account in (world.township_office, world.county_office, world.city_office):
        with pytest.raises((PermissionDenied, Http404)):
            identify.start(Actor(account), lead.pk, category="marginal", risks=["illness"],
                           data=visit_input())  # fmt: skip
    with pytest.raises(PermissionDenied):
        identify.start(Actor(world.township_office), lead.pk, category="marginal",
                       risks=["illness"], data=visit_input())  # fmt: skip
    assert not Monitored.objects.exists()
    assert _start(world, lead).pk


def test_a_second_identification_of_the_same_household_is_refused(world, sms_outbox):
    household = new_family(world)
    start(world, household)
    with pytest.raises(MonitoringError):
        _start(world, lead_of(world, household, "又病了"))


def test_the_chain_records_the_identification(world, sms_outbox):
    household = new_family(world)
    monitored = identified(world, household)
    assert monitored.state == MonitorState.MONITORED
    assert monitored.identified_on is not None
    assert list(monitored.events.values_list("kind", flat=True)) == [EventKind.ADMITTED]
    household.refresh_from_db()
    assert household.status == S.MONITORED  # a family never registered becomes 监测户
    lead = monitored.lead
    lead.refresh_from_db()
    assert lead.state == LeadState.ADMITTED and lead.decided_at is not None
    assert Case.objects.get(pk=monitored.case_id).state == Case.State.DONE


def test_a_lifted_household_keeps_its_status(world, sms_outbox):
    household = lifted_household(world)
    monitored = identified(world, household)
    household.refresh_from_db()
    assert monitored.state == MonitorState.MONITORED and household.status == S.LIFTED


def test_village_publicity_follows_the_monitoring_rules(world, sms_outbox):
    """Monitoring's publicity_days (default 5), not identification's CountyRules (7)."""
    five_days = StepInput(opinion="无异议", start_date=days_ago(29), end_date=days_ago(25))
    monitored = start(world, new_family(world))
    advance_to(world, monitored, "m_check")
    identification.advance(village_actor(world), monitored.case_id, "m_village", five_days)
    assert Case.objects.get(pk=monitored.case_id).step == "m_township"

    MonitoringRules.objects.create(
        county=world.county, county_code="360731", year=2026, publicity_days=10
    )
    other = start(world, new_family(world, "周九"))
    advance_to(world, other, "m_check")
    with pytest.raises(IdentificationError, match="不少于 10 天"):
        identification.advance(village_actor(world), other.case_id, "m_village", five_days)


def test_a_return_goes_back_to_the_visit(world, sms_outbox):
    monitored = advance_to(world, start(world, new_family(world)), "m_village")
    identification.advance(
        Actor(world.township_office),
        monitored.case_id,
        "m_township",
        StepInput(approve=False, opinion="收入核算有误"),
    )
    case = Case.objects.get(pk=monitored.case_id)
    assert case.step == "m_visit" and case.return_reason == "收入核算有误"
    assert Monitored.objects.get(pk=monitored.pk).state == MonitorState.IDENTIFYING


def test_the_county_decides_not_to_admit(world, sms_outbox):
    monitored = advance_to(world, start(world, new_family(world)), "m_township")
    with pytest.raises(IdentificationError, match="不予纳入的理由"):
        identification.advance(
            Actor(world.county_office), monitored.case_id, "m_county", StepInput(decline=True)
        )
    identification.advance(
        Actor(world.county_office),
        monitored.case_id,
        "m_county",
        StepInput(decline=True, opinion="家庭收入高于监测范围"),
    )
    case = Case.objects.get(pk=monitored.case_id)
    assert case.state == Case.State.ENDED and case.step == ""
    monitored.refresh_from_db()
    assert monitored.state == MonitorState.NOT_ADMITTED
    lead = monitored.lead
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED and lead.decision_reason == "家庭收入高于监测范围"
    with pytest.raises(IdentificationError, match="已终止"):
        identification.advance(Actor(world.county_office), case.pk, "m_notice", StepInput())


def test_only_the_county_approval_may_decline(world, sms_outbox):
    monitored = advance_to(world, start(world, new_family(world)), "m_village")
    with pytest.raises(IdentificationError, match="不能作出不予纳入"):
        identification.advance(
            Actor(world.township_office),
            monitored.case_id,
            "m_township",
            StepInput(decline=True, opinion="不纳入"),
        )
    assert Case.objects.get(pk=monitored.case_id).state == Case.State.OPEN


def test_each_step_by_its_role(world, sms_outbox):
    monitored = start(world, new_family(world))
    people = actors(world)
    for code, who, data in chain_inputs():
        for other, actor in people.items():
            if other != who:
                with pytest.raises(PermissionDenied):
                    identification.advance(actor, monitored.case_id, code, data)
        identification.advance(people[who], monitored.case_id, code, data)


def test_the_case_page_shows_the_decision_due_and_flags_it_late(world, login, sms_outbox):
    from monitoring.models import Lead

    monitored = start(world, new_family(world))
    client = login(world.county_office)
    page = client.get(f"/identification/cases/{monitored.case_id}/").content.decode()
    due = monitored.lead.decide_due
    assert "识别办结期限" in page and f"{due:%Y-%m-%d}" in page and "已超期" not in page
    Lead.objects.filter(pk=monitored.lead_id).update(decide_due=days_ago(1))
    page = client.get(f"/identification/cases/{monitored.case_id}/").content.decode()
    assert "已超期" in page and "监测对象识别" in page
    assert "不予纳入" not in page  # the due step (信息比对) cannot decline


def test_the_check_shows_the_department_hits(world, sms_outbox):
    from django.db import transaction

    from monitoring.models import DepartmentFile, DepartmentRow

    household = new_family(world)
    monitored = start(world, household)
    member = household.members.get()
    with transaction.atomic():
        file = DepartmentFile.objects.create(
            county_code="360731",
            department="medical",
            year=2026,
            name="医保.xlsx",
            sha256="0" * 64,
            uploaded_by=world.county_office,
        )
        DepartmentRow.objects.create(
            file=file,
            row=2,
            id_number=member.id_number,
            member=member,
            village_code=household.village_code,
            reason="合规自付超过预警线",
        )
    identification.advance(
        Actor(world.county_office), monitored.case_id, "m_check", StepInput(opinion="已核")
    )
    event = Case.objects.get(pk=monitored.case_id).events.get(step="m_check")
    department = [h for h in event.hits if h["kind"] == "department"]
    assert department and "合规自付超过预警线" in department[0]["detail"]
    assert member.id_number not in str(event.hits)

"""两公示一比对一公告: the chain of steps of a new household, each step by its role only,
early, out-of-order and repeated steps refused, returns, the county's checks, attachments."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from households.choices import HouseholdStatus as S
from households.models import Household, StatusChange
from identification import services
from identification.chains import ADMISSION_STEPS, chain_of
from identification.errors import IdentificationError
from identification.models import Case, CaseEvent, CountyRules
from identification.states import StepInput
from poverty_system.core.actor import Actor
from poverty_system.core.models import AppendOnlyError, AuditEntry

from .households_data import make_id, member, no_sms_throttle, register  # noqa: F401
from .identification_data import admission_inputs, admit, days_ago

pytestmark = pytest.mark.django_db
INPUTS = dict(admission_inputs())


def registered(world, name="张三", **kwargs):
    """A registered household with no problem of 数据质量检查 (its main cause is 因病, so its
    member has a chronic illness)."""
    kwargs.setdefault("health", "chronic")
    return register(world.village_account, world.phone, [member(name, **kwargs)], admitted=False)


def village(world):
    return Actor(world.village_account, world.phone)


def png(name="公示.png"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_a_new_household_becomes_poor_only_at_the_announcement(world):
    household = registered(world)
    assert household.status == S.REGISTERING and household.parts_done == 7
    chain = chain_of("new")
    case = admit(household, village(world), until="apply")
    actors = {
        "village": village(world),
        "township": Actor(world.township_office),
        "county": Actor(world.county_office),
    }
    for step in chain.steps[1:-1]:
        services.advance(actors[step.role], case.pk, step.code, INPUTS[step.code])
        household.refresh_from_db()
        assert household.status == S.REGISTERING, step.code
    services.advance(Actor(world.county_office), case.pk, "announcement", INPUTS["announcement"])
    household.refresh_from_db()
    case.refresh_from_db()
    assert household.status == S.POOR and case.state == Case.State.DONE and case.step == ""
    events = list(case.events.order_by("at", "pk"))
    assert [e.step for e in events] == [s.code for s in chain.steps]
    assert {e.actor for e in events} == {
        world.village_account,
        world.township_office,
        world.county_office,
    }
    change = StatusChange.objects.get(household=household)
    assert change.actor == world.county_office and change.year == case.year
    assert household.first_publicity_date == days_ago(39)
    assert household.second_publicity_result == "无异议"
    assert AuditEntry.objects.filter(action="identification_step").count() == len(chain.steps)


def test_every_step_answers_only_its_role_and_slice(world, login):
    """At each step: the step's role can; every other account of the slice 403; outside 404."""
    household = registered(world)
    case = admit(household, village(world), until="apply")
    others = {
        "village": world.village_account,
        "township": world.township_office,
        "county": world.county_office,
    }
    for step in ADMISSION_STEPS[1:]:
        for name in ("city_office", "unit_account", "cadre_account", "admin"):
            client = login(getattr(world, name))
            response = client.post(f"/identification/cases/{case.pk}/step/", {"step": step.code})
            assert response.status_code == 403, (step.code, name)
        for role, account in others.items():
            if role == step.role:
                continue
            client = login(account)
            response = client.post(f"/identification/cases/{case.pk}/step/", {"step": step.code})
            assert response.status_code == 403, (step.code, role)
        for account in (
            world.other_township_office,
            world.other_village_account,
            world.other_county_office,
        ):
            client = login(account)
            assert client.get(f"/identification/cases/{case.pk}/").status_code == 404
            response = client.post(f"/identification/cases/{case.pk}/step/", {"step": step.code})
            assert response.status_code == 404, (step.code, account.username)
        client = login(others[step.role])
        data = INPUTS[step.code]
        post = {"step": step.code, "opinion": data.opinion, "decision": "approve"}
        for name in ("date", "start_date", "end_date"):
            if getattr(data, name):
                post[name] = getattr(data, name).isoformat()
        response = client.post(f"/identification/cases/{case.pk}/step/", post)
        assert response.status_code == 302, response.content.decode()
        case.refresh_from_db()
        assert case.events.filter(step=step.code).exists()
    household.refresh_from_db()
    assert household.status == S.POOR
    # Readers of the slice see the case; the city office reads it too.
    page = login(world.city_office).get(f"/identification/cases/{case.pk}/").content.decode()
    assert household.number in page and "已公告" in page


def test_steps_out_of_order_early_or_repeated_are_refused_with_the_reason(world):
    household = registered(world)
    case = admit(household, village(world), until="apply")
    township, county = Actor(world.township_office), Actor(world.county_office)
    with pytest.raises(IdentificationError, match="请先办理【村内公示】"):
        services.advance(township, case.pk, "township_review", StepInput(opinion="同意"))
    with pytest.raises(IdentificationError, match="已办理，不能重复办理"):
        services.advance(village(world), case.pk, "apply", INPUTS["apply"])
    # A 公示 shorter than 7 days is refused; one that has not ended holds the next step.
    with pytest.raises(IdentificationError, match="不少于 7 天"):
        services.advance(
            village(world),
            case.pk,
            "village_publicity",
            StepInput(start_date=days_ago(2), end_date=days_ago(-3)),
        )
    with pytest.raises(IdentificationError, match="不能早于上一环节"):
        services.advance(
            village(world),
            case.pk,
            "village_publicity",
            StepInput(start_date=days_ago(45), end_date=days_ago(35)),
        )
    services.advance(
        village(world),
        case.pk,
        "village_publicity",
        StepInput(start_date=days_ago(1), end_date=days_ago(-6)),
    )
    with pytest.raises(IdentificationError, match="公示期满后才能办理【乡镇审核】"):
        services.advance(township, case.pk, "township_review", StepInput(opinion="同意"))
    with pytest.raises(IdentificationError, match="请先办理"):
        services.advance(county, case.pk, "announcement", StepInput(start_date=days_ago(0)))
    case.refresh_from_db()
    assert case.step == "township_review" and case.events.count() == 2


def test_publicity_days_are_the_countys_data(world):
    CountyRules.objects.create(county=world.county, publicity_days=10)
    household = registered(world)
    case = admit(household, village(world), until="apply")
    with pytest.raises(IdentificationError, match="不少于 10 天"):
        services.advance(
            village(world),
            case.pk,
            "village_publicity",
            StepInput(start_date=days_ago(39), end_date=days_ago(31)),  # 9 days
        )


def test_a_return_sends_the_case_back_to_the_application_with_the_reason(world, login):
    household = registered(world)
    case = admit(household, village(world), until="village_publicity")
    township = Actor(world.township_office)
    with pytest.raises(IdentificationError, match="请填写退回原因"):
        services.advance(township, case.pk, "township_review", StepInput(approve=False))
    services.advance(
        township, case.pk, "township_review", StepInput(approve=False, opinion="评议记录不全")
    )
    case.refresh_from_db()
    assert case.step == "apply" and case.return_reason == "评议记录不全"
    page = login(world.village_account).get(f"/identification/cases/{case.pk}/").content.decode()
    assert "退回原因：评议记录不全" in page and "农户申请、民主评议" in page
    # The village applies again; the chain runs again from there.
    services.advance(village(world), case.pk, "apply", INPUTS["apply"])
    case.refresh_from_db()
    assert case.step == "village_publicity" and case.return_reason == ""
    assert [e.action for e in case.events.order_by("pk")] == ["done", "done", "returned", "done"]


def test_only_a_complete_registration_and_one_open_case(world):
    draft = register(world.village_account, world.phone, [member("王五")], parts_done=5)
    with pytest.raises(IdentificationError, match="七个部分"):
        services.start_case(village(world), draft.pk, "new", S.POOR, INPUTS["apply"])
    household = registered(world)
    admit(household, village(world), until="apply")
    with pytest.raises(IdentificationError, match="已有办理中"):
        services.start_case(village(world), household.pk, "new", S.POOR, INPUTS["apply"])
    with pytest.raises(PermissionDenied):
        services.start_case(Actor(world.township_office), draft.pk, "new", S.POOR, INPUTS["apply"])


def test_county_check_shows_every_hit_and_stores_them_masked(world, login):
    from units.models import Cadre

    shared = make_id(21, birth="19800101")
    Cadre.objects.create(unit=world.unit, name="赵干部", id_number=shared)
    household = registered(world, name="钱六", id_number=shared)
    clean = registered(world, name="孙七")
    case = admit(household, village(world), until="township_publicity")
    other = admit(clean, village(world), until="township_publicity")
    client = login(world.county_office)
    page = client.get(f"/identification/cases/{case.pk}/").content.decode()
    assert "于都县农业农村局的帮扶干部" in page and shared not in page
    assert f"{shared[:6]}********{shared[-4:]}" in page
    # A batch confirms cases without hits only.
    with pytest.raises(IdentificationError, match="1 户比对发现问题"):
        services.confirm_checks(Actor(world.county_office), [case.pk, other.pk])
    services.confirm_checks(Actor(world.county_office), [other.pk])
    other.refresh_from_db()
    assert other.step == "county_approval"
    services.advance(
        Actor(world.county_office), case.pk, "county_check", StepInput(opinion="已核实，非同一人")
    )
    event = CaseEvent.objects.get(case=case, step="county_check")
    assert event.hits and shared not in str(event.hits)
    assert event.hits[0]["kind"] == "cadre"


def test_hits_against_other_households_of_the_city(world):
    shared = make_id(31, birth="19700101")
    old = register(
        world.village_account,
        world.phone,
        [member("吴九"), member("周八", "son", id_number=shared)],
        admitted=False,
    )
    # The person left the old household (减少成员): the row stays, inactive.
    from households import services as household_services

    person = old.members.get(name="周八")
    household_services.remove_member(
        village(world), old, person, change="marriage_out", month=days_ago(40).replace(day=1)
    )
    person.refresh_from_db()
    assert not person.active
    new = registered(world, name="周八", id_number=shared)
    from identification.checks import check_hits

    case = admit(new, village(world), until="township_publicity")
    hits = check_hits([case])[case.pk]
    assert len(hits) == 1 and old.number in hits[0]["detail"] and "已减少" in hits[0]["detail"]


def test_attachments_are_checked_by_content_and_served_to_readers_only(world, login):
    household = registered(world)
    with pytest.raises(IdentificationError, match="JPEG、PNG 图片或 PDF"):
        services.start_case(
            village(world),
            household.pk,
            "new",
            S.POOR,
            StepInput(
                opinion="同意",
                date=days_ago(3),
                files=[SimpleUploadedFile("x.png", b"<html>not an image</html>")],
            ),
        )
    assert not Case.objects.exists()
    pdf = SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4\n%%EOF\n")
    case = services.start_case(
        village(world),
        household.pk,
        "new",
        S.POOR,
        StepInput(opinion="同意", date=days_ago(3), files=[png(), pdf]),
    )
    attachments = list(CaseEvent.objects.get(case=case).attachments.order_by("pk"))
    assert [a.content_type for a in attachments] == ["image/png", "application/pdf"]
    assert attachments[0].file.name.endswith(".png") and "公示" not in attachments[0].file.name
    client = login(world.township_office)
    response = client.get(f"/identification/attachments/{attachments[0].pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    client = login(world.other_township_office)
    assert client.get(f"/identification/attachments/{attachments[0].pk}/").status_code == 404


def test_events_are_append_only(world):
    household = registered(world)
    case = admit(household, village(world), until="apply")
    event = case.events.get()
    event.opinion = "改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(pk=event.pk).update(opinion="改")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(pk=event.pk).delete()


def test_registration_pages_lead_to_the_application(world, login):
    household = register(
        world.village_account, world.phone, [member("郑十")], parts_done=7, admitted=False
    )
    client = login(world.village_account, world.phone)
    page = client.get("/identification/new/").content.decode()
    assert household.number in page and "发起识别申请" in page
    response = client.post(
        f"/identification/households/{household.pk}/start/new/",
        {"step": "apply", "date": "2999-01-01", "opinion": "同意"},
    )
    assert response.status_code == 200 and "民主评议日期不能晚于今天" in response.content.decode()
    response = client.post(
        f"/identification/households/{household.pk}/start/new/",
        {"step": "apply", "date": days_ago(2).isoformat(), "opinion": "经评议同意"},
    )
    case = Case.objects.get(household=household)
    assert response.status_code == 302 and response.url == f"/identification/cases/{case.pk}/"
    assert Household.objects.get(pk=household.pk).status == S.REGISTERING
    # A second phone of the village may not start for a household it does not hold? It may
    # record the village's steps: the village is one office. Offices may not start at all.
    assert (
        login(world.township_office)
        .get(f"/identification/households/{household.pk}/start/new/")
        .status_code
        == 403
    )
    assert (
        login(world.other_village_account)
        .get(f"/identification/households/{household.pk}/start/new/")
        .status_code
        == 404
    )


# 县级比对 of a batch: locks, the ID-number checks, the writes (10), and the household rules of
# 数据质量检查: the counties' switches, the year's income lines (D02), one query per rule.
def batch_queries() -> int:
    from quality.checks import identification_rules

    return 10 + 2 + len(identification_rules())


def test_batch_county_check_runs_a_constant_number_of_queries(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def batch(n):
        households = [registered(world, name=f"批{n}{i}") for i in range(n)]
        cases = [admit(h, village(world), until="township_publicity") for h in households]
        with CaptureQueriesContext(connection) as queries:
            services.confirm_checks(Actor(world.county_office), [c.pk for c in cases])
        assert all(
            c.step == "county_approval" for c in Case.objects.filter(pk__in=[c.pk for c in cases])
        )
        return len(queries)

    assert batch(2) == batch(5) == batch_queries()
    # The county's batch page: ticks and the hits of each case.
    household = registered(world, name="页面")
    case = admit(household, village(world), until="township_publicity")
    client = login(world.county_office)
    page = client.get("/identification/cases/?step=county_check").content.decode()
    assert f'value="{case.pk}"' in page and "勾选户比对通过" in page
    response = client.post("/identification/cases/check/", {"cases": [case.pk]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.step == "county_approval"
    assert (
        login(world.township_office)
        .post("/identification/cases/check/", {"cases": [case.pk]})
        .status_code
        == 403
    )


def test_county_check_shows_the_problem_rules_of_the_household(world, login):
    """县级比对 runs the household rules of 数据质量检查 (issue 10) beside the ID numbers: a
    household whose main cause is 因病 with every member healthy shows C02 on its page and in
    the batch's count; once its causes are fixed the hit is gone and the batch confirms it."""
    from households import services as household_services
    from quality.models import RuleSwitch

    from .households_data import CAUSES

    household = registered(world, name="李病", health="healthy")
    case = admit(household, village(world), until="township_publicity")
    client = login(world.county_office)
    page = client.get(f"/identification/cases/{case.pk}/").content.decode()
    assert "数据质量 C02" in page and "主要致贫原因为因病，但家庭成员均健康" in page
    batch = client.get("/identification/cases/?step=county_check").content.decode()
    assert "1 项，请逐户办理" in batch
    with pytest.raises(IdentificationError, match="1 户比对发现问题"):
        services.confirm_checks(Actor(world.county_office), [case.pk])
    # A county that switched the rule off does not see it here either.
    RuleSwitch.objects.create(
        rule="C02",
        county=world.county,
        county_code=world.county.code,
        reason="测试",
        by=world.county_office,
    )
    assert "数据质量 C02" not in client.get(f"/identification/cases/{case.pk}/").content.decode()
    RuleSwitch.objects.all().delete()
    # Fixed: the main cause is 缺资金 now.
    household_services.save_part(
        village(world), Household.objects.get(pk=household.pk), 4, {**CAUSES, "main_cause": "funds"}
    )
    page = client.get(f"/identification/cases/{case.pk}/").content.decode()
    assert "数据质量 C02" not in page and "比对未发现问题" in page
    services.confirm_checks(Actor(world.county_office), [case.pk])
    case.refresh_from_db()
    assert case.step == "county_approval"

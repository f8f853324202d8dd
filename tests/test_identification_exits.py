"""Exits through 公示 (the county's choice), 返贫 through the chain, the notices (allowed
fields only), 标注重点帮扶对象, and two county officers deciding one case at once."""

import contextlib
import io
import re
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.http import Http404

from assessment import services as assessment
from households.choices import HouseholdStatus as S
from households.models import Household
from identification import services
from identification.errors import IdentificationError
from identification.models import Case, CountyRules, KeyHousehold
from identification.states import StepInput
from poverty_system.core.actor import Actor

from .assessment_data import failing_household, poor_household
from .households_data import make_id, member, no_sms_throttle, register  # noqa: F401
from .identification_data import admission_inputs, admit, days_ago

pytestmark = pytest.mark.django_db
INPUTS = dict(admission_inputs())
ID_PATTERN = re.compile(r"\d{17}[\dXx]|\d{6}\*{8}\d{3}[\dXx]")
PHONE_PATTERN = re.compile(r"1[3-9]\d{9}|1[3-9]\d\*{4}\d{4}")
CARD_PATTERN = re.compile(r"\d{12,19}")


def exit_mode(world, mode):
    CountyRules.objects.update_or_create(
        county=world.county,
        defaults={
            "exit_mode": mode,
            "township_phone": "0797-6221234",
            "county_phone": "0797-12317",
        },
    )


def start_exit(world, household, to="lifted"):
    return services.start_exits(
        Actor(world.township_office),
        [household.pk],
        to,
        StepInput(opinion="经民主评议、村两委和驻村工作队核实，达到脱贫标准", date=days_ago(30)),
    )[0]


PUBLICITY = StepInput(opinion="无异议", start_date=days_ago(29), end_date=days_ago(20))


def test_township_only_exit_stays_the_default(world):
    household = poor_household(world)
    outcome = assessment.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    assert [h.pk for h in outcome.changed] == [household.pk]
    with pytest.raises(IdentificationError, match="乡镇直接标注"):
        start_exit(world, poor_household(world, "乙"))


def test_exit_with_the_county_step_changes_the_status_at_the_announcement(world, login):
    exit_mode(world, CountyRules.ExitMode.COUNTY)
    household = poor_household(world)
    # The immediate 脱贫 of 贫困户脱贫情况 is refused in this county.
    with pytest.raises(assessment.AssessmentError, match="动态管理 › 脱贫"):
        assessment.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    # A household below the line does not start.
    with pytest.raises(IdentificationError, match="未达到脱贫标准"):
        start_exit(world, failing_household(world))
    case = start_exit(world, household)
    assert case.kind == "exit_county" and case.step == "village_publicity"
    township, county = Actor(world.township_office), Actor(world.county_office)
    village = Actor(world.village_account, world.phone)
    services.advance(village, case.pk, "village_publicity", PUBLICITY)
    services.advance(township, case.pk, "township_review", StepInput(opinion="同意"))
    with pytest.raises(IdentificationError, match="请先办理【县级核查】"):
        services.advance(township, case.pk, "exit_announcement", StepInput(start_date=days_ago(1)))
    with pytest.raises(PermissionDenied):
        services.advance(township, case.pk, "county_verification", StepInput(opinion="同意"))
    services.advance(county, case.pk, "county_verification", StepInput(opinion="核查属实"))
    assert Household.objects.get(pk=household.pk).status == S.POOR
    services.advance(township, case.pk, "exit_announcement", StepInput(start_date=days_ago(1)))
    assert Household.objects.get(pk=household.pk).status == S.LIFTED
    # The exit is on the village's 公告, with the supervision phones.
    page = login(world.township_office).get(
        f"/identification/villages/{world.village.pk}/notice/?stage=announcement"
    )
    html = page.content.decode()
    assert page.status_code == 200 and household.head_name in html and "脱贫" in html
    assert "0797-12317" in html


def test_exit_without_the_county_step(world):
    exit_mode(world, CountyRules.ExitMode.TOWNSHIP)
    household = poor_household(world)
    case = start_exit(world, household, "lifted_no_support")
    assert case.kind == "exit"
    village = Actor(world.village_account, world.phone)
    services.advance(village, case.pk, "village_publicity", PUBLICITY)
    services.advance(Actor(world.township_office), case.pk, "township_review", StepInput())
    services.advance(
        Actor(world.township_office),
        case.pk,
        "exit_announcement",
        StepInput(start_date=days_ago(1)),
    )
    assert Household.objects.get(pk=household.pk).status == S.LIFTED_NO_SUPPORT


def test_return_to_poverty_through_the_chain(world, login):
    household = poor_household(world)
    assessment.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    client = login(world.village_account, world.phone)
    assert household.number in client.get("/identification/returns/").content.decode()
    case = admit(household, Actor(world.village_account, world.phone), kind="return")
    assert case.state == Case.State.DONE
    assert Household.objects.get(pk=household.pk).status == S.RETURNED


def test_notices_never_contain_private_fields(world, login):
    """The village notice as a page and as a Word file (read back): head, group, size, kind,
    dates and the supervision phones, and no ID number, phone or bank card."""
    exit_mode(world, CountyRules.ExitMode.IMMEDIATE)
    head_id = make_id(41, birth="19750505")
    household = register(
        world.village_account,
        world.phone,
        [member("冯十一", id_number=head_id), member("陈十二", "spouse")],
        admitted=False,
        group="三组",
    )
    # Private fields the notice must leave out (set directly: test data).
    Household.objects.filter(pk=household.pk).update(
        phone="13812345678", bank_account="6222020200112233445"
    )
    admit(household, Actor(world.village_account, world.phone), until="village_publicity")
    client = login(world.village_account, world.phone)
    html = client.get(
        f"/identification/villages/{world.village.pk}/notice/?stage=village_publicity"
    ).content.decode()
    response = client.get(
        f"/identification/villages/{world.village.pk}/notice.docx?stage=village_publicity"
    )
    assert response.status_code == 200
    from docx import Document

    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    body = re.sub(r"<[^>]+>", " ", html.split("<article", 1)[1].split("</article>", 1)[0])
    for output in (body, text):
        assert "冯十一" in output and "三组" in output and "2 人" in output and "新识别" in output
        assert days_ago(39).isoformat() in output and "0797-6221234" in output
        assert not ID_PATTERN.search(output), output
        assert not PHONE_PATTERN.search(output), output
        assert not CARD_PATTERN.search(output.replace(days_ago(39).isoformat(), "")), output
    assert client.get(f"/identification/villages/{world.township.pk}/notice/").status_code == 404
    assert (
        login(world.other_village_account)
        .get(f"/identification/villages/{world.village.pk}/notice/")
        .status_code
        == 404
    )


def test_key_households_marked_listed_filtered_and_removed(world, login):
    household = poor_household(world)
    other = poor_household(world, "乙")
    with pytest.raises(PermissionDenied):
        services.mark_key(Actor(world.village_account, world.phone), household.pk, "illness")
    with pytest.raises(Http404):
        services.mark_key(Actor(world.other_township_office), household.pk, "illness")
    with pytest.raises(IdentificationError, match="请填写说明"):
        services.mark_key(Actor(world.township_office), household.pk, "other")
    client = login(world.township_office)
    response = client.post(
        f"/identification/households/{household.pk}/key/", {"reason": "elderly_alone"}
    )
    assert response.status_code == 302
    services.mark_key(Actor(world.county_office), other.pk, "disability", "肢体一级")
    with pytest.raises(IdentificationError, match="已标注"):
        services.mark_key(Actor(world.county_office), other.pk, "illness")
    page = client.get("/identification/key-households/?reason=elderly_alone").content.decode()
    assert household.number in page and other.number not in page
    page = client.get("/identification/key-households/").content.decode()
    assert household.number in page and other.number in page and "重残" in page
    assert (
        login(world.village_account)
        .post(f"/identification/households/{household.pk}/key/", {"reason": "illness"})
        .status_code
        == 403
    )
    mark = KeyHousehold.objects.get(household=household)
    assert (
        login(world.other_township_office)
        .post(f"/identification/key-households/{mark.pk}/remove/", {"end_reason": "x"})
        .status_code
        == 404
    )
    client = login(world.township_office)
    client.post(f"/identification/key-households/{mark.pk}/remove/", {"end_reason": "已入住敬老院"})
    mark.refresh_from_db()
    assert mark.ended_at is not None and mark.ended_by == world.township_office
    page = client.get("/identification/key-households/").content.decode()
    assert household.number not in page
    assert (
        household.number in client.get("/identification/key-households/?active=0").content.decode()
    )


def test_county_rules_edited_by_the_county_only(world, login):
    client = login(world.county_office)
    response = client.post(
        "/identification/rules/",
        {"publicity_days": "5", "exit_mode": "county", "township_phone": "", "county_phone": ""},
    )
    assert "公示天数须在 7 到 60 天之间" in response.content.decode()
    response = client.post(
        "/identification/rules/",
        {"publicity_days": "10", "exit_mode": "county", "township_phone": "1", "county_phone": "2"},
    )
    assert response.status_code == 302
    rules = CountyRules.objects.get(county=world.county)
    assert (rules.publicity_days, rules.exit_mode) == (10, "county")
    assert login(world.township_office).get("/identification/rules/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_county_officers_deciding_one_case_at_once(world):
    """One approves, one returns 县级审批 at the same moment: one wins, the other is told."""
    from poverty_system.core.roles import Role
    from villages.accounts import create_account

    second, _ = create_account(
        Actor(world.security),
        username="county2",
        role=Role.COUNTY,
        regions=[world.county],
        full_name="于都县扶贫办二",
        password="Fupin@2026x",
        must_change_password=False,
    )
    household = register(world.village_account, world.phone, [member("并发")], admitted=False)
    case = admit(household, Actor(world.village_account, world.phone), until="county_check")
    barrier = threading.Barrier(2, timeout=20)
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    results = {}

    def run(name, actor, data):
        try:
            barrier.wait()
            with turns:
                results[name] = services.advance(actor, case.pk, "county_approval", data)
        except Exception as exc:
            results[name] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=run, args=("approve", Actor(world.county_office), StepInput(opinion="批准"))
        ),
        threading.Thread(
            target=run, args=("return", Actor(second), StepInput(approve=False, opinion="材料不全"))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results.values() if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], IdentificationError), results
    assert "已办理" in errors[0].message or "已退回" in errors[0].message
    case.refresh_from_db()
    assert case.events.filter(step="county_approval").count() == 1
    assert case.step in ("announcement", "apply")

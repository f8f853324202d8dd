"""扶贫对象登记表 (procedure 5): seven parts in the manual's order, drafts, numbering, the
automatic claim, and the member rules of 家庭基本情况 (ID numbers, one head)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from households import services
from households.choices import HouseholdStatus
from households.models import Claim, Household, Member, StatusChange
from poverty_system.core.actor import Actor

from .households_data import (
    APPROVAL,
    make_id,
    member,
    member_rows,
    no_sms_throttle,  # noqa: F401  (autouse fixture)
    part1_post,
    part_post,
    register,
)
from .identification_data import admit

pytestmark = pytest.mark.django_db

PART_SLUGS = ["basic", "production", "income", "causes", "application", "survey", "approval"]


def url(household, slug):
    return f"/households/{household.pk}/{slug}/"


def test_seven_parts_in_order_through_the_pages(world, login):
    client = login(world.village_account, world.phone)
    head_id = make_id(11, birth="19790101")  # 17th digit 1: male
    response = client.post(
        "/households/register/",
        part1_post(
            [member("张三", id_number=head_id), member("李梅", "spouse", make_id(birth="19820315"))]
        ),
    )
    household = Household.objects.get()
    assert response.status_code == 302 and response.url == url(household, "production")
    assert household.number == world.village.full_code + "0001"
    assert household.status == HouseholdStatus.REGISTERING and household.parts_done == 1
    assert household.village_code == world.village.code and household.size == 2
    assert household.head_name == "张三"
    claim = Claim.objects.get(household=household)
    assert claim.active and claim.phone == world.phone and claim.account == world.village_account

    # A later part does not open before the earlier ones are saved.
    for slug in PART_SLUGS[2:]:
        response = client.get(url(household, slug))
        assert response.status_code == 302 and response.url == url(household, "production")
        client.post(url(household, slug), part_post(household, PART_SLUGS.index(slug) + 1))
    household.refresh_from_db()
    assert household.parts_done == 1 and not household.application_date

    for number, slug in enumerate(PART_SLUGS[1:], start=2):
        assert client.get(url(household, slug)).status_code == 200
        response = client.post(url(household, slug), part_post(household, number))
        assert response.status_code == 302, response.content.decode()
        household.refresh_from_db()
        assert household.parts_done == number
        if number < 7:
            assert household.status == HouseholdStatus.REGISTERING
            assert response.url == url(household, PART_SLUGS[number])
    # The last part leaves the household 登记中: it goes on to its identification.
    assert household.status == HouseholdStatus.REGISTERING and household.registered_at is None
    assert response.url == f"/identification/households/{household.pk}/start/new/"
    assert not StatusChange.objects.filter(household=household).exists()
    case = admit(household, Actor(world.village_account, world.phone))
    household.refresh_from_db()
    assert household.status == HouseholdStatus.POOR and household.registered_at is not None
    assert case.state == "done"
    change = StatusChange.objects.get(household=household)
    assert (change.from_status, change.to_status) == ("registering", "poor")
    assert change.actor == world.county_office
    # The 审批表 part is the record of the chain: its dates and results come from the steps.
    assert household.appraisal_result == "经民主评议，同意申请"
    assert household.county_approval_result == "批准"
    head = household.members.get(relation="head")
    assert head.id_number == head_id
    assert head.gender == "male" and head.birth_date == datetime.date(1979, 1, 1)
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "登记完成" in page and head_id not in page and head.masked_id_number in page


def test_per_capita_income_is_computed_and_shown_never_typed(world, login):
    household = register(
        world.village_account, world.phone, [member("张三"), member("李梅", "spouse")], parts_done=2
    )
    client = login(world.village_account, world.phone)
    response = client.post(
        url(household, "income"), part_post(household, 3, net_income_per_capita="99999")
    )
    assert response.status_code == 302
    household.refresh_from_db()
    # (6000 + 2000 + 1200 − 1200) / 2
    assert household.net_income_per_capita == Decimal("4000.00")
    page = client.get(url(household, "income")).content.decode()
    assert "4000.00" in page and 'name="net_income_per_capita"' not in page


def test_a_draft_can_be_left_and_resumed(world, login):
    draft = register(world.village_account, world.phone, [member("王五")], parts_done=3)
    other = register(
        world.other_village_account, world.other_phone, [member("外村户")], parts_done=1
    )
    done = register(world.village_account, world.phone, [member("赵六")])
    client = login(world.village_account, world.phone)
    page = client.get("/households/register/").content.decode()
    assert draft.number in page and "继续填写【致贫原因调查】" in page
    assert url(draft, "causes") in page
    assert other.number not in page and done.number not in page
    assert client.get(url(draft, "causes")).status_code == 200

    # Another phone of the village sees the draft but cannot fill it.
    client = login(world.village_account, world.phone2)
    page = client.get("/households/register/").content.decode()
    assert draft.number in page and url(draft, "causes") not in page
    response = client.get(url(draft, "causes"))
    assert response.status_code == 403
    assert "139****0001（刘书记）" in response.content.decode()


def test_numbers_follow_the_village_sequence(world):
    first = register(world.village_account, world.phone, parts_done=1)
    second = register(world.village_account, world.phone, parts_done=1)
    elsewhere = register(world.other_village_account, world.other_phone, parts_done=1)
    assert first.number == "3607311002010001" and second.number == "3607311002010002"
    assert elsewhere.number == "3607311010010001"


def test_registration_and_parts_are_refused_to_other_accounts(world, login):
    household = register(world.village_account, world.phone, parts_done=2)
    # Village-only pages: other roles are refused by the view's rule (403) wherever the
    # household lies; the other village's account does not learn that it exists (404).
    expected = {
        "village_account": 200,
        "other_village_account": 404,
        "township_office": 403,
        "other_township_office": 403,
        "county_office": 403,
        "other_county_office": 403,
        "city_office": 403,
        "unit_account": 403,
        "cadre_account": 403,
        "admin": 403,
    }
    for name, status in expected.items():
        client = login(getattr(world, name))
        for slug in ("basic", "production", "income"):
            assert client.get(url(household, slug)).status_code == status, (name, slug)
            if status != 200:
                response = client.post(url(household, slug), part_post(household, 3))
                assert response.status_code == status, (name, slug)
        register_status = 200 if name in ("village_account", "other_village_account") else 403
        assert client.get("/households/register/").status_code == register_status, name
    household.refresh_from_db()
    assert household.parts_done == 2 and household.wage_income == 0


def test_offices_reading_a_draft_are_told_they_may_only_read(world, login):
    household = register(world.village_account, world.phone, parts_done=1)
    client = login(world.township_office)
    assert client.get(url(household, "basic")).status_code == 403
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert url(household, "basic") not in page


def test_part_errors_are_shown_next_to_the_field(world, login):
    household = register(world.village_account, world.phone, parts_done=1)
    client = login(world.village_account, world.phone)
    response = client.post(
        url(household, "production"),
        part_post(household, 2, arable_area="abc", irrigated_area="-1"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["arable_area"] == ["请填写数字。"]
    assert "不能为负数。" in form.errors["irrigated_area"]
    household.refresh_from_db()
    assert household.parts_done == 1


def test_causes_need_a_main_cause_and_no_repeat(world, login):
    household = register(world.village_account, world.phone, parts_done=3)
    client = login(world.village_account, world.phone)
    response = client.post(
        url(household, "causes"), part_post(household, 4, main_cause="", other_causes=["illness"])
    )
    assert response.context["form"].errors["main_cause"] == ["请选择主要致贫原因。"]
    response = client.post(
        url(household, "causes"),
        part_post(household, 4, main_cause="illness", other_causes=["illness", "land"]),
    )
    assert response.context["form"].errors["other_causes"] == [
        "其他致贫原因不能与主要致贫原因相同。"
    ]
    response = client.post(
        url(household, "causes"),
        part_post(household, 4, main_cause="illness", other_causes=["land", "water"]),
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.other_causes == ["land", "water"] and household.parts_done == 4


def test_approval_dates_follow_each_other(world, login):
    household = register(world.village_account, world.phone, parts_done=6)
    client = login(world.village_account, world.phone)
    response = client.post(
        url(household, "approval"),
        part_post(
            household,
            7,
            county_approval_date=APPROVAL["appraisal_date"] - datetime.timedelta(days=1),
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["county_approval_date"] == [
        "县级审批日期不能早于乡镇第二次公示日期。"
    ]
    response = client.post(
        url(household, "approval"), part_post(household, 7, county_approval_result="")
    )
    assert response.context["form"].errors["county_approval_result"] == ["请填写此项。"]
    household.refresh_from_db()
    assert household.status == HouseholdStatus.REGISTERING and household.parts_done == 6


# --- members of 家庭基本情况 --------------------------------------------------------------


def post_new(client, members):
    return client.post("/households/register/", part1_post(members))


def member_errors(response, row):
    return response.context["formset"].forms[row].errors


def test_id_number_check_digit_and_length_are_validated(world, login):
    client = login(world.village_account, world.phone)
    good = make_id()
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = post_new(client, [member("张三", id_number=bad_check)])
    assert member_errors(response, 0)["id_number"] == ["身份证号码校验位不正确，请核对。"]
    response = post_new(client, [member("张三", id_number="36073119800101")])
    assert member_errors(response, 0)["id_number"] == ["身份证号码应为 18 位（或 15 位旧号码）。"]
    response = post_new(client, [member("张三", id_number="36073119801301001X")])
    assert member_errors(response, 0)["id_number"]
    assert not Household.objects.exists() and not Member.objects.exists()


def test_a_15_digit_number_is_upgraded_and_gender_and_birth_come_from_it(world, login):
    client = login(world.village_account, world.phone)
    response = post_new(
        client,
        [
            member("张三", id_number="360731800101002"),
            member("李梅", "spouse", make_id(birth="19850607")),
        ],
    )
    assert response.status_code == 302
    head = Member.objects.get(name="张三")
    assert head.id_number == "36073119800101002" + head.id_number[-1]
    assert len(head.id_number) == 18 and head.gender == "female"  # 17th digit 2: even
    assert head.birth_date == datetime.date(1980, 1, 1)
    spouse = Member.objects.get(name="李梅")
    assert spouse.birth_date == datetime.date(1985, 6, 7)
    # Gender and birth date cannot be typed.
    page = client.get(f"/households/{head.household_id}/basic/").content.decode()
    assert 'name="members-0-gender"' not in page and 'name="members-0-birth_date"' not in page


def test_exactly_one_head(world, login):
    client = login(world.village_account, world.phone)
    response = post_new(client, [member("张三", "spouse"), member("李梅", "son")])
    assert member_errors(response, 0)["relation"] == [
        "请在家庭成员中指定一名户主（与户主关系选“户主”）。"
    ]
    response = post_new(client, [member("张三"), member("李梅")])
    assert member_errors(response, 1)["relation"] == ["家庭成员中须有且只有一名户主。"]
    response = client.post("/households/register/", part1_post([]))
    assert "请至少填写户主的信息。" in response.content.decode()
    assert not Household.objects.exists()


def test_a_repeated_id_number_names_the_household_holding_it(world, login):
    holder_id = make_id()
    holder = register(world.village_account, world.phone, [member("张三", id_number=holder_id)])
    client = login(world.village_account, world.phone)
    response = post_new(client, [member("李四", id_number=holder_id)])
    message = member_errors(response, 0)["id_number"][0]
    assert holder.number in message and "贡江镇" in message or world.village.name in message
    assert "户主 张三" in message
    # Repeated inside one submission.
    twin = make_id()
    response = post_new(client, [member("李四", id_number=twin), member("李五", "son", twin)])
    assert member_errors(response, 1)["id_number"] == ["与第 1 行成员的身份证号码重复。"]
    assert Household.objects.count() == 1


def test_full_width_and_odd_digits_in_an_id_number(world, login):
    """A full-width number (Chinese input method) is the same number as the ASCII one, so the
    repeat is caught; a character python-stdnum cannot read is a message, not a 500."""
    holder_id = make_id()
    register(world.village_account, world.phone, [member("张三", id_number=holder_id)])
    client = login(world.village_account, world.phone)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in holder_id)
    response = post_new(client, [member("李四", id_number=full_width)])
    assert "户主 张三" in member_errors(response, 0)["id_number"][0]
    odd = holder_id[:16] + "\u00b2" + holder_id[17]  # a superscript two
    response = post_new(client, [member("李四", id_number=odd)])
    assert response.status_code == 200
    assert member_errors(response, 0)["id_number"]
    assert Household.objects.count() == 1
    response = login(world.township_office).post("/households/", {"q": odd}, follow=True)
    assert response.status_code == 200


def test_outside_the_slice_the_holding_head_is_masked(world, login):
    holder_id = make_id()
    holder = register(
        world.other_village_account, world.other_phone, [member("欧阳修", id_number=holder_id)]
    )
    client = login(world.village_account, world.phone)
    response = post_new(client, [member("李四", id_number=holder_id)])
    message = member_errors(response, 0)["id_number"][0]
    assert holder.number in message and world.other_village.name in message
    assert "欧阳修" not in message and "户主 欧**" in message


def test_editing_members_in_part_one(world, login):
    household = register(
        world.village_account, world.phone, [member("张三"), member("李梅", "spouse")], parts_done=3
    )
    client = login(world.village_account, world.phone)
    rows, existing = member_rows(household)
    rows[0]["relation"], rows[1]["relation"] = "spouse", "head"  # swap the head
    rows.append(member("张小", "son", make_id(birth="20100101")))
    response = client.post(url(household, "basic"), part1_post(rows, existing, group="第二组"))
    assert response.status_code == 302, response.content.decode()
    household.refresh_from_db()
    assert household.head_name == "李梅" and household.size == 3 and household.group == "第二组"
    assert household.net_income_per_capita == Decimal("2666.67")
    assert household.parts_done == 3


def test_after_registration_new_members_come_through_natural_changes(world, login):
    household = register(world.village_account, world.phone, [member("张三")])
    client = login(world.village_account, world.phone)
    rows, existing = member_rows(household)
    page = client.get(url(household, "basic")).content.decode()
    assert "人口自然变更" in page and 'name="members-1-name"' not in page
    rows.append(member("张小", "son"))
    response = client.post(url(household, "basic"), part1_post(rows, existing))
    assert "登记完成后新增家庭成员请使用【人口自然变更】。" in response.content.decode()
    assert household.members.count() == 1


def test_the_action_refuses_without_a_verified_phone(world):
    from villages.models import Region

    village = Region.objects.get(pk=world.village.pk)
    with pytest.raises(services.EditRefused):
        services.start_registration(Actor(world.village_account), village, {}, [member("张三")])
    with pytest.raises(services.EditRefused):
        services.start_registration(
            Actor(world.village_account, world.other_phone), village, {}, [member("张三")]
        )
    assert not Household.objects.exists()


def test_register_menu_and_page_links(world, login):
    client = login(world.village_account, world.phone)
    page = client.get("/").content.decode()
    assert reverse("households:register") in page and reverse("households:claims") in page

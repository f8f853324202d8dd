"""Input bounds (issue 04, item 4), from the forms: free text has a maximum length, dates
that record the past cannot be in the future, amounts have sane upper bounds, a negative
per-capita net income is saved only when confirmed (and is listed by 数据质量检查,
rule D01), and a phone number of another village account is registered only with an audited
confirmation. Each refusal is a Chinese message next to the field, and nothing is saved."""

import datetime

import pytest
from django.utils import timezone

from households.models import Household
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry
from villages.models import VillagePhone

from .households_data import (  # noqa: F401
    member,
    member_rows,
    no_sms_throttle,
    part1_post,
    part_post,
    register,
)

pytestmark = pytest.mark.django_db

URLS = {2: "production", 3: "income", 4: "causes", 5: "application", 6: "survey", 7: "approval"}
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


@pytest.fixture
def household(world):
    return register(world.village_account, world.phone, [member("张三"), member("李梅", "spouse")])


@pytest.fixture
def village(world, login):
    """The claiming village session (the household's editor)."""
    return login(world.village_account, world.phone)


def refused(village, household, part, field, message, **overrides):
    """POST part `part` with `overrides`: the message is next to `field` and nothing changed."""
    before = Household.objects.get(pk=household.pk)
    history = Household.history.filter(id=household.pk).count()
    response = village.post(
        f"/households/{household.pk}/{URLS[part]}/", part_post(household, part, **overrides)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    page = response.content.decode()
    assert f'<p class="error" role="alert">{message}</p>' in page
    after = Household.objects.get(pk=household.pk)
    assert after.version == before.version
    for name in overrides:
        assert getattr(after, name) == getattr(before, name)
    assert Household.history.filter(id=household.pk).count() == history
    return response


@pytest.mark.parametrize(
    "part,field,limit",
    [
        (5, "application_statement", 1000),
        (6, "survey_findings", 1000),
        (4, "cause_note", 200),
        (6, "survey_by", 50),
        (7, "appraisal_result", 200),
    ],
)
def test_free_text_has_a_maximum_length(village, household, part, field, limit):
    refused(
        village, household, part, field, f"不能超过 {limit} 字。", **{field: "申" * (limit + 1)}
    )
    ok = village.post(
        f"/households/{household.pk}/{URLS[part]}/",
        part_post(household, part, **{field: "申" * limit}),
    )
    assert ok.status_code == 302
    assert getattr(Household.objects.get(pk=household.pk), field) == "申" * limit


def test_a_12000_character_statement_is_refused(village, household):
    refused(
        village,
        household,
        5,
        "application_statement",
        "不能超过 1000 字。",
        **{"application_statement": "因病致贫" * 3000},
    )
    response = village.get(f"/households/{household.pk}/application/")
    assert 'maxlength="1000"' in response.content.decode()


def test_the_group_of_part_one_has_a_maximum_length(village, household):
    rows, existing = member_rows(household)
    response = village.post(
        f"/households/{household.pk}/basic/", part1_post(rows, existing, group="组" * 31)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["group"] == ["不能超过 30 字。"]
    assert Household.objects.get(pk=household.pk).group == "第一组"


@pytest.mark.parametrize(
    "part,field",
    [
        (5, "application_date"),
        (6, "survey_date"),
        (7, "appraisal_date"),
        (7, "first_publicity_date"),
        (7, "township_review_date"),
        (7, "second_publicity_date"),
        (7, "county_approval_date"),
    ],
)
def test_dates_that_record_the_past_cannot_be_in_the_future(village, household, part, field):
    overrides = {field: TOMORROW}
    if part == 7:  # keep the steps in order: every later step tomorrow too
        names = list(part_post(household, 7))
        dated = [n for n in names if n.endswith("_date")]
        for name in dated[dated.index(field) :]:
            overrides[name] = TOMORROW
    response = refused(village, household, part, field, "不能晚于今天。", **overrides)
    assert response.context["form"].errors[field] == ["不能晚于今天。"]
    today = village.post(
        f"/households/{household.pk}/{URLS[part]}/",
        part_post(household, part, **{k: timezone.localdate() for k in overrides}),
    )
    assert today.status_code == 302


@pytest.mark.parametrize(
    "part,field,value,message",
    [
        (3, "wage_income", "10000000.01", "不能超过 1000 万元。"),
        (3, "production_costs", "20000000", "不能超过 1000 万元。"),
        (3, "dibao_subsidy", "99999999", "不能超过 1000 万元。"),
        (2, "forest_area", "100000.01", "不能超过 10 万亩。"),
        (2, "water_surface_area", "500000", "不能超过 10 万亩。"),
        (2, "housing_area", "10001", "不能超过 10000 平方米。"),
        (2, "distance_to_road_km", "1000.1", "不能超过 1000 公里。"),
    ],
)
def test_amounts_have_upper_bounds(village, household, part, field, value, message):
    refused(village, household, part, field, message, **{field: value})


def test_the_bounds_themselves_are_accepted(village, household):
    response = village.post(
        f"/households/{household.pk}/income/",
        part_post(household, 3, wage_income="10000000", production_costs="0"),
    )
    assert response.status_code == 302
    response = village.post(
        f"/households/{household.pk}/production/",
        part_post(household, 2, forest_area="100000", distance_to_road_km="1000"),
    )
    assert response.status_code == 302


def test_a_months_away_over_twelve_is_refused(village, household):
    rows, existing = member_rows(household)
    rows[0]["months_away"] = 13
    response = village.post(f"/households/{household.pk}/basic/", part1_post(rows, existing))
    assert response.status_code == 200
    assert "不能超过 12" in response.context["formset"].forms[0].errors["months_away"][0]


# --- a negative per-capita net income -------------------------------------------------------


def test_negative_income_is_saved_only_when_confirmed_and_then_listed(world, login, household):
    client = login(world.village_account, world.phone)
    url = f"/households/{household.pk}/income/"
    costs = {"production_costs": "20000"}  # income 9,200: costs above income
    response = client.get(url)
    assert "确认生产经营性支出大于收入" not in response.content.decode()

    response = client.post(url, part_post(household, 3, **costs))
    assert response.status_code == 200
    errors = response.context["form"].errors["confirm_negative_income"]
    assert "人均纯收入将为负数" in errors[0] and "-5400.00" in errors[0]
    page = response.content.decode()
    assert "确认生产经营性支出大于收入" in page and 'name="confirm_negative_income"' in page
    household.refresh_from_db()
    assert household.net_income_per_capita > 0

    response = client.post(
        url, {**part_post(household, 3, **costs), "confirm_negative_income": "on"}, follow=True
    )
    household.refresh_from_db()
    assert str(household.net_income_per_capita) == "-5400.00"
    assert "人均纯收入为负数" in response.content.decode()  # the warning after saving

    office = login(world.township_office)
    other = register(world.village_account, world.phone, [member("王五")])
    found = office.get("/quality/rule/", {"rule": "D01"})  # 人均纯收入为负数
    assert [row.number for row in found.context["rows"]] == [household.number]
    everyone = office.get("/households/")
    assert {row.number for row in everyone.context["rows"]} == {household.number, other.number}


def test_the_action_refuses_a_negative_income_without_the_confirmation(world, household):
    from decimal import Decimal

    from households import services
    from households.services import HouseholdError
    from poverty_system.core.actor import Actor

    from .households_data import INCOME

    data = {**INCOME, "production_costs": Decimal("20000")}
    with pytest.raises(HouseholdError):
        services.save_part(Actor(world.village_account, world.phone), household, 3, data)
    saved = services.save_part(
        Actor(world.village_account, world.phone),
        household,
        3,
        data,
        confirm_negative_income=True,
    )
    assert saved.net_income_per_capita < 0


# --- a phone number of another village account ---------------------------------------------


def test_a_phone_of_another_village_needs_an_audited_confirmation(world, login):
    """13900000009 is registered to other_village_account; the township office of the
    village registers it for village_account: refused until confirmed, then audited."""
    client = login(world.township_office)
    url = f"/phones/{world.village_account.pk}/"
    response = client.post(url, {"phone": "13900000009", "holder": "外村"})
    assert response.status_code == 200
    errors = response.context["form"].errors["confirm_reassign"]
    assert "已登记在其他村级账号" in errors[0]
    assert "确认转登记" in response.content.decode()
    assert not world.village_account.phones.filter(phone="13900000009").exists()
    assert not AuditEntry.objects.filter(action=audit.PHONE_REASSIGN).exists()

    response = client.post(
        url, {"phone": "13900000009", "holder": "外村", "confirm_reassign": "on"}
    )
    assert response.status_code == 302
    added = world.village_account.phones.active().get(phone="13900000009")
    assert VillagePhone.objects.get(pk=world.other_phone.pk).active  # the other stays
    entry = AuditEntry.objects.get(action=audit.PHONE_REASSIGN)
    assert entry.user == world.township_office and entry.object_id == str(added.pk)
    assert entry.detail["phone"] == "139****0009"
    assert entry.detail["also_on_accounts"] == [world.other_village_account.username]
    assert "13900000009" not in str(entry.detail)


def test_a_phone_free_or_only_deactivated_elsewhere_needs_no_confirmation(world, login):
    from villages.accounts import deactivate_village_phone

    deactivate_village_phone(Actor.system(world.other_township_office), world.other_phone)
    client = login(world.township_office)
    url = f"/phones/{world.village_account.pk}/"
    assert client.post(url, {"phone": "13900000009", "holder": "外村"}).status_code == 302
    assert client.post(url, {"phone": "13700000055", "holder": "新人"}).status_code == 302
    assert not AuditEntry.objects.filter(action=audit.PHONE_REASSIGN).exists()


def test_a_holder_name_has_a_maximum_length(world, login):
    client = login(world.township_office)
    response = client.post(
        f"/phones/{world.village_account.pk}/", {"phone": "13700000056", "holder": "名" * 51}
    )
    assert response.context["form"].errors["holder"] == ["使用人不能超过 50 字。"]


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "abc"])
def test_odd_numbers_in_the_income_form_never_fail(village, household, value):
    response = village.post(
        f"/households/{household.pk}/income/", part_post(household, 3, production_costs=value)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["production_costs"]


def test_a_nul_character_in_a_parameter_is_refused_with_a_chinese_400(world, login):
    """PostgreSQL cannot hold a NUL in text: a search or a form carrying one is told so in
    Chinese (400), never a 500, and the same search without it still answers."""
    client = login(world.county_office)
    response = client.get("/households/", {"q": "张\x00三"})
    assert response.status_code == 400
    assert "无效字符" in response.content.decode()
    response = client.post("/households/", {"q": "\x00"})
    assert response.status_code == 400
    assert "无效字符" in response.content.decode()
    assert client.get("/households/", {"q": "张三"}).status_code == 200

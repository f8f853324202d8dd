"""人口自然变更 (add and remove members with a reason and month; removed members stay and no
longer count) and 分户 (split into a new household of the same village)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from households import services
from households.choices import HouseholdStatus
from households.models import Claim, Household, Member, StatusChange
from poverty_system.core.actor import Actor

from .households_data import make_id, member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.django_db
MAY = datetime.date(2016, 5, 1)


@pytest.fixture
def household(world):
    # Income 8,000 over 3 people.
    return register(
        world.village_account,
        world.phone,
        [
            member("张三"),
            member("李梅", "spouse"),
            member("张小", "son", make_id(birth="20050101")),
        ],
    )


def add_post(**extra):
    data = {
        **{
            k: v
            for k, v in member("张宝", "son", make_id(birth="20160301")).items()
            if v is not False
        },
        "change": "birth",
        "change_month": "2016-05",
    }
    data["has_basic_medical"] = "on"
    data.update(extra)
    return data


def test_add_a_member_recomputes_size_and_income(world, login, household):
    assert household.size == 3 and household.net_income_per_capita == Decimal("2666.67")
    client = login(world.village_account, world.phone)
    response = client.post(f"/households/{household.pk}/members/add/", add_post())
    assert response.status_code == 302, response.content.decode()
    household.refresh_from_db()
    assert household.size == 4 and household.net_income_per_capita == Decimal("2000.00")
    baby = Member.objects.get(name="张宝")
    assert baby.change == "birth" and baby.change_month == MAY and baby.active
    assert baby.birth_date == datetime.date(2016, 3, 1)


def test_add_needs_a_reason_a_month_and_a_valid_free_id(world, login, household):
    client = login(world.village_account, world.phone)
    url = f"/households/{household.pk}/members/add/"
    errors = client.post(url, add_post(change="", change_month="")).context["form"].errors
    assert errors["change"] and errors["change_month"] == ["请填写变更年月。"]
    errors = client.post(url, add_post(change="death")).context["form"].errors
    assert errors["change"]  # a removal reason is not an addition reason
    taken = Member.objects.get(name="李梅").id_number
    errors = client.post(url, add_post(id_number=taken)).context["form"].errors
    assert household.number in errors["id_number"][0]
    errors = client.post(url, add_post(relation="head")).context["form"].errors
    assert errors["relation"][0].startswith("该户已有户主")
    errors = client.post(url, add_post(change_month="2999-01")).context["form"].errors
    assert errors["change_month"] == ["变更年月不能晚于本月。"]
    assert household.members.count() == 3


def test_remove_a_member_keeps_it_greyed_and_recomputes(world, login, household):
    client = login(world.village_account, world.phone)
    son = Member.objects.get(name="张小")
    response = client.post(
        f"/households/{household.pk}/members/remove/",
        {
            "member": son.pk,
            "change": "move_out",
            "change_month": "2016-05",
            "change_note": "外出落户",
        },
    )
    assert response.status_code == 302
    son.refresh_from_db()
    assert not son.active and son.change == "move_out" and son.change_note == "外出落户"
    household.refresh_from_db()
    assert household.size == 2 and household.net_income_per_capita == Decimal("4000.00")
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "张小" in page and "迁出 2016-05" in page
    # The removed member's ID is free for another household now.
    other = register(world.village_account, world.phone, [member("张小", id_number=son.id_number)])
    assert other.size == 1


def test_the_head_leaves_only_with_a_successor(world, login, household):
    client = login(world.village_account, world.phone)
    head = Member.objects.get(name="张三")
    url = f"/households/{household.pk}/members/remove/"
    response = client.post(url, {"member": head.pk, "change": "death", "change_month": "2016-05"})
    assert response.context["form"].errors["new_head"] == [
        "户主不能直接减少：该户还有其他在册成员，请同时指定一名成员为新户主。"
    ]
    assert Member.objects.get(pk=head.pk).active

    spouse = Member.objects.get(name="李梅")
    response = client.post(
        url,
        {"member": head.pk, "change": "death", "change_month": "2016-05", "new_head": spouse.pk},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    spouse.refresh_from_db()
    assert spouse.relation == "head" and household.head_name == "李梅" and household.size == 2


def test_the_last_member_may_leave(world, household):
    for name in ("张小", "李梅", "张三"):
        services.remove_member(
            Actor(world.village_account, world.phone),
            household,
            Member.objects.get(name=name),
            change="death",
            month=MAY,
        )
    household.refresh_from_db()
    assert household.size == 0 and household.net_income_per_capita == 0
    assert household.members.count() == 3


def test_member_changes_only_by_the_claiming_phone(world, household):
    with pytest.raises(services.EditRefused, match="139\\*\\*\\*\\*0001"):
        services.add_member(
            Actor(world.village_account, world.phone2),
            household,
            member("x", "son"),
            change="birth",
            month=MAY,
        )
    with pytest.raises(PermissionDenied):
        services.remove_member(
            Actor(world.township_office),
            household,
            Member.objects.get(name="张小"),
            change="death",
            month=MAY,
        )
    assert household.members.filter(active=True).count() == 3


# --- 分户 ------------------------------------------------------------------------------------


def split_post(moves: dict, head, month="2016-05"):
    data = {"new_head": head.pk, "change_month": month}
    for m, relation in moves.items():
        data[f"move_{m.pk}"] = "on"
        data[f"relation_{m.pk}"] = relation
    return data


def test_split_moves_members_to_a_new_household(world, login):
    household = register(
        world.village_account,
        world.phone,
        [
            member("张三"),
            member("李梅", "spouse"),
            member("张大", "son"),
            member("王芳", "daughter_in_law"),
            member("张孙", "grandson", make_id(birth="20100101")),
        ],
    )
    son, wife, grandson = (Member.objects.get(name=n) for n in ("张大", "王芳", "张孙"))
    client = login(world.village_account, world.phone)
    response = client.post(
        f"/households/{household.pk}/split/",
        split_post({son: "", wife: "spouse", grandson: "son"}, son),
    )
    assert response.status_code == 302, response.content.decode()

    new = Household.objects.exclude(pk=household.pk).get()
    assert response.url == f"/households/{new.pk}/"
    assert new.number == world.village.full_code + "0002" and new.village == household.village
    assert new.status == HouseholdStatus.POOR and new.head_name == "张大" and new.size == 3
    assert new.main_cause == household.main_cause and new.wage_income == 0
    relations = dict(new.members.values_list("name", "relation"))
    assert relations == {"张大": "head", "王芳": "spouse", "张孙": "son"}
    assert Claim.objects.active().get(household=new).phone == world.phone
    assert StatusChange.objects.get(household=new).to_status == HouseholdStatus.POOR

    household.refresh_from_db()
    assert household.size == 2 and household.head_name == "张三"
    assert household.net_income_per_capita == Decimal("4000.00")
    old_rows = household.members.filter(active=False)
    assert {m.name for m in old_rows} == {"张大", "王芳", "张孙"}
    assert {m.change for m in old_rows} == {"split"}
    assert all(m.change_note == f"分户至 {new.number}" for m in old_rows)
    new_son = new.members.get(name="张大")
    assert new_son.id_number == son.id_number
    assert new_son.change_note == f"由户 {household.number} 分户迁入"
    # Both histories show the move.
    old_log = client.get(f"/households/{household.pk}/").context["log"].object_list
    assert any(c.subject == "成员 张大" and c.field == "在册" and c.new == "否" for c in old_log)
    new_log = client.get(f"/households/{new.pk}/").context["log"].object_list
    assert any(
        c.subject == "成员 张大"
        and c.field == "新增成员（户主）"
        and c.reason == f"由户 {household.number} 分户迁入"
        for c in new_log
    )


def test_split_refusals(world, login):
    household = register(
        world.village_account,
        world.phone,
        [member("张三"), member("李梅", "spouse"), member("张大", "son")],
    )
    head, spouse, son = (Member.objects.get(name=n) for n in ("张三", "李梅", "张大"))
    client = login(world.village_account, world.phone)
    url = f"/households/{household.pk}/split/"
    form = client.post(url, {"change_month": "2016-05"}).context["form"]
    assert "请勾选要分出的成员（户主不能分出）。" in form.non_field_errors()
    form = client.post(url, split_post({son: ""}, spouse)).context["form"]
    assert form.errors["new_head"] == ["新户主须是勾选分出的成员之一。"]
    form = client.post(url, split_post({son: "", spouse: ""}, son)).context["form"]
    assert form.errors[f"relation_{spouse.pk}"] == ["请选择李梅与新户主的关系。"]
    # The head is not offered, and the action refuses it too.
    assert f"move_{head.pk}" not in form.fields
    with pytest.raises(services.HouseholdError, match="户主不能分出"):
        services.split_household(
            Actor(world.village_account, world.phone),
            household,
            {head.pk: "", son.pk: "son"},
            son.pk,
            month=MAY,
        )
    assert Household.objects.count() == 1 and household.members.filter(active=True).count() == 3
    draft = register(
        world.village_account, world.phone, [member("赵一"), member("赵二", "son")], parts_done=2
    )
    with pytest.raises(services.HouseholdError, match="尚未完成登记"):
        services.split_household(
            Actor(world.village_account, world.phone),
            draft,
            {draft.members.get(name="赵二").pk: ""},
            draft.members.get(name="赵二").pk,
            month=MAY,
        )
    response = login(world.village_account, world.phone2).post(url, split_post({son: ""}, son))
    assert response.status_code == 403

"""自然村（村民小组）(issue 11): the village account and its township office keep a village's
natural villages (list, 添加, version-checked 修改, 删除 or 停用 when households name the group,
启用); other villages are 404, other roles 403/404; every write in the change log; the
household form's 村民小组 is chosen from the village's own groups; 自然村信息表 printed and
read back with python-docx."""

import io

import docx
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from households.forms import BasicForm
from households.models import Household
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry
from poverty_system.core.versioning import StaleEdit
from villages import natural
from villages.models import NaturalVillage

from .households_data import member_rows, part1_post, register

pytestmark = pytest.mark.django_db

DATA = {
    "name": "上屋组",
    "households": 40,
    "population": 160,
    "has_road": True,
    "has_water": False,
    "has_power": True,
}
LIST = "/natural/"


def add(world, village=None, account=None, **data):
    return natural.add_natural_village(
        Actor(account or world.township_office, None),
        village or world.village,
        {**DATA, **data},
    )


def post_data(**extra):
    data = {k: ("on" if v is True else v) for k, v in DATA.items() if v is not False}
    return {**data, **extra}


def test_the_village_account_adds_edits_and_lists_its_groups(world, login):
    client = login(world.village_account, world.phone)
    assert client.get("/natural/new/").status_code == 200
    response = client.post("/natural/new/", post_data(village=world.village.pk, version=0))
    assert response.status_code == 302, response.content.decode()
    record = NaturalVillage.objects.get()
    assert (record.village, record.village_code) == (world.village, world.village.code)
    assert record.has_road and not record.has_water and record.created_by == world.village_account
    page = client.get(f"{LIST}?village={world.village.pk}").content.decode()
    assert "上屋组" in page and "自然村信息管理" in page
    edit = f"/natural/{record.pk}/"
    response = client.post(edit, post_data(population=170, has_water="on", version=1))
    assert response.status_code == 302, response.content.decode()
    record.refresh_from_db()
    assert (record.population, record.has_water, record.version) == (170, True, 2)
    # Both writes are in the change log, stamped with the account and the verified phone.
    rows = list(record.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in rows] == ["+", "~"]
    assert rows[-1].history_user == world.village_account
    assert rows[-1].history_phone == world.phone.phone


def test_a_stale_edit_is_refused_and_the_newer_data_stays(world, login):
    record = add(world)
    stale = post_data(population=1, version=1)
    natural.edit_natural_village(
        Actor(world.township_office), record.pk, {**DATA, "population": 200}, 1
    )
    response = login(world.township_office).post(f"/natural/{record.pk}/", stale)
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    record.refresh_from_db()
    assert (record.population, record.version) == (200, 2)
    with pytest.raises(StaleEdit):
        natural.edit_natural_village(Actor(world.township_office), record.pk, DATA, None)


def test_a_name_is_unique_in_its_village(world, login):
    add(world)
    response = login(world.township_office).post(
        "/natural/new/", post_data(village=world.village.pk, version=0)
    )
    assert response.status_code == 200
    assert "本村已有名为“上屋组”的自然村" in response.content.decode()
    add(world, village=world.village2)  # the same name in another village is another group
    assert NaturalVillage.objects.count() == 2


def test_other_villages_are_404_and_other_roles_403(world, login):
    record = add(world)
    outsider = login(world.other_village_account, world.other_phone)
    assert outsider.get(f"/natural/{record.pk}/").status_code == 404
    assert outsider.post(f"/natural/{record.pk}/remove/", {"version": 1}).status_code == 404
    assert "上屋组" not in outsider.get(LIST).content.decode()
    assert outsider.get(f"{LIST}?village={world.village.pk}").status_code == 404
    response = outsider.post("/natural/new/", post_data(village=world.village.pk, version=0))
    assert response.status_code == 200 and "请选择辖区内的村" in response.content.decode()
    other_township = login(world.other_township_office)
    assert other_township.get(f"/natural/{record.pk}/").status_code == 404
    for account in (world.county_office, world.unit_account, world.cadre_account):
        client = login(account)
        assert client.get(LIST).status_code == 403
        assert client.get(f"/natural/{record.pk}/").status_code == 403
    with pytest.raises(PermissionDenied):
        natural.edit_natural_village(Actor(world.county_office), record.pk, DATA, 1)
    with pytest.raises(Http404):
        natural.edit_natural_village(Actor(world.other_township_office), record.pk, DATA, 1)
    with pytest.raises(Http404):
        add(world, account=world.other_village_account)
    with pytest.raises(PermissionDenied):
        add(world, account=world.county_office)
    record.refresh_from_db()
    assert record.version == 1


def test_a_group_named_by_households_is_deactivated_not_deleted(world, login):
    used, unused = add(world, name="第一组"), add(world, name="下屋组")
    household = register(world.village_account, world.phone, group="第一组")
    client = login(world.village_account, world.phone)
    assert client.post(f"/natural/{unused.pk}/remove/", {"version": 1}).status_code == 302
    assert not NaturalVillage.objects.filter(pk=unused.pk).exists()
    response = client.post(f"/natural/{used.pk}/remove/", {"version": 1}, follow=True)
    assert "已停用" in response.content.decode()
    used.refresh_from_db()
    assert not used.active and used.version == 2
    household.refresh_from_db()
    assert household.group == "第一组"
    # A group households name keeps its name.
    with pytest.raises(natural.NaturalVillageError, match="不能改名"):
        natural.edit_natural_village(
            Actor(world.township_office), used.pk, {**DATA, "name": "一组"}, 2
        )
    assert client.post(f"/natural/{used.pk}/reactivate/", {"version": 2}).status_code == 302
    used.refresh_from_db()
    assert used.active and used.version == 3
    reasons = list(used.history.values_list("history_change_reason", flat=True))
    assert "停用自然村（村民小组）" in reasons and "启用自然村（村民小组）" in reasons


def test_the_list_reads_in_a_fixed_number_of_queries(world, login, django_assert_num_queries):
    client = login(world.township_office)
    add(world, name="一组")
    client.get(LIST)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(LIST).status_code == 200
    for name in ("二组", "三组", "四组"):
        add(world, name=name)
        add(world, village=world.village2, name=name)
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(LIST).content.decode()
    assert page.count("/remove/") == 7


# session, account, slice (the filter), count, the villages of the filter, rows with their
# village; the session's save (savepoint, update, release)
LIST_QUERIES = 9


def test_the_household_form_offers_only_the_villages_own_groups(world, login):
    add(world, name="第一组")
    add(world, name="第二组")
    add(world, village=world.village2, name="外组")
    deactivated = add(world, name="旧组")
    natural.remove_natural_village(Actor(world.township_office), deactivated.pk, 1)  # deleted
    household = register(world.village_account, world.phone, group="第一组")
    form = BasicForm(instance=household)
    assert [c[0] for c in form.fields["group"].choices] == ["", "第一组", "第二组"]
    client = login(world.village_account, world.phone)
    page = client.get(f"/households/{household.pk}/basic/").content.decode()
    assert '<option value="第二组">' in page and "外组" not in page
    rows, existing = member_rows(household)
    url = f"/households/{household.pk}/basic/"
    response = client.post(url, part1_post(rows, existing, group="外组"))
    assert response.status_code == 200
    assert response.context["form"].errors["group"] == ["请从本村的自然村（村民小组）中选择。"]
    response = client.post(url, part1_post(rows, existing, group="第二组"))
    assert response.status_code == 302, response.content.decode()
    household.refresh_from_db()
    assert household.group == "第二组"


def test_a_group_typed_before_the_list_stays_on_offer_for_its_household(world):
    household = register(world.village_account, world.phone, group="老三组")
    add(world, name="第一组")
    form = BasicForm(instance=household)
    choices = dict(form.fields["group"].choices)
    assert choices["老三组"] == "老三组（原填写，不在本村现有自然村中）"
    assert "老三组" not in dict(BasicForm(instance=register_other(world)).fields["group"].choices)
    # A village that has not listed its groups yet keeps typing them.
    Household.objects.filter(pk=household.pk).update(village=world.village2)
    household.refresh_from_db()
    assert not hasattr(BasicForm(instance=household).fields["group"], "choices")


def register_other(world):
    return register(world.village_account, world.phone, group="第一组")


def texts(data: bytes) -> tuple[str, list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    rows = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    return "\n".join(p.text for p in document.paragraphs), rows


def test_the_sheet_prints_each_group_with_its_poor_households(world, login):
    add(world, name="第一组", households=40, population=160)
    add(world, name="第二组", households=30, population=100, has_road=False, has_power=False)
    register(world.village_account, world.phone, group="第一组")
    register(world.village_account, world.phone, group="第一组", admitted=False)  # not poor
    client = login(world.township_office)
    page = client.get(f"/reports/print/natural/?region={world.village.pk}")
    assert page.status_code == 200 and "打印自然村信息表" in page.content.decode()
    assert [r.name for r in page.context["facts"].rows] == ["第一组", "第二组"]
    response = client.get(f"/reports/villages/{world.village.pk}/natural.docx")
    assert response.status_code == 200
    assert (
        "自然村信息表" in response["Content-Disposition"]
        or "%E8%87%AA" in response["Content-Disposition"]
    )
    paragraphs, rows = texts(response.content)
    assert "自然村信息表" in paragraphs and world.village.name in paragraphs
    assert rows[0][:4] == ["序号", "自然村（村民小组）名称", "户数", "人口数"]
    assert rows[1] == ["1", "第一组", "40", "160", "1", "1", "是", "否", "是"]
    assert rows[2] == ["2", "第二组", "30", "100", "0", "0", "否", "否", "否"]
    assert rows[3][1:6] == ["合计", "70", "260", "1", "1"]
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail == {"what": "自然村信息表", "rows": 2}
    # Who may print: the other township 404, a unit 403.
    assert (
        login(world.other_township_office)
        .get(f"/reports/villages/{world.village.pk}/natural.docx")
        .status_code
        == 404
    )
    assert (
        login(world.unit_account)
        .get(f"/reports/villages/{world.village.pk}/natural.docx")
        .status_code
        == 403
    )

"""The household page: who sees it, full values only here, edits only by the claiming phone,
and 修改日志 (who, verified phone, when, field, old → new) from django-simple-history."""

from decimal import Decimal

import pytest

from households import lifecycle, services
from households.models import Household, Member
from poverty_system.core import audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry

from .households_data import (  # noqa: F401
    PRODUCTION,
    make_id,
    member,
    member_rows,
    no_sms_throttle,
    part1_post,
    part_post,
    register,
)

pytestmark = pytest.mark.django_db

READERS = {
    "village_account": 200,
    "other_village_account": 404,
    "township_office": 200,
    "other_township_office": 404,
    "county_office": 200,
    "other_county_office": 404,
    "city_office": 200,
    # Neither linked to the unit nor assigned to the cadre: outside their scope (the linked
    # and assigned ones are read in test_household_scope).
    "unit_account": 404,
    "cadre_account": 404,
    "admin": 200,
}
HEAD_ID = make_id(7, birth="19700707")
EDIT_URLS = [
    "basic/",
    "production/",
    "income/",
    "causes/",
    "application/",
    "survey/",
    "approval/",
    "members/add/",
    "members/remove/",
    "split/",
    "remove/",
]


@pytest.fixture
def household(world):
    return register(
        world.village_account,
        world.phone,
        [member("张三", id_number=HEAD_ID), member("李梅", "spouse")],
    )


def test_every_office_in_its_slice_and_the_village_read_it(world, login, household):
    for name, status in READERS.items():
        client = login(getattr(world, name))
        assert client.get(f"/households/{household.pk}/").status_code == status, name


def test_full_values_only_on_an_audited_reveal(world, login, household):
    """The household page masks ID numbers, phone and bank account; 显示完整信息 (POST) shows
    them and leaves one audit entry per kind, naming who and from where."""
    client = login(world.county_office)
    url = f"/households/{household.pk}/"
    page = client.get(url).content.decode()
    assert HEAD_ID not in page and "13812345678" not in page and "6228480012345678" not in page
    assert "360731********" in page and "138****5678" in page and "****5678" in page
    assert "4000.00" in page  # per-capita net income
    assert not AuditEntry.objects.filter(action__startswith="reveal").exists()
    page = client.post(url, {"reveal": "1"}).content.decode()
    assert HEAD_ID in page and "13812345678" in page and "6228480012345678" in page
    entries = AuditEntry.objects.filter(object_id=str(household.pk), action__startswith="reveal")
    assert sorted(e.action for e in entries) == sorted(
        [audit.REVEAL_ID, audit.REVEAL_PHONE, audit.REVEAL_BANK]
    )
    for entry in entries:
        assert entry.user == world.county_office and entry.region_code == household.village_code
        assert HEAD_ID not in str(entry.detail) and entry.ip == "127.0.0.1"
    # Outside the slice the reveal is a 404 like the page, and nothing is recorded.
    assert login(world.other_county_office).post(url, {"reveal": "1"}).status_code == 404
    assert entries.count() == 3


def test_amounts_read_the_same_on_every_page(world, login, household):
    """One format for money (poverty_system.core.formatting): the page, part 3, the list and
    the change log all show 4000.00, with 元 where no column header names the unit."""
    client = login(world.village_account, world.phone)
    client.post(f"/households/{household.pk}/income/", part_post(household, 3, wage_income="16000"))
    household.refresh_from_db()
    assert household.net_income_per_capita == Decimal("9000.00")
    page = client.get(f"/households/{household.pk}/")
    text = page.content.decode()
    # the top, part 3 and the change log (4000.00 元 → 9000.00 元)
    assert text.count("9000.00 元") == 3 and "9,000" not in text
    assert "16000.00 元" in text and "19200.00 元" in text  # wage; 家庭总收入
    wage = next(c for c in page.context["log"].object_list if c.field == "工资性收入")
    assert (wage.old, wage.new) == ("6000.00 元", "16000.00 元")
    assert "9000.00 元" in client.get(f"/households/{household.pk}/income/").content.decode()
    row = client.get("/households/").context["rows"][0]
    assert row.income == "9000.00"


def test_edits_only_with_the_claiming_phone(world, login, household):
    client = login(world.village_account, world.phone)
    for path in EDIT_URLS:
        assert client.get(f"/households/{household.pk}/{path}").status_code == 200, path
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert f"/households/{household.pk}/production/" in page

    client = login(world.village_account, world.phone2)
    for path in EDIT_URLS:
        response = client.get(f"/households/{household.pk}/{path}")
        assert response.status_code == 403, path
        assert "该户已由手机号 139****0001（刘书记）认领" in response.content.decode()
        assert client.post(f"/households/{household.pk}/{path}", {}).status_code == 403
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "该户已由手机号 139****0001（刘书记）认领" in page
    assert f"/households/{household.pk}/production/" not in page


def test_the_same_phone_of_another_session_may_edit(world, login, household):
    client = login(world.village_account, world.phone)
    response = client.post(
        f"/households/{household.pk}/production/", part_post(household, 2, arable_area="4")
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.arable_area == Decimal("4")


def test_unclaimed_must_be_claimed_first(world, login, household):
    services.cancel_claim(Actor(world.township_office), household, "释放")
    client = login(world.village_account, world.phone)
    response = client.get(f"/households/{household.pk}/production/")
    assert response.status_code == 403
    assert "该户尚未认领，请先在【贫困户认领管理】中认领后再修改。" in response.content.decode()
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert f'action="/households/{household.pk}/claim/"' in page


def test_offices_only_read(world, login, household):
    for name in ("township_office", "county_office", "city_office"):
        client = login(getattr(world, name))
        for path in EDIT_URLS:
            assert client.get(f"/households/{household.pk}/{path}").status_code == 403
            assert client.post(f"/households/{household.pk}/{path}", {}).status_code == 403
        page = client.get(f"/households/{household.pk}/").content.decode()
        assert f"/households/{household.pk}/production/" not in page
    household.refresh_from_db()
    assert household.status == "poor"


def test_outside_the_slice_edit_pages_are_404(world, login, household):
    client = login(world.other_village_account)
    for path in EDIT_URLS:
        assert client.get(f"/households/{household.pk}/{path}").status_code == 404
        assert client.post(f"/households/{household.pk}/{path}", {}).status_code == 404


def test_change_log_shows_who_which_phone_and_old_to_new(world, login, household):
    client = login(world.village_account, world.phone)
    client.post(f"/households/{household.pk}/production/", part_post(household, 2, arable_area="5"))
    rows, existing = member_rows(household)
    rows[1]["name"] = "李美"
    client.post(f"/households/{household.pk}/basic/", part1_post(rows, existing))

    latest = Household.history.filter(id=household.pk).latest("history_date")
    assert latest.history_phone == "13900000001"
    assert latest.history_user == world.village_account
    member_latest = Member.history.filter(name="李美").latest("history_date")
    assert member_latest.history_phone == "13900000001"

    response = login(world.township_office).get(f"/households/{household.pk}/")
    log = response.context["log"].object_list
    area = next(c for c in log if c.field == "耕地面积（亩）")
    assert (area.old, area.new) == ("3.50", "5.00")
    assert area.phone == "刘书记 139****0001" and area.user == str(world.village_account)
    name = next(c for c in log if c.field == "姓名")
    assert (name.subject, name.old, name.new) == ("成员 李美", "李梅", "李美")
    page = response.content.decode()
    assert "耕地面积（亩）" in page and "刘书记 139****0001" in page
    assert any(c.field == "登记新户" for c in log)


def test_history_is_written_by_the_actions_from_the_actor_only(world, household):
    """A save outside the actions leaves no history row; the change log is stamped from the
    Actor (account and verified phone), never from attributes or the request context."""
    head = Member.objects.get(name="张三")
    before = Member.history.filter(id=head.pk).count()
    head.ethnicity = "畲族"
    head.save()
    assert Member.history.filter(id=head.pk).count() == before
    changelog.save(Actor(world.village_account, world.phone2), head, reason="测试")
    row = Member.history.filter(id=head.pk).latest("history_date")
    assert (row.history_phone, row.history_user, row.history_type) == (
        "13900000002",
        world.village_account,
        "~",
    )
    assert row.history_change_reason == "测试" and row.ethnicity == "畲族"


def test_removed_members_are_greyed_on_the_page(world, login, household):
    import datetime

    spouse = Member.objects.get(name="李梅")
    services.remove_member(
        Actor(world.village_account, world.phone),
        household,
        spouse,
        change="death",
        month=datetime.date(2016, 5, 1),
    )
    page = login(world.city_office).get(f"/households/{household.pk}/").content.decode()
    assert '<tr class="removed">' in page and "死亡 2016-05" in page


# --- query counts ---------------------------------------------------------------------------

DETAIL_QUERIES = 16  # session, account, grants, the household, its claims, members, status
# changes and their 清退 evidence files (one prefetch), ancestors, the change log's three
# (household, member rows, phone holders), the session's save (3 statements) and the projects
# benefiting the household (受益项目, one query); a village session reads its verified phone
# too (one more)


def _busy_household(world):
    """Six members, claims cancelled and renewed, status changes and a long change log."""
    import datetime

    household = register(
        world.village_account,
        world.phone,
        [member("赵大")] + [member(f"赵{i}", "son") for i in range(2, 7)],
    )
    services.cancel_claim(Actor(world.township_office), household, "认领有误")
    services.claim_household(Actor(world.village_account, world.phone), household)
    for area in ("4", "5", "6"):
        services.save_part(
            Actor(world.village_account, world.phone),
            household,
            2,
            {**PRODUCTION, "arable_area": Decimal(area)},
        )
    services.remove_member(
        Actor(world.village_account, world.phone),
        household,
        household.members.get(name="赵6"),
        change="death",
        month=datetime.date(2016, 5, 1),
    )
    lifecycle.set_status(Actor(world.township_office), household, "lifted", "收入稳定超过脱贫标准")
    return household


@pytest.mark.parametrize(
    "who, queries", [("village_account", DETAIL_QUERIES + 1), ("township_office", DETAIL_QUERIES)]
)
def test_household_page_queries_do_not_grow_with_members_claims_and_log(
    world, login, who, queries, django_assert_num_queries
):
    single = register(world.village_account, world.phone, [member("王一")])
    busy = _busy_household(world)
    assert busy.members.count() == 6 and busy.claims.count() == 2
    client = login(getattr(world, who), world.phone if who == "village_account" else None)
    for household in (single, busy):
        with django_assert_num_queries(queries):
            response = client.get(f"/households/{household.pk}/")
        assert response.status_code == 200
    assert len(response.context["log"].object_list) > 10

"""The account pages (系统用户管理, 村级账号手机号管理) in Chinese, the demo seed, and the cost
of the lists."""

import io
import re

import lxml.html
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.demo.accounts import DEMO_PASSWORD
from poverty_system.core import access
from poverty_system.core.actor import Actor
from poverty_system.core.roles import Role
from units.models import Cadre, Unit, UnitUserObjectPermission
from villages.accounts import add_village_phone, create_account
from villages.models import Region, RegionUserObjectPermission, User, VillagePhone
from villages.regions import load_regions

from .conftest import GANZHOU, PASSWORD

NEW_PASSWORD = "Qz7#mLp2x"

# Queries of one list page, whatever the number of rows (session, account, grants, count,
# page, regions of the page's accounts, ...): the same count for 5 rows and for 30.
ACCOUNT_LIST_QUERIES = 9
PHONE_LIST_QUERIES = 10


def html(response):
    return lxml.html.fromstring(response.content.decode())


def field_errors(response, name: str) -> list[str]:
    """Error messages shown inside the form field block of the input called `name`."""
    blocks = html(response).xpath(f'//div[contains(@class, "field")][.//*[@name="{name}"]]')
    return [e.text_content().strip() for b in blocks for e in b.xpath('.//p[@class="error"]')]


def table_rows(response, testid: str) -> list[list[str]]:
    rows = html(response).xpath(
        f'//table[@data-testid="{testid}"]/tbody/tr[not(td[@class="empty"])]'
    )
    return [[cell.text_content().strip() for cell in row.xpath("td")] for row in rows]


def shown_text(response, testid: str) -> str:
    return html(response).xpath(f'string(//*[@data-testid="{testid}"])').strip()


# --- 系统用户管理 -----------------------------------------------------------------------------


def test_county_office_creates_a_village_account_that_must_change_its_password(
    world, login, client, sms_outbox
):
    county = login(world.county_office)
    form = county.get("/accounts/new/")
    assert form.status_code == 200
    text = form.content.decode()
    for label in ("添加系统用户", "所属角色", "用户名", "机构名称/姓名", "所属区域"):
        assert label in text

    response = county.post(
        "/accounts/new/",
        {
            "role": "village",
            "username": "lisi_village",
            "full_name": "里泗村委会",
            "region": world.village2.pk,
        },
    )
    assert response.status_code == 200
    assert "账号已创建" in response.content.decode()
    assert shown_text(response, "new-username") == "lisi_village"
    initial = shown_text(response, "initial-password")
    account = User.objects.get(username="lisi_village")
    assert account.role == Role.VILLAGE and account.must_change_password
    assert account.check_password(initial)
    assert list(access.filter_regions(Region.objects.all(), account)) == [world.village2]

    # The initial password is shown once: not on the account page, not in the list.
    detail = county.get(f"/accounts/{account.pk}/")
    assert detail.status_code == 200 and initial not in detail.content.decode()
    assert "尚未登记手机号（由乡镇扶贫办登记）。" in detail.content.decode()
    listing = county.get("/accounts/")
    assert ["lisi_village", "里泗村委会", "村级账号", "里泗村委会", "正常", "查看"] in table_rows(
        listing, "accounts"
    )
    assert initial not in listing.content.decode()

    # The township office registers the phone the village will verify with.
    township = login(world.township_office)
    response = township.post(f"/phones/{account.pk}/", {"phone": "13712345678", "holder": "李四"})
    assert (response.status_code, response.url) == (302, f"/phones/{account.pk}/")
    township.post("/logout/")

    # First login of the new account: password, SMS code, then the forced password change.
    response = client.post("/login/", {"username": "lisi_village", "password": initial})
    assert response.url == "/login/phone/"
    phone = account.phones.get()
    client.post("/login/phone/", {"phone": phone.pk, "action": "send"})
    assert sms_outbox[-1].phone == "13712345678"
    response = client.post(
        "/login/phone/",
        {"phone": phone.pk, "action": "verify", "code": sms_outbox[-1].params["code"]},
    )
    assert response.status_code == 302
    assert client.get("/").url == "/password/"
    assert client.get(f"/regions/{world.village2.pk}/").url == "/password/"
    response = client.post(
        "/password/",
        {"old_password": initial, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(f"/regions/{world.village2.pk}/").status_code == 200
    assert client.get(f"/regions/{world.village.pk}/").status_code == 404


@pytest.mark.parametrize("username", ["village", "VILLAGE"])
def test_a_duplicate_username_is_shown_next_to_the_field(world, login, username):
    client = login(world.county_office)
    count = User.objects.count()
    response = client.post(
        "/accounts/new/",
        {
            "role": "village",
            "username": username,
            "full_name": "里泗村委会",
            "region": world.village2.pk,
        },
    )
    assert response.status_code == 200
    assert field_errors(response, "username") == ["该用户名已被使用。"]
    assert field_errors(response, "region") == []
    assert User.objects.count() == count
    # The form keeps what was typed.
    assert html(response).xpath('//input[@name="full_name"]/@value') == ["里泗村委会"]


def test_account_form_errors_are_in_chinese(world, login):
    client = login(world.county_office)
    response = client.post(
        "/accounts/new/", {"role": "village", "username": "a b", "full_name": "", "region": ""}
    )
    assert field_errors(response, "full_name") == ["请填写此项。"]
    assert field_errors(response, "region") == ["请选择所属区域。"]
    response = client.post(
        "/accounts/new/",
        {
            "role": "village",
            "username": "a b",
            "full_name": "里泗村委会",
            "region": world.village2.pk,
        },
    )
    assert field_errors(response, "username") == [
        "用户名须为 3–30 位字母、数字、下划线、点或短横线。"
    ]
    response = client.post(
        "/accounts/new/",
        {
            "role": "village",
            "username": "lisi2",
            "full_name": "贡江镇",
            "region": world.township.pk,
        },
    )
    assert field_errors(response, "region") == [
        "村级账号只能设在村(居委会)级区域，“贡江镇”是乡镇(街道)。"
    ]
    assert not User.objects.filter(username__in=["a b", "lisi2"]).exists()


def test_account_search_finds_by_username_or_name(world, login):
    client = login(world.county_office)
    rows = table_rows(client.get("/accounts/", {"q": "仓前"}), "accounts")
    assert [row[0] for row in rows] == ["village"]
    rows = table_rows(client.get("/accounts/", {"q": "other"}), "accounts")
    assert {row[0] for row in rows} == {"other_township", "other_village"}


# --- 村级账号手机号管理 -------------------------------------------------------------------------


def test_township_office_registers_and_deactivates_phones(world, login):
    client = login(world.township_office)
    url = f"/phones/{world.village_account.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "仓前村委会 · 登记手机号" in page.content.decode()
    assert [[row[0], row[1], row[3]] for row in table_rows(page, "phones")] == [
        ["139****0001", "刘书记", "有效"],
        ["139****0002", "王干部", "有效"],
    ]

    response = client.post(url, {"phone": "12345", "holder": "张三"})
    assert response.status_code == 200
    assert field_errors(response, "phone") == ["请输入 11 位手机号码。"]
    response = client.post(url, {"phone": "13900000001", "holder": "张三"})
    assert field_errors(response, "phone") == ["该手机号码已登记在本村账号下。"]
    response = client.post(url, {"phone": "13700000003", "holder": ""})
    assert field_errors(response, "holder") == ["请填写此项。"]
    assert world.village_account.phones.count() == 2

    response = client.post(url, {"phone": "13700000003", "holder": "张三"})
    assert (response.status_code, response.url) == (302, url)
    page = client.get(url)
    assert "已登记手机号 137****0003（张三）。" in page.content.decode()
    assert ["137****0003", "张三"] == table_rows(page, "phones")[2][:2]
    registered = VillagePhone.objects.get(phone="13700000003").started_at
    assert table_rows(page, "phones")[2][2] == f"{timezone.localtime(registered):%Y-%m-%d %H:%M}"

    response = client.post(f"{url}{world.phone.pk}/deactivate/")
    assert (response.status_code, response.url) == (302, url)
    page = client.get(url)
    assert "手机号 139****0001 已停用。" in page.content.decode()
    states = {row[0]: row[3] for row in table_rows(page, "phones")}
    assert states == {"139****0001": "已停用", "139****0002": "有效", "137****0003": "有效"}
    ended = VillagePhone.objects.get(pk=world.phone.pk)
    assert not ended.active and ended.ended_by == world.township_office

    # A number given up may be registered again; the list shows only active numbers.
    assert client.post(url, {"phone": "13900000001", "holder": "刘书记"}).status_code == 302
    [row] = table_rows(client.get("/phones/"), "village-accounts")
    assert row[:2] == ["仓前村委会", "village"]
    for shown in ("139****0001（刘书记）", "139****0002（王干部）", "137****0003（张三）"):
        assert row[2].count(shown) == 1


def test_deactivating_is_post_only(world, login):
    client = login(world.township_office)
    url = f"/phones/{world.village_account.pk}/{world.phone.pk}/deactivate/"
    assert client.get(url).status_code == 405
    assert VillagePhone.objects.get(pk=world.phone.pk).active


# --- the demo seed ------------------------------------------------------------------------


def account_counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        VillagePhone.objects.count(),
        Unit.objects.count(),
        Cadre.objects.count(),
        RegionUserObjectPermission.objects.count(),
        UnitUserObjectPermission.objects.count(),
    )


def test_seed_demo_is_idempotent(db, client):
    load_regions(GANZHOU)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    # one per role, a second cadre and a second auditor (of 于都县)
    assert "本次新建 11 个" in out.getvalue()
    for line in (r"安全管理员\s+security\s", r"审计员\s+auditor\s", r"审计员\s+yudu_auditor\s"):
        assert re.search(line, out.getvalue()), line
    first = account_counts()
    assert first[:4] == (11, 2, 1, 2)

    # 防止返贫监测: one monitored household of 于都县 with a risk and a measure tied to it.
    from monitoring.models import Monitored
    from units.models import Measure

    monitored = Monitored.objects.get()
    assert monitored.village_code.startswith("360731") and monitored.state == "monitored"
    assert Measure.objects.filter(risk_id=monitored.risks.get().pk, kind="health").exists()

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "本次新建 0 个" in out.getvalue()
    assert account_counts() == first
    assert Monitored.objects.count() == 1

    # The demo accounts work with the published password.
    for username in (
        "admin",
        "security",
        "auditor",
        "yudu_auditor",
        "ganzhou_city",
        "yudu_county",
        "gongjiang_town",
        "yudu_agri_unit",
        "cadre_wangming",
    ):
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.post("/logout/")
    response = client.post("/login/", {"username": "cangqian_village", "password": DEMO_PASSWORD})
    assert response.url == "/login/phone/"


def test_the_demo_administrator_must_change_its_password_at_first_login(db, client):
    load_regions(GANZHOU)
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        client.post("/login/", {"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
    )
    assert client.get("/").url == "/password/"
    assert client.get("/accounts/").url == "/password/"


def test_no_demo_account_exists_unless_the_demo_was_asked_for(db):
    load_regions(GANZHOU)
    call_command("migrate", verbosity=0)  # migrating (what a production install does) seeds nothing
    assert not User.objects.exists()


def test_seed_demo_asks_for_the_regions_first(db):
    with pytest.raises(CommandError, match="请先导入赣州行政区划"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()


# --- query counts -------------------------------------------------------------------------


def add_village_accounts(world, count: int, start: int) -> None:
    villages = [world.village, world.village2, Region.objects.get(code="360731100200")]
    for n in range(start, start + count):
        account, _ = create_account(
            Actor.system(world.county_office),
            username=f"v{n:03d}",
            role=Role.VILLAGE,
            regions=[villages[n % 3]],
            full_name=f"村账号{n}",
            password=PASSWORD,
        )
        add_village_phone(
            Actor.system(world.township_office), account, phone=f"137{n:08d}", holder="甲"
        )
        add_village_phone(
            Actor.system(world.township_office), account, phone=f"136{n:08d}", holder="乙"
        )


def test_account_list_cost_does_not_grow_with_rows(world, login, django_assert_num_queries):
    client = login(world.county_office)
    add_village_accounts(world, 5, 0)
    with django_assert_num_queries(ACCOUNT_LIST_QUERIES):
        response = client.get("/accounts/")
    assert len(table_rows(response, "accounts")) == 4 + 5

    add_village_accounts(world, 25, 5)
    with django_assert_num_queries(ACCOUNT_LIST_QUERIES):
        response = client.get("/accounts/")
    rows = table_rows(response, "accounts")
    assert len(rows) == 4 + 30
    assert all(row[3] for row in rows)  # every row shows its region


def test_phone_account_list_cost_does_not_grow_with_rows(world, login, django_assert_num_queries):
    client = login(world.township_office)
    add_village_accounts(world, 5, 0)
    with django_assert_num_queries(PHONE_LIST_QUERIES):
        response = client.get("/phones/")
    assert len(table_rows(response, "village-accounts")) == 1 + 5

    add_village_accounts(world, 25, 5)
    with django_assert_num_queries(PHONE_LIST_QUERIES):
        response = client.get("/phones/")
    rows = table_rows(response, "village-accounts")
    assert len(rows) == 1 + 30
    assert all("137****" in row[2] and "136****" in row[2] for row in rows if row[1] != "village")

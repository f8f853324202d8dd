"""Issue 01 in a real browser: each role logs in through the forms and sees only its slice;
the village SMS step, the lockout, and the forced password change at first login."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    browser_login,
    complete_sms_step,
    field,
    logout,
    shot,
    submit_password,
)
from tests.conftest import PASSWORD
from villages.models import User, VillagePhone

pytestmark = pytest.mark.browser

# The issue-01 menu entries (系统管理 and 行政区划) each role of `world` has and lacks, the
# roots of its region tree, the children loaded when the first root is opened, and a region
# of `world` outside its slice. Later issues add entries; every shown entry must open.
ISSUE_01_ENTRIES = ["行政区划", "系统用户管理", "村级账号手机号管理", "修改密码"]
SLICES = {
    "admin": {
        "menu": ["行政区划", "修改密码"],
        "roots": ["江西省"],
        "children": ["赣州市"],
        "outside": None,
    },
    # 三员分立: the security administrator's accounts, no region pages and no tree.
    "security": {
        "menu": ["系统用户管理", "村级账号手机号管理", "修改密码"],
        "roots": [],
        "children": None,
        "outside": "county",
    },
    "county_auditor": {
        "menu": ["修改密码"],
        "roots": [],
        "children": None,
        "outside": "other_county",
    },
    "city_office": {
        "menu": ["行政区划", "修改密码"],
        "roots": ["赣州市"],
        "children": ["于都县", "兴国县"],
        "outside": "province",
    },
    "county_office": {
        "menu": ["行政区划", "系统用户管理", "修改密码"],
        "roots": ["于都县"],
        "children": ["贡江镇", "铁山垅镇"],
        "outside": "other_county",
    },
    "township_office": {
        "menu": ["行政区划", "村级账号手机号管理", "修改密码"],
        "roots": ["贡江镇"],
        "children": ["长征村委会", "仓前村委会", "里泗村委会"],
        "outside": "other_township",
    },
    "village_account": {
        "menu": ["行政区划", "修改密码"],
        "roots": ["仓前村委会"],
        "children": None,
        "outside": "village2",
    },
    "unit_account": {
        "menu": ["修改密码"],
        "roots": [],
        "children": None,
        "outside": "county",
    },
    "cadre_account": {
        "menu": ["修改密码"],
        "roots": [],
        "children": None,
        "outside": "county",
    },
}


@pytest.mark.parametrize("role", list(SLICES))
def test_each_role_sees_only_its_slice(page, live_server, world, sms_outbox, role):
    expected = SLICES[role]
    account = getattr(world, role)
    browser_login(page, live_server, account, outbox=sms_outbox)

    # The header names the account and its role.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("current-user")).to_have_text(f"{account}（{account.role_label}）")
    expect(page.get_by_test_id("role")).to_have_text(account.role_label)

    # The menu offers what the role may use and nothing it may not; every entry shown as a
    # link opens for this account, and pages not built yet show greyed as 建设中.
    sidebar = page.locator("#sidebar")
    menu_links = sidebar.locator(".menu-group:not(.region-tree) a")
    for label in ISSUE_01_ENTRIES:
        expect(menu_links.filter(has_text=re.compile(f"^{label}$"))).to_have_count(
            1 if label in expected["menu"] else 0
        )
    for href in [link.get_attribute("href") for link in menu_links.all()]:
        answer = page.request.get(f"{live_server.url}{href}")
        assert answer.status == 200 and "/login/" not in answer.url, (href, answer.status)
    for planned in sidebar.locator(".planned").all():
        expect(planned).to_contain_text("建设中")
        expect(planned.locator("a")).to_have_count(0)

    # The region tree starts at the slice roots only.
    tree = page.get_by_test_id("region-tree")
    if expected["roots"]:
        expect(tree.locator(":scope > li > a")).to_have_text(expected["roots"])
    else:
        expect(tree).to_have_count(0)

    # Opening a node fetches its children then, not with the page.
    if expected["children"]:
        root = tree.locator(":scope > li").first
        children = root.locator(":scope > ul > li > a")
        expect(children).to_have_count(0)
        with page.expect_response(re.compile(r"/regions/\d+/children/$")) as answer:
            root.get_by_role("button", name=f"展开 {expected['roots'][0]}").click()
        assert answer.value.ok
        expect(children).to_have_text(expected["children"])
        expect(root.locator(":scope > .tree-toggle")).to_have_attribute("aria-expanded", "true")
        # Clicking a loaded child opens its page.
        children.first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(expected["children"][0])
    elif expected["roots"]:
        # A village is a leaf: nothing to open.
        expect(tree.locator(".tree-toggle")).to_have_count(0)

    # A region outside the slice does not exist for this account (roles without region
    # pages at all are refused by role, which reveals nothing about the region either).
    if role == "admin":
        response = page.goto(f"{live_server.url}/regions/{world.other_county.pk}/")
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_contain_text("兴国县")
        return
    outside = getattr(world, expected["outside"])
    response = page.goto(f"{live_server.url}/regions/{outside.pk}/")
    main = page.locator("main")
    if expected["roots"]:
        assert response.status == 404
        expect(page).to_have_title("页面不存在 - 精准扶贫系统")
        expect(main.get_by_role("heading", name="页面不存在")).to_be_visible()
        expect(main).to_contain_text("不在您的管辖范围内")
    else:
        assert response.status == 403
        expect(main.get_by_role("heading", name="无权操作")).to_be_visible()
    expect(main).not_to_contain_text(outside.name)
    expect(main).not_to_contain_text(outside.full_code)


def test_region_page_breadcrumb_stops_at_the_slice(page, live_server, world, sms_outbox):
    """A township office sees its villages, and the breadcrumb does not lead above its slice."""
    browser_login(page, live_server, world.township_office)
    page.locator("#sidebar").get_by_role("link", name="行政区划", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("贡江镇")
    table = page.get_by_test_id("region-children")
    expect(table.locator("tbody tr td:nth-child(2)")).to_have_text(
        ["长征村委会", "仓前村委会", "里泗村委会"]
    )
    table.get_by_role("link", name="仓前村委会").click()
    expect(page.get_by_test_id("region-code")).to_have_text("360731100201")
    breadcrumb = page.get_by_role("navigation", name="位置", exact=True)
    expect(breadcrumb).to_have_text("贡江镇 › 仓前村委会")
    expect(breadcrumb).not_to_contain_text("于都县")


def test_village_login_verifies_a_registered_phone(page, live_server, world, sms_outbox):
    submit_password(page, live_server, world.village_account.username, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/login/phone/")
    expect(page.get_by_role("heading", name="村级账号手机验证")).to_be_visible()
    # Only this village's registered phones are offered, masked.
    choice = page.get_by_role("group", name="验证手机号")
    expect(choice.get_by_role("radio")).to_have_count(2)
    expect(page.locator("form")).to_contain_text("139****0001（刘书记）")
    expect(page.locator("form")).to_contain_text("139****0002（王干部）")
    expect(page.locator("body")).not_to_contain_text("13900000001")
    expect(page.locator("body")).not_to_contain_text("139****0009")
    shot(page, "sms-step-choose-desktop")

    field(page, "139****0001（刘书记）").check()
    page.get_by_role("button", name="发送验证码").click()
    expect(page.locator(".messages")).to_contain_text("验证码已发送至 139****0001")
    expect(page.get_by_role("button", name="重新发送验证码")).to_be_visible()
    expect(field(page, "短信验证码")).to_be_focused()
    assert [m.phone for m in sms_outbox] == ["13900000001"]
    code = sms_outbox[-1].params["code"]
    assert re.fullmatch(r"\d{6}", code)
    shot(page, "sms-step-code-desktop")

    # A wrong code is refused with the tries left; the right one logs in.
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    field(page, "短信验证码").fill(wrong)
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_role("alert")).to_contain_text("验证码错误，还可尝试 4 次。")
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    # Enter in the code field verifies it (it does not send another code).
    field(page, "短信验证码").fill(code)
    field(page, "短信验证码").press("Enter")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("current-user")).to_have_text("仓前村委会村级账号（村级账号）")
    expect(page.get_by_test_id("verified-phone")).to_contain_text("139****0001")
    expect(page.get_by_test_id("verified-phone")).to_contain_text("刘书记")
    expect(page.locator("body")).not_to_contain_text("13900000001")
    assert len(sms_outbox) == 1
    shot(page, "home-village-desktop")

    # Logging out ends it: the home page asks for the password again.
    logout(page)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))


def test_village_password_alone_does_not_log_in(page, live_server, world, sms_outbox):
    submit_password(page, live_server, world.village_account.username, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/login/phone/")
    page.goto(f"{live_server.url}/regions/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/regions/$"))
    assert sms_outbox == []


def test_five_wrong_passwords_lock_the_account(new_page, live_server, world):
    page = new_page()
    account = world.township_office
    for left in (4, 3, 2, 1):
        submit_password(page, live_server, account.username, "Wrong#2026pass")
        expect(page.get_by_role("alert")).to_contain_text(f"用户名或密码错误，还可尝试 {left} 次。")
    submit_password(page, live_server, account.username, "Wrong#2026pass")
    expect(page.get_by_role("alert")).to_contain_text("连续登录失败次数过多，已锁定")
    # The right password no longer helps.
    submit_password(page, live_server, account.username, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("已锁定")
    expect(page.get_by_role("alert")).to_contain_text("15 分钟后再试")
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    shot(page, "login-locked-desktop")

    # An unknown name is answered in exactly the same words.
    other = new_page()
    for left in (4, 3, 2, 1):
        submit_password(other, live_server, "no_such_account", "Wrong#2026pass")
        expect(other.get_by_role("alert")).to_contain_text(
            f"用户名或密码错误，还可尝试 {left} 次。"
        )


def test_two_cadres_of_one_village_account_log_in_side_by_side(
    new_page, live_server, world, sms_outbox
):
    """The manual's shared village account: cadre A and cadre B, each with their own phone,
    log in at the same time in two browsers; their steps interleave and both get in."""
    cadre_a, cadre_b = new_page(), new_page()
    for page in (cadre_a, cadre_b):
        submit_password(page, live_server, world.village_account.username, PASSWORD)
        expect(page).to_have_url(f"{live_server.url}/login/phone/")

    field(cadre_a, "139****0001（刘书记）").check()
    cadre_a.get_by_role("button", name="发送验证码").click()
    expect(cadre_a.locator(".messages")).to_contain_text("验证码已发送至 139****0001")
    field(cadre_b, "139****0002（王干部）").check()
    cadre_b.get_by_role("button", name="发送验证码").click()
    expect(cadre_b.locator(".messages")).to_contain_text("验证码已发送至 139****0002")
    code = {m.phone: m.params["code"] for m in sms_outbox}
    assert set(code) == {"13900000001", "13900000002"}

    field(cadre_a, "短信验证码").fill(code["13900000001"])
    cadre_a.get_by_role("button", name="验证并登录").click()
    expect(cadre_a).to_have_url(f"{live_server.url}/")
    field(cadre_b, "短信验证码").fill(code["13900000002"])
    cadre_b.get_by_role("button", name="验证并登录").click()
    expect(cadre_b).to_have_url(f"{live_server.url}/")

    expect(cadre_a.get_by_test_id("verified-phone")).to_contain_text("139****0001")
    expect(cadre_b.get_by_test_id("verified-phone")).to_contain_text("139****0002")
    cadre_a.reload()  # A is still logged in after B's login
    expect(cadre_a.get_by_test_id("verified-phone")).to_contain_text("刘书记")


def test_new_village_account_changes_its_password_at_first_login(
    new_page, live_server, world, sms_outbox
):
    # The county office creates the account for 里泗村委会 and reads the initial password.
    county = new_page()
    browser_login(county, live_server, world.county_office)
    county.locator("#sidebar").get_by_role("link", name="系统用户管理").click()
    expect(county.get_by_role("heading", name="系统用户管理")).to_be_visible()
    county.locator("main").get_by_role("link", name="添加系统用户").click()
    expect(county.get_by_role("heading", name="添加系统用户")).to_be_visible()
    # The region list offers only the level of the chosen role.
    region = field(county, "所属区域")
    townships = region.locator("option[data-level=township]")
    villages = region.locator("option[data-level=village]")
    expect(field(county, "所属角色")).to_have_value("township")
    expect(townships).to_have_text(
        ["贡江镇（乡镇(街道) 360731100）", "铁山垅镇（乡镇(街道) 360731101）"]
    )
    expect(townships.first).to_be_enabled()
    expect(villages.first).to_be_disabled()
    field(county, "所属角色").select_option(label="村级账号")
    expect(townships.first).to_be_disabled()
    expect(villages.first).to_be_enabled()
    expect(villages).to_have_text(
        [
            re.compile(f"^{name}")
            for name in ["长征村委会", "仓前村委会", "里泗村委会", "丰田居委会", "大岭居委会"]
        ]
    )
    field(county, "用户名").fill("lisi_village")
    field(county, "机构名称/姓名").fill("里泗村委会")
    region.select_option(label="里泗村委会（村(居委会) 360731100202）")
    shot(county, "account-create-desktop")
    county.get_by_role("button", name="提交").click()
    expect(county.get_by_role("heading", name="账号已创建")).to_be_visible()
    expect(county.get_by_test_id("new-username")).to_have_text("lisi_village")
    initial = county.get_by_test_id("initial-password").inner_text().strip()
    assert len(initial) >= 8
    shot(county, "account-created-desktop")
    # Shown once: the account page does not show it again.
    county.get_by_role("link", name="查看账号").click()
    expect(county.get_by_role("heading", name="账号：lisi_village")).to_be_visible()
    expect(county.locator("main")).not_to_contain_text(initial)
    expect(county.locator("main")).to_contain_text("尚未登记手机号")

    # Without a phone the village account cannot finish logging in.
    village = new_page()
    submit_password(village, live_server, "lisi_village", initial)
    expect(village.get_by_role("alert")).to_contain_text("尚未登记手机号")
    expect(village.get_by_role("button", name="发送验证码")).to_have_count(0)

    # The township office registers a phone for it.
    township = new_page()
    browser_login(township, live_server, world.township_office)
    township.locator("#sidebar").get_by_role("link", name="村级账号手机号管理").click()
    row = township.get_by_test_id("village-accounts").locator("tr", has_text="lisi_village")
    expect(row).to_contain_text("里泗村委会")
    expect(row).to_contain_text("未登记")
    shot(township, "phone-accounts-desktop")
    row.get_by_role("link", name="管理手机号").click()
    expect(township.get_by_role("heading", level=1)).to_contain_text("里泗村委会")
    field(township, "手机号码").fill("13900000123")
    field(township, "使用人").fill("李主任")
    township.get_by_role("button", name="登记").click()
    expect(township.locator(".messages")).to_contain_text("已登记手机号 139****0123（李主任）")
    expect(township.get_by_test_id("phones")).to_contain_text("139****0123")
    shot(township, "phones-desktop")

    # The village account logs in with password and SMS, and must choose its own password.
    phone = VillagePhone.objects.get(account__username="lisi_village", phone="13900000123")
    submit_password(village, live_server, "lisi_village", initial)
    complete_sms_step(village, phone, sms_outbox)
    expect(village).to_have_url(f"{live_server.url}/password/")
    expect(village.get_by_role("heading", name="修改密码")).to_be_visible()
    expect(village.get_by_role("alert")).to_contain_text("须先设置自己的密码")
    expect(village.locator("#sidebar")).to_have_count(0)
    shot(village, "password-forced-desktop")
    # Nothing else opens until then.
    village.goto(f"{live_server.url}/regions/")
    expect(village).to_have_url(f"{live_server.url}/password/")

    # A password that breaks the rules is refused in Chinese.
    field(village, "原密码").fill(initial)
    field(village, "新密码").fill("abcdefgh")
    field(village, "确认新密码").fill("abcdefgh")
    village.get_by_role("button", name="确认修改").click()
    expect(village.locator(".field.has-error")).to_have_count(1)
    expect(village).to_have_url(f"{live_server.url}/password/")

    new_password = "Lisi#2026cun"
    field(village, "原密码").fill(initial)
    field(village, "新密码").fill(new_password)
    field(village, "确认新密码").fill(new_password)
    village.get_by_role("button", name="确认修改").click()
    expect(village).to_have_url(f"{live_server.url}/")
    expect(village.locator(".messages")).to_contain_text("密码已修改。")
    expect(village.get_by_test_id("current-user")).to_have_text("里泗村委会（村级账号）")
    expect(village.get_by_test_id("verified-phone")).to_contain_text("139****0123")
    expect(village.get_by_test_id("region-tree").locator(":scope > li > a")).to_have_text(
        ["里泗村委会"]
    )
    account = User.objects.get(username="lisi_village")
    assert not account.must_change_password
    assert account.check_password(new_password)

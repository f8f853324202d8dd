"""Layout at an office desktop (1366x768) and a phone (390x844): every page fits the width,
the phone menu opens on demand, and nothing is loaded from another origin (government
intranets are offline)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    browser_login,
    complete_sms_step,
    horizontal_overflow,
    shot,
    submit_password,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SIZES = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


class Watch:
    """Everything a page asks for, and what its console complains about (CSP refusals
    and script errors show up there)."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "console",
            lambda message: message.type == "error" and self.problems.append(message.text),
        )
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on(
            "response",
            lambda response: (
                response.status >= 400 and self.problems.append(f"{response.status} {response.url}")
            ),
        )

    def assert_offline_and_clean(self, origin: str) -> None:
        foreign = [url for url in self.requests if not url.startswith(f"{origin}/")]
        assert not foreign, f"requests to another origin: {foreign}"
        assert not self.problems, f"failed loads or console errors: {self.problems}"


def assert_fits(page, name: str) -> None:
    expect(page.locator("main h1")).to_be_visible()
    overflow = horizontal_overflow(page)
    assert overflow <= 1, f"{name}: the page is {overflow}px wider than the window"


@SIZES
def test_pages_fit_the_window_and_load_nothing_from_elsewhere(
    new_page, live_server, world, sms_outbox, viewport
):
    size = "desktop" if viewport == DESKTOP else "phone"
    origin = live_server.url
    seen = []

    def check(page, name):
        assert_fits(page, name)
        shot(page, f"{name}-{size}")
        seen.append(name)

    # The village account: login, the SMS step, its home page.
    village = new_page(viewport)
    village_watch = Watch(village)
    village.goto(f"{origin}/login/")
    expect(village.get_by_role("button", name="登录")).to_be_visible()
    check(village, "login")
    submit_password(village, live_server, world.village_account.username, PASSWORD)
    expect(village.get_by_role("button", name="发送验证码")).to_be_visible()
    check(village, "sms-step")
    complete_sms_step(village, world.phone, sms_outbox)
    expect(village.get_by_test_id("verified-phone")).to_contain_text("139****0001")
    check(village, "home-village")

    # The county office: home, a region page, the account list and the creation form.
    county = new_page(viewport)
    county_watch = Watch(county)
    browser_login(county, live_server, world.county_office)
    check(county, "home-county")
    county.goto(f"{origin}/regions/{world.county.pk}/")
    expect(county.get_by_test_id("region-children")).to_contain_text("贡江镇")
    check(county, "region")
    county.goto(f"{origin}/regions/{world.township.pk}/")
    expect(county.get_by_test_id("region-children")).to_contain_text("仓前村委会")
    check(county, "region-township")
    county.goto(f"{origin}/accounts/")
    expect(county.get_by_test_id("accounts")).to_contain_text("township")
    check(county, "account-list")
    county.goto(f"{origin}/accounts/new/")
    check(county, "account-create")

    # The township office: village phone numbers.
    township = new_page(viewport)
    township_watch = Watch(township)
    browser_login(township, live_server, world.township_office)
    township.goto(f"{origin}/phones/")
    expect(township.get_by_test_id("village-accounts")).to_contain_text("village")
    check(township, "phone-accounts")
    township.goto(f"{origin}/phones/{world.village_account.pk}/")
    expect(township.get_by_test_id("phones")).to_contain_text("139****0001")
    check(township, "phones")

    assert len(seen) == 10
    for watch in (village_watch, county_watch, township_watch):
        # Stylesheet and script came from here, and nothing from anywhere else.
        assert any(re.search(r"/static/css/app\.css$", url) for url in watch.requests)
        assert any(re.search(r"/static/js/app\.js$", url) for url in watch.requests)
        watch.assert_offline_and_clean(origin)


def test_phone_menu_is_hidden_until_the_menu_button_is_pressed(phone_page, live_server, world):
    page = phone_page
    watch = Watch(page)
    browser_login(page, live_server, world.county_office)
    sidebar = page.locator("#sidebar")
    toggle = page.get_by_role("button", name="☰ 菜单")
    expect(sidebar).to_be_hidden()
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    shot(page, "menu-closed-phone")

    toggle.click()
    expect(sidebar).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # The menu opens at its top; its lower items (the county's menu is longer than a phone
    # screen since the assessment pages) are reached by scrolling.
    expect(sidebar.get_by_role("link", name="管理贫困户信息")).to_be_in_viewport()
    users = sidebar.get_by_role("link", name="系统用户管理")
    users.scroll_into_view_if_needed()
    expect(users).to_be_in_viewport()
    # The region tree works inside the opened menu and still fits the width.
    sidebar.get_by_role("button", name="展开 于都县").click()
    expect(sidebar.get_by_role("link", name="铁山垅镇")).to_be_visible()
    sidebar.get_by_role("button", name="展开 贡江镇").click()
    expect(sidebar.get_by_role("link", name="里泗村委会")).to_be_visible()
    assert horizontal_overflow(page) <= 1
    shot(page, "menu-open-phone")

    toggle.click()
    expect(sidebar).to_be_hidden()
    toggle.click()
    sidebar.get_by_role("link", name="系统用户管理").click()
    expect(page.get_by_role("heading", name="系统用户管理")).to_be_visible()
    # A new page starts with the menu closed again.
    expect(sidebar).to_be_hidden()
    watch.assert_offline_and_clean(live_server.url)


def test_desktop_menu_is_always_shown(page, live_server, world):
    browser_login(page, live_server, world.county_office)
    expect(page.locator("#sidebar")).to_be_visible()
    expect(page.get_by_role("button", name="☰ 菜单")).to_be_hidden()
    # Sidebar and content sit side by side.
    sidebar = page.locator("#sidebar").bounding_box()
    content = page.locator("main").bounding_box()
    assert sidebar["x"] + sidebar["width"] <= content["x"] + 1

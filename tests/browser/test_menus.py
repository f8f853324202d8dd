"""The left menu in a browser: groups fold and stay folded from page to page (app.js keeps
the choice; no inline script under the CSP), the current page's group always opens, and
a greyed 建设中 entry leads nowhere."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser_login, shot

pytestmark = pytest.mark.browser


def group(page, key: str):
    return page.locator(f'#sidebar details[data-menu-key="{key}"]')


def test_menu_groups_fold_and_stay_folded(page, live_server, world, monkeypatch):
    from portal import menus
    from tests.test_menus import PLANNED

    monkeypatch.setattr(menus, "MENU", (*menus.MENU, PLANNED))  # one page not built yet
    browser_login(page, live_server, world.county_office)
    system = group(page, "系统管理")
    households = group(page, "基础信息库/贫困户信息管理")
    expect(system).to_have_attribute("open", "")
    expect(page.locator("#sidebar").get_by_role("link", name="添加系统用户")).to_be_visible()

    system.locator("> summary").click()
    households.locator("> summary").click()
    expect(page.locator("#sidebar").get_by_role("link", name="添加系统用户")).to_be_hidden()
    expect(page.locator("#sidebar").get_by_role("link", name="查看贫困户信息")).to_be_hidden()
    shot(page, "menu-folded")

    # Another page: 系统管理 stays folded; 贫困户信息管理 opens again since the page is in it.
    page.goto(f"{live_server.url}/households/view/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("查看贫困户信息")
    expect(system).not_to_have_attribute("open", "")
    expect(households).to_have_attribute("open", "")
    current = page.locator("#sidebar").get_by_role("link", name="查看贫困户信息")
    expect(current).to_have_attribute("aria-current", "page")
    crumbs = page.get_by_test_id("breadcrumb").locator("li")
    expect(crumbs).to_have_text(["首页", "基础信息库", "贫困户信息管理", "查看贫困户信息"])

    # Unfolding is remembered too.
    system.locator("> summary").click()
    page.reload()
    expect(system).to_have_attribute("open", "")

    # A greyed entry is not a link and clicking it goes nowhere.
    planned = page.locator("#sidebar .planned", has_text="统计报表")
    expect(planned).to_contain_text("建设中")
    url = page.url
    planned.click()
    assert page.url == url
    shot(page, "menu-desktop")

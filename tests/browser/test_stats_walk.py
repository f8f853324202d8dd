"""统计 in a real browser: the city office's home → a county → a township → a village →
the village's household list, each number the count of the list it opens; the page and its
chart fit a 1366 px screen and a phone; 数据质量检查 from the county's menu."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from households.models import Household
from tests.assessment_data import poor_household
from tests.browser.conftest import PHONE, browser_login, horizontal_overflow, shot

pytestmark = pytest.mark.browser


def test_city_home_to_a_village_list(new_page, live_server, world):
    for name in ("陈秀英", "黄国华"):
        poor_household(world, name)
    page = new_page()
    browser_login(page, live_server, world.city_office)
    table = page.get_by_test_id("county-table")
    expect(table).to_contain_text("于都县")
    table.get_by_role("link", name="于都县", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("于都县")
    page.get_by_test_id("stats-table").get_by_role("link", name="贡江镇", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("贡江镇")
    page.get_by_test_id("stats-table").get_by_role("link", name="仓前村委会", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("仓前村委会")
    expect(page.get_by_test_id("chart").locator("svg.chart-svg")).to_be_visible()
    shot(page, "stats-village")
    assert horizontal_overflow(page) == 0
    row = page.locator('tr[data-region="360731100201"]')
    row.locator("a[data-count]").first.click()  # 贫困户 of 仓前村委会
    expect(page).to_have_url(re.compile(r"/households/view/\?"))
    expect(page.get_by_test_id("household-count")).to_contain_text("共 2 户")
    expect(page.get_by_test_id("households")).to_contain_text("陈秀英")


def test_statistics_fit_a_phone(new_page, live_server, world):
    poor_household(world, "陈秀英")
    page = new_page(PHONE)
    browser_login(page, live_server, world.county_office)
    page.goto(f"{live_server.url}/stats/?table=cause")
    expect(page.get_by_test_id("chart").locator("svg.chart-svg")).to_be_visible()
    shot(page, "stats-phone")
    assert horizontal_overflow(page) == 0


def test_county_finds_and_fixes_a_problem(new_page, live_server, world):
    household = poor_household(world, "陈秀英")
    Household.objects.filter(pk=household.pk).update(net_income_per_capita=Decimal("-5"))
    page = new_page()
    browser_login(page, live_server, world.county_office)
    page.goto(f"{live_server.url}/quality/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("数据质量检查")
    page.locator('tr[data-rule="D01"]').get_by_role("link").click()
    expect(page.get_by_test_id("problems")).to_contain_text(household.number)
    Household.objects.filter(pk=household.pk).update(net_income_per_capita=Decimal("500"))
    page.reload()
    expect(page.get_by_test_id("problems")).to_contain_text("没有发现该问题")

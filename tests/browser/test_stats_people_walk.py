"""统计 of the people in a real browser (控辍保学): the county office opens 统计 › 贫困户(人口),
the tab 按在校生状况, and follows the 6–15周岁未在校 number of the 合计 row to the 家庭成员名单,
where the ten-year-old out of school is listed with the ID number masked; 贫困发生率 says
未填写 until the villages' 农村人口 is filled in."""

import pytest
from playwright.sync_api import expect

from tests.assessment_data import failing_household
from tests.browser.conftest import browser_login, shot

pytestmark = pytest.mark.browser


def test_the_county_follows_the_out_of_school_count_to_the_child(new_page, live_server, world):
    household = failing_household(world, "刘德明")  # 李小明, 10, not in school
    child = household.members.get(name="李小明")
    county = new_page()
    browser_login(county, live_server, world.county_office)
    county.locator("#sidebar").get_by_role("link", name="贫困户(人口)", exact=True).click()
    county.get_by_role("navigation", name="统计表").get_by_role("link", name="按在校生状况").click()
    table = county.get_by_test_id("stats-table").first
    headers = table.locator("thead th").all_inner_texts()
    column = headers.index("6–15周岁未在校")
    cell = table.locator("tr.total td").nth(column - 1).locator("a")
    expect(cell).to_have_attribute("data-count", "1")
    shot(county, "stats-school")
    cell.click()
    expect(county.get_by_role("heading", level=1)).to_contain_text("家庭成员名单")
    listing = county.get_by_test_id("member-list")
    expect(listing.locator("tbody tr")).to_have_count(1)
    expect(listing).to_contain_text("李小明")
    expect(listing).not_to_contain_text(child.id_number)
    expect(listing).to_contain_text(child.id_number[:4])
    county.go_back()
    county.get_by_role("navigation", name="统计表").get_by_role("link", name="贫困发生率").click()
    expect(county.get_by_test_id("stats-table").first).to_contain_text("未填写")

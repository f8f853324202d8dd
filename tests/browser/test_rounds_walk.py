"""年度动态管理 in a real browser: the county office opens 于都县's round by the menu, sees the
progress per township, seals the year (a 脱贫 of the township is then refused), and reopens it
with a reason; the township office sees its own row."""

import pytest
from playwright.sync_api import expect

from households.models import YearSeal
from identification.models import Round
from poverty_system.core.dates import current_year
from tests.assessment_data import poor_household
from tests.browser.conftest import browser_login, field, shot

pytestmark = pytest.mark.browser

YEAR = current_year()


def test_the_county_opens_seals_and_reopens_its_yearly_round(new_page, live_server, world):
    household = poor_household(world, "陈秀英")
    county = new_page()
    browser_login(county, live_server, world.county_office)
    county.locator("#sidebar").get_by_role("link", name="年度动态管理", exact=True).click()
    expect(county.get_by_role("heading", level=1)).to_contain_text("年度动态管理")
    form = county.get_by_test_id("open-round")
    field(form, "年度").fill(str(YEAR))
    for label, day in (
        ("第一步 设置规模 截止日期", f"{YEAR}-03-31"),
        ("第二步 动态管理农户 截止日期", f"{YEAR}-06-30"),
        ("第三步 区县审核脱贫农户 截止日期", f"{YEAR}-09-30"),
        ("第四步 新增农户 截止日期", f"{YEAR}-11-30"),
        ("第五步 区县审核新增农户 截止日期", f"{YEAR}-12-31"),
    ):
        field(form, label).fill(day)
    form.get_by_role("button", name="开启").click()
    expect(county.locator(".messages")).to_contain_text(f"已开启{YEAR}年度动态管理")
    progress = county.get_by_test_id("progress")
    expect(progress).to_contain_text(world.township.name)
    expect(progress.locator("tr", has_text=world.township.name)).to_contain_text("未设置")
    shot(county, "round-progress")

    county.get_by_test_id("seal-form").get_by_role("button", name="封存").click()
    expect(county.locator(".messages")).to_contain_text(f"{YEAR}年度数据已封存")
    expect(county.get_by_test_id("round-state")).to_have_text("已封存")
    assert YearSeal.objects.filter(county_code=world.county.code, year=YEAR).exists()

    # The township's 脱贫 of the sealed year is refused with the reason.
    township = new_page()
    browser_login(township, live_server, world.township_office)
    township.locator("#sidebar").get_by_role("link", name="贫困户脱贫情况", exact=True).click()
    township.get_by_label(f"选择 {household.number}").check()
    field(township, "脱贫意见").fill("经入户核查，收入稳定超过标准线。")
    township.get_by_role("button", name="脱贫", exact=True).click()
    expect(township.locator("body")).to_contain_text("封存")
    round_ = Round.objects.get()
    township.goto(f"{live_server.url}/identification/rounds/{round_.pk}/")
    rows = township.get_by_test_id("progress").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(township.get_by_test_id("seal-form")).to_have_count(0)

    reopen = county.get_by_test_id("reopen-form")
    field(reopen, "重新开启原因").fill("补录一户脱贫")
    reopen.get_by_role("button", name="重新开启").click()
    expect(county.locator(".messages")).to_contain_text("已重新开启")
    expect(county.get_by_test_id("round-events")).to_contain_text("补录一户脱贫")
    assert not YearSeal.objects.exists()

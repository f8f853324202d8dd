"""两公示一比对一公告 in a real browser: a new household from 申请 to 公告 across the village,
township and county accounts (with a return on the way), and an exit through 公示 with the
county's 县级核查."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from households.models import Household
from identification.models import Case, CountyRules
from tests.assessment_data import poor_household
from tests.browser.conftest import browser_login, field, shot
from tests.households_data import make_id, member, no_sms_throttle, register  # noqa: F401
from tests.identification_data import days_ago

pytestmark = pytest.mark.browser


def menu(page, label: str) -> None:
    page.locator("#sidebar").get_by_role("link", name=label, exact=True).click()


def status(household) -> str:
    return Household.objects.get(pk=household.pk).status


def open_case(page, household) -> None:
    menu(page, "识别审核")
    # The newest case first (a lifted household also has its announced 新识别).
    page.get_by_test_id("cases").get_by_role("link", name=household.number).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(household.number)


def dates(page, start, end=None) -> None:
    page.locator("#start_date").fill(start.isoformat())
    if end is not None:
        page.locator("#end_date").fill(end.isoformat())


def test_new_household_from_application_to_announcement(new_page, live_server, world, tmp_path):
    household = register(
        world.village_account,
        world.phone,
        # No problem of 数据质量检查 (县级比对 runs them): ill for 因病, a son with a male ID.
        [member("谢春花", health="chronic"), member("谢小军", "son", make_id(901, "20050101"))],
        admitted=False,
    )
    photo = tmp_path / "评议会议记录.png"
    Image.new("RGB", (20, 20), "white").save(photo)

    # --- Village: 新识别 › 发起识别申请 (农户申请、民主评议), then 村内公示. ------------------
    village = new_page()
    browser_login(village, live_server, world.village_account, world.phone)
    menu(village, "新识别")
    village.get_by_test_id("waiting").get_by_role("link", name="发起识别申请").click()
    field(village, "民主评议日期").fill(days_ago(40).isoformat())
    field(village, "民主评议结果").fill("经村民代表会议民主评议，同意纳入")
    village.locator("#attachments").set_input_files(str(photo))
    village.get_by_role("button", name="发起").click()
    expect(village.locator(".messages")).to_contain_text("已发起新识别，下一环节：【村内公示】")
    expect(village.get_by_test_id("events")).to_contain_text("评议会议记录.png")
    # Too short a 公示 is refused next to the field.
    dates(village, days_ago(39), days_ago(35))
    village.get_by_role("button", name="保存").click()
    expect(village.locator(".has-error")).to_contain_text("村内公示不少于 7 天")
    dates(village, days_ago(39), days_ago(30))
    field(village, "公示结果").fill("无异议")
    village.get_by_role("button", name="保存").click()
    expect(village.locator(".messages")).to_contain_text("下一环节：【乡镇审核】")
    expect(village.get_by_test_id("waiting")).to_contain_text("待乡镇审核（由乡镇扶贫办办理）")
    shot(village, "identification-village-waiting")

    # --- Township: 乡镇审核 returns, the village applies again, the township approves. -----
    township = new_page()
    browser_login(township, live_server, world.township_office)
    open_case(township, household)
    field(township, "审核意见").fill("评议记录缺签名")
    township.get_by_role("button", name="退回").click()
    expect(township.locator(".messages")).to_contain_text("已退回，原因：评议记录缺签名")
    village.reload()
    expect(village.get_by_test_id("return-reason")).to_contain_text("评议记录缺签名")
    field(village, "民主评议日期").fill(days_ago(38).isoformat())
    field(village, "民主评议结果").fill("补签后同意")
    village.get_by_role("button", name="保存").click()
    dates(village, days_ago(37), days_ago(30))
    village.get_by_role("button", name="保存").click()
    township.reload()
    field(township, "审核意见").fill("同意")
    township.get_by_role("button", name="同意").click()
    dates(township, days_ago(29), days_ago(20))
    field(township, "公示结果").fill("无异议")
    township.get_by_role("button", name="保存").click()
    expect(township.locator(".messages")).to_contain_text("下一环节：【县级比对】")

    # --- County: 县级比对 (no hit), 县级审批, 公告: the household becomes 贫困户. -----------
    county = new_page()
    browser_login(county, live_server, world.county_office)
    open_case(county, household)
    expect(county.get_by_test_id("hits")).to_contain_text("比对未发现问题")
    shot(county, "identification-county-check")
    county.get_by_role("button", name="同意").click()
    field(county, "审批意见").fill("批准")
    county.get_by_role("button", name="同意").click()
    assert status(household) == "registering"
    dates(county, days_ago(19))
    county.get_by_role("button", name="公告").click()
    expect(county.locator(".messages")).to_contain_text("已公告，该户已成为“贫困户”")
    expect(county.get_by_test_id("state")).to_have_text("已公告")
    assert status(household) == "poor"
    assert Case.objects.get(household=household).events.count() == 10

    # --- The village prints the 公告: head, group and size, no private data. ------------
    village.goto(
        f"{live_server.url}/identification/villages/{world.village.pk}/notice/?stage=announcement"
    )
    notice = village.get_by_test_id("notice")
    expect(notice).to_contain_text("谢春花")
    expect(notice).to_contain_text("2 人")
    expect(notice).not_to_contain_text("13812345678")
    shot(village, "identification-notice")


def test_exit_through_publicity_and_county_verification(new_page, live_server, world):
    CountyRules.objects.create(county=world.county, exit_mode=CountyRules.ExitMode.COUNTY)
    household = poor_household(world, "曾富贵")

    township = new_page()
    browser_login(township, live_server, world.township_office)
    menu(township, "脱贫")
    township.get_by_label(f"选择 {household.number}").check()
    field(township, "民主评议日期").fill(days_ago(30).isoformat())
    township.locator("#opinion").fill("经民主评议、村两委和驻村工作队核实，收入稳定达标")
    township.get_by_role("button", name="脱贫", exact=True).click()
    expect(township.locator(".messages")).to_contain_text("已为 1 户发起脱贫")

    village = new_page()
    browser_login(village, live_server, world.village_account, world.phone)
    open_case(village, household)
    dates(village, days_ago(29), days_ago(20))
    village.get_by_role("button", name="保存").click()
    expect(village.locator(".messages")).to_contain_text("下一环节：【乡镇审核】")

    township.reload()
    open_case(township, household)
    township.get_by_role("button", name="同意").click()
    expect(township.get_by_test_id("waiting")).to_contain_text("待县级核查")

    county = new_page()
    browser_login(county, live_server, world.county_office)
    open_case(county, household)
    field(county, "核查意见").fill("核查属实")
    county.get_by_role("button", name="同意").click()
    assert status(household) == "poor"

    township.reload()
    dates(township, days_ago(1))
    township.get_by_role("button", name="公告").click()
    expect(township.locator(".messages")).to_contain_text("该户已成为“已脱贫”")
    assert status(household) == "lifted"
    shot(township, "identification-exit-announced")

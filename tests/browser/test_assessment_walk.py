"""Issue 06 in a real browser: the township marks 3 households lifted (one refused with its
reasons shown) → the county returns one → the township rolls the return back → the township
submits a poor-village record → the county returns it → the township resubmits → the county
approves → the city office sees it."""

import re

import pytest
from playwright.sync_api import expect

from assessment.models import PoorVillage
from households.models import Household, StatusChange
from tests.assessment_data import failing_household, poor_household
from tests.browser.conftest import browser_login, field, shot

pytestmark = pytest.mark.browser


def menu(page, label: str) -> None:
    page.locator("#sidebar").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)


def status(household) -> str:
    return Household.objects.get(pk=household.pk).status


def test_exit_return_rollback_and_poor_village_review(new_page, live_server, world):
    good = [poor_household(world, "陈秀英"), poor_household(world, "黄国华")]
    bad = failing_household(world, "刘德明")

    # --- 贫困户脱贫情况: the township ticks 3 households and presses 脱贫. ----------------
    township = new_page()
    browser_login(township, live_server, world.township_office)
    menu(township, "贫困户脱贫情况")
    rows = township.get_by_test_id("lift-rows")
    expect(rows).to_contain_text("饮水不安全")
    for household in (*good, bad):
        township.get_by_label(f"选择 {household.number}").check()
    field(township, "脱贫意见").fill("经入户核查，收入稳定超过标准线，两不愁三保障已落实。")
    township.get_by_role("button", name="脱贫", exact=True).click()
    expect(township.get_by_test_id("lift-summary")).to_contain_text(
        "已将 2 户标记为“已脱贫”；1 户未变更"
    )
    refused = township.get_by_test_id("lift-refused")
    expect(refused).to_contain_text("刘德明")
    expect(refused).to_contain_text("饮水不安全")
    expect(refused).to_contain_text("D级危房")
    expect(refused).to_contain_text("李小明")
    shot(township, "assessment-lift-result")
    assert [status(h) for h in (*good, bad)] == ["lifted", "lifted", "poor"]

    # --- 贫困户返贫操作: the county returns one of them. ----------------------------------
    county = new_page()
    browser_login(county, live_server, world.county_office)
    menu(county, "贫困户返贫操作")
    county.get_by_label(f"选择 {good[0].number}").check()
    field(county, "返贫原因").select_option(label="因病返贫")
    field(county, "具体原因").fill("户主突发重病")
    county.get_by_role("button", name="返贫", exact=True).click()
    expect(county.get_by_test_id("return-chosen")).to_contain_text(good[0].number)
    county.get_by_role("button", name="确认返贫").click()
    expect(county.locator(".messages")).to_contain_text("已将 1 户标记为返贫")
    assert status(good[0]) == "returned"

    # --- 综合回退: the township rolls the return back. -----------------------------------
    menu(township, "综合回退")
    changes = township.get_by_test_id("status-changes").locator("tbody tr")
    changes.filter(has_text=good[0].number).filter(has_text="因病返贫").get_by_role(
        "link", name="回退"
    ).click()
    field(township, "回退原因").fill("经复核，该户返贫认定有误。")
    township.get_by_role("button", name="确定回退").click()
    expect(township.locator(".messages")).to_contain_text("返贫 → 已脱贫")
    assert status(good[0]) == "lifted"
    last = StatusChange.objects.filter(household=good[0]).latest("pk")
    assert last.kind == "rollback" and last.actor == world.township_office

    # --- 添加贫困村信息 and 上报. ----------------------------------------------------------
    menu(township, "添加贫困村信息")
    field(township, "村").select_option(label=world.village.name)
    field(township, "总户数").fill("320")
    field(township, "总人口").fill("1150")
    field(township, "村集体经济收入（元）").fill("52000")
    field(township, "通硬化路").check()
    township.get_by_role("button", name="保存").click()
    expect(township.get_by_test_id("state")).to_have_text("草稿")
    township.get_by_role("button", name="上报").click()
    expect(township.get_by_test_id("state")).to_have_text("已上报")
    record = PoorVillage.objects.get()
    assert record.poor_households == 1  # the refused household is still poor

    # --- 贫困村审核: the county returns it with a reason. ----------------------------------
    menu(county, "贫困村审核")
    county.get_by_test_id("poor-villages").get_by_role("link", name=world.village.name).click()
    field(county, "退回原因").fill("总人口与统计年报不符，请核实。")
    county.get_by_role("button", name="退回").click()
    expect(county.get_by_test_id("state")).to_have_text("已退回")

    # --- the township corrects and resubmits. ---------------------------------------------
    menu(township, "管理贫困村信息")
    township.get_by_test_id("poor-villages").get_by_role("link", name=world.village.name).click()
    expect(township.get_by_test_id("return-reason")).to_contain_text("总人口与统计年报不符")
    township.get_by_role("link", name="修改", exact=True).click()
    field(township, "总人口").fill("1180")
    township.get_by_role("button", name="保存").click()
    township.get_by_role("button", name="上报").click()
    expect(township.get_by_test_id("state")).to_have_text("已上报")

    # --- the county approves. ----------------------------------------------------------------
    menu(county, "贫困村审核")
    county.get_by_test_id("poor-villages").get_by_role("link", name=world.village.name).click()
    county.get_by_role("button", name="审核通过").click()
    expect(county.get_by_test_id("state")).to_have_text("审核通过")
    shot(county, "assessment-poor-village-approved")

    # --- the city office sees the approved record. --------------------------------------------
    city = new_page()
    browser_login(city, live_server, world.city_office)
    menu(city, "管理贫困村信息")
    listing = city.get_by_test_id("poor-villages")
    expect(listing).to_contain_text(world.village.name)
    expect(listing).to_contain_text("审核通过")
    listing.get_by_role("link", name=world.village.name).click()
    expect(city.get_by_test_id("incidence")).to_have_text(re.compile(r"^0\.\d\d%$"))
    expect(city.get_by_role("button", name="审核通过")).to_have_count(0)
    record.refresh_from_db()
    assert record.state == "approved" and record.population == 1180

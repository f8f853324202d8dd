"""防止返贫监测 in a real browser, after the village's 入户核实: the monitoring chain on the
case page (信息比对 → 村级初选 → 乡级审核 → 县级审批 → 公告 → 录入), 添加帮扶措施 on 监测对象, six
months later (time moved by the documented test helper), two 收入核查, 风险消除 through its own
公示 chain, and the county's 风险消除回退."""

import pytest
from playwright.sync_api import expect

from monitoring.models import Monitored
from tests.browser.conftest import browser_login
from tests.identification_data import days_ago
from tests.monitoring_data import identified_months_ago, new_family, start

pytestmark = pytest.mark.browser


def step(page, url, *, start_date=None, end_date=None, opinion="", button="同意"):
    page.goto(url)
    form = page.get_by_test_id("step-form")
    if start_date:
        form.locator("[name=start_date]").fill(f"{start_date}")
    if end_date:
        form.locator("[name=end_date]").fill(f"{end_date}")
    if opinion:
        form.locator("[name=opinion]").fill(opinion)
    form.get_by_role("button", name=button, exact=True).click()


def test_identify_assist_eliminate_and_roll_back(new_page, live_server, world):
    monitored = start(world, new_family(world, "邱永福"))
    case_url = f"{live_server.url}/identification/cases/{monitored.case_id}/"
    village, township, county = new_page(), new_page(), new_page()
    browser_login(village, live_server, world.village_account)
    browser_login(township, live_server, world.township_office)
    browser_login(county, live_server, world.county_office)

    county.goto(case_url)
    expect(county.get_by_test_id("fact")).to_contain_text("识别办结期限")
    step(county, case_url, opinion="比对无问题")
    step(village, case_url, start_date=days_ago(29), end_date=days_ago(20), button="保存",
         opinion="民主评议通过，公示无异议")  # fmt: skip
    step(township, case_url)
    step(county, case_url, opinion="批准")
    step(county, case_url, start_date=days_ago(19), button="公告")
    expect(county.get_by_test_id("state")).to_have_text("已公告")

    # 监测对象: the village adds a 健康扶贫 measure for the 因病 risk.
    village.goto(f"{live_server.url}/monitoring/monitored/")
    village.get_by_role("link", name=monitored.household.number).click()
    expect(village.get_by_test_id("state")).to_contain_text("风险未消除")
    expect(village.get_by_test_id("lacks")).to_contain_text("因病风险缺少健康扶贫措施")
    form = village.get_by_test_id("measure-form")
    form.locator("[name=kind]").select_option(label="健康扶贫")
    form.locator("[name=amount]").fill("3000")
    form.locator("[name=start_date]").fill(f"{days_ago(0)}")
    form.get_by_role("button", name="添加").click()
    expect(village.get_by_test_id("measures")).to_contain_text("健康扶贫")
    expect(village.get_by_test_id("gate")).to_contain_text("不足 6 个月")

    # Six months later: two reviews above the line, then 风险消除 through its 公示.
    identified_months_ago(Monitored.objects.get(pk=monitored.pk), 7)
    page_url = f"{live_server.url}/monitoring/monitored/{monitored.pk}/"
    for day in (days_ago(1), days_ago(0)):
        village.goto(page_url)
        form = village.get_by_test_id("review-form")
        form.locator("[name=date]").fill(f"{day}")
        form.locator("[name=income_per_head]").fill("9800")
        form.locator("[name=medical_self_pay]").fill("1200")
        form.get_by_role("button", name="录入").click()
        expect(village.get_by_test_id("reviews")).to_contain_text(f"{day}")
    expect(village.get_by_test_id("gate")).to_contain_text("已达到风险消除条件")
    form = village.get_by_test_id("eliminate-form")
    form.locator("[name=start_date]").fill(f"{days_ago(9)}")
    form.locator("[name=end_date]").fill(f"{days_ago(3)}")
    form.locator("[name=opinion]").fill("评议通过，公示无异议")
    form.get_by_role("button", name="发起风险消除").click()
    elimination_url = village.url
    assert "/identification/cases/" in elimination_url
    step(township, elimination_url)
    step(county, elimination_url, opinion="同意消除")
    step(county, elimination_url, start_date=days_ago(2), button="公告")
    county.goto(page_url)
    expect(county.get_by_test_id("state")).to_contain_text("风险已消除")

    # The county rolls the elimination back with a reason.
    form = county.get_by_test_id("roll-back-form")
    form.locator("[name=reason]").fill("户主再次住院，收入不稳定")
    form.get_by_role("button", name="回退").click()
    expect(county.get_by_test_id("state")).to_contain_text("风险未消除")
    expect(county.get_by_test_id("events")).to_contain_text("风险消除回退")

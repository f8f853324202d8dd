"""防止返贫监测 end to end in a real browser: a person scans the door-plate code and taps
申报困难; the village sees the lead with its clock in 监测线索 and takes it into
纳入监测（启动识别） with the signed 承诺授权书 (入户核实); the chain's steps by their
accounts (信息比对 county, 村级初选 village, 乡级审核 township, 县级审批 and 公告 county)
end in 录入: the household is a 监测对象 (风险未消除). The village adds 帮扶措施 for its risk
(健康扶贫, and 公益岗位 for a household with labour) and two 收入核查 above the line;
风险消除 is refused with the failing criterion; six months later (time moved, see below) it goes
through its 公示 chain; the county's 风险消除回退 brings it back to 风险未消除, all in the history.

Time: `six_months_later` moves the recorded identification date back seven months through
tests.monitoring_data.identified_months_ago (the one documented helper editing a row directly);
everything else goes through the pages, with the database and the permission layer real.
"""

import re

import pytest
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import expect

from archives import tokens
from households.models import Household
from identification.models import Case
from monitoring.models import Lead, Monitored
from tests.browser.conftest import browser_login, field, shot
from tests.households_data import member, no_sms_throttle  # noqa: F401
from tests.identification_data import days_ago
from tests.monitoring_data import identified_months_ago, new_family

pytestmark = pytest.mark.browser


def menu(page, label: str) -> None:
    page.locator("#sidebar").get_by_role("link", name=label, exact=True).click()


def open_case(page, household) -> None:
    """识别审核 › the household's newest case."""
    menu(page, "识别审核")
    page.get_by_test_id("cases").get_by_role("link", name=household.number).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(household.number)


def open_monitored(page, household) -> None:
    """监测对象 › the household's page."""
    menu(page, "监测对象")
    page.get_by_test_id("monitored-rows").get_by_role("link", name=household.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("监测对象")


def dates(page, start, end=None) -> None:
    page.locator("#start_date").fill(start.isoformat())
    if end is not None:
        page.locator("#end_date").fill(end.isoformat())


def six_months_later(household) -> Monitored:
    """Time moved: the household was identified seven months ago (the gate counts six)."""
    return identified_months_ago(Monitored.objects.get(household=household), 7)


def test_scan_report_identify_help_eliminate_and_roll_back(new_page, live_server, world, tmp_path):
    cache.clear()
    household = new_family(world, members=[member("孙大山")])
    tokens.ensure_tokens([household.pk])
    token = household.archive_tokens.active().get().token
    consent = tmp_path / "承诺授权书.png"
    Image.new("RGB", (20, 20), "white").save(consent)

    # --- A person scans the door-plate code and reports (申报困难). ----------------------
    phone = new_page({"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/q/{token}/")
    phone.get_by_test_id("report-hardship").click()
    field(phone, "姓名").fill("孙大山")
    field(phone, "手机号码").fill("13912345678")
    field(phone, "困难情况（家里遇到了什么困难）").fill("户主突发脑梗住院，自付医药费很多")
    phone.get_by_role("button", name="提交申报").click()
    expect(phone.get_by_test_id("receipt")).to_have_text(re.compile(r"JC\d{14}"))

    # --- The village: 监测线索 with the clock, 纳入监测（启动识别） with the 承诺授权书. -----
    village = new_page()
    browser_login(village, live_server, world.village_account, world.phone)
    menu(village, "监测线索")
    lead = Lead.objects.get(household=household)
    leads = village.get_by_test_id("leads")
    expect(leads).to_contain_text("孙大山")
    expect(leads).to_contain_text("农户自主申报")
    expect(leads).to_contain_text(f"{lead.visit_due:%Y-%m-%d}")
    leads.get_by_role("link", name=lead.number).click()
    expect(village.get_by_test_id("clock")).to_contain_text(f"{lead.decide_due:%Y-%m-%d}")
    village.get_by_test_id("identify").click()
    expect(village.get_by_role("heading", level=1)).to_contain_text("纳入监测（启动识别）")
    form = village.get_by_test_id("identify-form")
    form.get_by_label("监测对象类别").select_option(label="边缘易致贫户")
    form.get_by_label("因病", exact=True).check()
    form.get_by_label("入户核实日期").fill(days_ago(30).isoformat())
    form.get_by_label("核实情况").fill("已入户，户主脑梗住院属实，自付费用较高")
    form.get_by_label("农户签字的承诺授权书（JPEG/PNG/PDF）").set_input_files(str(consent))
    village.get_by_role("button", name="入户核实，纳入监测识别").click()
    expect(village.locator(".messages")).to_contain_text("已入户核实，纳入监测识别程序。")
    expect(village.get_by_test_id("events")).to_contain_text("承诺授权书.png")
    expect(village.get_by_test_id("waiting")).to_contain_text("待信息比对")
    case_url = village.url

    # --- 信息比对 (county), 村级初选 (village), 乡级审核 (township), 县级审批 and 公告 (county).
    county = new_page()
    browser_login(county, live_server, world.county_office)
    open_case(county, household)
    expect(county.get_by_test_id("step-form")).to_contain_text("信息比对")
    county.locator("#opinion").fill("比对无问题")
    county.get_by_role("button", name="同意").click()
    expect(county.get_by_test_id("waiting")).to_contain_text("待村级初选")

    village.goto(case_url)
    expect(village.get_by_test_id("step-form")).to_contain_text("村级初选（民主评议、村内公示）")
    dates(village, days_ago(29), days_ago(20))
    field(village, "民主评议和公示结果").fill("民主评议通过，公示无异议")
    village.get_by_role("button", name="保存").click()
    expect(village.get_by_test_id("waiting")).to_contain_text("待乡级审核")

    township = new_page()
    browser_login(township, live_server, world.township_office)
    open_case(township, household)
    field(township, "审核意见").fill("同意")
    township.get_by_role("button", name="同意").click()
    expect(township.get_by_test_id("waiting")).to_contain_text("待县级审批")

    county.reload()
    field(county, "审批意见").fill("批准纳入监测")
    county.get_by_role("button", name="同意").click()
    dates(county, days_ago(19))
    county.get_by_role("button", name="公告").click()
    expect(county.get_by_test_id("state")).to_have_text("已公告")
    assert Household.objects.get(pk=household.pk).status == "monitored"

    # --- 录入: a 监测对象, 风险未消除; 帮扶措施 and two 收入核查 by the village. ------------
    open_monitored(village, household)
    expect(village.get_by_test_id("state")).to_have_text("风险未消除")
    monitored_url = village.url
    expect(village.get_by_test_id("risks")).to_have_text("因病")
    expect(village.get_by_test_id("lacks")).to_contain_text("因病风险缺少健康扶贫措施")
    # 因病 needs a 健康扶贫 measure; a household with labour also a development one.
    for kind, amount, note in (
        ("健康扶贫", "3000", "大病专项救治，先诊疗后付费"),
        ("公益岗位", "6000", "配偶安排村保洁公益岗位"),
    ):
        measure = village.get_by_test_id("measure-form")
        measure.get_by_label("对应风险").select_option(label="因病")
        measure.get_by_label("措施类型").select_option(label=kind)
        field(measure, "金额（元）").fill(amount)
        field(measure, "开始日期").fill(days_ago(0).isoformat())
        field(measure, "措施内容").fill(note)
        measure.get_by_role("button", name="添加").click()
        expect(village.locator(".messages")).to_contain_text("已添加帮扶措施。")
        expect(village.get_by_test_id("measures")).to_contain_text(kind)
        if kind == "健康扶贫":
            lacks = village.get_by_test_id("lacks")
            expect(lacks).not_to_contain_text("因病风险缺少健康扶贫措施")
            expect(lacks).to_contain_text("有劳动力，缺少发展类措施")
    expect(village.get_by_test_id("measures").locator("tbody tr")).to_have_count(2)
    expect(village.get_by_test_id("lacks")).to_have_count(0)
    for income, note in (("9800", "务工收入恢复"), ("10200", "家属公益岗位收入")):
        review = village.get_by_test_id("review-form")
        field(review, "核查日期").fill(days_ago(0).isoformat())
        field(review, "人均纯收入（元）").fill(income)
        field(review, "合规自付医疗费用（元，全户）").fill("1000")
        field(review, "说明").fill(note)
        review.get_by_role("button", name="录入").click()
        expect(village.locator(".messages")).to_contain_text("已录入收入核查。")
    expect(village.get_by_test_id("reviews").locator("tbody tr")).to_have_count(2)

    # 风险消除 now: refused with the failing criterion listed, nothing started.
    gate = village.get_by_test_id("gate")
    expect(gate).to_contain_text("识别至今不足 6 个月")
    expect(gate).not_to_contain_text("收入核查")
    eliminate = village.get_by_test_id("eliminate-form")
    eliminate.locator("#e_start").fill(days_ago(9).isoformat())
    eliminate.locator("#e_end").fill(days_ago(3).isoformat())
    eliminate.get_by_role("button", name="发起风险消除").click()
    refusal = village.get_by_test_id("error")
    expect(refusal).to_contain_text("未达到风险消除条件：识别至今不足 6 个月")
    assert not Case.objects.filter(household=household, kind="elimination").exists()
    shot(village, "monitoring-elimination-refused")

    # --- Six months later: the gate passes; 风险消除 through its 公示 chain. ---------------
    six_months_later(household)
    village.goto(monitored_url)  # not reload(): the refused page answered a POST
    expect(village.get_by_test_id("gate")).to_contain_text("已达到风险消除条件（帮扶消除）")
    eliminate = village.get_by_test_id("eliminate-form")
    eliminate.locator("#e_start").fill(days_ago(9).isoformat())
    eliminate.locator("#e_end").fill(days_ago(3).isoformat())
    eliminate.get_by_label("评议和公示结果").fill("经民主评议，收入稳定，公示无异议")
    eliminate.get_by_role("button", name="发起风险消除").click()
    expect(village.locator(".messages")).to_contain_text("已发起风险消除，下一环节：【乡级审核】")
    expect(village.get_by_test_id("waiting")).to_contain_text("待乡级审核")

    open_case(township, household)  # the newest case: the elimination
    expect(township.get_by_test_id("step-form")).to_contain_text("乡级审核")
    township.get_by_role("button", name="同意").click()
    expect(township.get_by_test_id("waiting")).to_contain_text("待县级审批")
    open_case(county, household)
    county.get_by_role("button", name="同意").click()
    dates(county, days_ago(2))
    county.get_by_role("button", name="公告").click()
    expect(county.get_by_test_id("state")).to_have_text("已公告")

    open_monitored(county, household)
    expect(county.get_by_test_id("state")).to_have_text("风险已消除（帮扶消除）")

    # --- 风险消除回退 by the county, with a reason: back to 风险未消除. ----------------------
    county.get_by_test_id("roll-back-form").get_by_role("button", name="回退").click()
    expect(county.get_by_test_id("roll-back-form")).to_contain_text("回退原因")
    expect(county.get_by_test_id("state")).to_have_text("风险已消除（帮扶消除）")
    field(county, "回退原因").fill("户主再次住院，收入不稳定")
    county.get_by_role("button", name="回退").click()
    expect(county.locator(".messages")).to_contain_text("已回退风险消除，该户恢复为风险未消除。")
    expect(county.get_by_test_id("state")).to_have_text("风险未消除")
    history = county.get_by_test_id("events")
    for kind in ("纳入监测", "帮扶措施", "收入核查", "风险消除", "风险消除回退"):
        expect(history).to_contain_text(kind)
    expect(history).to_contain_text("户主再次住院，收入不稳定")
    shot(county, "monitoring-rolled-back")
    monitored = Monitored.objects.get(household=household)
    assert monitored.state == "monitored" and monitored.eliminated_on is None
    assert monitored.reviews.count() == 2

"""防止返贫监测's leads in a real browser: a person on a phone scans a household's door-plate
code, taps 申报困难 and gets a 受理编号; another chooses the village level by level (the
selects submit themselves: app.js under the CSP, no inline script) and reports; the village
sees both leads in 监测线索 with their clocks, records 入户核实 and 不纳入; the person looks the
number up and reads the reason."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from archives import tokens
from monitoring.models import Lead
from tests.browser.conftest import browser_login, field, horizontal_overflow, shot
from tests.households_data import make_id, member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_person_reports_the_village_handles_and_the_person_looks_it_up(
    new_page, live_server, world
):
    cache.clear()
    household = register(world.village_account, world.phone, [member("周九")], parts_done=1)
    tokens.ensure_tokens([household.pk])
    token = household.archive_tokens.active().get().token

    phone = new_page({"width": 390, "height": 844})
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.goto(f"{live_server.url}/q/{token}/")
    phone.get_by_test_id("report-hardship").click()
    field(phone, "姓名").fill("周九")
    field(phone, "手机号码").fill("13912345678")
    field(phone, "困难情况（家里遇到了什么困难）").fill("户主务工摔伤，住院花了很多钱")
    phone.get_by_role("button", name="提交申报").click()
    receipt = phone.get_by_test_id("receipt").inner_text()
    assert re.fullmatch(r"JC\d{14}", receipt)
    assert horizontal_overflow(phone) == 0
    shot(phone, "monitoring-received-phone")

    # 一码申报 without a code: province, city, county, township, village, one select each.
    other = new_page({"width": 390, "height": 844})
    other.goto(f"{live_server.url}/monitoring/report/")
    for region in (world.province, world.city, world.county, world.township, world.village2):
        other.locator("select[name=at]").select_option(label=region.name)
        expect(other.get_by_test_id("trail")).to_contain_text(region.name)
    field(other, "姓名").fill("郑十一")
    field(other, "手机号码").fill("13912340000")
    field(other, "身份证号码").fill(make_id())
    field(other, "困难情况（家里遇到了什么困难）").fill("房子被洪水冲坏")
    other.get_by_role("button", name="提交申报").click()
    expect(other.get_by_test_id("receipt")).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e]

    # The village sees both leads with their clocks, visits the first and declines it.
    page = new_page()
    browser_login(page, live_server, world.village_account)
    page.goto(f"{live_server.url}/monitoring/leads/")
    leads = page.get_by_test_id("leads")
    expect(leads).to_contain_text("周九")
    expect(leads).to_contain_text("农户自主申报")
    lead = Lead.objects.get(household=household)
    expect(leads).to_contain_text(f"{lead.visit_due:%Y-%m-%d}")
    shot(page, "monitoring-inbox")
    page.get_by_role("link", name=lead.number).click()
    page.get_by_test_id("visit-form").get_by_label("核实情况").fill(
        "已入户，伤情属实，已参加工伤保险"
    )
    page.get_by_role("button", name="记录入户核实").click()
    expect(page.get_by_test_id("state")).to_have_text("已入户核实")
    page.get_by_test_id("reject-form").get_by_label(re.compile("不纳入理由")).fill(
        "工伤保险已理赔，家庭收入高于监测范围"
    )
    page.get_by_role("button", name="不纳入，办结").click()
    expect(page.get_by_test_id("state")).to_have_text("不纳入")
    expect(page.get_by_test_id("history")).to_contain_text("入户核实")

    # The person looks the number up: the state and the reason, nothing else.
    phone.goto(f"{live_server.url}/monitoring/lookup/")
    field(phone, "受理编号").fill(receipt)
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("state")).to_have_text("不纳入")
    expect(phone.get_by_test_id("reason")).to_have_text("工伤保险已理赔，家庭收入高于监测范围")
    text = phone.content()
    assert "周九" not in text and "13912345678" not in text and "伤情属实" not in text

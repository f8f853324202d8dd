"""Issue 02 in a real browser: the village claims households, registers a new one through
the seven parts of 扶贫对象登记表 in order, edits it and finds the change in 修改日志; another
phone of the same village may not edit it; the township office cancels a wrong claim."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from households import services
from households.models import Claim, Household, Member
from poverty_system.core.actor import Actor
from tests.browser.conftest import browser_login, field, shot
from tests.households_data import make_id, member, no_sms_throttle, register  # noqa: F401
from tests.identification_data import admit

pytestmark = pytest.mark.browser


def menu(page, label: str) -> None:
    page.locator("#sidebar").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)


def member_row(page, index: int):
    return page.get_by_test_id("member-rows").locator("tbody tr").nth(index)


def cell(page, index: int, label: str):
    """A control of one member row, by its column's label."""
    return field(member_row(page, index), label)


def steps(page):
    return page.get_by_role("navigation", name="扶贫对象登记表")


def expect_part(page, number: int, label: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)
    current = steps(page).locator("[aria-current=step]")
    expect(current).to_have_text(f"{number}. {label}")


def unclaimed(world, name: str) -> Household:
    """A registered household of world.village entered under phone2, its claim then
    cancelled by the township office: nobody holds it."""
    household = register(world.village_account, world.phone2, [member(name)])
    services.cancel_claim(Actor(world.township_office), household, "测试：释放认领")
    return household


def test_village_claims_registers_and_edits_township_cancels(
    new_page, live_server, world, sms_outbox
):
    first, second = unclaimed(world, "陈秀英"), unclaimed(world, "黄国华")
    households_before, members_before = Household.objects.count(), Member.objects.count()

    # --- The village logs in with 13900000001 (password, then the SMS code). ----------
    page = new_page()
    browser_login(page, live_server, world.village_account, phone=world.phone, outbox=sms_outbox)
    expect(page.get_by_test_id("verified-phone")).to_contain_text("139****0001")

    # --- 贫困户认领管理: claim the two unclaimed households. ---------------------------
    menu(page, "贫困户认领管理")
    expect(page.locator("main .notice")).to_contain_text("当前验证手机号：139****0001（刘书记）")
    rows = page.get_by_test_id("claim-rows").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("陈秀英")
    expect(rows.nth(0)).to_contain_text("未认领")
    expect(rows.nth(1)).to_contain_text("黄国华")
    shot(page, "walk-01-claims-unclaimed")
    for household in (first, second):
        row = rows.filter(has_text=household.number)
        row.get_by_role("button", name="认领").click()
        expect(page.locator(".messages")).to_contain_text(f"已认领 {household}。")
        expect(rows.filter(has_text=household.number)).to_have_count(0)
    expect(page.get_by_test_id("claim-rows")).to_contain_text("没有符合条件的贫困户")
    page.get_by_role("link", name="本手机号已认领").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("139****0001（刘书记）")
    expect(rows.nth(1)).to_contain_text("139****0001（刘书记）")
    shot(page, "walk-02-claims-mine")
    assert set(
        Claim.objects.active().filter(phone=world.phone).values_list("household_id", flat=True)
    ) == {first.pk, second.pk}

    # --- 扶贫对象登记表 · 1. 家庭基本情况, first with a wrong ID number. -------------------
    menu(page, "扶贫对象登记表")
    head_id, spouse_id = make_id(birth="19750312"), make_id(birth="19780605")
    wrong_id = head_id[:-1] + ("1" if head_id[-1] == "0" else "0")
    field(page, "村民小组").fill("第二组")
    field(page, "贫困户属性").select_option(label="低保贫困户")
    field(page, "联系电话").fill("13812345678")
    field(page, "开户银行").fill("于都县农村信用社")
    field(page, "银行账号").fill("6228480012345678")
    cell(page, 0, "姓名").fill("刘德华")
    cell(page, 0, "身份证号码").fill(wrong_id)
    cell(page, 0, "与户主关系").select_option(label="户主")
    cell(page, 1, "姓名").fill("朱丽倩")
    cell(page, 1, "身份证号码").fill(spouse_id)
    cell(page, 1, "与户主关系").select_option(label="配偶")
    cell(page, 1, "文化程度").select_option(label="小学")
    page.get_by_role("button", name="保存并继续").click()
    # The error stands next to the ID number of that row; nothing is saved.
    expect(page).to_have_url(f"{live_server.url}/households/register/")
    id_cell = member_row(page, 0).locator("td.has-error")
    expect(id_cell).to_have_count(1)
    expect(id_cell.get_by_label("身份证号码")).to_have_value(wrong_id)
    expect(id_cell.get_by_role("alert")).to_have_text("身份证号码校验位不正确，请核对。")
    expect(cell(page, 0, "姓名")).to_have_value("刘德华")
    expect(cell(page, 1, "身份证号码")).to_have_value(spouse_id)
    shot(page, "walk-03-basic-invalid-id")
    assert (Household.objects.count(), Member.objects.count()) == (
        households_before,
        members_before,
    )

    cell(page, 0, "身份证号码").fill(head_id)
    page.get_by_role("button", name="保存并继续").click()
    expect_part(page, 2, "家庭生产情况")
    household = Household.objects.get(head_name="刘德华")
    assert household.size == 2 and household.parts_done == 1
    expect(page.locator(".messages")).to_contain_text(
        f"已保存【家庭基本情况】，户编号 {household.number}，已由当前验证手机号认领。"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(household.number)
    base = f"{live_server.url}/households/{household.pk}"

    # A later part does not open before the one before it is saved.
    for locked in (
        "3. 家庭收入情况",
        "4. 致贫原因调查",
        "5. 扶贫对象申请表",
        "6. 扶贫对象认定调查表",
        "7. 扶贫对象审批表",
    ):
        step = steps(page).locator("li", has_text=locked)
        expect(step).to_contain_text("未开放")
        expect(step.get_by_role("link")).to_have_count(0)
    expect(steps(page).locator("li", has_text="1. 家庭基本情况")).to_contain_text("已保存")
    shot(page, "walk-04-production-empty")
    page.goto(f"{base}/approval/")
    expect_part(page, 2, "家庭生产情况")
    expect(page.locator(".messages")).to_contain_text("请先填写并保存【家庭生产情况】。")

    # --- 2. 家庭生产情况 ------------------------------------------------------------------
    field(page, "耕地面积（亩）").fill("3.5")
    field(page, "有效灌溉面积（亩）").fill("2")
    field(page, "林地面积（亩）").fill("10")
    field(page, "与村主干路距离（公里）").fill("1.5")
    field(page, "入户路类型").select_option(label="砂石路")
    field(page, "住房面积（平方米）").fill("80")
    field(page, "是否危房").select_option(label="C级危房")
    field(page, "有无卫生厕所").check()
    page.get_by_role("button", name="保存并继续").click()

    # --- 3. 家庭收入情况: 人均纯收入 is computed on saving. --------------------------------
    expect_part(page, 3, "家庭收入情况")
    expect(page.locator(".messages")).to_contain_text(
        "已保存【家庭生产情况】，请继续填写【家庭收入情况】。"
    )
    summary = page.get_by_test_id("income-summary")
    expect(summary).to_contain_text("2 人")
    expect(page.get_by_test_id("net-income")).to_have_text("保存本部分后自动计算")
    field(page, "工资性收入").fill("6000")
    field(page, "生产经营性收入").fill("2000")
    field(page, "低保金").fill("1200")
    field(page, "生产经营性支出").fill("1200")
    shot(page, "walk-05-income-filled")
    page.get_by_role("button", name="保存并继续").click()
    expect_part(page, 4, "致贫原因调查")
    # (6000 + 2000 + 1200 − 1200) ÷ 2 members = 4000.00, shown when the part is reopened.
    steps(page).get_by_role("link", name="3. 家庭收入情况").click()
    expect_part(page, 3, "家庭收入情况")
    expect(page.get_by_test_id("net-income")).to_have_text("4000.00 元")
    shot(page, "walk-06-income-saved")
    steps(page).get_by_role("link", name="4. 致贫原因调查").click()

    # --- 4. 致贫原因调查 ------------------------------------------------------------------
    expect_part(page, 4, "致贫原因调查")
    field(page, "主要致贫原因").select_option(label="因病")
    page.get_by_role("group", name="其他致贫原因").get_by_label("缺技术").check()
    field(page, "致贫原因说明").fill("户主患慢性病，缺乏务工技能。")
    page.get_by_role("button", name="保存并继续").click()

    # --- 5. 扶贫对象申请表 ----------------------------------------------------------------
    expect_part(page, 5, "扶贫对象申请表")
    field(page, "申请理由").fill("因病致贫，申请纳入扶贫对象。")
    field(page, "申请日期").fill("2016-03-01")
    page.get_by_role("button", name="保存并继续").click()

    # --- 6. 扶贫对象认定调查表 ------------------------------------------------------------
    expect_part(page, 6, "扶贫对象认定调查表")
    field(page, "调查人").fill("刘书记")
    field(page, "调查日期").fill("2016-03-05")
    field(page, "调查情况").fill("经入户调查，情况属实。")
    page.get_by_role("button", name="保存并继续").click()

    # --- 7. 扶贫对象审批表: saving it completes the registration. ------------------------
    expect_part(page, 7, "扶贫对象审批表")
    for date_label, date, result_label, result in (
        ("民主评议日期", "2016-03-10", "民主评议结果", "通过"),
        ("村内第一次公示日期", "2016-03-11", "第一次公示结果", "无异议"),
        ("乡镇审核日期", "2016-03-20", "乡镇审核意见", "同意"),
        ("乡镇第二次公示日期", "2016-03-21", "第二次公示结果", "无异议"),
        ("县级审批日期", "2016-04-01", "县级审批意见", "批准"),
    ):
        field(page, date_label).fill(date)
        field(page, result_label).fill(result)
    shot(page, "walk-07-approval-filled")
    page.get_by_role("button", name="保存", exact=True).click()
    # The last part leads to 发起识别申请: the household is 贫困户 only at the county's 公告
    # (the chain itself is walked in test_identification_walk.py; here by the real actions).
    expect(page).to_have_url(
        f"{live_server.url}/identification/households/{household.pk}/start/new/"
    )
    expect(page.locator(".messages")).to_contain_text(
        f"户编号 {household.number} 登记表填写完成；请发起识别申请"
    )
    household.refresh_from_db()
    assert household.status == "registering"
    admit(household, Actor(world.village_account, world.phone))
    page.goto(f"{base}/")
    expect(page.get_by_test_id("status")).to_have_text("贫困户")
    expect(page.get_by_test_id("net-income")).to_have_text("4000.00 元")
    expect(page.get_by_test_id("members")).to_contain_text(f"{head_id[:6]}********{head_id[-4:]}")
    expect(page.get_by_test_id("claims")).to_contain_text("139****0001（刘书记）")
    shot(page, "walk-08-detail-registered")
    household.refresh_from_db()
    assert (household.parts_done, household.status, household.registered_at is not None) == (
        7,
        "poor",
        True,
    )
    assert household.net_income_per_capita == Decimal("4000.00")
    assert (household.house_danger, household.has_sanitary_toilet) == ("c", True)
    assert (household.main_cause, household.other_causes) == ("illness", ["skills"])
    assert household.county_approval_result == "批准"  # from the chain's 县级审批
    assert Claim.objects.active().get(household=household).phone == world.phone

    # --- Edit: 联系电话 and 村民小组; the change shows in 修改日志. -------------------------
    page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("^1. 家庭基本情况"))
    ).get_by_role("link", name="修改").click()
    expect_part(page, 1, "家庭基本情况")
    expect(field(page, "联系电话")).to_have_value("13812345678")
    field(page, "联系电话").fill("13987654321")
    field(page, "村民小组").fill("第三组")
    shot(page, "walk-09-basic-edit")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page).to_have_url(f"{base}/")
    expect(page.locator(".messages")).to_contain_text("已保存【家庭基本情况】。")
    expect(page.get_by_test_id("household-phone")).to_have_text("139****4321")
    page.get_by_role("button", name="显示完整信息").click()
    expect(page.get_by_test_id("revealed")).to_be_visible()
    expect(page.get_by_test_id("household-phone")).to_have_text("13987654321")
    log = page.get_by_test_id("change-log").locator("tbody tr")
    for label, old, new in (
        ("联系电话", "13812345678", "13987654321"),
        ("村民小组", "第二组", "第三组"),
    ):
        entry = log.filter(has=page.locator("td:nth-child(5)", has_text=label))
        expect(entry).to_have_count(1)
        expect(entry.locator("td:nth-child(6)")).to_have_text(old)
        expect(entry.locator("td:nth-child(7)")).to_have_text(new)
        expect(entry.locator("td:nth-child(3)")).to_have_text("刘书记 139****0001")
    expect(page.get_by_test_id("change-log")).not_to_contain_text("13900000001")
    shot(page, "walk-10-detail-log")

    # --- The same village with the other phone may look but not edit. ----------------
    other = new_page()
    browser_login(other, live_server, world.village_account, phone=world.phone2, outbox=sms_outbox)
    expect(other.get_by_test_id("verified-phone")).to_contain_text("139****0002")
    menu(other, "贫困户认领管理")
    other.get_by_role("link", name="其他手机号已认领").click()
    other_rows = other.get_by_test_id("claim-rows").locator("tbody tr")
    expect(other_rows).to_have_count(3)
    expect(other_rows.filter(has_text=household.number)).to_contain_text("139****0001（刘书记）")
    other_rows.get_by_role("link", name=household.number).click()
    expect(other.get_by_test_id("edit-refusal")).to_have_text(
        "该户已由手机号 139****0001（刘书记）认领，只有用该手机号验证登录本村账号后才能修改。"
    )
    expect(other.locator("main").get_by_role("link", name="修改")).to_have_count(0)
    shot(other, "walk-11-other-phone-detail")
    response = other.goto(f"{base}/basic/")
    assert response.status == 403
    expect(other.get_by_test_id("refusal")).to_contain_text("139****0001（刘书记）")
    shot(other, "walk-12-other-phone-refused")

    # --- The township office cancels the claim of one household, with a reason. -----
    township = new_page()
    browser_login(township, live_server, world.township_office)
    menu(township, "贫困户认领管理")
    claims = township.get_by_test_id("claim-rows").locator("tbody tr")
    expect(claims).to_have_count(3)
    shot(township, "walk-13-township-claims")
    claims.filter(has_text=first.number).get_by_role("link", name="取消认领").click()
    expect(township.get_by_role("heading", name="取消认领")).to_be_visible()
    expect(township.locator("main")).to_contain_text("139****0001（刘书记）")
    township.get_by_role("button", name="确定取消认领").click()
    expect(township.get_by_role("alert")).to_contain_text("请填写取消原因。")
    assert Claim.objects.active().get(household=first).phone == world.phone
    reason = "认领手机号有误，应由王干部认领。"
    field(township, "取消原因").fill(reason)
    shot(township, "walk-14-township-cancel")
    township.get_by_role("button", name="确定取消认领").click()
    expect(township.locator(".messages")).to_contain_text(
        f"已取消 {first} 的认领，村级账号可以重新认领。"
    )
    expect(claims).to_have_count(2)
    expect(claims.filter(has_text=first.number)).to_have_count(0)
    township.get_by_role("link", name="已取消的认领").click()
    cancelled = claims.filter(has_text=first.number)
    expect(cancelled).to_have_count(2)  # the test's release under phone2, and this one
    expect(cancelled.first).to_contain_text(reason)
    expect(cancelled.first).to_contain_text("139****0001（刘书记）")
    shot(township, "walk-15-township-cancelled")
    cancelled.first.get_by_role("link", name=first.number).click()
    history = township.get_by_test_id("claims").locator("tbody tr")
    expect(history.first).to_contain_text("已取消")
    expect(history.first).to_contain_text(reason)
    shot(township, "walk-16-township-detail")

    # The household is claimable again: the other phone claims it.
    menu(other, "贫困户认领管理")
    free = other.get_by_test_id("claim-rows").locator("tbody tr")
    expect(free).to_have_count(1)
    expect(free).to_contain_text(first.number)
    expect(free).to_contain_text("未认领")
    free.get_by_role("button", name="认领").click()
    expect(other.locator(".messages")).to_contain_text(f"已认领 {first}。")
    other.get_by_role("link", name="本手机号已认领").click()
    expect(other.get_by_test_id("claim-rows").locator("tbody tr")).to_contain_text(
        "139****0002（王干部）"
    )
    shot(other, "walk-17-reclaimed")
    assert Claim.objects.active().get(household=first).phone == world.phone2

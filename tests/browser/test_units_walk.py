"""Issue 05 in a real browser: the county creates a unit → the unit links a village with its
plans → the village links a household → the unit creates a cadre with a login and assigns
the household → the cadre (at phone width) changes its first password and fills the survey
→ the unit transfers the cadre → the receiving unit records the departure, after which the
cadre can no longer log in."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser_login, field, shot, submit_password
from tests.households_data import make_id, member, no_sms_throttle, register  # noqa: F401
from units.models import Assignment, Cadre, HouseholdLink, Survey, Unit, UnitVillage
from villages.models import User

pytestmark = pytest.mark.browser
NEW_PASSWORD = "Walk#2026pass"


def menu(page, label: str) -> None:
    page.locator("#sidebar").get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)


def first_login(page, live_server, username: str, password: str) -> None:
    """Log in with an initial password: the system asks for a new one first."""
    submit_password(page, live_server, username, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("修改密码")
    field(page, "原密码").fill(password)
    field(page, "新密码").fill(NEW_PASSWORD)
    field(page, "确认新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="确认修改").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def test_units_walk(new_page, live_server, world, sms_outbox):
    household = register(world.village_account, world.phone, [member("钟秀兰")])

    # --- The county office creates the unit with its account (单位信息管理). -----------
    county = new_page()
    browser_login(county, live_server, world.county_office)
    menu(county, "单位信息管理")
    county.locator("main").get_by_role("link", name="添加单位", exact=True).click()
    field(county, "单位名称").fill("于都县水利局")
    field(county, "所属区域").select_option(label="于都县")
    field(county, "单位地址").fill("于都县贡江镇")
    field(county, "单位登录用户名").fill("water_unit")
    county.get_by_role("button", name="创建单位及账号").click()
    unit_password = county.get_by_test_id("new-password").inner_text().strip()
    unit = Unit.objects.get(name="于都县水利局")

    # --- The unit logs in, changes its password, links 仓前村 with plans. ----------------
    unit_page = new_page()
    first_login(unit_page, live_server, "water_unit", unit_password)
    menu(unit_page, "帮扶情况登记表")
    field(unit_page, "帮扶村").select_option(label=f"{world.township.name} · {world.village.name}")
    field(unit_page, "帮扶规划").fill("三年内发展脐橙产业")
    unit_page.get_by_role("button", name="登记").click()
    field(unit_page, "年度帮扶计划").fill("今年修建灌溉水渠")
    unit_page.get_by_role("button", name="保存").click()
    expect(unit_page.get_by_test_id("annual-plans")).to_contain_text("今年修建灌溉水渠")
    assert UnitVillage.objects.get(unit=unit).plan == "三年内发展脐橙产业"

    # --- The village links its household to the unit (关联单位, from the household page). ---
    village = new_page()
    browser_login(village, live_server, world.village_account, phone=world.phone, outbox=sms_outbox)
    village.goto(f"{live_server.url}/households/{household.pk}/")
    village.get_by_test_id("unit-links").click()
    expect(village.get_by_label(f"选择{household.number}")).to_be_checked()
    field(village, "帮扶单位").select_option(label="于都县水利局")
    village.get_by_role("button", name="关联单位").click()
    expect(village.get_by_test_id("link-households")).to_contain_text("于都县水利局")
    assert HouseholdLink.objects.get(household=household).unit == unit

    # --- The unit adds a cadre, creates its login and assigns the household. -----------
    menu(unit_page, "帮扶干部信息管理")
    unit_page.locator("main").get_by_role("link", name="添加干部", exact=True).click()
    field(unit_page, "姓名").fill("赖建华")
    field(unit_page, "身份证号码").fill(make_id(birth="19800808"))
    field(unit_page, "手机号码").fill("13911112222")
    unit_page.get_by_role("button", name="保存").click()
    expect(unit_page.get_by_role("heading", level=1)).to_contain_text("赖建华")
    field(unit_page, "登录用户名").fill("cadre_lai")
    unit_page.get_by_role("button", name="创建账号").click()
    cadre_password = unit_page.get_by_test_id("new-password").inner_text().strip()
    unit_page.locator("main").get_by_role("link", name="返回干部信息", exact=True).click()
    unit_page.get_by_role("link", name="分配", exact=True).click()
    unit_page.get_by_label(f"选择{household.number}").check()
    unit_page.get_by_role("button", name="确定").click()
    expect(unit_page.get_by_test_id("assigned")).to_contain_text(household.number)
    cadre = Cadre.objects.get(name="赖建华")
    assert Assignment.objects.get(household=household, ended_at__isnull=True).cadre == cadre

    # --- The cadre logs in on a phone, changes its password and fills the survey. ------
    phone = new_page({"width": 390, "height": 844})
    first_login(phone, live_server, "cadre_lai", cadre_password)
    expect(phone.get_by_test_id("cadre-home")).to_contain_text("待填写调查表")
    phone.get_by_test_id("cadre-home").get_by_role("link", name=re.compile("钟秀兰")).click()
    field(phone, "发展意愿").fill("想养殖肉牛")
    field(phone, "计划脱贫年度").fill("2027")
    measure = phone.get_by_test_id("measure-0")
    field(measure, "措施类型").select_option(label="产业扶贫")
    field(measure, "措施内容").fill("购买肉牛两头")
    field(measure, "金额（元）").fill("8000")
    phone.get_by_role("button", name="保存调查情况表").click()
    expect(phone.get_by_test_id(re.compile(r"survey-\d{4}"))).to_contain_text("购买肉牛两头")
    shot(phone, "units-cadre-survey-phone")
    assert Survey.objects.get(household=household).measures.get().amount == 8000

    # --- The unit transfers the cadre to 于都县农业农村局. --------------------------------
    menu(unit_page, "帮扶干部信息管理")
    unit_page.locator("main").get_by_role("link", name="干部调离/借调", exact=True).click()
    field(unit_page, "帮扶干部").select_option(label="赖建华")
    field(unit_page, "调入单位").select_option(label="于都县农业农村局（于都县）")
    field(unit_page, "方式").select_option(label="调离")
    unit_page.get_by_role("button", name="确定调动").click()
    expect(unit_page.locator(".messages")).to_contain_text("已调至")
    cadre.refresh_from_db()
    assert cadre.unit == world.unit
    assert not Assignment.objects.filter(household=household, ended_at__isnull=True).exists()

    # --- 于都县农业农村局 records the departure; the cadre can no longer log in. ---------
    receiving = new_page()
    browser_login(receiving, live_server, world.unit_account)
    menu(receiving, "帮扶干部信息管理")
    receiving.locator("main").get_by_role("link", name="干部离开", exact=True).click()
    field(receiving, "帮扶干部").select_option(label="赖建华")
    receiving.get_by_role("button", name="下一步").click()
    expect(receiving.get_by_test_id("depart-confirm")).to_contain_text("不可撤销")
    receiving.get_by_role("button", name=re.compile("确认离开")).click()
    expect(receiving.locator(".messages")).to_contain_text("已登记离开")
    assert not User.objects.get(username="cadre_lai").is_active
    phone.reload()
    expect(phone.get_by_role("heading", name="精准扶贫系统 · 登录")).to_be_visible()
    submit_password(phone, live_server, "cadre_lai", NEW_PASSWORD)
    expect(phone.get_by_role("heading", name="精准扶贫系统 · 登录")).to_be_visible()
    expect(phone.get_by_test_id("current-user")).to_have_count(0)

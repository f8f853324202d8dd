"""Issue 09 (item 3) in a real browser: the township office opens a household from
管理贫困户信息, presses 打印对照表 and gets a Word file whose 对照表 shows last year's value of a
field edited this year, marked; then prints the whole village from 扶贫对象 › 基础信息维护 ›
贫困户信息对照表打印. The cadre prints its own household from the household page."""

import io
from decimal import Decimal

import docx
import pytest
from playwright.sync_api import expect

from households import services
from households.models import Household
from poverty_system.core.actor import Actor
from tests.browser.conftest import browser_login, shot
from tests.households_data import PARTS, member, no_sms_throttle, register  # noqa: F401
from tests.test_reports_sheets import LAST_DECEMBER, backdate
from tests.units_data import assigned_household, link_world_village

pytestmark = pytest.mark.browser


def _rows(data: bytes) -> dict[str, list[str]]:
    document = docx.Document(io.BytesIO(data))
    return {
        r.cells[0].text: [c.text for c in r.cells]
        for t in document.tables
        for r in t.rows
        if len(r.cells) == 5
    }


def test_township_prints_a_household_s_comparison_from_its_page(new_page, live_server, world):
    household = register(world.village_account, world.phone, [member("钟秋生")])
    backdate(household, LAST_DECEMBER)
    actor = Actor(world.village_account, world.phone)
    services.save_part(actor, household, 2, {**PARTS[2], "housing_area": Decimal("95")})
    register(world.village_account, world.phone, [member("温冬梅")])

    page = new_page()
    browser_login(page, live_server, world.township_office)
    page.locator("#sidebar").get_by_role("link", name="管理贫困户信息", exact=True).click()
    page.get_by_role("link", name=household.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("钟秋生")
    shot(page, "reports-household-page")
    with page.expect_download() as info:
        page.get_by_test_id("print-compare").click()
    download = info.value
    assert download.suggested_filename == f"贫困户信息对照表-{household.number}.docx"
    rows = _rows(open(download.path(), "rb").read())
    area = rows["住房面积（平方米）"]
    assert area[1] == "80.00" and area[2] == "★ 95.00" and area[3] == "★"

    # The whole village from the menu: choose the village in the tree, print all.
    page.locator("#sidebar").get_by_role("link", name="贫困户信息对照表打印", exact=True).click()
    page.get_by_test_id("region-filter").get_by_role("link", name=world.village.name).click()
    expect(page.get_by_test_id("print-households")).to_contain_text("温冬梅")
    shot(page, "reports-print-page")
    with page.expect_download() as info:
        page.get_by_test_id("print-village").click()
    document = docx.Document(info.value.path())
    titles = [p.text for p in document.paragraphs if p.text.startswith("贫困户信息对照表")]
    assert len(titles) == Household.objects.filter(village=world.village).count() == 2


def test_the_cadre_prints_its_household_s_sheet(new_page, live_server, world):
    link_world_village(world)
    household = assigned_household(world, members=[member("赖春兰")])
    page = new_page()
    browser_login(page, live_server, world.cadre_account)
    page.goto(f"{live_server.url}/households/{household.pk}/")
    with page.expect_download() as info:
        page.get_by_test_id("print-info").click()
    document = docx.Document(info.value.path())
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "赖春兰" in text and world.unit.name in text

"""安全审计 › 审计日志 in a real browser (issue 14, item 6): the county's auditor signs in,
finds its menu on the home page, filters the trail by account and action, exports what it
found and reads the workbook back; the export itself is in the trail. The page fits a phone.
The system administrator does not see the menu and is refused the page."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry
from tests.browser.conftest import PHONE, browser_login, horizontal_overflow, shot

pytestmark = pytest.mark.browser


def test_the_auditor_filters_and_exports_the_trail(new_page, live_server, world):
    for _ in range(3):
        audit.record(Actor(world.county_office), audit.EXPORT, obj=world.township)
    audit.record(Actor(world.township_office), audit.CLAIM_CANCEL, obj=world.village)
    audit.record(Actor(world.other_county_office), audit.EXPORT, region_code="360732")
    page = new_page()
    browser_login(page, live_server, world.county_auditor)
    expect(page.get_by_test_id("home-figures")).to_contain_text("今日审计日志")
    page.get_by_role("link", name="日志查询").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("审计日志")
    entries = page.get_by_test_id("audit-entries")
    expect(entries).to_contain_text("取消认领")
    expect(entries).not_to_contain_text("other_county")
    shot(page, "audit-log")

    filters = page.get_by_test_id("audit-filters")
    filters.get_by_label("账号").fill("county")
    filters.get_by_label("操作").select_option(label="导出")
    filters.get_by_role("button", name="查询").click()
    expect(entries.locator("tbody tr")).to_have_count(3)
    expect(entries).not_to_contain_text("取消认领")

    page.get_by_test_id("export").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("导出审计日志")
    expect(page.get_by_test_id("count")).to_contain_text("共 3 条")
    expect(page.get_by_test_id("export-filters")).to_contain_text("账号“county”；操作“导出”")
    with page.expect_download() as info:
        page.get_by_role("button", name="导出这 3 条（Excel）").click()
    download = info.value
    assert download.suggested_filename.startswith("审计日志")
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    rows = list(sheet.values)
    assert len(rows) == 4 and {r[1] for r in rows[1:]} == {"county"}
    assert {r[5] for r in rows[1:]} == {"导出"}
    logged = AuditEntry.objects.get(username="county_auditor", action=audit.EXPORT)
    assert logged.detail["count"] == 3
    assert logged.detail["filters"] == {"username": "county", "action": "export"}

    small = new_page(PHONE)
    browser_login(small, live_server, world.county_auditor)
    small.goto(f"{live_server.url}/audit/")
    expect(small.get_by_test_id("audit-entries")).to_be_visible()
    assert horizontal_overflow(small) == 0


def test_the_system_administrator_finds_no_trail(new_page, live_server, world):
    page = new_page()
    browser_login(page, live_server, world.admin)
    expect(page.locator("#sidebar")).not_to_contain_text("安全审计")
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == 403

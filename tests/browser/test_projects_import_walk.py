"""项目导入 and 统计 › 扶贫项目与资金 in a real browser: the county office downloads the
template, uploads a file with a bad row (every problem listed, nothing written), then the
corrected file (the projects land at 村级录入), and finds them counted on the statistics
page, the number linking to the list it counts."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from projects.models import Project
from tests.browser.conftest import browser_login, shot
from tests.test_projects_exchange import GOOD, LIBRARY_HEADER

pytestmark = pytest.mark.browser


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["项目库导入"])
    sheet.append(LIBRARY_HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page, name: str, content: bytes) -> None:
    page.get_by_test_id("import-form").locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/vnd.ms-excel", "buffer": content}]
    )
    page.get_by_role("button", name="上传并导入").click()


def test_the_county_imports_projects_and_sees_them_counted(new_page, live_server, world):
    county = new_page()
    browser_login(county, live_server, world.county_office)
    county.locator("#sidebar").get_by_role("link", name="项目库维护", exact=True).click()
    county.get_by_test_id("import").click()
    with county.expect_download() as download:
        county.get_by_test_id("template-download").click()
    template = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert "说明" in template.sheetnames

    bad = [GOOD, [2026, "", "基础设施", "", "长征村委会", "x", 1, 0, "", ""]]
    upload(county, "项目.xlsx", workbook(bad))
    problems = county.get_by_test_id("import-problems")
    expect(problems).to_contain_text("第 4 行")
    expect(problems).to_contain_text("请填写项目名称。")
    expect(county.locator("body")).to_contain_text("没有写入任何数据")
    assert not Project.objects.exists()
    shot(county, "projects-import-problems")

    second = [2026, "仓前村光伏", "产业扶贫", "贡江镇", "仓前村委会", "光伏 50 千瓦"]
    upload(county, "项目.xlsx", workbook([GOOD, [*second, 0, "80000.5", "", ""]]))
    expect(county.locator(".messages")).to_contain_text("已导入 2 个项目")
    assert Project.objects.filter(state="draft").count() == 2

    county.locator("#sidebar").get_by_role("link", name="扶贫项目与资金", exact=True).click()
    states = county.get_by_test_id("by-state")
    total = states.locator("tr.total a")
    expect(total).to_have_attribute("data-count", "2")
    total.click()
    expect(county.locator("body")).to_contain_text("长征村道路硬化")
    expect(county.locator("body")).to_contain_text("仓前村光伏")

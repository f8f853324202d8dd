"""Issue 09 in a real browser: a village account opens 数据导入, downloads the template, fills
rows into it with openpyxl, uploads it with mistakes, reads the problems, fixes them,
imports, and finds the households on 管理贫困户信息; then exports the list and opens the file."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from households.models import Household
from tests.browser.conftest import browser_login, shot
from tests.households_data import make_id, no_sms_throttle  # noqa: F401

pytestmark = pytest.mark.browser


def fill(template_path, rows, out_path) -> None:
    """Rows typed into the downloaded template under its header (row 3), by header text."""
    book = load_workbook(io.BytesIO(open(template_path, "rb").read()))
    sheet = book["贫困人口花名册"]
    header = [str(c.value or "").lstrip("*") for c in sheet[3]]
    for offset, row in enumerate(rows):
        for name, value in row.items():
            cell = sheet.cell(row=4 + offset, column=header.index(name) + 1)
            cell.value = value
    book.save(out_path)


def test_village_imports_from_the_template_and_exports_the_list(
    new_page, live_server, world, settings, tmp_path
):
    settings.EXCHANGE_DIR = tmp_path / "exchange"
    page = new_page()
    browser_login(page, live_server, world.village_account, world.phone)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="数据导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("数据导入")
    expect(page.get_by_test_id("import-limits")).to_contain_text("50000 行")
    with page.expect_download() as info:
        page.get_by_test_id("template-download").click()
    template = info.value.path()
    assert info.value.suggested_filename == "贫困户导入模板.xlsx"

    head, wife, child = make_id(), make_id(birth="19850202"), make_id(birth="20120303")
    bad_child = child[:-1] + ("0" if child[-1] != "0" else "1")  # a wrong check digit
    rows = [
        {"户编号": "1", "姓名": "钟大山", "证件号码": head, "与户主关系": "户主",
         "行政村": "仓前村", "自然村": "第四组", "贫困户属性": "一般贫困户",
         "主要致贫原因": "因学", "联系电话": "13987654321", "工资性收入": 8000},
        {"户编号": "1", "姓名": "谢小花", "证件号码": wife, "与户主关系": "妻子"},
        {"户编号": "1", "姓名": "钟小明", "证件号码": bad_child, "与户主关系": "之子",
         "在校生状况": "小学"},
    ]  # fmt: skip
    wrong = tmp_path / "有错误.xlsx"
    fill(template, rows, wrong)
    page.get_by_label("导入文件").set_input_files(str(wrong))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("job-status")).to_have_text("检查未通过")
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("“妻子”不是有效的与户主关系")
    expect(problems).to_contain_text("身份证号码校验位不正确")
    shot(page, "exchange-import-problems")
    with page.expect_download() as info:
        page.get_by_test_id("report-download").click()
    marked = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).worksheets[0]
    assert [c.value for c in marked[3]][-1] == "错误信息"
    assert not Household.objects.exists()

    rows[1]["与户主关系"] = "配偶"
    rows[2]["证件号码"] = child
    fixed = tmp_path / "仓前村.xlsx"
    fill(template, rows, fixed)
    page.get_by_role("link", name="返回数据导入").click()
    page.get_by_label("导入文件").set_input_files(str(fixed))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("job-result")).to_contain_text("导入完成：新增 1 户")
    shot(page, "exchange-import-done")

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="管理贫困户信息").click()
    table = page.get_by_test_id("households")
    expect(table).to_contain_text("钟大山")
    expect(page.get_by_test_id("household-count")).to_contain_text("共 1 户")

    page.get_by_test_id("households-export").click()
    expect(page.get_by_test_id("export-count")).to_have_text("1")
    page.get_by_test_id("export-form").get_by_role("button", name="导出").click()
    expect(page.get_by_test_id("job-status")).to_have_text("已完成")
    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()), read_only=True)
    people = list(book["贫困人口花名册"].iter_rows(min_row=4, values_only=True))
    header = list(next(book["贫困人口花名册"].iter_rows(min_row=3, max_row=3, values_only=True)))
    names = [r[header.index("姓名")] for r in people]
    assert names == ["钟大山", "谢小花", "钟小明"]
    assert people[0][header.index("证件号码")] == f"{head[:6]}********{head[-4:]}"
    assert people[0][header.index("联系电话")] == "139****4321"


def test_the_import_page_follows_a_job_in_the_worker_and_shows_its_result(
    new_page, live_server, world, settings, tmp_path
):
    """The page polls the job (static/js/exchange-progress.js) and reloads when it ends."""
    from exchange.models import Job, JobStatus

    settings.EXCHANGE_DIR = tmp_path / "exchange"
    page = new_page()
    browser_login(page, live_server, world.township_office)
    job = Job.objects.create(
        kind="import",
        owner=world.township_office,
        region_code=world.township.code,
        file_name="大文件.xlsx",
        status=JobStatus.CHECKING,
        total=8000,
        checked=1000,
    )
    page.goto(f"{live_server.url}/exchange/imports/{job.pk}/")
    job_box = page.get_by_test_id("import-job")
    expect(job_box).to_contain_text("已检查 1000 / 8000 行")
    Job.objects.filter(pk=job.pk).update(checked=6000)
    expect(job_box.locator("progress")).to_have_js_property("value", 6000)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.INVALID,
        checked=8000,
        problems=[[12, "证件号码", "身份证号码校验位不正确，请核对。"]],
        problem_count=1,
        error="文件中有 1 处问题，没有写入任何数据。",
    )
    expect(page.get_by_test_id("problems")).to_contain_text("身份证号码校验位不正确")
    expect(page.get_by_test_id("job-status")).to_have_text("检查未通过")

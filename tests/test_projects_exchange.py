"""项目导入 / 资金导入 and the exports of the library and the ledger (issue 12): the files read
back with openpyxl, every row's problem on the page in Chinese, all or nothing, ledger rows
through the ledger's own action (a row that would make a balance negative is a row error),
the permissions of both sides."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from poverty_system.core.models import AuditEntry
from projects import ledger, sheets
from projects.models import FundAccount, FundMovement, Project

from .projects_data import days_ago, make_project, walk
from .test_projects_ledger import move

pytestmark = pytest.mark.django_db

LIBRARY_HEADER = ["*年度", "*项目名称", "*项目类别", "乡镇", "*实施地点（村）", "*建设内容"]
LIBRARY_HEADER += ["中央衔接资金（元）", "县级衔接资金（元）", "计划开工日期", "计划完工日期"]
LEDGER_HEADER = ["日期", "类型", "资金来源", "项目编号", "金额（元）", "文号/凭证号", "摘要"]


def xlsx(header, rows, name="file.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["标题行"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def read(response):
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].values)


def problems(response) -> list[tuple[str, str, str]]:
    import lxml.html

    page = lxml.html.fromstring(response.content.decode())
    rows = page.xpath('//table[@data-testid="import-problems"]/tbody/tr')
    return [tuple(td.text_content().strip() for td in row.xpath("td")) for row in rows]


GOOD = [2026, "长征村道路硬化", "基础设施", "", "长征村委会", "硬化道路 2 公里"]
GOOD += [200000, 0, "2026-03-01", "2026-09-30"]


# --- the library --------------------------------------------------------------------------


def test_the_library_export_keeps_the_filters_escapes_formulas_and_is_audited(world, login):
    make_project(world, name='=HYPERLINK("http://x")大棚')
    make_project(world, name="岭背村茶园", year=2025, category="infrastructure")
    client = login(world.county_office)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/projects/?format=xlsx&year=2026")
    rows = read(response)
    assert rows[0][:5] == ("项目编号", "年度", "项目名称", "项目类别", "项目子类")
    assert [r[2] for r in rows[1:]] == ['=HYPERLINK("http://x")大棚']
    assert rows[1][7] == world.village.name and rows[1][6] == world.township.name
    assert rows[1][-2] == "村级录入"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.worksheets[0]["C2"].data_type == "s"  # text, not a formula
    assert len(queries) == 8
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail["what"] == "项目库维护" and entry.detail["year"] == 2026
    # the same query count for more rows
    for i in range(3):
        make_project(world, name=f"项目{i}")
    with CaptureQueriesContext(connection) as more:
        assert len(read(client.get("/projects/?format=xlsx&year=2026"))) == 5
    assert len(more) == len(queries)


def test_the_library_template_has_drop_downs_and_a_notes_sheet(world, login):
    response = login(world.county_office).get("/projects/import/template/")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["项目库"]
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["项目编号", "*年度", "*项目名称", "*项目类别"]
    rules = {str(r.sqref).split(":")[0]: r.formula1 for r in sheet.data_validations.dataValidation}
    assert "D3" in rules and "值列表" in rules["D3"]
    assert "说明" in book.sheetnames
    assert login(world.township_office).get("/projects/import/template/").status_code == 403


def test_a_county_office_imports_projects_at_village_entry(world, login):
    client = login(world.county_office)
    second = [2026, "仓前村光伏", "产业扶贫", "贡江镇", "仓前村委会", "光伏 50 千瓦"]
    second += [0, "80000.5", "", ""]
    response = client.post(
        "/projects/import/", {"file": xlsx(LIBRARY_HEADER, [GOOD, second])}, follow=True
    )
    assert "已导入 2 个项目" in response.content.decode()
    made = {p.name: p for p in Project.objects.all()}
    road = made["长征村道路硬化"]
    assert road.state == "draft" and road.region == world.village.parent.get_children().get(
        name="长征村委会"
    )
    assert road.county_code == world.county.code and road.created_by == world.county_office
    assert made["仓前村光伏"].budget_county == Decimal("80000.50")
    assert made["仓前村光伏"].category == "industry"
    entry = AuditEntry.objects.filter(action="import").latest("pk")
    assert entry.detail == {"what": "项目库", "file": "file.xlsx", "rows": 2}
    # the village of the project takes it on from there
    village = login(world.village_account, world.phone)
    assert village.get(f"/projects/{made['仓前村光伏'].pk}/").status_code == 200


def test_a_library_file_with_a_bad_row_writes_nothing_and_names_each_problem(world, login):
    client = login(world.county_office)
    bad = [
        GOOD,
        [2026, "", "产业", "", "长征村委会", "x", 1, 0, "", ""],
        [2013, "村道", "基础设施", "", "不存在村", "x", 1, 0, "2026-13-01", ""],
        [2026, "村道", "基础设施", "", "长征村委会", "x", 0, 0, "", ""],
        [2026, "村道", "基础设施", "", "长征村委会", "x", 1, 0, "2026-05-01", "2026-04-01"],
    ]
    response = client.post("/projects/import/", {"file": xlsx(LIBRARY_HEADER, bad)})
    assert response.status_code == 200
    found = problems(response)
    assert ("第 4 行", "项目名称", "请填写项目名称。") in found
    assert any(r == "第 4 行" and c == "项目类别" and "不是可选的值" in m for r, c, m in found)
    assert ("第 5 行", "年度", "须在 2014 至 2035 之间。") in found
    assert ("第 5 行", "计划开工日期", "不是有效的日期。") in found
    assert any(r == "第 6 行" and "资金规模" in m for r, c, m in found)
    assert ("第 7 行", "计划完工日期", "计划完工日期不能早于计划开工日期。") in found
    assert "没有写入任何数据" in response.content.decode()
    assert Project.objects.count() == 0  # the good first row was not written either


def test_an_exported_library_does_not_import_twice_and_villages_are_the_countys(world, login):
    make_project(world)
    client = login(world.county_office)
    exported = client.get("/projects/?format=xlsx").content
    upload = SimpleUploadedFile("export.xlsx", exported)
    found = problems(client.post("/projects/import/", {"file": upload}))
    assert found[0][1] == "项目编号" and "已在项目库中" in found[0][2]
    assert Project.objects.count() == 1
    # another county's office finds none of 于都县's villages
    other = login(world.other_county_office)
    found = problems(other.post("/projects/import/", {"file": xlsx(LIBRARY_HEADER, [GOOD])}))
    assert found == [("第 3 行", "实施地点（村）", "兴国县没有名为“长征村委会”的村。")]


@pytest.mark.parametrize(
    "name", ["township_office", "village_account", "city_office", "unit_account", "admin"]
)
def test_only_a_county_office_imports(world, login, name):
    account = getattr(world, name)
    client = login(account, world.phone if name == "village_account" else None)
    assert client.get("/projects/import/").status_code == 403
    upload = xlsx(LIBRARY_HEADER, [GOOD])
    assert client.post("/projects/import/", {"file": upload}).status_code == 403
    assert client.post("/projects/funds/import/", {"file": upload}).status_code == 403
    assert Project.objects.count() == 0


def test_the_import_button_is_shown_to_the_county_office_only(world, login):
    assert 'data-testid="import"' in login(world.county_office).get("/projects/").content.decode()
    page = login(world.township_office).get("/projects/").content.decode()
    assert 'data-testid="import"' not in page and 'data-testid="export"' in page


# --- the ledger ---------------------------------------------------------------------------


@pytest.fixture
def approved(world):
    return walk(world, make_project(world), "approve")


def test_a_county_office_imports_movements_through_the_ledger(world, login, approved):
    client = login(world.county_office)
    rows = [
        [days_ago(3), "到账", "中央衔接资金", "", 500000, "赣财农〔2026〕1号", "第一批"],
        [
            days_ago(2).isoformat(),
            "安排",
            "中央衔接资金",
            approved.number,
            300000,
            "于扶〔2026〕3号",
            "",
        ],
        [
            days_ago(1).strftime("%Y/%m/%d"),
            "下拨",
            "中央衔接资金",
            approved.number,
            100000,
            "BF-1",
            "",
        ],
    ]
    response = client.post("/projects/funds/import/", {"file": xlsx(LEDGER_HEADER, rows)})
    assert response.status_code == 302
    account = FundAccount.objects.get()
    assert ledger.account_totals(account)["available"] == Decimal("200000")
    assert ledger.project_totals(approved)["to_disburse"] == Decimal("200000")
    assert FundMovement.objects.filter(kind="disbursed").get().doc_number == "BF-1"
    # the same file again: every row is already recorded, nothing is counted twice
    again = client.post("/projects/funds/import/", {"file": xlsx(LEDGER_HEADER, rows)})
    assert [p[0] for p in problems(again)] == ["第 3 行", "第 4 行", "第 5 行"]
    assert all("重复" in p[2] for p in problems(again))
    assert FundMovement.objects.count() == 3


def test_a_row_that_would_make_a_balance_negative_is_a_row_error(world, login, approved):
    move(world, "received", "100000")
    client = login(world.county_office)
    rows = [
        [days_ago(1), "安排", "中央衔接资金", approved.number, 60000, "A-1", ""],
        [days_ago(1), "安排", "中央衔接资金", approved.number, 50000, "A-2", ""],
        [days_ago(1), "拨付", "县级衔接资金", approved.number, 1, "B-1", ""],
        [days_ago(1), "支出", "中央衔接资金", "360731X", 1, "C-1", ""],
        [days_ago(-1), "到账", "中央衔接资金", "", 1, "D-1", ""],
        [days_ago(1), "到账", "省级资金", "", "-5", "", ""],
    ]
    response = client.post("/projects/funds/import/", {"file": xlsx(LEDGER_HEADER, rows)})
    found = problems(response)
    assert ("第 3 行") not in [p[0] for p in found]  # 60,000 of 100,000 fits
    assert any(
        p[0] == "第 4 行" and p[1] == "金额（元）" and "可安排资金不足" in p[2] for p in found
    )
    assert any(p[0] == "第 5 行" and "待拨资金不足" in p[2] for p in found)
    assert ("第 6 行", "项目编号", "360731X 不是本县的项目。") in found
    assert ("第 7 行", "日期", "日期不能晚于今天。") in found
    assert any(p[0] == "第 8 行" and p[1] == "资金来源" for p in found)
    assert ("第 8 行", "金额（元）", "金额不能为负数。") in found
    assert ("第 8 行", "文号/凭证号", "请填写文号/凭证号。") in found
    assert FundMovement.objects.count() == 1  # only the receipt recorded before
    assert ledger.project_totals(approved)["arranged"] == 0


def test_a_ledger_file_missing_a_column_or_not_excel_is_refused_whole(world, login):
    client = login(world.county_office)
    header = [h for h in LEDGER_HEADER if h != "资金来源"]
    found = problems(client.post("/projects/funds/import/", {"file": xlsx(header, [["x"] * 6])}))
    assert found == [("第 2 行", "资金来源", "缺少“资金来源”列。")]
    junk = SimpleUploadedFile("a.xlsx", b"not a workbook")
    page = client.post("/projects/funds/import/", {"file": junk}).content.decode()
    assert "不是 Excel 工作簿" in page


def test_the_ledger_export_reads_back_and_keeps_the_filters(world, login, approved):
    move(world, "received", "500000")
    move(world, "received", "80000", source="county", note="=SUM(A1)")
    move(world, "arranged", "300000", approved)
    client = login(world.county_office)
    rows = read(client.get("/projects/funds/ledger/?format=xlsx&source=county&by=village"))
    assert rows[0] == tuple(c.header for c in sheets.LEDGER)
    assert [(r[1], r[2], r[5], r[7]) for r in rows[1:]] == [
        ("到账", "县级衔接资金", 80000, "=SUM(A1)")
    ]
    every = read(client.get("/projects/funds/ledger/?format=xlsx"))
    assert [r[1] for r in every[1:]] == ["到账", "到账", "安排"]
    assert every[3][3] == approved.number
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail["what"] == "扶贫资金台账"
    # the township reads only the money of its projects; a village none
    township = read(login(world.township_office).get("/projects/funds/ledger/?format=xlsx"))
    assert [r[1] for r in township[1:]] == ["安排"]
    village = login(world.village_account, world.phone)
    assert village.get("/projects/funds/ledger/").status_code == 403


def test_the_ledger_template_reads_back_as_an_empty_import(world, login):
    client = login(world.county_office)
    template = client.get("/projects/funds/import/template/")
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert [c.value for c in book["扶贫资金"][2]][:3] == ["*日期", "*类型", "*资金来源"]
    upload = SimpleUploadedFile("t.xlsx", template.content)
    page = client.post("/projects/funds/import/", {"file": upload}).content.decode()
    assert "在表头下面没有数据行" in page

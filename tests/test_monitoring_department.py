"""部门数据比对 (issue 13, item 7): a county office uploads a department's list; the rows are
matched on the ID number with the county's members, compared with the county's threshold of
the year by population, and each hit becomes a lead of its village (a second hit of the same
family joins it); unmatched and bad rows are reported per row and in the result workbook; the
same file twice makes no new leads; the page is the county office's only."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from exchange import department
from exchange.models import Job, JobKind, JobStatus
from households.models import Member
from monitoring.choices import Channel, Department, RiskKind
from monitoring.models import DepartmentFile, DepartmentRow, Lead, LeadSource, MonitoringRules
from poverty_system.core import audit
from poverty_system.core.models import AuditEntry

from .households_data import make_id, member, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exchange_dir(settings, tmp_path):
    settings.EXCHANGE_DIR = tmp_path / "exchange"


def xlsx(headers, rows, titles=("某县医疗保障局 合规自付费用明细",)) -> bytes:
    book = Workbook()
    sheet = book.active
    for title in titles:
        sheet.append([title])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(client, kind, content, name="部门数据.xlsx"):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post("/exchange/department/upload/", {"department": kind, "file": upload})


def ids_of(household):
    return list(household.members.order_by("pk").values_list("id_number", flat=True))


@pytest.fixture
def families(world, sms_outbox):
    """A poor household of two (村 1), a household still registering (村 1, counts as 其他农户),
    and a poor household of another village of the county."""
    poor = register(
        world.village_account,
        world.phone,
        [member("张一"), member("张二", relation="spouse", gender="female")],
    )
    other = register(world.village_account, world.phone, [member("李一")], admitted=False)
    far = register(world.other_village_account, world.other_phone, [member("王一")])
    return poor, other, far


MEDICAL = ("姓名", "身份证号码", "合规自付费用（元）", "疾病名称")


def medical_rows(poor, other, far):
    p1, p2 = ids_of(poor)
    (o1,) = ids_of(other)
    (f1,) = ids_of(far)
    return [
        ("张一", p1, 6000, "肺癌"),  # row 3: 脱贫/贫困人口 ≥ 5,000: a hit
        ("张二", p2, "8,000.50", ""),  # row 4: same family: joins the lead of row 3
        ("李一", o1, 6000, ""),  # row 5: 其他农户 below 20,000
        ("王一", f1, 5000, "尿毒症"),  # row 6: another village, exactly the line: a hit
        ("陌生人", make_id(area="360732"), 90000, ""),  # row 7: not in the county
        ("错号", "36073119800101001X", 9000, ""),  # row 8: a wrong check digit
        ("错额", f1, "很多", ""),  # row 9: not an amount
    ]


def test_each_department_has_its_template(world, login):
    client = login(world.county_office)
    for kind in department.KINDS.values():
        response = client.get(f"/exchange/department/template/{kind.code}/")
        assert response.status_code == 200
        book = load_workbook(
            io.BytesIO(
                b"".join(response.streaming_content) if response.streaming else response.content
            )
        )
        headers = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
        assert headers[:2] == ["*姓名", "*身份证号码"]
        assert all(("*" if f.required else "") + f.header in headers for f in kind.fields)
        assert book.worksheets[1].title == "说明"
    assert client.get("/exchange/department/template/nothing/").status_code == 404


def test_a_medical_file_makes_leads_by_population_threshold(world, login, families):
    poor, other, far = families
    client = login(world.county_office)
    response = post(client, Department.MEDICAL, xlsx(MEDICAL, medical_rows(*families)))
    assert response.status_code == 302
    job = Job.objects.get(kind=JobKind.DEPARTMENT)
    assert job.status == JobStatus.DONE and response.url == f"/exchange/department/jobs/{job.pk}/"
    summary = job.summary
    assert (summary["rows"], summary["matched"], summary["hits"]) == (7, 4, 3)
    assert (summary["new_leads"], summary["merged"], summary["below"]) == (2, 1, 1)
    assert (summary["unmatched"], summary["bad"]) == (1, 2)

    # The leads: one per family, in its own village, with the department's reason and risk.
    leads = {lead.household_id: lead for lead in Lead.objects.all()}
    assert set(leads) == {poor.pk, far.pk}
    assert leads[poor.pk].village_code == poor.village_code == world.village.code
    assert leads[far.pk].village_code == world.other_village.code
    assert leads[poor.pk].risks == [RiskKind.ILLNESS]
    assert "6,000.00 元" in leads[poor.pk].hardship and "肺癌" in leads[poor.pk].hardship
    sources = LeadSource.objects.filter(lead=leads[poor.pk]).order_by("pk")
    assert [s.channel for s in sources] == [Channel.DEPARTMENT, Channel.DEPARTMENT]
    assert [s.department_row.row for s in sources] == [3, 4]
    assert sources[1].department_row.amount == Decimal("8000.50")

    # The file and its hits: the outcome of each is its lead (and the lead's state).
    record = DepartmentFile.objects.get()
    assert (record.rows, record.matched, record.hits, record.leads) == (7, 4, 3, 2)
    assert (record.unmatched, record.bad, record.year) == (1, 2, job.created_at.year)
    hits = DepartmentRow.objects.order_by("row")
    assert [h.row for h in hits] == [3, 4, 6]
    assert hits[2].member == Member.objects.get(household=far)

    # The page lists the bad and unmatched rows by row and column, never an ID number.
    page = client.get(response.url).content.decode()
    assert "新增线索 2 条" in page and "并入已有线索 1 条" in page
    assert "未在本县农户的家庭成员中找到该证件号码" in page
    assert "校验" in page or "不正确" in page  # the wrong check digit, in the ID's words
    assert "“很多”不是金额。" in page
    for number in ids_of(poor) + ids_of(far):
        assert number not in page

    # The result workbook: every row with its 比对结果.
    report = client.get(f"/exchange/department/jobs/{job.pk}/report/")
    assert report.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][-1] == "比对结果"
    results = [r[-1] for r in rows[1:]]
    assert results[0].startswith("预警：已生成线索 " + leads[poor.pk].number)
    assert results[1].startswith("预警：并入该户未办结的线索 " + leads[poor.pk].number)
    assert results[2] == "已匹配，低于预警线 20,000 元"
    assert results[3].startswith("预警：已生成线索 " + leads[far.pk].number)
    assert results[4].startswith("未匹配") and results[5].startswith("错误：身份证号码")
    assert results[6].startswith("错误：合规自付费用（元）")

    # The file's page: its hits with their leads and states; IDs masked.
    detail = client.get(f"/exchange/department/files/{record.pk}/").content.decode()
    assert leads[poor.pk].number in detail and "待核实" in detail
    assert ids_of(poor)[0] not in detail and ids_of(poor)[0][:6] + "********" in detail

    # Audited with the row count.
    entry = AuditEntry.objects.get(action=audit.IMPORT)
    assert entry.detail["rows"] == 7 and entry.detail["what"] == "部门数据比对"
    assert entry.region_code == world.county.code

    # The history lists the file with its counts.
    history = client.get("/exchange/department/").content.decode()
    assert record.name in history and "预警明细" in history


def test_the_same_file_twice_makes_no_new_leads(world, login, families):
    client = login(world.county_office)
    content = xlsx(MEDICAL, medical_rows(*families))
    post(client, Department.MEDICAL, content)
    leads, sources, jobs = Lead.objects.count(), LeadSource.objects.count(), Job.objects.count()
    response = post(client, Department.MEDICAL, content, name="改了名字.xlsx")
    assert response.status_code == 200
    page = response.content.decode()
    assert "上传比对过" in page and "同一文件再次上传不会生成新的线索" in page
    assert (Lead.objects.count(), LeadSource.objects.count(), Job.objects.count()) == (
        leads,
        sources,
        jobs,
    )
    assert DepartmentFile.objects.count() == 1
    # A corrected file (the bad rows fixed, the rest as before) warns only its new rows.
    poor, other, far = families
    rows = medical_rows(*families)
    rows[5] = ("错号", make_id(), 9000, "")  # still nobody of the county
    rows[6] = ("王一", ids_of(far)[0], 3000, "")  # joins row 6's person: 8,000 in all
    post(client, Department.MEDICAL, xlsx(MEDICAL, rows))
    job = Job.objects.filter(kind=JobKind.DEPARTMENT).latest("pk")
    assert job.summary["bad"] == 0 and job.summary["already"] == 2
    assert job.summary["new_leads"] == 0 and job.summary["merged"] == 1  # 王一's new total
    assert Lead.objects.count() == leads


def test_the_thresholds_are_the_countys_data_of_the_year(world, login, families):
    MonitoringRules.objects.create(
        county=world.county,
        county_code=world.county.code,
        year=2020,
        medical_threshold_lifted=Decimal("7000"),
        medical_threshold_other=Decimal("5500"),
        emergency_loss_threshold=Decimal("30000"),
    )
    client = login(world.county_office)
    post(client, Department.MEDICAL, xlsx(MEDICAL, medical_rows(*families)))
    summary = Job.objects.get().summary
    # 张一 6,000 < 7,000 (alone now), 张二 8,000.50 ≥ 7,000, 李一 6,000 ≥ 5,500, 王一 5,000 < 7,000.
    assert (summary["hits"], summary["below"], summary["new_leads"]) == (2, 2, 2)
    poor, other, far = families
    assert set(Lead.objects.values_list("household_id", flat=True)) == {poor.pk, other.pk}

    headers = ("姓名", "身份证号码", "灾害类型", "损失金额（元）")
    rows = [("王一", ids_of(far)[0], "洪涝", 20000), ("李一", ids_of(other)[0], "山火", 40000)]
    post(client, Department.EMERGENCY, xlsx(headers, rows))
    job = Job.objects.latest("pk")
    assert job.summary["bad"] == 1  # 山火 is not a listed 灾害类型
    assert job.problems[0][1] == "灾害类型" and "可填：洪涝" in job.problems[0][2]
    rows[1] = ("李一", ids_of(other)[0], "火灾", 40000)
    post(client, Department.EMERGENCY, xlsx(headers, rows))
    job = Job.objects.latest("pk")
    assert (job.summary["below"], job.summary["hits"], job.summary["merged"]) == (1, 1, 1)
    lead = Lead.objects.get(household=other)
    assert lead.risks == [RiskKind.ILLNESS, RiskKind.DISASTER]


def test_a_listed_row_of_education_is_a_hit(world, login, families):
    poor, other, far = families
    client = login(world.county_office)
    headers = ("学校", "姓名", "身份证号码", "学籍状态", "年级")  # columns in any order
    rows = [("于都县第二中学", "王一", ids_of(far)[0], "辍学", "八年级")]
    post(client, Department.EDUCATION, xlsx(headers, rows, titles=()))
    lead = Lead.objects.get()
    assert lead.household == far and lead.risks == [RiskKind.SCHOOLING]
    assert lead.hardship == "教育部门：辍学、于都县第二中学"
    # A file without a required column is refused whole, naming it.
    response = post(client, Department.EDUCATION, xlsx(("姓名", "身份证号码"), [("王一", "1")]))
    job = Job.objects.latest("pk")
    assert job.status == JobStatus.INVALID and "“学籍状态”" in job.error
    assert response.status_code == 302 and DepartmentFile.objects.count() == 1


def test_a_large_file_runs_in_the_task_worker(world, login, families, settings):
    settings.DEPARTMENT_INLINE_BYTES = 1
    client = login(world.county_office)
    post(client, Department.MEDICAL, xlsx(MEDICAL, medical_rows(*families)))
    job = Job.objects.get()
    assert job.status == JobStatus.DONE and job.summary["new_leads"] == 2


def test_only_the_county_office_compares_its_county(world, login, families):
    client = login(world.county_office)
    post(client, Department.MEDICAL, xlsx(MEDICAL, medical_rows(*families)))
    record, job = DepartmentFile.objects.get(), Job.objects.get()
    urls = [
        f"/exchange/department/files/{record.pk}/",
        f"/exchange/department/jobs/{job.pk}/",
        f"/exchange/department/jobs/{job.pk}/status/",
        f"/exchange/department/jobs/{job.pk}/report/",
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    # Another county's office: out of its slice.
    client = login(world.other_county_office)
    assert client.get("/exchange/department/").status_code == 200
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert record.name not in client.get("/exchange/department/").content.decode()
    # In the slice with the wrong role: township, village, city.
    for account in (world.township_office, world.village_account, world.city_office):
        client = login(account)
        for url in ["/exchange/department/", *urls]:
            assert client.get(url).status_code == 403, (account.username, url)
        response = post(client, Department.MEDICAL, xlsx(MEDICAL, medical_rows(*families)))
        assert response.status_code == 403
    assert Job.objects.count() == 1 and Lead.objects.count() == 2


def test_the_file_page_reads_in_fixed_queries(world, login, families):
    poor, other, far = families
    client = login(world.county_office)
    rows = medical_rows(*families)[:1]
    post(client, Department.MEDICAL, xlsx(MEDICAL, rows))
    small = DepartmentFile.objects.get()
    post(client, Department.MEDICAL, xlsx(MEDICAL, medical_rows(*families)))
    large = DepartmentFile.objects.latest("pk")
    counts = []
    for record in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/exchange/department/files/{record.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == FILE_PAGE_QUERIES
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/exchange/department/").status_code == 200
    assert len(queries) == DEPARTMENT_PAGE_QUERIES


FILE_PAGE_QUERIES = 10
DEPARTMENT_PAGE_QUERIES = 9


def test_a_files_statements_do_not_grow_with_its_hits(world, login, sms_outbox):
    """The leads, their sources and audit entries of a chunk are written in bulk: a file of 3
    hits (2 new leads, 1 joined within the file) and one of 12 hits (4 new, 8 joined) run in
    the same statements, and each family still gets one lead holding all its rows."""
    names = iter(f"成员{i}" for i in range(100))

    def family(size):
        relations = ["head", "spouse", "child"]
        return register(
            world.village_account,
            world.phone,
            [member(next(names), relation=relations[i]) for i in range(size)],
        )

    small = [family(1), family(2)]
    large = [family(3) for _ in range(4)]
    client = login(world.county_office)
    counts = []
    for households in (small, large):
        rows = [
            (m.name, m.id_number, 6000, "")
            for household in households
            for m in household.members.order_by("pk")
        ]
        with CaptureQueriesContext(connection) as queries:
            assert post(client, Department.MEDICAL, xlsx(MEDICAL, rows)).status_code == 302
        counts.append(len(queries))
        job = Job.objects.latest("pk")
        assert job.summary["hits"] == len(rows)
        assert job.summary["new_leads"] == len(households)
        assert job.summary["merged"] == len(rows) - len(households)
        for household in households:
            lead = Lead.objects.get(household=household)
            assert lead.sources.count() == household.members.count()
            assert lead.number.startswith("JC")
    assert counts == [DEPARTMENT_IMPORT_QUERIES, DEPARTMENT_IMPORT_QUERIES]
    assert AuditEntry.objects.filter(action=audit.LEAD).count() == 3 + 12
    assert len(set(Lead.objects.values_list("number", flat=True))) == 6


def test_a_family_split_over_chunks_still_gets_one_lead(world, login, families, monkeypatch):
    """Rows are matched and written a chunk at a time; with one row a chunk, 张二 (row 4, the
    next chunk) still joins the lead 张一 (row 3) opened, as within one chunk."""
    monkeypatch.setattr(department, "MATCH_CHUNK", 1)
    poor, other, far = families
    client = login(world.county_office)
    post(client, Department.MEDICAL, xlsx(MEDICAL, medical_rows(*families)))
    summary = Job.objects.get().summary
    assert (summary["hits"], summary["new_leads"], summary["merged"]) == (3, 2, 1)
    lead = Lead.objects.get(household=poor)
    assert [s.department_row.row for s in lead.sources.order_by("pk")] == [3, 4]
    assert Lead.objects.count() == 2


DEPARTMENT_IMPORT_QUERIES = 37

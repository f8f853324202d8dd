"""导出 from 管理贫困户信息 (issue 09): the list's filters within the slice, two sheets, masked
unless a county office exports in full with a reason, audited, formulas escaped, large
exports in the task worker; and the file we export imports back unchanged, into the same
village (nothing to write) and into an emptied one (the same households)."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from exchange.errors import ExchangeError
from exchange.models import Job, JobStatus
from exchange.services import start_export
from households.models import Household, Member
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry

from .exchange_data import as_dicts, upload
from .households_data import INCOME, member, register


@pytest.fixture(autouse=True)
def exchange_dir(settings, tmp_path):
    settings.EXCHANGE_DIR = tmp_path / "exchange"


@pytest.fixture
def households(world):
    """Two households of 仓前 registered by the village's phone (parts 1–4, one with three
    members) and one of 里泗 imported by the township office."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exchange.services import start_import

    from .exchange_data import person, workbook

    first = register(
        world.village_account,
        world.phone,
        [member("张三"), member("李四", "spouse", health="chronic"), member("张小", "son")],
        parts_done=4,
    )
    second = register(world.village_account, world.phone, [member("王五")], parts_done=4)
    data = workbook([person("1", "赵六", 行政村="里泗村")])
    job = start_import(Actor(world.township_office), SimpleUploadedFile("里泗.xlsx", data))
    assert job.status == JobStatus.DONE, job.problems
    return first, second, Household.objects.get(head_name="赵六")


def export(client, query: str = "", data: dict | None = None):
    """Open the export page with the list's parameters and press 导出: (job, file bytes)."""
    page = client.get(f"/exchange/export/{query}")
    assert page.status_code == 200, page.status_code
    from lxml import html

    form = html.fromstring(page.content).xpath('//form[@data-testid="export-form"]')[0]
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    response = client.post("/exchange/export/start/", {**fields, **(data or {})})
    if response.status_code != 302:
        return None, response
    job = Job.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert job.status == JobStatus.DONE, job.error
    download = client.get(f"/exchange/exports/{job.pk}/download/")
    assert download.status_code == 200
    return job, b"".join(download.streaming_content)


def test_a_village_exports_its_households_masked_in_two_sheets(world, login, households):
    first, second, _ = households
    client = login(world.village_account, world.phone)
    listing = client.get(f"/households/?region={world.village.pk}").content.decode()
    assert 'data-testid="households-export"' in listing
    job, data = export(client)
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["贫困人口花名册", "贫困户"]
    people = as_dicts(data)
    assert [p["姓名"] for p in people] == ["张三", "李四", "张小", "王五"]  # 仓前 only
    head = first.members.get(name="张三")
    assert people[0]["证件号码"] == f"{head.id_number[:6]}********{head.id_number[-4:]}"
    assert people[0]["联系电话"] == "138****5678" and people[0]["银行卡号"] == "****5678"
    assert people[0]["户编号"] == first.number and people[1]["人编号"] == first.number + "02"
    assert people[1]["与户主关系"] == "配偶" and people[1]["健康状况"] == "长期慢性病"
    assert people[0]["工资性收入"] == 6000 and people[0]["行政村"] == "仓前村委会"
    rows = as_dicts(data, "贫困户")
    assert [r["户主姓名"] for r in rows] == ["张三", "王五"]
    assert rows[0]["人数"] == 3 and rows[0]["户主证件号码"] == people[0]["证件号码"]
    for value in (head.id_number, "13812345678", "6228480012345678"):
        assert value.encode() not in data  # not even inside the zip's XML
    entry = AuditEntry.objects.get(action=audit.EXPORT)
    assert entry.user == world.village_account and entry.object_id == str(job.pk)
    assert entry.detail["households"] == 2 and entry.detail["rows"] == 4
    assert entry.detail["full"] is False and entry.detail["filters"] == "无"


def test_the_list_s_filters_and_region_are_the_export_s(world, login, households):
    client = login(world.township_office)
    job, data = export(client, f"?region={world.village2.pk}")
    assert [p["姓名"] for p in as_dicts(data)] == ["赵六"]
    job, data = export(client, "?status=poor")
    assert as_dicts(data) == []
    assert AuditEntry.objects.filter(action=audit.EXPORT).last().detail["filters"] == "状态：贫困户"
    # A region outside the slice: 404, as on the list.
    assert client.get(f"/exchange/export/?region={world.other_village.pk}").status_code == 404
    response = client.post("/exchange/export/start/", {"region": world.other_village.pk})
    assert response.status_code == 404


def test_a_search_by_id_number_exports_what_it_found_without_storing_the_number(
    world, login, households
):
    first = households[0]
    head = first.members.get(name="张三")
    client = login(world.township_office)
    found = client.post("/households/", {"q": head.id_number})
    key = found.url.split("s=")[1].split("&")[0]
    job, data = export(client, f"?s={key}")
    assert [p["姓名"] for p in as_dicts(data)] == ["张三", "李四", "张小"]
    job.refresh_from_db()
    assert head.id_number not in str(job.params)
    entry = AuditEntry.objects.get(action=audit.EXPORT)
    assert head.id_number not in str(entry.detail) and entry.detail["households"] == 1


def test_a_county_office_exports_in_full_only_with_a_reason_and_it_is_audited(
    world, login, households
):
    first = households[0]
    head = first.members.get(name="张三")
    client = login(world.county_office)
    job, response = export(client, "", {"full": "on", "reason": ""})
    assert job is None and "须填写导出原因" in response.content.decode()
    job, data = export(client, "", {"full": "on", "reason": "核对全国系统数据"})
    people = as_dicts(data)
    assert people[0]["证件号码"] == head.id_number and people[0]["联系电话"] == "13812345678"
    assert people[0]["银行卡号"] == "6228480012345678"
    entry = AuditEntry.objects.get(action=audit.EXPORT)
    assert entry.detail["full"] is True and entry.detail["reason"] == "核对全国系统数据"
    assert entry.region_code == world.county.code


def test_full_export_is_refused_to_every_other_role(world, login, households):
    for name in ("township_office", "city_office", "village_account"):
        account = getattr(world, name)
        with pytest.raises(PermissionDenied):
            start_export(Actor(account), {}, full=True, reason="看看")
    # The form does not offer it to them; a forged field exports masked.
    client = login(world.township_office)
    job, data = export(client, "", {"full": "on", "reason": "看看"})
    assert not job.full and "********" in as_dicts(data)[0]["证件号码"]
    with pytest.raises(ExchangeError):
        start_export(Actor(world.county_office), {}, full=True, reason="  ")


def test_units_cadres_and_the_administrator_may_not_export(world, login, households):
    for name in ("unit_account", "cadre_account", "admin"):
        client = login(getattr(world, name))
        assert client.get("/exchange/export/").status_code == 403, name
        assert client.post("/exchange/export/start/").status_code == 403, name
    admin_list = login(world.admin).get("/households/").content.decode()
    assert 'data-testid="households-export"' not in admin_list


def test_formulas_are_stored_as_text_and_read_back_unchanged(world, login):
    register(
        world.village_account,
        world.phone,
        [member('=HYPERLINK("http://x","点我")'), member("@SUM(1)", "spouse")],
        parts_done=1,
        group="+1+2",
        bank_name="-1",
    )
    client = login(world.village_account, world.phone)
    _, data = export(client)
    sheet = load_workbook(io.BytesIO(data))["贫困人口花名册"]
    header = [c.value for c in sheet[3]]
    cells = [
        sheet.cell(row=4, column=header.index(h) + 1) for h in ("姓名", "自然村", "开户银行名称")
    ]
    cells.append(sheet.cell(row=5, column=header.index("姓名") + 1))
    assert [c.value for c in cells] == ['=HYPERLINK("http://x","点我")', "+1+2", "-1", "@SUM(1)"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    job, _ = upload(client, data)  # no formula in it: imports back, nothing to change
    assert job.status == JobStatus.UNCHANGED, (job.error, job.problems)


def test_our_masked_export_imports_back_unchanged(world, login, households):
    for account in (world.village_account, world.township_office):
        client = login(account, world.phone if account == world.village_account else None)
        _, data = export(client)
        versions = list(Household.objects.order_by("pk").values_list("version", flat=True))
        job, _ = upload(client, data, "导出的文件.xlsx")
        assert job.status == JobStatus.UNCHANGED, (account, job.error, job.problems)
        assert list(Household.objects.order_by("pk").values_list("version", flat=True)) == versions


def _snapshot():
    households = {
        h.number: (
            h.village_id, h.head_name, h.size, h.group, h.attribute, h.standard, h.phone,
            h.bank_account, h.main_cause, h.other_causes, h.arable_area, h.housing_area,
            h.road_type, h.drinking_water_safe, *(getattr(h, n) for n in INCOME),
            h.net_income_per_capita, h.parts_done,
        )
        for h in Household.objects.all()
    }  # fmt: skip
    members = sorted(
        Member.objects.filter(active=True).values_list(
            "household__number", "name", "id_number", "relation", "ethnicity", "education",
            "school_status", "health", "labour", "work_status", "months_away",
            "has_basic_medical", "has_serious_illness", "has_pension",
        )
    )  # fmt: skip
    return households, members


@pytest.mark.django_db(transaction=False)
def test_round_trip_export_a_village_and_import_it_into_the_emptied_village(world, login):
    """Export 仓前 in full (county office), take the households away again (a savepoint
    rolled back: the village is empty), import the file (township office): the same
    households, numbers, members and incomes."""
    client = login(world.county_office)
    mark = transaction.savepoint()
    register(
        world.village_account,
        world.phone,
        [member("张三"), member("李四", "spouse", months_away=4, work_status="in_province")],
        parts_done=4,
        group="第三组",
    )
    register(world.village_account, world.phone, [member("王五")], parts_done=4, attribute="dibao")
    before = _snapshot()
    _, data = export(client, f"?region={world.village.pk}", {"full": "on", "reason": "迁移"})
    transaction.savepoint_rollback(mark)
    assert not Household.objects.exists()
    client = login(world.township_office)
    job, _ = upload(client, data, "仓前村.xlsx")
    assert job.status == JobStatus.DONE, job.problems
    after = _snapshot()
    assert after == before
    assert [v[14] for v in after[0].values()] == [INCOME["wage_income"]] * 2


def test_a_large_export_runs_in_the_task_worker_with_progress(world, login, households, settings):
    settings.EXCHANGE_EXPORT_INLINE_MAX = 1
    from django_tasks.signals import task_enqueued

    calls = []

    def seen(sender, task_result, **kwargs):
        calls.append(task_result.task.name)

    task_enqueued.connect(seen)
    try:
        client = login(world.township_office)
        job, data = export(client)
    finally:
        task_enqueued.disconnect(seen)
    assert calls == ["run_export_job"]
    page = client.get(f"/exchange/exports/{job.pk}/").content.decode()
    assert "exchange-progress.js" in page and "下载文件" in page
    state = client.get(f"/exchange/exports/{job.pk}/status/").json()
    assert state["finished"] and state["written"] == state["total"] == 3
    assert state["download"].endswith("/download/")


def test_someone_else_s_export_is_not_found(world, login, households):
    client = login(world.township_office)
    job, _ = export(client)
    for name in ("county_office", "village_account"):
        other = login(getattr(world, name))
        for url in ("", "status/", "download/"):
            assert other.get(f"/exchange/exports/{job.pk}/{url}").status_code == 404, (name, url)


def test_an_export_s_queries_do_not_grow_with_its_households(world, login):
    def queries():
        client = login(world.township_office)
        with CaptureQueriesContext(connection) as captured:
            export(client)
        return len(captured)

    register(world.village_account, world.phone, [member("甲")], parts_done=1)
    one = queries()
    for name in ("乙", "丙", "丁", "戊"):
        register(
            world.village_account,
            world.phone,
            [member(name), member(name + "妻", "spouse")],
            parts_done=1,
        )
    assert queries() == one

"""数据导入 (issue 09): the label tables, the template, a file checked as a whole and written
all or nothing through the households' import action, a second import that writes nothing,
the national 花名册 as it is, bad files refused, who may import where, and the queries per
batch."""

import io
import time
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from exchange import labels as L
from exchange.models import Job, JobStatus
from households.choices import Health, HouseDanger, Relation, SchoolStatus, WorkStatus
from households.models import Claim, Household, Member
from poverty_system.core import audit
from poverty_system.core.models import AuditEntry

from .exchange_data import person, upload, workbook
from .households_data import make_id, member, register


@pytest.fixture(autouse=True)
def exchange_dir(settings, tmp_path):
    settings.EXCHANGE_DIR = tmp_path / "exchange"


def imports_written():
    return AuditEntry.objects.filter(action=audit.IMPORT)


# --- the label tables ----------------------------------------------------------------------


def test_each_coded_field_has_one_table_of_labels_and_old_codes():
    assert L.RELATION.parse("之外孙子") == Relation.GRANDSON
    assert L.RELATION.parse("09") == L.RELATION.parse("9") == Relation.GRANDSON
    assert L.RELATION.parse("本人或户主") == L.RELATION.parse("01") == Relation.HEAD
    assert L.RELATION.parse("之岳母") == Relation.PARENT
    assert L.ETHNICITY.parse("01") == "汉族" and L.ETHNICITY.parse("56") == "基诺族"
    assert L.ETHNICITY.parse("苗") == "苗族" and L.ETHNICITY.parse("") == "汉族"
    # Brackets of either width, as the national files write them.
    assert L.WORK_STATUS.parse("乡(镇)外县内务工") == WorkStatus.IN_COUNTY
    assert L.WORK_STATUS.parse("乡（镇）外县内务工") == WorkStatus.IN_COUNTY
    assert L.SCHOOL_STATUS.parse("八年级") == L.SCHOOL_STATUS.parse("5") == SchoolStatus.JUNIOR
    assert L.HEALTH.parse_many("残疾,长期慢性病") == [Health.DISABLED, Health.CHRONIC]
    assert L.CAUSE.parse_many("因病、因学") == ["illness", "schooling"]
    # Every label of ours reads back as the choice it was written for (our export's values).
    for table in (L.RELATION, L.ETHNICITY, L.EDUCATION, L.SCHOOL_STATUS, L.HEALTH, L.LABOUR,
                  L.WORK_STATUS, L.ATTRIBUTE, L.STANDARD, L.CAUSE, L.ROAD_TYPE, L.HOUSE_DANGER,
                  L.FUEL, L.GENDER, L.ADD_CHANGE):  # fmt: skip
        for entry in table.entries:
            assert table.parse(table.label(entry.value)) == entry.value, (table.name, entry)


def test_an_unknown_label_is_refused_with_the_accepted_ones():
    with pytest.raises(L.LabelError) as refused:
        L.RELATION.parse("表哥")
    message = str(refused.value)
    assert message.startswith("“表哥”不是有效的与户主关系，可填写：户主、配偶、之子")
    assert "其他" in message
    with pytest.raises(L.LabelError):
        L.RELATION.parse("")  # 与户主关系 is required
    with pytest.raises(L.LabelError):
        L.parse_bool("也许", "饮水安全", True)


# --- the template ----------------------------------------------------------------------------


def test_the_template_has_the_layout_a_notes_sheet_and_drop_downs(world, login):
    client = login(world.township_office)
    response = client.get("/exchange/import/template/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["贫困人口花名册", "说明", "值列表"]
    assert book["值列表"].sheet_state == "hidden"
    sheet = book["贫困人口花名册"]
    header = [c.value for c in sheet[3]]
    assert header[:8] == [
        "序号",
        "县（市、区、旗）",
        "乡（镇）",
        "行政村",
        "自然村",
        "*户编号",
        "人编号",
        "*姓名",
    ]
    assert "*证件号码" in header and "*与户主关系" in header and "工资性收入" in header
    assert sheet["A1"].value == "贫困人口花名册（导入模板）"
    rules = {str(dv.sqref).split(":")[0][:2]: dv for dv in sheet.data_validations.dataValidation}
    relation = header.index("*与户主关系")
    letter = sheet.cell(row=3, column=relation + 1).column_letter
    assert any(key.startswith(letter) for key in rules), rules.keys()
    notes = [row[0] for row in book["说明"].iter_rows(values_only=True) if row[0]]
    assert "导入说明" in notes and "证件号码" in notes


def test_a_county_office_may_not_import(world, login):
    for name in ("county_office", "city_office", "unit_account", "cadre_account", "admin"):
        client = login(getattr(world, name))
        assert client.get("/exchange/import/").status_code == 403, name
        assert client.get("/exchange/import/template/").status_code == 403, name
        _, response = upload(client, workbook([person("1", "张三")]))
        assert response.status_code == 403, name
    assert not Household.objects.exists()


# --- a good file ---------------------------------------------------------------------------


def full_rows():
    """Two households with every column of parts 1–4 filled."""
    extra = {
        "自然村": "第二组",
        "识别标准": "国家标准",
        "其他致贫原因": "缺技术,缺资金",
        "有效灌溉面积（亩）": 2,
        "林地面积（亩）": 10,
        "退耕还林面积（亩）": 0,
        "牧草地面积（亩）": 0,
        "水面面积（亩）": 0,
        "是否通生产用电": "是",
        "是否通生活用电": "是",
        "饮水安全": "是",
        "饮水困难": "否",
        "与村主干路距离（公里）": 1.5,
        "入户路类型": "砂石路",
        "住房面积（平方米）": 80,
        "危房户": "否",
        "有无卫生厕所": "否",
        "主要燃料类型": "柴草",
        "是否加入农民专业合作社": "否",
        "生产经营性收入": 2000,
        "财产性收入": 0,
        "计划生育金": 0,
        "低保金": 1200,
        "五保金": 0,
        "养老保险金": 0,
        "生态补偿金": 0,
        "其他转移性收入": 0,
        "生产经营性支出": 1200,
        "致贫原因说明": "",
        "银行卡号": "6228480012345678",
        "开户银行名称": "于都县农村信用社",
    }
    return [
        person("1", "张三", **extra, 人数=2),
        person(
            "1",
            "李四",
            "配偶",
            健康状况="长期慢性病",
            务工状况="县外省内务工",
            **{"务工时间（月）": 6},
        ),
        person("2", "王五", **extra),
    ]


def test_a_village_account_imports_new_households_claimed_by_its_phone(world, login):
    client = login(world.village_account, world.phone)
    job, response = upload(client, workbook(full_rows()), "仓前村名单.xlsx")
    assert job.status == JobStatus.DONE, (job.error, job.problems)
    households = list(Household.objects.order_by("number"))
    assert [h.number for h in households] == ["3607311002010001", "3607311002010002"]
    first = households[0]
    assert (first.head_name, first.size, first.status, first.parts_done) == (
        "张三",
        2,
        "registering",
        4,
    )
    assert first.group == "第二组" and first.other_causes == ["skills", "funds"]
    # (6000 + 2000 + 1200 − 1200) / 2 people
    assert str(first.net_income_per_capita) == "4000.00"
    spouse = first.members.get(name="李四")
    assert (spouse.relation, spouse.health, spouse.work_status, spouse.months_away) == (
        "spouse", "chronic", "in_province", 6)  # fmt: skip
    assert set(Claim.objects.active().values_list("phone", flat=True)) == {world.phone.pk}
    # The change log: the households' and members' baselines, with the file's name.
    reasons = set(Household.history.values_list("history_change_reason", flat=True))
    reasons |= set(Member.history.values_list("history_change_reason", flat=True))
    assert reasons == {"导入：仓前村名单.xlsx"}
    assert set(Household.history.values_list("history_phone", flat=True)) == {world.phone.phone}
    entry = imports_written().get()
    assert entry.detail["rows"] == 3 and entry.detail["created"] == 2
    assert entry.detail["file"] == "仓前村名单.xlsx" and entry.region_code == world.village.code
    page = client.get(response.url).content.decode()
    assert "导入完成：新增 2 户" in page and "3607311002010001" in page


def test_the_same_file_twice_writes_nothing_the_second_time_and_says_so(world, login):
    client = login(world.village_account, world.phone)
    data = workbook(full_rows())
    upload(client, data)
    counts = (Household.history.count(), Member.history.count(), Claim.objects.count())
    versions = list(Household.objects.values_list("version", flat=True))
    job, response = upload(client, data)
    assert job.status == JobStatus.UNCHANGED
    assert (Household.history.count(), Member.history.count(), Claim.objects.count()) == counts
    assert list(Household.objects.values_list("version", flat=True)) == versions
    assert "与系统中的数据一致，没有写入任何数据" in client.get(response.url).content.decode()
    assert imports_written().order_by("-pk").first().detail["created"] == 0


def test_a_file_with_our_numbers_updates_the_households_with_the_reason(world, login):
    client = login(world.village_account, world.phone)
    rows = full_rows()
    upload(client, workbook(rows))
    for row in rows:
        row["户编号"] = "3607311002010001" if row["户编号"] == "1" else "3607311002010002"
    rows[0]["工资性收入"] = rows[1]["工资性收入"] = 9000
    rows[1]["文化程度"] = "高中"
    job, _ = upload(client, workbook(rows), "修改.xlsx")
    assert job.status == JobStatus.DONE and job.summary["updated"] == 1, job.problems
    household = Household.objects.get(number="3607311002010001")
    assert household.wage_income == 9000 and household.version == 2
    latest = household.history.order_by("-history_id").first()
    assert latest.history_change_reason == "导入：修改.xlsx"
    spouse = household.members.get(name="李四")
    assert spouse.education == "senior"
    assert spouse.history.order_by("-history_id").first().history_change_reason == "导入：修改.xlsx"
    assert Household.objects.get(number="3607311002010002").version == 1  # unchanged


def test_a_registered_household_takes_a_new_member_only_as_a_natural_change(world, login):
    household = register(world.village_account, world.phone, [member("张三")])
    head = household.members.get()
    client = login(world.village_account, world.phone)
    rows = [
        person(household.number, "张三", id_number=head.id_number),
        person(household.number, "张小", "之子", id_number=make_id(birth="20200101")),
    ]
    job, _ = upload(client, workbook(rows))
    assert job.status == JobStatus.INVALID
    assert "新增成员须填写“新增原因”和“变更年月”" in job.problems[0][2]
    rows[1].update({"新增原因": "出生", "变更年月": "202001"})
    job, _ = upload(client, workbook(rows))
    assert job.status == JobStatus.DONE, job.problems
    child = household.members.get(name="张小")
    assert child.change == "birth" and child.change_month.isoformat() == "2020-01-01"
    assert child.history.get().history_change_reason == "导入：导入.xlsx（新增成员：出生）"
    household.refresh_from_db()
    assert household.size == 2


def test_a_member_missing_from_the_file_is_not_removed(world, login):
    household = register(
        world.village_account, world.phone, [member("张三"), member("李四", "spouse")], parts_done=1
    )
    head = household.members.get(name="张三")
    client = login(world.village_account, world.phone)
    job, _ = upload(client, workbook([person(household.number, "张三", id_number=head.id_number)]))
    assert job.status == JobStatus.INVALID
    assert "在册成员李四" in job.problems[0][2] and "人口自然变更" in job.problems[0][2]
    assert household.members.filter(active=True).count() == 2


# --- every kind of bad row ---------------------------------------------------------------------


def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(world, login):
    elsewhere = register(
        world.other_village_account,
        world.other_phone,
        [member("赵六", id_number=make_id(area="360731"))],
        parts_done=1,
    )
    held = elsewhere.members.get().id_number
    good = make_id()
    bad_digit = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        person("1", "甲", id_number=bad_digit),  # 2: check digit
        person("2", "乙", id_number=held),  # 3: held by a household of another township
        person("3", "丙", "之子"),  # 4: a household without its head
        person("4", "丁"),  # 5: two heads
        person("4", "戊"),  # 6
        person("5", "己", 人数=3),  # 7: 人数 3 for 2 rows
        person("5", "庚", "表哥"),  # 8: unknown label
        person("6", "辛", 行政村="丰田村"),  # 9: a village of another township
        person("7", "壬", **{"耕地面积（亩）": "三亩"}),  # 10: not a number
        person("8", "癸", 新增原因="出生", 变更年月="209901"),  # 11: a future month
        person("9", "子", id_number=good),  # 12
        person("10", "丑", id_number=good),  # 13: the same person twice in the file
    ]
    client = login(world.village_account, world.phone)
    before = (Household.objects.count(), Member.objects.count(), Household.history.count())
    job, response = upload(client, workbook(rows, titles=()), "有错误.xlsx")
    assert job.status == JobStatus.INVALID
    assert (Household.objects.count(), Member.objects.count(), Household.history.count()) == before
    assert not imports_written().exists()
    found = {(row, column): message for row, column, message in job.problems}
    assert "校验位不正确" in found[(2, "证件号码")]
    assert f"户编号 {elsewhere.number}" in found[(3, "证件号码")]
    assert (
        "铁山垅镇丰田居委会" in found[(3, "证件号码")] and "（户主 赵*）" in found[(3, "证件号码")]
    )
    assert "没有户主" in found[(4, "与户主关系")]
    assert "两名户主" in found[(6, "与户主关系")]
    assert found[(7, "人数")] == "人数为 3，但文件中该户有 2 行成员。"
    assert found[(8, "与户主关系")].startswith("“表哥”不是有效的与户主关系，可填写：户主")
    assert "不在本账号可导入的辖区内" in found[(9, "行政村")]
    assert found[(10, "耕地面积（亩）")] == "“三亩”不是数字。"
    assert found[(11, "变更年月")] == "变更年月不能晚于本月。"
    assert found[(13, "证件号码")] == "证件号码与第 12 行重复（同一人只能填写一行）。"
    page = client.get(response.url).content.decode()
    assert "没有写入任何数据" in page and "校验位不正确" in page and "下载标出错误的文件" in page
    # The same workbook back, with an 错误信息 column and the bad cells marked.
    marked = client.get(f"/exchange/imports/{job.pk}/report/")
    assert marked.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(marked.streaming_content))).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "错误信息"
    errors = {r[0].row: r[-1].value for r in sheet.iter_rows(min_row=2) if r[-1].value}
    assert "校验位不正确" in errors[2] and "不是数字" in errors[10] and 12 not in errors
    digit_cell = sheet.cell(row=2, column=header.index("证件号码") + 1)
    assert digit_cell.fill.fgColor.rgb.endswith("FFC7CE")


# --- the national layout --------------------------------------------------------------------

NATIONAL_2017 = """
序号 户编号 姓名 人编号 证件号码 县（市、区、旗） 乡（镇） 行政村 自然村 人数 性别 与户主关系 民族
文化程度 在校生状况 健康状况 劳动技能 务工状况 务工时间（月） 参加大病医疗 是否参加新农合
是否参加新型养老保险 脱贫属性 脱贫年度 贫困户属性 主要致贫原因 危房户 饮水安全 饮水困难 人均纯收入
联系电话 开户银行名称 银行卡号
""".split()


def national_rows(township_name="贡江镇"):
    head_id, wife_id, child_id = make_id(), make_id(birth="19820305"), make_id(birth="20090101")
    common = {
        "县（市、区、旗）": "于都县", "乡（镇）": township_name, "行政村": "里泗村",
        "自然村": "下屋",
        "户编号": "36073110020200000012", "人数": "3", "脱贫属性": "未脱贫", "脱贫年度": "",
        "贫困户属性": "低保贫困户", "主要致贫原因": "因残", "危房户": "是", "饮水安全": "是",
        "饮水困难": "否", "人均纯收入": "2890.5", "联系电话": "13912345678",
        "开户银行名称": "中国邮政储蓄银行", "银行卡号": "6210985012345678",
    }  # fmt: skip
    return [
        {**common, "序号": 1, "姓名": "刘大", "人编号": "3607311002020000001201",
         "证件号码": head_id, "性别": "男" if int(head_id[16]) % 2 else "女",
         "与户主关系": "01", "民族": "01", "文化程度": "小学", "在校生状况": "非在校生",
         "健康状况": "残疾,长期慢性病", "劳动技能": "丧失劳动力", "务工状况": "",
         "务工时间（月）": "0", "参加大病医疗": "是", "是否参加新农合": "是",
         "是否参加新型养老保险": "是"},
        {**common, "序号": 2, "姓名": "陈二", "人编号": "3607311002020000001202",
         "证件号码": wife_id, "与户主关系": "配偶", "民族": "畲", "文化程度": "初中",
         "在校生状况": "非在校生", "健康状况": "健康", "劳动技能": "普通劳动力",
         "务工状况": "乡（镇）外县内务工", "务工时间（月）": "10", "参加大病医疗": "否"},
        {**common, "序号": 3, "姓名": "刘小", "人编号": "3607311002020000001203",
         "证件号码": child_id, "与户主关系": "之外孙子", "文化程度": "小学",
         "在校生状况": "八年级", "健康状况": "健康", "劳动技能": "无劳动力"},
    ]  # fmt: skip


def test_a_national_roster_with_title_rows_and_shuffled_columns_imports(world, login):
    client = login(world.township_office)
    data = workbook(
        national_rows(),
        NATIONAL_2017,
        titles=("全国扶贫开发信息系统", "贫困人口花名册（2017年）"),
    )
    job, _ = upload(client, data, "花名册.xlsx")
    assert job.status == JobStatus.DONE, job.problems
    assert job.summary["header_row"] == 3 and "序号" not in job.summary["ignored_columns"]
    household = Household.objects.get()
    assert household.village == world.village2 and household.number == "3607311002020001"
    assert (household.attribute, household.main_cause, household.house_danger) == (
        "dibao", "disability", HouseDanger.GRADE_C)  # fmt: skip
    assert household.bank_account == "6210985012345678" and household.group == "下屋"
    assert not Claim.objects.exists()  # a township office's import is unclaimed
    members = {m.name: m for m in household.members.all()}
    assert members["刘大"].relation == "head" and members["刘大"].health == "disabled"
    assert members["刘大"].has_pension and members["陈二"].ethnicity == "畲族"
    assert members["陈二"].work_status == "in_county" and members["陈二"].months_away == 10
    assert members["刘小"].relation == "grandson" and members["刘小"].school_status == "junior"
    assert household.parts_done == 1  # the roster has no 家庭生产情况 in full
    # The same roster again: matched on the ID numbers (its 户编号 is the national one).
    again, _ = upload(client, data, "花名册.xlsx")
    assert again.status == JobStatus.UNCHANGED and Household.objects.count() == 1


def test_a_township_office_imports_only_into_its_villages_and_unclaimed_households(world, login):
    claimed = register(world.village_account, world.phone, [member("张三")], parts_done=1)
    head = claimed.members.get()
    client = login(world.township_office)
    rows = [
        person(claimed.number, "张三", id_number=head.id_number, 自然村="第九组"),
        *[{**r, "乡（镇）": "铁山垅镇", "行政村": "丰田"} for r in national_rows()[:1]],
    ]
    job, _ = upload(client, workbook(rows))
    assert job.status == JobStatus.INVALID
    found = {(r, c): m for r, c, m in job.problems}
    assert "只能由该手机号验证登录的村级账号修改" in found[(4, "户编号")]
    assert "不在本账号可导入的辖区内" in found[(5, "行政村")]
    claimed.refresh_from_db()
    assert claimed.group == "第一组"


def test_a_village_account_edits_only_what_its_phone_claimed(world, login):
    household = register(world.village_account, world.phone2, [member("张三")], parts_done=1)
    head = household.members.get()
    client = login(world.village_account, world.phone)
    job, _ = upload(
        client,
        workbook([person(household.number, "张三", id_number=head.id_number, 自然村="新组")]),
    )
    assert job.status == JobStatus.INVALID
    assert "只有用该手机号验证登录本村账号后才能修改" in job.problems[0][2]


def test_someone_else_s_import_is_not_found(world, login):
    client = login(world.village_account, world.phone)
    job, _ = upload(client, workbook([person("1", "张三", 证件号码="1")]))
    for name in ("township_office", "other_village_account"):
        other = login(getattr(world, name))
        for url in ("", "status/", "report/"):
            assert other.get(f"/exchange/imports/{job.pk}/{url}").status_code == 404, (name, url)


# --- bad files -----------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def refused_on_the_page(client, data: bytes, name: str = "导入.xlsx") -> str:
    job, response = upload(client, data, name)
    assert job is None and response.status_code == 200
    from lxml import html

    return " ".join(
        e.text_content() for e in html.fromstring(response.content).xpath('//p[@class="error"]')
    )


def test_bad_files_are_refused_with_a_clear_message_and_nothing_written(world, login, settings):
    client = login(world.township_office)
    assert "不是 Excel 工作簿" in refused_on_the_page(client, "姓名,证件号码\n".encode())
    assert "旧版 Excel" in refused_on_the_page(client, b"\xd0\xcf\x11\xe0" + b"\0" * 600, "a.xls")
    renamed = zip_bytes({"照片.jpg": b"not a workbook"})
    assert "zip 压缩包而不是 Excel 工作簿" in refused_on_the_page(client, renamed)
    started = time.monotonic()
    bomb = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"0" * (300 * 1024 * 1024),
        }
    )
    build = time.monotonic() - started
    started = time.monotonic()
    assert "解压后过大" in refused_on_the_page(client, bomb)
    assert time.monotonic() - started < max(2.0, build / 4)  # refused before any inflating
    settings.XLSX_MAX_BYTES = 2000
    assert "超过上限" in refused_on_the_page(
        client, workbook([person(str(i), "张三") for i in range(30)])
    )
    assert not Job.objects.exists() and not Household.objects.exists()


def test_bad_workbooks_end_as_a_job_that_says_why(world, login, settings):
    client = login(world.township_office)

    def refusal(data):
        job, response = upload(client, data)
        assert job.status == JobStatus.INVALID, job.status
        assert client.get(response.url).status_code == 200
        return job.error

    settings.XLSX_MAX_ROWS = 5
    assert "超过一次导入的上限 5 行" in refusal(
        workbook([person(str(i), "张三") for i in range(8)])
    )
    settings.XLSX_MAX_ROWS = 50_000
    book = Workbook()
    book.active.append(["户编号", "姓名", "证件号码", "与户主关系", "人数"])
    book.active.append(["1", "张三", make_id(), "户主", "=1+0"])
    out = io.BytesIO()
    book.save(out)
    assert "是公式" in refusal(out.getvalue())
    empty = io.BytesIO()
    Workbook().save(empty)
    assert "工作簿是空的" in refusal(empty.getvalue())
    assert "没有找到表头" in refusal(workbook([{"名字": "张三"}], ["名字", "号码"]))
    no_relation = workbook([{"户编号": "1", "姓名": "张三", "证件号码": make_id()}])
    assert "缺少必需的列 “与户主关系”" in refusal(no_relation)
    assert not Household.objects.exists() and not imports_written().exists()


# --- big files: the task worker ---------------------------------------------------------------


def test_a_large_file_is_checked_and_written_in_the_task_worker(world, login, settings):
    settings.EXCHANGE_IMPORT_INLINE_BYTES = 1  # every file goes to the worker
    from django_tasks.signals import task_enqueued

    calls = []

    def seen(sender, task_result, **kwargs):
        calls.append(task_result.task.name)

    task_enqueued.connect(seen)
    try:
        client = login(world.village_account, world.phone)
        job, response = upload(client, workbook(full_rows()))
    finally:
        task_enqueued.disconnect(seen)
    assert calls == ["run_import_job"] and job.status == JobStatus.DONE
    state = client.get(f"/exchange/imports/{job.pk}/status/").json()
    assert state["finished"] and state["checked"] == state["total"] == 3 and state["written"] == 3


def test_the_progress_page_survives_a_reload(world, login):
    client = login(world.village_account, world.phone)
    job = Job.objects.create(
        kind="import", owner=world.village_account, region_code=world.village.code,
        file_name="大文件.xlsx", status=JobStatus.CHECKING, total=8000, checked=3000,
    )  # fmt: skip
    for _ in range(2):  # a reload reads the job again
        page = client.get(f"/exchange/imports/{job.pk}/").content.decode()
        assert "exchange-progress.js" in page and "<progress" in page and 'value="3000"' in page
    from exchange import files

    Job.objects.filter(pk=job.pk).update(status=JobStatus.WRITING, checked=8000)
    files.write_progress(job.pk, 2500)  # the writing transaction's rows, not yet committed
    state = client.get(f"/exchange/imports/{job.pk}/status/").json()
    assert (state["status"], state["checked"], state["written"]) == ("writing", 8000, 2500)
    assert not state["finished"]


# --- queries per batch -----------------------------------------------------------------------


def _households(n: int, start: int) -> list[dict]:
    rows = []
    for i in range(start, start + n):
        rows += [person(str(i), f"户主{i}"), person(str(i), f"配偶{i}", "配偶")]
    return rows


def test_queries_are_constant_per_batch(world, login, monkeypatch):
    from exchange import matching
    from households.services import imports

    monkeypatch.setattr(matching, "BATCH", 10)
    monkeypatch.setattr(imports, "BATCH", 10)
    client = login(world.township_office)

    def queries(rows):
        with CaptureQueriesContext(connection) as captured:
            job, _ = upload(client, workbook(rows))
        assert job.status == JobStatus.DONE, job.problems
        return len(captured)

    one_small, one_full = queries(_households(3, 0)), queries(_households(10, 100))
    two, three = queries(_households(20, 200)), queries(_households(30, 300))
    assert one_small == one_full  # one batch costs the same, whatever its size
    assert three - two == two - one_full > 0  # and each batch more the same again


def test_the_demo_file_imports_once_and_then_writes_nothing(world, login, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "demo.xlsx"
    call_command("make_import_demo", str(path), households=4, stdout=io.StringIO())
    client = login(world.village_account, world.phone)
    job, _ = upload(client, path.read_bytes())
    assert job.status == JobStatus.DONE and job.summary["created"] == 4, job.problems
    again, _ = upload(client, path.read_bytes())
    assert again.status == JobStatus.UNCHANGED
    call_command("make_import_demo", str(path), households=1, errors=True, stdout=io.StringIO())
    job, _ = upload(client, path.read_bytes())
    assert job.status == JobStatus.INVALID and job.problem_count >= 3


def test_a_village_is_found_by_its_full_name_before_its_short_one(world):
    from exchange.reader import Villages
    from villages.models import Region

    township = world.township
    Region.objects.create(code="360731100203", name="仓前居委会", level="village", parent=township)
    villages = Villages(world.township_office)
    assert villages.find("", "", "仓前居委会")[0].name == "仓前居委会"
    assert villages.find("", "", "仓前村委会")[0] == world.village
    found, message = villages.find("", "", "仓前")
    assert found is None and "贡江镇仓前居委会、贡江镇仓前村委会" in message
    assert villages.find("", "贡江镇", "里泗")[0] == world.village2

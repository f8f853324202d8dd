"""贫困户信息表 and 贫困户信息对照表 (issue 09, item 3): Word files read back with python-docx and
printed by LibreOffice; the 对照表 shows last year's value of a field edited this year and
marks it; a village in one file in a constant number of queries per batch; who may print
(404 outside the scope, 403 for a role that may not); every print audited."""

import datetime
import io
import shutil
import subprocess
from decimal import Decimal
from zoneinfo import ZoneInfo

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households import services
from households.models import Household, Member
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.models import AuditEntry
from reports import records
from units import services as unit_services

from .households_data import PARTS, make_id, member, register
from .units_data import assigned_household, link_world_village, the_cadre

LAST_YEAR = current_year() - 1
BABY = make_id(birth=f"{current_year()}0101")


def texts(data: bytes) -> tuple[str, list[list[list[str]]]]:
    """(the paragraphs' text, every table as rows of cell texts) of a .docx."""
    document = docx.Document(io.BytesIO(data))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in document.tables]
    return paragraphs, tables


def all_text(data: bytes) -> str:
    paragraphs, tables = texts(data)
    return paragraphs + "\n" + "\n".join("|".join(r) for t in tables for r in t)


def backdate(household: Household, when: datetime.datetime) -> None:
    """The household was entered last year: its change-log rows (and its members') dated
    then, as a database that has run since then holds them."""
    Household.history.filter(id=household.pk).update(history_date=when)
    Member.history.filter(household_id=household.pk).update(history_date=when)


LAST_DECEMBER = datetime.datetime(LAST_YEAR, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _run(tool: str, *args: str, timeout: int) -> bytes:
    path = shutil.which(tool)
    assert path is not None, f"{tool} missing: run `make office`"
    done = subprocess.run([path, *args], check=True, capture_output=True, timeout=timeout)  # noqa: S603
    return done.stdout


def to_pdf(data: bytes, tmp_path, name: str = "sheet") -> tuple[int, str]:
    """Print the .docx with LibreOffice: (number of pages, the PDF's text)."""
    source = tmp_path / f"{name}.docx"
    source.write_bytes(data)
    _run(
        "soffice",
        f"-env:UserInstallation=file://{tmp_path}/lo-profile",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
        str(source),
        timeout=180,
    )
    pdf = tmp_path / f"{name}.pdf"
    info = _run("pdfinfo", str(pdf), timeout=60).decode()
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    return pages, _run("pdftotext", "-layout", str(pdf), "-", timeout=60).decode()


@pytest.fixture
def paired(world):
    """A household of 仓前村 assigned to the world's cadre, with this year's survey."""
    link_world_village(world)
    household = assigned_household(
        world, members=[member("陈大山"), member("陈小溪", "daughter", health="chronic")]
    )
    unit_services.save_survey(
        Actor.system(world.cadre_account),
        household,
        wishes="发展养殖",
        exit_year=current_year(),
        measures=[{"kind": "industry", "description": "鸡苗 200 羽", "amount": "1500"}],
    )
    return Household.objects.get(pk=household.pk)


def test_the_info_sheet_holds_the_whole_record_masked(world, login, paired):
    client = login(world.township_office)
    response = client.get(f"/reports/households/{paired.pk}/info.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    text = all_text(response.content)
    for expected in (
        "贫困户信息表",
        paired.number,
        "陈大山",
        "陈小溪",
        "长期慢性病",
        "生产生活条件",
        "80.00",  # 住房面积
        "家庭收入情况",
        "9200.00 元",  # 家庭总收入
        "4000.00 元",  # 人均纯收入 (two members)
        "因病",
        the_cadre(world).name,
        world.unit.name,
        "鸡苗 200 羽",
        "1500.00 元",
        "状态变更记录",
        "户主（签字）",
    ):
        assert expected in text, expected
    # Personal data as the lists show it: masked, never in full.
    head = paired.members.get(name="陈大山")
    assert head.id_number not in text and head.masked_id_number in text
    assert paired.phone not in text and paired.bank_account not in text
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail == {"what": "贫困户信息表", "households": 1}
    assert entry.object_id == str(paired.pk) and entry.region_code == paired.village_code


def test_the_comparison_shows_last_year_s_value_of_a_field_edited_this_year(world, login, tmp_path):
    actor = Actor(world.village_account, world.phone)
    household = register(
        world.village_account, world.phone, [member("刘一"), member("刘二", "spouse")]
    )
    backdate(household, LAST_DECEMBER)
    # This year: the house grew, the spouse fell ill, a child was born.
    services.save_part(actor, household, 2, {**PARTS[2], "housing_area": Decimal("120")})
    household.refresh_from_db()
    rows = [
        (m, {**member(m.name, m.relation, id_number=m.id_number)})
        for m in household.members.order_by("pk")
    ]
    rows[1][1]["health"] = "serious"
    services.save_basic(actor, household, {"group": "第一组"}, rows)
    services.add_member(
        actor,
        Household.objects.get(pk=household.pk),
        member("刘小三", "son", id_number=BABY),
        change="birth",
        month=datetime.date(current_year(), 1, 1),
    )
    client = login(world.county_office)
    response = client.get(f"/reports/households/{household.pk}/compare.docx")
    assert response.status_code == 200
    paragraphs, tables = texts(response.content)
    assert f"贫困户信息对照表（{current_year()}年）" in paragraphs
    assert f"{LAST_YEAR}年12月31日" in paragraphs
    by_label = {r[0]: r for t in tables for r in t if len(r) == 5}
    area = by_label["住房面积（平方米）"]
    assert area[1] == "80.00" and area[2] == "★ 120.00" and area[3] == "★" and area[4] == ""
    arable = by_label["耕地面积（亩）"]
    assert arable[1] == arable[2] == "3.50" and arable[3] == ""
    # The members: the spouse's health marked, the newborn new this year.
    members = next(t for t in tables if t[0][:2] == ["姓名", "时点"])
    spouse = next(i for i, r in enumerate(members) if r[0] == "刘二")
    health = members[0].index("健康状况")
    assert members[spouse][health] == "健康" and members[spouse + 1][health] == "★患有大病"
    assert any(r[0] == "刘小三（本年新增）" for r in members)
    # Masked like the lists.
    text = all_text(response.content)
    assert BABY not in text and BABY[6:14] not in text
    # LibreOffice prints it: the marks and the Chinese text come back from the PDF.
    pages, printed = to_pdf(response.content, tmp_path)
    assert 1 <= pages <= 3
    assert "贫困户信息对照表" in printed and "刘小三" in printed and "★" in printed


def test_a_household_new_this_year_has_an_empty_last_year_column(world, login):
    household = register(world.village_account, world.phone, [member("新户主")])
    response = login(world.township_office).get(f"/reports/households/{household.pk}/compare.docx")
    paragraphs, tables = texts(response.content)
    assert "尚未登记" in paragraphs
    by_label = {r[0]: r for t in tables for r in t if len(r) == 5}
    assert by_label["住房面积（平方米）"][1] == "" and by_label["住房面积（平方米）"][3] == ""


def test_a_village_prints_in_one_file_in_constant_queries_per_batch(world, login, tmp_path):
    client = login(world.village_account)

    def print_village():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/reports/villages/{world.village.pk}/compare.docx")
            data = b"".join(response.streaming_content)
        assert response.status_code == 200
        return data, len(ctx.captured_queries)

    for name in ("甲", "乙"):
        register(world.village_account, world.phone, [member(f"{name}户主")])
    register(world.village_account, world.phone, [member("登记中")], admitted=False)
    data, few = print_village()
    for name in ("丙", "丁", "戊"):
        register(world.village_account, world.phone, [member(f"{name}户主")])
    data, more = print_village()
    assert more == few
    paragraphs, _ = texts(data)
    assert paragraphs.count("贫困户信息对照表") == 5  # one title per household
    assert "登记中" not in all_text(data)  # registered households only
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail == {"what": "贫困户信息对照表", "households": 5}
    assert entry.object_id == str(world.village.pk)
    pages, printed = to_pdf(data, tmp_path, "village")
    assert pages >= 5  # each household starts on its own page
    for name in "甲乙丙丁戊":
        assert f"{name}户主" in printed


def test_batches_read_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    ids = [register(world.village_account, world.phone, [member(f"户{i}")]).pk for i in range(3)]
    with django_assert_num_queries(10):  # households, members, changes, 2 pairings, 2 surveys,
        found = records.read(ids, compare_year=LAST_YEAR)  # the seals, 2 change-log rows
    assert [r.household.pk for r in found] == ids


def test_who_may_print_a_household_from_both_sides(world, login, paired):
    url = f"/reports/households/{paired.pk}/compare.docx"
    for name in ("city_office", "county_office", "township_office", "village_account"):
        assert login(getattr(world, name)).get(url).status_code == 200, name
    assert login(world.cadre_account).get(url).status_code == 200  # its own household
    for name in ("other_county_office", "other_township_office", "other_village_account"):
        assert login(getattr(world, name)).get(url).status_code == 404, name
    # The unit sees the household (it is linked) but may not print: 403; so the admin.
    assert login(world.unit_account).get(url).status_code == 403
    assert login(world.admin).get(url).status_code == 403
    other = register(world.village_account, world.phone, [member("无干部")])
    assert (
        login(world.cadre_account).get(f"/reports/households/{other.pk}/info.docx").status_code
        == 404
    )


def test_who_may_print_a_village_from_both_sides(world, login):
    url = f"/reports/villages/{world.village.pk}/info.docx"
    for name in ("city_office", "county_office", "township_office", "village_account"):
        assert login(getattr(world, name)).get(url).status_code == 200, name
    for name in ("other_county_office", "other_township_office", "other_village_account"):
        assert login(getattr(world, name)).get(url).status_code == 404, name
    for name in ("unit_account", "cadre_account", "admin"):
        assert login(getattr(world, name)).get(url).status_code == 403, name
    # A township is no village: 404, as for an id no region has.
    client = login(world.county_office)
    assert client.get(f"/reports/villages/{world.township.pk}/info.docx").status_code == 404
    assert client.get("/reports/villages/99999999/info.docx").status_code == 404


def test_the_print_pages_and_the_household_page_link_the_sheets(world, login, paired):
    client = login(world.township_office)
    page = client.get("/reports/print/compare/", {"region": world.village.pk}).content.decode()
    assert f"/reports/villages/{world.village.pk}/compare.docx" in page
    assert f"/reports/households/{paired.pk}/compare.docx" in page
    assert client.get("/reports/print/info/", {"region": world.other_county.pk}).status_code == 404
    detail = client.get(f"/households/{paired.pk}/").content.decode()
    assert f"/reports/households/{paired.pk}/compare.docx" in detail
    unit_page = login(world.unit_account).get(f"/households/{paired.pk}/").content.decode()
    assert "打印对照表" not in unit_page


def test_the_village_sheet_prints_the_record_pairings_and_projects(world, login, paired, tmp_path):
    from assessment.services import poor_villages
    from projects.services import library

    from .projects_data import PROJECT

    poor_villages.add_poor_village(
        Actor(world.township_office),
        world.village,
        current_year(),
        {"households": 320, "population": 1210, "collective_income": Decimal("52000")},
    )
    library.create_project(Actor(world.village_account, world.phone), world.village, dict(PROJECT))
    client = login(world.township_office)
    page = client.get("/reports/print/villages/", {"region": world.village.pk}).content.decode()
    url = f"/reports/villages/{world.village.pk}/village.docx"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    text = all_text(response.content)
    cadre = the_cadre(world)
    for expected in (
        "贫困村信息表",
        world.village.name,
        world.township.name,
        "320",
        "1210",
        "52000.00 元",
        world.unit.name,
        "产业帮扶三年规划",
        cadre.name,
        PROJECT["name"],
        "因病",
    ):
        assert expected in text, expected
    if cadre.phone:
        assert cadre.phone not in text
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail == {"what": "贫困村信息表"} and entry.object_id == str(world.village.pk)
    pages, printed = to_pdf(response.content, tmp_path, "village-sheet")
    assert 1 <= pages <= 2 and "贫困村信息表" in printed and world.unit.name in printed
    for name in ("unit_account", "cadre_account", "admin"):
        assert login(getattr(world, name)).get(url).status_code == 403, name
    assert login(world.other_township_office).get(url).status_code == 404


def test_ticked_households_print_in_one_file_within_the_scope(world, login):
    ours = [register(world.village_account, world.phone, [member(f"勾选{i}")]) for i in range(3)]
    theirs = register(world.other_village_account, world.other_phone, [member("外乡户")])
    client = login(world.township_office)
    page = client.get("/reports/print/info/", {"region": world.village.pk}).content.decode()
    assert 'name="households"' in page and "/reports/print/info/selected.docx" in page
    ticked = [ours[0].pk, ours[2].pk, theirs.pk, "x", "9" * 30]
    response = client.get("/reports/print/info/selected.docx", {"households": ticked})
    assert response.status_code == 200
    text = all_text(b"".join(response.streaming_content))
    assert "勾选0" in text and "勾选2" in text and "勾选1" not in text and "外乡户" not in text
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail == {"what": "贫困户信息表", "households": 2, "ticked": True}
    # Nothing ticked (or nothing of the slice): back to the page with the reason.
    response = client.get(
        "/reports/print/compare/selected.docx",
        {"households": [theirs.pk], "region": world.village.pk},
        follow=True,
    )
    assert "请勾选要打印的贫困户" in response.content.decode()
    assert client.get("/reports/print/other/selected.docx").status_code == 404
    unit = login(world.unit_account)
    assert unit.get("/reports/print/info/selected.docx", {"households": ticked}).status_code == 403

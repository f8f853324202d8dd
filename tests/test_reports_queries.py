"""贫困户变更查询 and 贫困户销户查询 (issue 09, item 4): the rows each filter selects, the slice
(an office sees its own households only; a region outside it is 404), masking like the
lists, a constant number of queries per page and the Excel file (audited)."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from households import services
from households.models import Household, Member, StatusChange
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.models import AuditEntry

from .assessment_data import poor_household
from .households_data import make_id, member

THIS_YEAR = current_year()


def _this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


@pytest.fixture
def events(world, exit_criteria_defaults):
    """In 仓前村 (world.village): a birth and a death in 张三's household, 李四 removed
    (清退), 王五 lifted by the township; in the other township 赵六 newly identified."""
    village = Actor(world.village_account, world.phone)
    zhang = poor_household(world, "张三", members=[member("张三"), member("张母", "parent")])
    li = poor_household(world, "李四")
    wang = poor_household(world, "王五")
    services.add_member(
        village,
        zhang,
        member("张小宝", "son", id_number=make_id(birth="20260101")),
        change="birth",
        month=_this_month(),
        note="新生儿",
    )
    zhang.refresh_from_db()
    mother = zhang.members.get(name="张母")
    services.remove_member(village, zhang, mother, change="death", month=_this_month(), note="病故")
    services.remove_household(village, li, "识别不准，家庭收入超标")
    from assessment.services.exits import mark_lifted

    mark_lifted(Actor(world.township_office), [wang.pk], "lifted", "达到脱贫标准")
    other = Actor(world.other_village_account, world.other_phone)
    from .households_data import BASIC, PARTS
    from .identification_data import admit

    zhao = services.start_registration(other, world.other_village, dict(BASIC), [member("赵六")])
    for number in range(2, 8):
        zhao = services.save_part(other, zhao, number, dict(PARTS[number]))
    zhao.refresh_from_db()
    admit(zhao, other)
    return {"zhang": zhang, "li": li, "wang": wang, "zhao": zhao}


def _rows(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return response, response.context["rows"]


def test_changes_list_status_and_member_changes_of_the_slice_only(world, login, events):
    client = login(world.township_office)
    response, rows = _rows(client, "/reports/changes/")
    kinds = sorted(r.kind for r in rows)
    # The township sees its households' 新识别 (three), 脱贫, 清退 and both member changes,
    # nothing of the other township's 赵六.
    assert kinds == sorted(["新识别"] * 3 + ["脱贫", "清退", "人口自然增加", "人口自然减少"])
    assert all(r.head_name != "赵六" for r in rows)
    page = response.content.decode()
    assert "张小宝" in page and "病故" in page and "识别不准" in page
    # ID numbers masked, as on the lists; the full number never reaches the page.
    baby = Member.objects.get(name="张小宝")
    assert baby.id_number not in page and baby.masked_id_number in page
    assert world.phone.phone not in page

    county = login(world.county_office)
    _, rows = _rows(county, "/reports/changes/")
    assert any(r.head_name == "赵六" for r in rows)


def test_each_kind_filter_selects_its_rows(world, login, events):
    client = login(world.county_office)
    expected = {
        "new": {"张三", "李四", "王五", "赵六"},
        "lifted": {"王五"},
        "removed": {"李四"},
        "member_add": {"张三"},
        "member_remove": {"张三"},
        "returned": set(),
        "rollback": set(),
    }
    for kind, heads in expected.items():
        _, rows = _rows(client, "/reports/changes/", kind=kind)
        assert {r.head_name for r in rows} == heads, kind
    _, rows = _rows(client, "/reports/changes/", kind="member_remove")
    assert "减少成员 张母" in rows[0].content and "死亡" in rows[0].content
    assert rows[0].reason == "病故" and rows[0].actor


def test_region_year_and_period_filters(world, login, events):
    client = login(world.county_office)
    _, rows = _rows(client, "/reports/changes/", region=world.other_township.pk)
    assert {r.head_name for r in rows} == {"赵六"}
    _, rows = _rows(client, "/reports/changes/", year=THIS_YEAR - 1)
    assert rows == []
    _, rows = _rows(client, "/reports/changes/", year="all")
    assert len(rows) == 8
    today = timezone.localdate()
    _, rows = _rows(client, "/reports/changes/", date_to=(today - datetime.timedelta(days=1)))
    assert rows == []
    _, rows = _rows(client, "/reports/changes/", date_from=today, date_to=today)
    assert len(rows) == 8
    # Bad values are dropped with a message, never a 500.
    response, rows = _rows(client, "/reports/changes/", date_from="2026-13-40", kind="nonsense")
    assert "日期格式" in response.content.decode() and len(rows) == 8
    response, _ = _rows(client, "/reports/changes/", page="9" * 40, year="x")
    assert response.status_code == 200


def test_a_region_outside_the_slice_is_404_and_a_role_without_the_query_403(world, login, events):
    client = login(world.township_office)
    for url in ("/reports/changes/", "/reports/removals/"):
        assert client.get(url, {"region": world.other_township.pk}).status_code == 404
        assert client.get(url, {"region": "9" * 30}).status_code == 404
    for name in ("unit_account", "cadre_account"):
        client = login(getattr(world, name))
        for url in ("/reports/changes/", "/reports/removals/"):
            assert client.get(url).status_code == 403


def test_a_rolled_back_removal_is_no_removal(world, login, events):
    from assessment.services.exits import rollback_status

    client = login(world.township_office)
    _, rows = _rows(client, "/reports/removals/")
    assert [(r.head_name, r.kind, r.reason) for r in rows] == [
        ("李四", "清退", "识别不准，家庭收入超标")
    ]
    assert rows[0].head_id_masked.count("*") == 8 and rows[0].on == timezone.localdate()
    rollback_status(Actor(world.township_office), events["li"], "清退有误")
    _, rows = _rows(client, "/reports/removals/")
    assert rows == []
    _, changes = _rows(client, "/reports/changes/", kind="rollback")
    assert [(r.head_name, r.reason) for r in changes] == [("李四", "清退有误")]
    _, removed = _rows(client, "/reports/changes/", kind="removed")
    assert removed[0].reverted


def test_a_household_whose_members_all_left_is_listed_with_its_last_change(world, login, events):
    village = Actor(world.village_account, world.phone)
    wang = Household.objects.get(pk=events["wang"].pk)
    head = wang.members.get(active=True)
    services.remove_member(village, wang, head, change="death", month=_this_month())
    client = login(world.county_office)
    _, rows = _rows(client, "/reports/removals/", kind="emptied")
    assert [(r.head_name, r.kind) for r in rows] == [("王五", "全部成员自然减少")]
    assert "王五" in rows[0].reason and "死亡" in rows[0].reason
    _, rows = _rows(client, "/reports/removals/")
    assert {r.head_name for r in rows} == {"王五", "李四"}


def test_pages_run_a_constant_number_of_queries(world, login, events):
    client = login(world.county_office)
    client.get("/reports/changes/")  # warm the session and slice caches

    def count(url, **params):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        return len(ctx.captured_queries)

    few = count("/reports/changes/")
    few_removals = count("/reports/removals/")
    village = Actor(world.village_account, world.phone)
    for i in range(3):
        h = poor_household(world, f"新户{i}")
        services.add_member(
            village,
            h,
            member(f"新生{i}", "son", id_number=make_id(birth="20260102")),
            change="birth",
            month=_this_month(),
        )
        services.remove_household(village, Household.objects.get(pk=h.pk), "重复录入")
    assert count("/reports/changes/") == few
    assert count("/reports/removals/") == few_removals


def test_the_excel_file_has_the_filtered_rows_masked_and_is_audited(world, login, events):
    client = login(world.county_office)
    response = client.get("/reports/changes/", {"kind": "member_add", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "贫困户变更查询" and rows[1][1] == "变更类型"
    assert len(rows) == 3 and rows[2][1] == "人口自然增加" and "张小宝" in rows[2][5]
    baby = Member.objects.get(name="张小宝")
    text = repr(rows)
    assert baby.id_number not in text and baby.masked_id_number in text
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail["what"] == "贫困户变更查询" and entry.detail["rows"] == 1
    assert entry.detail["kind"] == "member_add" and entry.user == world.county_office

    response = client.get("/reports/removals/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[2][3] == "李四" and "*" in rows[2][4]
    assert AuditEntry.objects.filter(action="export").latest("pk").detail["rows"] == 1


def test_the_status_change_rows_name_who_and_when(world, login, events):
    client = login(world.township_office)
    _, rows = _rows(client, "/reports/changes/", kind="lifted")
    change = StatusChange.objects.get(household=events["wang"], to_status="lifted")
    assert rows[0].actor == (world.township_office.full_name or world.township_office.username)
    assert rows[0].at == change.at and rows[0].reason == "达到脱贫标准"
    assert rows[0].content == "贫困户 → 已脱贫"

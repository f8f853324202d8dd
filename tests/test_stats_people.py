"""统计 of the people (健康状况, 劳动技能, 在校生状况) and 控辍保学's school-age children out of
school: every number equals the member list it links to, for every region level, today and
a past year-end; the list stays in the slice and masks ID numbers; the cost is fixed."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from households import services
from households.models import Household, Member, StatusChange
from poverty_system.core.actor import Actor

from .assessment_data import poor_household
from .households_data import PARTS, make_id, member
from .identification_data import admit

LAST_YEAR = timezone.localdate().year - 1
PEOPLE_TABLES = ["health", "labour", "school"]


def _born(years: int) -> str:
    """A birth date `years` full years before today (and before last year-end alike)."""
    today = timezone.localdate()
    return f"{today.year - years - 1}0101"


def _date_history(year: int) -> None:
    at = datetime.datetime(year, 6, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    StatusChange.objects.update(at=at)
    Household.history.model.objects.update(history_date=at)
    Member.history.model.objects.update(history_date=at)


@pytest.fixture
def people(world):
    """Two households of last year in two townships, and one registered this year."""
    a = poor_household(
        world,
        "甲",
        members=[
            member("甲"),
            member("甲妻", "spouse", health="chronic", labour="skilled"),
            member("甲子", "son", id_number=make_id(birth=_born(10)), school_status="dropped_out"),
            member("甲女", "daughter", id_number=make_id(birth=_born(16)), labour="none"),
        ],
    )
    actor = Actor(world.other_village_account, world.other_phone)
    b = services.start_registration(
        actor,
        world.other_village,
        {"group": "一组", "attribute": "general"},
        [
            member("乙", health="disabled", labour="lost"),
            member("乙子", "son", id_number=make_id(birth=_born(8)), school_status="primary"),
            member("乙女", "daughter", id_number=make_id(birth=_born(12)), labour="none"),
        ],
    )
    for number in range(2, 8):
        b = services.save_part(actor, b, number, dict(PARTS[number]))
    admit(b, actor)
    _date_history(LAST_YEAR)
    c = poor_household(world, "丙", members=[member("丙", health="serious")])  # this year
    return {"a": a, "b": b, "c": c}


def _cells(response):
    return re.findall(r'<a href="([^"]+)" data-count="(\d+)"', response.content.decode())


@pytest.mark.parametrize("year", [None, LAST_YEAR])
def test_every_people_table_equals_its_list_at_every_region_level(world, login, people, year):
    wrong, seen = [], 0
    for account, regions in (
        (world.city_office, [None, world.county]),
        (world.county_office, [None, world.township, world.village]),
    ):
        client = login(account)
        for region in regions:
            for table in PEOPLE_TABLES:
                params = {"table": table}
                if region is not None:
                    params["region"] = region.pk
                if year is not None:
                    params["year"] = year
                response = client.get("/stats/", params)
                assert response.status_code == 200
                cells = _cells(response)
                assert cells, params
                for url, count in cells:
                    assert url.startswith("/stats/members/?"), url
                    listed = client.get(url.replace("&amp;", "&"))
                    if listed.context["total"] != int(count):
                        wrong.append(f"{params} {url}: {count} vs {listed.context['total']}")
                    seen += int(count)
    assert not wrong, "\n".join(wrong)
    assert seen > 0


def _total_row(client, params):
    page = client.get("/stats/", params).content.decode()
    row = page[page.index('data-region="total"') :]
    return [int(n) for n in re.findall(r'data-count="(\d+)"', row[: row.index("</tr>")])]


def test_the_tables_count_people_today_and_at_the_year_end(world, login, people):
    client = login(world.county_office)
    # 健康 长期慢性病 患有大病 残疾 合计: 丙 (大病) registered this year.
    assert _total_row(client, {"table": "health"}) == [5, 1, 1, 1, 8]
    assert _total_row(client, {"table": "health", "year": LAST_YEAR}) == [5, 1, 0, 1, 7]
    assert _total_row(client, {"table": "health", "year": LAST_YEAR - 1}) == [0, 0, 0, 0, 0]
    # 普通 技能 丧失 无劳动力 合计
    assert _total_row(client, {"table": "labour", "year": LAST_YEAR}) == [3, 1, 1, 2, 7]
    # 非在校生 学前 小学 初中 高中 中职 高职 失学辍学, 6–15 out of school (甲子 10, 乙女 12), 合计
    school = _total_row(client, {"table": "school"})
    assert school == [6, 0, 1, 0, 0, 0, 0, 1, 2, 8]


def test_kept_member_counts_follow_a_member_edit_at_once(world, login, people):
    """Today's people tables read the kept counts; an edit of a member through the actions
    (part 1) shows at once, and the year-end, read from the change log, does not move."""
    from .households_data import member_rows

    client = login(world.county_office)
    assert _total_row(client, {"table": "health"}) == [5, 1, 1, 1, 8]
    household = people["c"]
    rows, members = member_rows(household)
    rows[0]["health"] = "healthy"
    household.refresh_from_db()
    services.save_basic(
        Actor(world.village_account, world.phone),
        household,
        {},
        list(zip(members, rows, strict=True)),
        version=household.version,
    )
    assert Member.objects.get(pk=members[0].pk).health == "healthy"
    assert _total_row(client, {"table": "health"}) == [6, 1, 0, 1, 8]
    assert _total_row(client, {"table": "health", "year": LAST_YEAR}) == [5, 1, 0, 1, 7]
    # 6–15周岁未在校 is kept by birth date: 甲子 (10, 失学辍学) back at school leaves 乙女.
    assert _total_row(client, {"table": "school"})[-2:] == [2, 8]
    household = people["a"]
    rows, members = member_rows(household)
    son = next(i for i, row in enumerate(rows) if row["name"] == "甲子")
    rows[son]["school_status"] = "primary"
    household.refresh_from_db()
    services.save_basic(
        Actor(world.village_account, world.phone),
        household,
        {},
        list(zip(members, rows, strict=True)),
        version=household.version,
    )
    assert _total_row(client, {"table": "school"})[-2:] == [1, 8]
    assert _total_row(client, {"table": "school", "year": LAST_YEAR})[-2:] == [2, 7]


def test_school_age_children_out_of_school_are_listed_masked(world, login, people):
    client = login(world.county_office)
    response = client.get("/stats/members/", {"out": "1"})
    page = response.content.decode()
    assert response.context["total"] == 2
    assert "甲子" in page and "乙女" in page and "甲女" not in page and "乙子" not in page
    child = Member.objects.get(name="甲子")
    assert child.id_number not in page and child.masked_id_number in page
    assert "6–15周岁未在校" in page
    # Within the slice: the other county sees none of them.
    other = login(world.other_county_office)
    assert other.get("/stats/members/", {"out": "1"}).context["total"] == 0


def test_the_member_list_stays_in_the_slice(world, login, people):
    client = login(world.other_county_office)
    assert client.get("/stats/members/", {"region": world.county.pk}).status_code == 404
    assert client.get("/stats/members/", {"region": world.village.pk}).status_code == 404
    assert client.get("/stats/", {"table": "health", "region": world.township.pk}).status_code == (
        404
    )
    client = login(world.county_office)
    assert client.get("/stats/members/", {"region": world.other_county.pk}).status_code == 404
    assert client.get("/stats/members/", {"region": world.city.pk}).status_code == 404
    assert client.get("/stats/members/", {"region": world.village.pk}).status_code == 200
    client = login(world.city_office)
    assert client.get("/stats/members/", {"region": world.village.pk}).status_code == 200


@pytest.mark.parametrize(
    "name", ["township_office", "village_account", "unit_account", "cadre_account", "admin"]
)
def test_other_roles_are_refused_the_member_list(world, login, name):
    assert login(getattr(world, name)).get("/stats/members/").status_code == 403


# The queries of each page, whatever the number of households and members.
QUERIES = {"health": 10, "labour": 10, "school": 11, "members": 9, "members-year": 9}


@pytest.mark.parametrize("page", QUERIES)
def test_queries_do_not_grow_with_the_data(world, login, page):
    client = login(world.county_office)
    url, params = ("/stats/members/", {}) if page.startswith("members") else ("/stats/", {})
    if page == "members-year":
        params["year"] = LAST_YEAR
    elif not page.startswith("members"):
        params["table"] = page

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        return len(queries)

    poor_household(world, "户0")
    _date_history(LAST_YEAR)  # counted at last year-end too
    client.get(url, params)
    assert count() == QUERIES[page]
    for i in range(1, 4):
        poor_household(world, f"户{i}", members=[member(f"户{i}"), member(f"户{i}妻", "spouse")])
    _date_history(LAST_YEAR)
    client.get(url, params)  # the first read after a change recounts the changed villages
    assert count() == QUERIES[page]
    assert client.get(url, params).context.get("total", 1) > 0


def test_people_tables_export_to_excel(world, login, people, tmp_path):
    client = login(world.county_office)
    for table in PEOPLE_TABLES:
        response = client.get("/stats/", {"table": table, "format": "xlsx"})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        path = tmp_path / f"{table}.xlsx"
        path.write_bytes(response.content)
        rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
        assert "于都县" in rows[0][0] and rows[1][1].endswith("人数")
        assert "贡江镇" in [r[0] for r in rows[2:]]
        assert rows[-1][0] == "合计" and rows[-1][-1] == 8

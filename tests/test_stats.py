"""统计: every number equals the household list it links to, for every region level, today
and a past year-end; drill-down stays in the slice; the cost does not grow with the data."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from households import lifecycle
from households.models import Household, StatusChange
from poverty_system.core.actor import Actor

from .assessment_data import poor_household
from .households_data import member

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1
TABLES = ["status", "attribute", "cause", "standard", "events", "pairing", "plan"]


def _date_history(year: int) -> None:
    """Move the registrations so far (status events and change log) into `year`."""
    at = datetime.datetime(year, 6, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    StatusChange.objects.update(at=at)
    Household.history.model.objects.update(history_date=at)


@pytest.fixture
def data(world):
    """Four households in two townships: one poor, one dibao (因残), one lifted this year
    (poor at last year-end), one in the other township; all registered last year."""
    a = poor_household(world, "甲")
    b = poor_household(world, "乙", attribute="dibao", parts={4: {"main_cause": "disability"}})
    c = poor_household(world, "丙", members=[member("丙"), member("丙妻", "spouse")])
    from tests.units_data import village_actor  # noqa: F401 - the phone actor of the village

    actor = Actor(world.other_village_account, world.other_phone)
    from households import services

    d = services.start_registration(
        actor, world.other_village, {"group": "一组", "attribute": "general"}, [member("丁")]
    )
    from tests.households_data import PARTS

    for number in range(2, 8):
        d = services.save_part(actor, d, number, dict(PARTS[number]))
    from tests.identification_data import admit

    admit(d, actor)  # 两公示一比对一公告: 贫困户 at the county's 公告
    _date_history(LAST_YEAR)
    lifecycle.set_status(Actor.system(world.township_office), c, "lifted", "达到脱贫标准")
    return {"a": a, "b": b, "c": c, "d": d}


def _cells(response):
    """(url, count) of every linked number on the statistics page."""
    import re

    return re.findall(r'<a href="([^"]+)" data-count="(\d+)"', response.content.decode())


def _check_every_cell(client, params):
    response = client.get("/stats/", params)
    assert response.status_code == 200, response.content.decode()[:500]
    cells = _cells(response)
    assert cells, params
    wrong = []
    for url, count in cells:
        listed = client.get(url.replace("&amp;", "&"))
        if listed.context["page"].count != int(count):
            wrong.append(f"{params} {url}: table {count}, list {listed.context['page'].count}")
    return wrong, cells


@pytest.mark.parametrize("year", [None, LAST_YEAR])
def test_every_table_equals_its_list_at_every_region_level(world, login, data, year):
    wrong = []
    seen = 0
    for account, regions in (
        (world.city_office, [None, world.county]),
        (world.county_office, [None, world.township, world.village]),
    ):
        client = login(account)
        for region in regions:
            for table in TABLES:
                params = {"table": table}
                if region is not None:
                    params["region"] = region.pk
                if year is not None:
                    params["year"] = year
                problems, cells = _check_every_cell(client, params)
                wrong += problems
                seen += sum(int(n) for _, n in cells)
    assert not wrong, "\n".join(wrong)
    assert seen > 0


def _total(client, params, status=None):
    import re

    page = client.get("/stats/", params).content.decode()
    row = page[page.index('data-region="total"') :]
    counts = re.findall(r'data-count="(\d+)"', row[: row.index("</tr>")])
    return [int(n) for n in counts]


def test_a_past_year_end_comes_from_the_history(world, login, data):
    client = login(world.county_office)
    # Columns: 贫困户 已脱贫 稳定脱贫 返贫 已清退 合计.
    today = _total(client, {"table": "status"})
    then = _total(client, {"table": "status", "year": LAST_YEAR})
    assert today == [3, 1, 0, 0, 0, 4] and then == [4, 0, 0, 0, 0, 4]  # 丙 lifted this year
    assert _total(client, {"table": "status", "year": LAST_YEAR - 1}) == [0, 0, 0, 0, 0, 0]
    events = _total(client, {"table": "events"})
    assert events == [0, 1, 0, 0]  # 新识别 脱贫 返贫 清退 this year
    assert _total(client, {"table": "events", "year": LAST_YEAR}) == [4, 0, 0, 0]


def test_drill_down_stays_in_the_slice(world, login, data):
    client = login(world.other_county_office)
    assert client.get("/stats/", {"region": world.county.pk}).status_code == 404
    assert client.get("/stats/", {"region": world.village.pk}).status_code == 404
    client = login(world.county_office)
    assert client.get("/stats/", {"region": world.other_county.pk}).status_code == 404
    assert client.get("/stats/", {"region": world.city.pk}).status_code == 404
    assert client.get("/stats/", {"region": world.village.pk}).status_code == 200


@pytest.mark.parametrize(
    "name", ["township_office", "village_account", "unit_account", "cadre_account", "admin"]
)
def test_other_roles_are_refused(world, login, name):
    assert login(getattr(world, name)).get("/stats/").status_code == 403


# The queries of each table's page, whatever the number of households.
TABLE_QUERIES = {
    "status": 10,
    "cause": 10,
    "attribute": 10,
    "standard": 10,
    "events": 24,
    "pairing": 10,
    "plan": 9,
}


@pytest.mark.parametrize("table", TABLES)
def test_queries_do_not_grow_with_the_data(world, login, table):
    client = login(world.county_office)
    client.get("/stats/", {"table": table})

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/stats/", {"table": table}).status_code == 200
        return len(queries)

    assert count() == TABLE_QUERIES[table]
    for i in range(3):
        poor_household(world, f"户{i}")
    client.get("/stats/", {"table": table})  # the kept counts catch up with the new households
    assert count() == TABLE_QUERIES[table]


def test_every_table_exports_to_excel(world, login, data, tmp_path):
    client = login(world.county_office)
    for table in TABLES:
        response = client.get("/stats/", {"table": table, "format": "xlsx"})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        path = tmp_path / f"{table}.xlsx"
        path.write_bytes(response.content)
        rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
        assert "于都县" in rows[0][0]
        names = [r[0] for r in rows[2:]]
        assert "贡江镇" in names
    response = client.get("/stats/", {"table": "status", "format": "xlsx"})
    path = tmp_path / "s.xlsx"
    path.write_bytes(response.content)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    total = rows[-1]
    assert total[0] == "合计" and total[1] == 3 and total[3] == 1  # 贫困户 3, 已脱贫 1


def test_kept_counts_follow_every_change(world, login, data):
    """Today's tables read the kept counts: a change through the actions shows at once."""
    client = login(world.county_office)
    assert _total(client, {"table": "status"})[:2] == [3, 1]
    lifecycle.set_status(Actor.system(world.township_office), data["a"], "lifted", "达标")
    assert _total(client, {"table": "status"})[:2] == [2, 2]
    poor_household(world, "戊")
    assert _total(client, {"table": "status"})[:2] == [3, 2]


def test_charts_are_svg_without_script(world, login, data):
    client = login(world.city_office)
    for table in ("status", "cause", "events", "pairing"):
        page = client.get("/stats/", {"table": table}).content.decode()
        assert '<svg viewBox="0 0 640' in page and "<script" not in page.split("<main")[-1]


@pytest.fixture
def pairings(world, data):
    """Beside `data` (registered, claimed, never linked): in the world's village, 戊 linked,
    assigned, surveyed and visited this year; 己 linked and assigned, visited only last year;
    庚 linked, its cadre removed; 辛 linked then the link cancelled, its claim cancelled."""
    import datetime

    from households import services as household_services
    from tests.units_data import assigned_household, link_world_village, linked_household
    from units import services as units_services
    from units.models import Cadre, HouseholdLink

    link_world_village(world)
    cadre = Cadre.objects.get(user=world.cadre_account)
    cadre_actor = Actor(world.cadre_account)
    done = assigned_household(world, members=[member("戊")])
    units_services.save_survey(
        cadre_actor, done, wishes="养殖", exit_year=THIS_YEAR + 1, measures=[]
    )
    units_services.add_visit(
        cadre_actor, done, date=datetime.date(THIS_YEAR, 1, 2), content="入户走访"
    )
    old_visit = assigned_household(world, members=[member("己")])
    units_services.add_visit(
        cadre_actor, old_visit, date=datetime.date(LAST_YEAR, 12, 30), content="入户走访"
    )
    unassigned = assigned_household(world, members=[member("庚")])
    units_services.unassign(Actor.system(world.unit_account), cadre, [unassigned.pk])
    unlinked = linked_household(world, members=[member("辛")])
    link = HouseholdLink.objects.active().get(household=unlinked)
    units_services.cancel_household_link(Actor(world.township_office), link, "关联有误")
    household_services.cancel_claim(Actor(world.township_office), unlinked, "认领有误")
    return {"done": done, "old_visit": old_visit, "unassigned": unassigned, "unlinked": unlinked}


def test_pairing_columns_equal_their_lists_with_links_and_visits(world, login, pairings):
    """结对帮扶 counts with joins and a complement, the list with NOT EXISTS: the same numbers
    for claims, links and assignments that ended, this year's survey, last year's visit."""
    wrong = []
    for account, regions in (
        (world.city_office, [None, world.county]),
        (world.county_office, [None, world.township, world.village]),
    ):
        client = login(account)
        for region in regions:
            params = {"table": "pairing", **({"region": region.pk} if region else {})}
            wrong += _check_every_cell(client, params)[0]
    assert not wrong, "\n".join(wrong)
    client = login(world.county_office)
    # 未认领 未关联帮扶单位 未分配帮扶干部 本年度未填调查情况表 本年度无帮扶日志 (households):
    # 辛 unclaimed; 甲乙丙丁辛 unlinked; those and 庚 without a cadre; of 戊己 assigned, 己 has no
    # survey and no visit this year.
    assert _total(client, {"table": "pairing"}) == [1, 5, 6, 1, 1]

"""统计 › 贫困村: the year's 贫困村信息 by state (出列 = 已出列) per child region; every number
equals 管理贫困村信息 filtered as its link says, for every region level and both offices (the
city reads approved records only); the list's region stays in the slice; fixed queries."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.services import poor_villages as actions
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year

THIS_YEAR = current_year()
DATA = {
    "households": 300,
    "population": 1000,
    "collective_income": Decimal("50000"),
    "has_hardened_road": True,
    "has_safe_water": True,
    "has_power": True,
    "has_broadband": False,
    "has_clinic": True,
    "has_school": False,
    "note": "",
}


def _record(world, village, township, year=THIS_YEAR, to=()):
    record = actions.add_poor_village(Actor(township), village, year, dict(DATA))
    for state in to:
        by = township if state == "submitted" else world.county_office
        record = actions.change_state(Actor(by), record.pk, state)
    return record


@pytest.fixture
def records(world):
    """This year: a draft, an approved and an exited village in two townships; last year an
    approved one."""
    return [
        _record(world, world.village, world.township_office),
        _record(world, world.village2, world.township_office, to=("submitted", "approved")),
        _record(
            world,
            world.other_village,
            world.other_township_office,
            to=("submitted", "approved", "exited"),
        ),
        _record(
            world,
            world.village,
            world.township_office,
            THIS_YEAR - 1,
            to=("submitted", "approved"),
        ),
    ]


def _cells(response):
    return re.findall(r'<a href="([^"]+)" data-count="(\d+)"', response.content.decode())


def test_every_number_equals_its_list_at_every_region_level(world, login, records):
    wrong, seen = [], 0
    for account, regions in (
        (world.city_office, [None, world.county, world.township]),
        (world.county_office, [None, world.township, world.village]),
    ):
        client = login(account)
        for region in regions:
            for year in (None, THIS_YEAR - 1):
                params = {"table": "villages", **({"region": region.pk} if region else {})}
                if year:
                    params["year"] = year
                response = client.get("/stats/", params)
                assert response.status_code == 200
                for url, count in _cells(response):
                    assert url.startswith("/assessment/poor-villages/?"), url
                    listed = client.get(url.replace("&amp;", "&"))
                    if listed.context["page"].paginator.count != int(count):
                        wrong.append(f"{account} {params} {url}: {count}")
                    seen += int(count)
    assert not wrong, "\n".join(wrong)
    assert seen > 0


def _total(client, params):
    page = client.get("/stats/", params).content.decode()
    row = page[page.index('data-region="total"') :]
    return [int(n) for n in re.findall(r'data-count="(\d+)"', row[: row.index("</tr>")])]


def test_the_table_counts_by_state_and_exit(world, login, records):
    # 草稿 已上报 已退回 审核通过 已出列 合计
    county = login(world.county_office)
    assert _total(county, {"table": "villages"}) == [1, 0, 0, 1, 1, 3]
    assert _total(county, {"table": "villages", "year": THIS_YEAR - 1}) == [0, 0, 0, 1, 0, 1]
    city = login(world.city_office)  # approved and exited records only
    assert _total(city, {"table": "villages"}) == [0, 0, 0, 1, 1, 2]
    page = county.get("/stats/", {"table": "villages"}).content.decode()
    assert "贫困村·按状态" in page and "已出列" in page


def test_the_lists_region_stays_in_the_slice(world, login, records):
    other = login(world.other_county_office)
    assert other.get("/assessment/poor-villages/", {"region": world.county.pk}).status_code == 404
    assert other.get("/stats/", {"table": "villages", "region": world.county.pk}).status_code == (
        404
    )
    township = login(world.township_office)
    url = "/assessment/poor-villages/"
    assert township.get(url, {"region": world.other_township.pk}).status_code == 404
    listed = township.get(url, {"region": world.village.pk, "year": THIS_YEAR})
    assert listed.status_code == 200 and listed.context["page"].paginator.count == 1
    assert township.get(url, {"region": "x"}).status_code == 404
    assert township.get(url, {"year": "abc", "state": "nope"}).status_code == 200


def test_the_table_and_the_list_run_fixed_queries(world, login):
    client = login(world.county_office)

    def count(url, params):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        return len(queries)

    _record(world, world.village, world.township_office)
    table = {"table": "villages"}
    listed = {"region": world.township.pk, "year": THIS_YEAR}
    before = (count("/stats/", table), count("/assessment/poor-villages/", listed))
    assert before == (8, 9)
    _record(world, world.village2, world.township_office, to=("submitted",))
    _record(world, world.village, world.township_office, THIS_YEAR - 1)
    assert (count("/stats/", table), count("/assessment/poor-villages/", listed)) == before


def test_the_table_exports_to_excel(world, login, records, tmp_path):
    from openpyxl import load_workbook

    response = login(world.county_office).get("/stats/", {"table": "villages", "format": "xlsx"})
    path = tmp_path / "v.xlsx"
    path.write_bytes(response.content)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[1][-1] == "合计个数" and rows[-1][0] == "合计" and rows[-1][-1] == 3

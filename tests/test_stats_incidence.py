"""贫困发生率: poor people over the 农村人口 of a region's villages, shown only where every village
has it filled in ("未填写" otherwise); 农村人口 is set by the township or county office through
a versioned form, each save logged; the numbers link to the household list they count."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from households import lifecycle
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from villages import population
from villages.models import Level, Region, VillagePopulation

from .assessment_data import poor_household
from .households_data import member


def _villages(region):
    lo, hi = region.code_range
    return Region.objects.filter(level=Level.VILLAGE, code__gte=lo, code__lt=hi)


def _fill(world, region, people=100):
    for village in _villages(region):
        population.set_rural_population(Actor(world.county_office), village.pk, people, 0)


@pytest.fixture
def data(world):
    """Two poor households (3 people) and one lifted in 贡江镇's first village."""
    poor_household(world, "甲", members=[member("甲"), member("甲妻", "spouse")])
    poor_household(world, "乙")
    lifted = poor_household(world, "丙")
    lifecycle.set_status(Actor.system(world.township_office), lifted, "lifted", "达标")


def _rows(client, params):
    page = client.get("/stats/", {"table": "incidence", **params}).content.decode()
    found = {}
    for code, body in re.findall(r'<tr data-region="([^"]+)"[^>]*>(.*?)</tr>', page, re.S):
        found[code] = re.search(r'data-testid="incidence">([^<]+)<', body).group(1)
    return found


def test_incidence_only_where_every_village_is_filled(world, login, data):
    client = login(world.county_office)
    assert set(_rows(client, {}).values()) == {"未填写"}
    _fill(world, world.township)
    rows = _rows(client, {})
    villages = _villages(world.township).count()
    assert rows[world.township.code] == f"{round(300 / (100 * villages), 2)}%"
    assert rows[world.other_township.code] == "未填写" and rows["total"] == "未填写"
    _fill(world, world.other_township)
    total = _villages(world.county).count() * 100
    assert _rows(client, {})["total"] == f"{round(300 / total, 2)}%"
    drilled = _rows(client, {"region": world.township.pk})
    assert drilled[world.village.code] == "3.0%"


def test_every_number_equals_its_list(world, login, data):
    _fill(world, world.township)
    for account, regions in (
        (world.city_office, [None, world.county]),
        (world.county_office, [None, world.township, world.village]),
    ):
        client = login(account)
        for region in regions:
            params = {"table": "incidence", **({"region": region.pk} if region else {})}
            page = client.get("/stats/", params).content.decode()
            cells = re.findall(r'<a href="([^"]+)" data-count="(\d+)"', page)
            assert cells
            for url, count in cells:
                listed = client.get(url.replace("&amp;", "&"))
                assert listed.context["page"].count == int(count), (params, url)


def test_the_office_fills_in_the_population_through_a_versioned_form(world, login):
    township = login(world.township_office)
    url = f"/regions/{world.village.pk}/population/"
    assert "未填写" in township.get(f"/regions/{world.village.pk}/").content.decode()
    response = township.post(url, {"rural_population": "1200", "version": "0"})
    assert response.status_code == 302
    record = VillagePopulation.objects.get(village=world.village)
    assert record.rural_population == 1200 and record.version == 1
    page = township.get(f"/regions/{world.village.pk}/").content.decode()
    assert "1200 人" in page and "修改" in page
    stale = township.post(url, {"rural_population": "1300", "version": "0"})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    assert township.post(url, {"rural_population": "1300", "version": "1"}).status_code == 302
    history = record.history.order_by("history_id")
    assert [h.rural_population for h in history] == [1200, 1300]
    assert history.last().history_change_reason == "修改农村人口（1200 → 1300）"
    assert history.last().history_user == world.township_office
    refused = township.post(url, {"rural_population": "0", "version": "2"})
    assert refused.status_code == 200 and "农村人口" in refused.content.decode()


def test_who_may_fill_in_the_population(world, login):
    url = f"/regions/{world.village.pk}/population/"
    assert login(world.county_office).get(url).status_code == 200
    assert login(world.other_township_office).get(url).status_code == 404
    assert login(world.other_county_office).get(url).status_code == 404
    for name in ("city_office", "village_account", "admin", "unit_account"):
        assert login(getattr(world, name)).get(url).status_code == 403, name
    assert (
        login(world.county_office).get(f"/regions/{world.township.pk}/population/").status_code
        == 404
    )
    with pytest.raises(ActionError):
        population.set_rural_population(Actor(world.county_office), world.village.pk, -5, 0)
    assert not VillagePopulation.objects.exists()


def test_queries_do_not_grow_with_the_data(world, login):
    client = login(world.county_office)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/stats/", {"table": "incidence"}).status_code == 200
        return len(queries)

    poor_household(world, "甲")
    first = count()
    assert first == 10
    _fill(world, world.township)
    for i in range(3):
        poor_household(world, f"户{i}")
    assert count() == first


def test_the_table_exports_to_excel(world, login, data, tmp_path):
    _fill(world, world.township)
    response = login(world.county_office).get("/stats/", {"table": "incidence", "format": "xlsx"})
    path = tmp_path / "i.xlsx"
    path.write_bytes(response.content)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[1][-1] == "贫困发生率（%）"
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name["贡江镇"][5] == 3 and by_name["合计"][-1] == "未填写"

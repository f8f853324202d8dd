"""扶贫项目与资金统计 (issue 12): every number of every table links to a list (扶贫资金台账,
项目库, 受益户名单) whose own count or sum is that number; the lists' queries are counted; the
share of steps done on time."""

from decimal import Decimal

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from poverty_system.core.actor import Actor
from projects.services import beneficiaries, library

from .households_data import make_id, member, register
from .projects_data import PROJECT, actor_for, make_project, step_data, walk
from .test_projects_ledger import move

pytestmark = pytest.mark.django_db


def other_project(world, **changes):
    """A project of 铁山垅镇's 丰田居委会, taken to 批复 by its own village and township."""
    village = Actor(world.other_village_account, world.other_phone)
    project = library.create_project(village, world.other_village, {**PROJECT, **changes})
    steps = [("propose", village), ("review", Actor(world.other_township_office))]
    steps += [(code, actor_for(world, "county")) for code in ("store", "approve")]
    for code, actor in steps:
        project = library.take_step(actor, project.pk, code, step_data(code))
    return project


@pytest.fixture
def data(world):
    a = walk(world, make_project(world), "announce")
    b = other_project(world, name="丰田村道路", category="infrastructure")
    make_project(world, name="草稿项目")
    move(world, "received", "500000")
    move(world, "received", "100000", source="county")
    move(world, "arranged", "300000", a)
    move(world, "arranged", "100000", b, source="county")
    move(world, "disbursed", "200000", a)
    move(world, "disbursed", "50000", b, source="county")
    move(world, "spent", "150000", a)
    homes = [
        register(
            world.village_account, world.phone, [member(f"户主{i}", id_number=make_id(300 + i))]
        )
        for i in range(3)
    ]
    beneficiaries.add(Actor(world.county_office), a.pk, [h.pk for h in homes], "job")
    return a, b


def cells(page, testid, attr):
    return page.xpath(f'//table[@data-testid="{testid}"]//a[@{attr}]')


def test_every_money_figure_is_the_sum_of_its_ledger_list(world, login, data):
    client = login(world.county_office)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/projects/statistics/")
    assert response.status_code == 200
    assert len(queries) == 14
    page = lxml.html.fromstring(response.content.decode())
    checked = 0
    for testid in ("by-source", "by-category", "by-county", "by-township"):
        for link in cells(page, testid, "data-amount"):
            listed = lxml.html.fromstring(client.get(link.get("href")).content.decode())
            shown = listed.xpath('//span[@data-testid="ledger-amount"]')[0].get("data-amount")
            assert Decimal(shown) == Decimal(link.get("data-amount")), (testid, link.get("href"))
            checked += 1
    assert checked == (2 + 1) * 4 + (2 + 1) * 4 + (1 + 1) * 4 + (2 + 1) * 4
    by_source = page.xpath('//table[@data-testid="by-source"]//tr[th="中央衔接资金"]/td')
    assert [td.text_content() for td in by_source][-1] == "30.0%"  # 150,000 ÷ 500,000
    townships = [
        th.text_content()
        for th in page.xpath('//table[@data-testid="by-township"]//th[@scope="row"]')
    ]
    assert townships == [world.township.name, world.other_township.name, "合计"]


def test_every_project_and_beneficiary_figure_is_the_count_of_its_list(world, login, data):
    client = login(world.county_office)
    page = lxml.html.fromstring(client.get("/projects/statistics/?year=2026").content.decode())
    states = cells(page, "by-state", "data-count")
    assert [(a.getparent().getparent()[0].text_content(), a.get("data-count")) for a in states] == [
        ("村级录入", "1"),
        ("已批复", "1"),
        ("已公告", "1"),
        ("合计", "3"),
    ]
    for link in states:
        listed = lxml.html.fromstring(client.get(link.get("href")).content.decode())
        rows = listed.xpath('//table[@data-testid="projects"]/tbody/tr[not(td[@class="empty"])]')
        assert len(rows) == int(link.get("data-count"))
    homes = cells(page, "beneficiaries", "data-households")
    villages = cells(page, "beneficiaries", "data-villages")
    assert [a.get("data-households") for a in homes] == ["3", "3"]
    assert [a.get("data-villages") for a in villages] == ["1", "1"]
    for h, v in zip(homes, villages, strict=True):
        with CaptureQueriesContext(connection) as queries:
            listed = lxml.html.fromstring(client.get(h.get("href")).content.decode())
        assert listed.xpath('//span[@data-testid="households"]')[0].text == h.get("data-households")
        assert listed.xpath('//span[@data-testid="villages"]')[0].text == v.get("data-villages")
        assert len(listed.xpath('//table[@data-testid="beneficiary-list"]/tbody/tr')) == 3
        assert len(queries) == 9


def test_the_ledger_list_counts_its_queries_and_keeps_the_slice(world, login, data):
    client = login(world.county_office)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/projects/funds/ledger/?kind=arranged")
    page = lxml.html.fromstring(response.content.decode())
    assert page.xpath('//span[@data-testid="ledger-count"]')[0].text == "2"
    assert len(queries) == 9
    township = login(world.township_office).get("/projects/funds/ledger/?kind=arranged")
    page = lxml.html.fromstring(township.content.decode())
    amount = page.xpath('//span[@data-testid="ledger-amount"]')[0].get("data-amount")
    assert Decimal(amount) == Decimal("300000")
    # another township's code narrows nothing into view
    outside = login(world.township_office).get(
        f"/projects/funds/ledger/?region={world.other_township.code}"
    )
    assert (
        lxml.html.fromstring(outside.content.decode())
        .xpath('//span[@data-testid="ledger-count"]')[0]
        .text
        == "0"
    )


def test_the_share_of_steps_done_on_time(world, login, data):
    page = lxml.html.fromstring(
        login(world.county_office).get("/projects/statistics/").content.decode()
    )
    rows = page.xpath('//table[@data-testid="on-time"]/tbody/tr')
    table = [[c.text_content().strip() for c in row] for row in rows]
    assert table[0][:4] == ["村级公示不少于 10 天", "2", "2", "0"]
    assert table[1][:4] == ["批复后 7 天内发布批复公告", "1", "1", "0"]
    assert table[2][:4] == ["批复后 15 个工作日内录入", "2", "2", "0"]
    assert table[3][:4] == ["资金 15 个工作日内录入", "7", "7", "0"]
    assert table[3][4].endswith("100.0%")


@pytest.mark.parametrize("name", ["village_account", "unit_account", "cadre_account"])
def test_the_statistics_are_for_the_offices(world, login, name):
    client = login(getattr(world, name), world.phone if name == "village_account" else None)
    assert client.get("/projects/statistics/").status_code == 403
    assert client.get("/projects/statistics/beneficiaries/").status_code == 403


def test_the_statistics_menu_has_the_page(world, login):
    page = login(world.city_office).get("/projects/statistics/").content.decode()
    assert "扶贫项目与资金" in page

"""统计 › 防止返贫监测 (issue 13, item 8): leads by channel, state, age and overdue, decided in
time; monitored households by category, state and risk; per child region with drill-down;
every number equal to its list's rows under the same parameters at every region level, and
the page's queries fixed whatever the data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring import listfilters as lf
from monitoring.choices import Channel, EventKind, LeadState, RiskKind
from monitoring.leads import Report, receive
from monitoring.models import Lead, Monitored, MonitoringEvent, Risk
from poverty_system.core.actor import Actor
from stats import monitoring as sm
from villages.models import Region

from .households_data import member, register

pytestmark = pytest.mark.django_db

NOW = timezone.now


def _lead(world, household, channel=Channel.CADRE, days_ago=0, **state):
    with transaction.atomic():
        lead, _ = receive(
            Actor.system(world.county_office),
            Report(household.village, channel, "户主住院", household=household),
        )
    received = NOW() - datetime.timedelta(days=days_ago)
    Lead.objects.filter(pk=lead.pk).update(received_at=received, **state)
    return lead


def _monitored(household, state="monitored", category="marginal", risks=(RiskKind.ILLNESS,)):
    eliminated = timezone.localdate() if state == "eliminated" else None
    row = Monitored.objects.create(
        eliminated_on=eliminated,
        household=household,
        village_code=household.village_code,
        category=category,
        state=state,
        year=2026,
        line=Decimal("7500"),
        identified_on=timezone.localdate(),
    )
    for kind in risks:
        Risk.objects.create(monitored=row, kind=kind)
    return row


@pytest.fixture
def data(world, sms_outbox):
    """Leads and monitored households in two villages of two townships."""
    here = [register(world.village_account, world.phone, [member(f"甲{i}")]) for i in range(4)]
    there = [
        register(world.other_village_account, world.other_phone, [member(f"乙{i}")])
        for i in range(3)
    ]
    today = timezone.localdate()
    _lead(world, here[0], Channel.SELF_REPORT)
    merged = _lead(world, here[0], Channel.DEPARTMENT)  # joins the first: two channels
    _lead(world, here[1], Channel.CADRE, days_ago=10, visit_due=today - datetime.timedelta(days=5))
    _lead(
        world,
        here[2],
        Channel.DEPARTMENT,
        days_ago=20,
        state=LeadState.ADMITTED,
        decided_at=NOW() - datetime.timedelta(days=8),
        decide_due=today - datetime.timedelta(days=5),
    )
    _lead(
        world,
        there[0],
        Channel.CADRE,
        days_ago=40,
        state=LeadState.REJECTED,
        decided_at=NOW() - datetime.timedelta(days=1),
        decide_due=today - datetime.timedelta(days=25),
    )
    _lead(
        world,
        there[1],
        Channel.SELF_REPORT,
        days_ago=30,
        visit_due=today - datetime.timedelta(days=25),
        decide_due=today - datetime.timedelta(days=15),
    )  # overdue on both clocks
    _monitored(here[0], risks=(RiskKind.ILLNESS, RiskKind.SCHOOLING))
    _monitored(here[1], category="unstable", state="identifying", risks=(RiskKind.DISASTER,))
    gone = _monitored(there[0], state="eliminated", category="sudden")
    MonitoringEvent.objects.create(
        monitored=gone, kind=EventKind.ROLLED_BACK, reason="收入不稳", actor=world.county_office
    )
    _monitored(there[1], category="marginal", risks=(RiskKind.NO_LABOUR,))
    return merged


def _page_grids(client, region=None):
    query = {"table": "monitoring", **({"region": region.pk} if region else {})}
    response = client.get("/stats/", query)
    assert response.status_code == 200
    return response.context["grids"]


def _count(client, user, cell):
    """The rows of the list the number links to (the inbox, 监测对象), read from the page."""
    params = cell.params
    region = Region.objects.get(pk=params["region"]) if "region" in params else None
    if "decided" in params:  # 按期办结 is a share of the decided, not a list
        assert cell.url == ""
        found = lf.with_decided_on(sm.leads_of(user, region))
        in_time = {"in_time": True, "all": None}[params["decided"]]
        return found.filter(lf.decided_q(in_time)).count()
    if "rolled_back" in params:  # no list filters on it: counted from the history
        assert cell.url == ""
        return sm.monitored_of(user, region).filter(lf.rolled_back_q()).count()
    response = client.get(cell.url)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_every_number_equals_its_list_at_every_level(world, login, data):
    accounts = [
        (world.city_office, [None, world.county, world.township]),
        (world.county_office, [None, world.township, world.other_township]),
    ]
    for account, regions in accounts:
        client = login(account)
        for region in regions:
            grids = _page_grids(client, region)
            assert len(grids) == 7
            for grid in grids:
                for row in [*grid.rows, grid.total]:
                    for cell in [*row.cells, row.total]:
                        expected = _count(client, account, cell)
                        assert cell.households == expected, (account, region, grid.title, cell)
                    assert sum(c.households for c in row.cells) >= 0
                # The total row is the sum of the child rows.
                for i, cell in enumerate(grid.total.cells):
                    assert cell.households == sum(r.cells[i].households for r in grid.rows)


def test_the_county_figures(world, login, data):
    grids = _page_grids(login(world.county_office))
    channel, state, age, decided, category, monitor_state, risk = (g.total for g in grids)
    # 6 leads reported, one merged: 5 leads; the merged one counts under both its channels.
    assert channel.total.households == 5
    assert [c.households for c in channel.cells] == [2, 2, 2]
    assert [c.households for c in state.cells] == [3, 0, 1, 1]
    assert [c.households for c in age.cells] == [1, 0, 1, 1, 2] and age.total.households == 3
    assert [c.households for c in decided.cells] == [1, 1, 1] and decided.total.households == 2
    assert decided.share == 50.0
    assert [c.households for c in category.cells] == [0, 2, 0]
    assert [c.households for c in monitor_state.cells] == [1, 2, 1, 0, 1, 1]
    assert monitor_state.total.households == 4
    kinds = dict(zip([k for k, _ in grids[6].columns], risk.cells, strict=True))
    assert kinds[RiskKind.ILLNESS].households == 1 and kinds[RiskKind.NO_LABOUR].households == 1
    # The rows are the townships; the drill-down opens a township's villages.
    assert [r.region for r in grids[0].rows] == [world.township, world.other_township]
    village_grids = _page_grids(login(world.county_office), world.township)
    assert world.village in [r.region for r in village_grids[0].rows]


def test_another_county_sees_none_of_it(world, login, data):
    grids = _page_grids(login(world.other_county_office))
    assert all(g.total.total.households == 0 for g in grids)
    response = login(world.other_county_office).get(
        "/stats/", {"table": "monitoring", "region": world.township.pk}
    )
    assert response.status_code == 404
    assert login(world.township_office).get("/stats/", {"table": "monitoring"}).status_code == 403


def test_the_tab_reads_in_fixed_queries(world, login, data, sms_outbox):
    client = login(world.county_office)
    with CaptureQueriesContext(connection) as first:
        _page_grids(client)
    more = [register(world.village_account, world.phone, [member(f"丙{i}")]) for i in range(3)]
    for household in more:
        _lead(world, household, Channel.CADRE, days_ago=2)
        _monitored(household, risks=(RiskKind.HOUSING,))
    client = login(world.county_office)
    with CaptureQueriesContext(connection) as second:
        _page_grids(client)
    assert len(first) == len(second) == TAB_QUERIES


TAB_QUERIES = 9  # the page (7: session, account, regions) and one grouped query per kind of row

"""防止返贫监测 › 监测对象: the list (filters, region drill-down, exact query counts, masked
ID numbers), a monitored household's page and its forms, and the 公示 scanned for private data."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring.choices import MonitorState, RiskKind
from monitoring.models import Monitored

from .households_data import BASIC, member
from .identification_data import days_ago
from .monitoring_data import identified, identified_months_ago, new_family
from .test_monitoring_elimination import eliminate, measure, ready

pytestmark = pytest.mark.django_db
LIST = "/monitoring/monitored/"


def rows_of(page: str) -> list[str]:
    return re.findall(r'href="/monitoring/monitored/(\d+)/"', page)


def test_the_list_filters_and_masks(world, login, sms_outbox):
    illness = identified(world, risks=(RiskKind.ILLNESS,))
    schooling = identified(world, new_family(world, "郑一"), risks=(RiskKind.SCHOOLING,))
    measure(world, schooling, "education")
    measure(world, schooling, "industry")
    client = login(world.county_office)
    page = client.get(LIST).content.decode()
    assert set(rows_of(page)) == {str(illness.pk), str(schooling.pk)}
    head_id = illness.household.members.get().id_number
    assert head_id not in page and f"{head_id[:6]}********{head_id[-4:]}" in page
    assert rows_of(client.get(f"{LIST}?risk=schooling").content.decode()) == [str(schooling.pk)]
    assert rows_of(client.get(f"{LIST}?missing=lacking").content.decode()) == [str(illness.pk)]
    assert rows_of(client.get(f"{LIST}?category=unstable").content.decode()) == []
    assert rows_of(client.get(f"{LIST}?state=eliminated").content.decode()) == []
    assert rows_of(client.get(f"{LIST}?missing=late").content.decode()) == []
    identified_months_ago(illness, 2)
    assert rows_of(client.get(f"{LIST}?missing=late").content.decode()) == [str(illness.pk)]
    # The region tree drills down; another township's region holds none of them.
    assert len(rows_of(client.get(f"{LIST}?region={world.township.pk}").content.decode())) == 2
    other = client.get(f"{LIST}?region={world.other_township.pk}&risk=illness").content.decode()
    assert rows_of(other) == []
    assert client.get(f"{LIST}?region={world.other_county.pk}").status_code == 404
    assert rows_of(login(world.other_village_account).get(LIST).content.decode()) == []


def test_eliminated_year_filter(world, login, sms_outbox):
    monitored = ready(world)
    eliminate(world, monitored)
    client = login(world.county_office)
    year = days_ago(0).year
    assert rows_of(client.get(f"{LIST}?eliminated={year}").content.decode()) == [str(monitored.pk)]
    assert rows_of(client.get(f"{LIST}?eliminated={year - 1}").content.decode()) == []


def test_the_list_reads_a_constant_number_of_queries(world, login, sms_outbox):
    client = login(world.county_office)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    identified(world)
    few = count()
    for name in ("郑一", "冯二", "陈三"):
        monitored = identified(world, new_family(world, name))
        measure(world, monitored, "health")
    assert count() == few == 16


def test_the_page_shows_risks_measures_reviews_and_history(world, login, sms_outbox):
    monitored = ready(world)
    client = login(world.village_account)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"{LIST}{monitored.pk}/").content.decode()
    assert len(queries) == 22
    assert "因病" in page and "健康扶贫" in page and "收入核查" in page and "纳入监测" in page
    assert "已达到风险消除条件（帮扶消除）" in page and 'data-testid="eliminate-form"' in page
    head_id = monitored.household.members.get().id_number
    assert head_id not in page


def test_measure_form_errors_show_next_to_the_field(world, login, sms_outbox):
    monitored = identified(world)
    client = login(world.village_account)
    url = f"{LIST}{monitored.pk}/measures/"
    risk = monitored.risks.get().pk
    response = client.post(url, {"risk": risk, "kind": "health", "amount": "x", "start_date": ""})
    assert response.status_code == 200 and "金额须为数字" in response.content.decode()
    response = client.post(url, {"risk": risk, "kind": "health", "start_date": "2026-13-01"})
    assert "开始日期格式不正确" in response.content.decode()
    response = client.post(
        url, {"risk": risk, "kind": "health", "amount": "300", "start_date": f"{days_ago(1)}"}
    )
    assert response.status_code == 302
    assert monitored.risks.get().pk == risk
    review = client.post(
        f"{LIST}{monitored.pk}/reviews/",
        {"date": f"{days_ago(0)}", "income_per_head": "9000", "version": "0"},
    )
    assert "已被" in review.content.decode() or "刷新" in review.content.decode()
    assert not monitored.reviews.exists()


def test_the_county_rolls_back_on_the_page_and_continuing_measures_stay(world, login, sms_outbox):
    monitored = ready(world)
    measure(world, monitored, "micro_credit", end_date=days_ago(-300), amount="50000")
    eliminate(world, monitored)
    village_page = login(world.village_account).get(f"{LIST}{monitored.pk}/").content.decode()
    assert 'data-testid="continues"' in village_page and "小额信贷" in village_page
    assert village_page.count("消除后延续") == 1  # the health measure has no end
    assert 'data-testid="roll-back-form"' not in village_page
    client = login(world.county_office)
    assert 'data-testid="roll-back-form"' in client.get(f"{LIST}{monitored.pk}/").content.decode()
    monitored.refresh_from_db()
    url = f"{LIST}{monitored.pk}/roll-back/"
    response = client.post(url, {"reason": "", "version": monitored.version})
    assert response.status_code == 200 and "请填写回退原因" in response.content.decode()
    response = client.post(url, {"reason": "收入再次下降", "version": monitored.version})
    assert response.status_code == 302
    assert Monitored.objects.get(pk=monitored.pk).state == MonitorState.MONITORED
    page = client.get(f"{LIST}{monitored.pk}/").content.decode()
    assert "风险消除回退" in page and "收入再次下降" in page


def test_the_village_starts_an_elimination_on_the_page(world, login, sms_outbox):
    monitored = ready(world)
    client = login(world.village_account)
    url = f"{LIST}{monitored.pk}/eliminate/"
    response = client.post(url, {"start_date": f"{days_ago(2)}", "end_date": f"{days_ago(1)}"})
    assert response.status_code == 200 and "不少于 5 天" in response.content.decode()
    response = client.post(
        url,
        {"start_date": f"{days_ago(9)}", "end_date": f"{days_ago(3)}", "opinion": "无异议"},
    )
    assert response.status_code == 302 and "/identification/cases/" in response.url
    assert 'data-testid="open-elimination"' in client.get(f"{LIST}{monitored.pk}/").content.decode()


def test_the_notice_shows_no_private_data(world, login, sms_outbox):
    sick = member("何大", has_serious_illness=True, health="serious")
    household = new_family(world, members=[sick])
    monitored = identified(world, household)
    client = login(world.village_account)
    for stage in ("m_village", "m_notice"):
        page = client.get(
            f"/monitoring/villages/{world.village.pk}/monitoring-notice/?stage={stage}"
        ).content.decode()
        assert "何大" in page and "防止返贫监测对象" in page
        for private in (
            household.members.get().id_number,
            household.members.get().id_number[-4:],
            BASIC["phone"],
            BASIC["bank_account"],
            BASIC["bank_name"],
            "大病",
            "因病",
            "健康",
        ):
            assert private not in page, private
    assert monitored.state == MonitorState.MONITORED
    # The 扶贫对象 notice does not list monitored households.
    page = client.get(f"/identification/villages/{world.village.pk}/notice/").content.decode()
    assert "何大" not in page
    assert (
        client.get(
            f"/monitoring/villages/{world.village.pk}/monitoring-notice/?stage=x"
        ).status_code
        == 404
    )


def test_who_reads_the_list(world, login, sms_outbox):
    monitored = identified(world)
    for account in (world.city_office, world.township_office, world.village_account):
        page = login(account).get(LIST).content.decode()
        assert rows_of(page) == [str(monitored.pk)], account
    assert rows_of(login(world.cadre_account).get(LIST).content.decode()) == []  # not its own
    assert login(world.cadre_account).get(f"{LIST}{monitored.pk}/").status_code == 404
    assert login(world.unit_account).get(LIST).status_code == 403
    assert login(world.other_county_office).get(f"{LIST}{monitored.pk}/").status_code == 404

"""贫困村信息: township enters and submits, county approves or returns (reason required), city
sees approved only; 出列 below the threshold; counts from the household data."""

from decimal import Decimal

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessment.models import PoorVillage, PoorVillageEvent
from assessment.services import poor_villages as actions
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.models import AuditEntry

from .assessment_data import poor_household
from .households_data import member

pytestmark = pytest.mark.django_db

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


def add(world, **data):
    return actions.add_poor_village(
        Actor(world.township_office), world.village, 2026, {**DATA, **data}
    )


def post_data(**extra):
    data = {k: ("on" if v is True else v) for k, v in DATA.items() if v is not False}
    return {**data, **extra}


def test_township_adds_a_record_with_counts_from_the_data(world, login):
    poor_household(world, members=[member("甲"), member("乙", "spouse")])
    poor_household(world, "丙")
    client = login(world.township_office)
    assert client.get("/assessment/poor-villages/add/").status_code == 200
    response = client.post(
        "/assessment/poor-villages/add/",
        post_data(village=world.village.pk, year=2026, version=0, poor_households=99),
    )
    assert response.status_code == 302, response.content.decode()
    record = PoorVillage.objects.get()
    assert (record.poor_households, record.poor_population) == (2, 3)
    assert record.incidence == Decimal("0.30") and record.state == "draft"
    assert record.history.count() == 1
    # a village outside the township is not offered and refused
    response = client.post(
        "/assessment/poor-villages/add/",
        post_data(village=world.other_village.pk, year=2026, version=0),
    )
    assert "请选择辖区内的村" in response.content.decode()
    # the same village and year twice
    response = client.post(
        "/assessment/poor-villages/add/", post_data(village=world.village.pk, year=2026, version=0)
    )
    assert "已有贫困村信息" in response.content.decode()


def test_population_below_the_poor_population_is_refused(world):
    poor_household(world, members=[member("甲"), member("乙", "spouse")])
    with pytest.raises(actions.AssessmentError) as error:
        add(world, population=1)
    assert "总人口不能少于贫困人口（2 人）" in error.value.message


def test_submit_return_resubmit_approve_and_the_city_sees_it(world, login):
    record = add(world)
    city = login(world.city_office)
    assert city.get(f"/assessment/poor-villages/{record.pk}/").status_code == 404
    township = login(world.township_office)
    assert township.post(f"/assessment/poor-villages/{record.pk}/submit/").status_code == 302
    county = login(world.county_office)
    review = county.get("/assessment/poor-villages/review/").content.decode()
    assert world.village.name in review
    response = county.post(f"/assessment/poor-villages/{record.pk}/return/", {"reason": ""})
    assert PoorVillage.objects.get().state == "submitted"
    county.post(f"/assessment/poor-villages/{record.pk}/return/", {"reason": "人口数有误"})
    record.refresh_from_db()
    assert record.state == "returned" and record.return_reason == "人口数有误"
    township = login(world.township_office)
    page = township.get(f"/assessment/poor-villages/{record.pk}/edit/")
    assert "人口数有误" in page.content.decode()
    response = township.post(
        f"/assessment/poor-villages/{record.pk}/edit/",
        post_data(population=1200, version=record.version),
    )
    assert response.status_code == 302
    stale = township.post(
        f"/assessment/poor-villages/{record.pk}/edit/",
        post_data(population=1300, version=record.version),
    )
    assert "已被他人修改" in stale.content.decode()
    township.post(f"/assessment/poor-villages/{record.pk}/submit/")
    county = login(world.county_office)
    county.post(f"/assessment/poor-villages/{record.pk}/approve/")
    record.refresh_from_db()
    assert record.state == "approved" and record.population == 1200
    assert [e.to_state for e in PoorVillageEvent.objects.order_by("pk")] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    assert AuditEntry.objects.filter(action="record_state").count() == 4
    city = login(world.city_office)
    listing = lxml.html.fromstring(city.get("/assessment/poor-villages/").content.decode())
    assert world.village.name in listing.xpath('string(//table[@data-testid="poor-villages"])')
    assert city.get(f"/assessment/poor-villages/{record.pk}/").status_code == 200
    # an approved record is no longer edited
    assert PoorVillage.objects.get().state == "approved"
    with pytest.raises(actions.AssessmentError):
        actions.edit_poor_village(Actor(world.township_office), record.pk, DATA, record.version)


def test_city_list_hides_records_before_approval(world, login):
    add(world)
    city = login(world.city_office)
    listing = city.get("/assessment/poor-villages/").content.decode()
    assert "没有贫困村信息" in listing


def test_exit_only_below_the_threshold(world):
    for i in range(3):
        poor_household(world, f"户{i}")
    record = add(world, population=100)
    assert record.incidence == Decimal("3.00")
    actions.change_state(Actor(world.township_office), record.pk, "submitted")
    actions.change_state(Actor(world.county_office), record.pk, "approved")
    with pytest.raises(actions.AssessmentError) as error:
        actions.change_state(Actor(world.county_office), record.pk, "exited")
    assert "贫困发生率为 3.00%，未低于 2%" in error.value.message
    PoorVillage.objects.filter(pk=record.pk).update(population=1000)
    record = actions.change_state(Actor(world.county_office), record.pk, "exited")
    assert record.state == "exited" and record.incidence == Decimal("0.30")


def test_poor_village_access_from_both_sides(world, login):
    record = add(world)
    with pytest.raises(Http404):
        actions.change_state(Actor(world.other_township_office), record.pk, "submitted")
    with pytest.raises(PermissionDenied):
        actions.change_state(Actor(world.county_office), record.pk, "submitted")
    with pytest.raises(PermissionDenied):
        actions.change_state(Actor(world.city_office), record.pk, "submitted")
    with pytest.raises(Http404):
        actions.add_poor_village(Actor(world.other_township_office), world.village, 2026, DATA)
    with pytest.raises(PermissionDenied):
        actions.add_poor_village(Actor(world.county_office), world.village, 2026, DATA)
    url = f"/assessment/poor-villages/{record.pk}/"
    for name, status in {
        "other_township_office": 404,
        "other_county_office": 403,  # the role's rule answers first
        "city_office": 403,
        "county_office": 403,
        "village_account": 403,
    }.items():
        assert login(getattr(world, name)).post(url + "submit/").status_code == status, name
    for name, status in {"township_office": 403, "other_county_office": 404}.items():
        assert login(getattr(world, name)).post(url + "approve/").status_code == status, name
    for name, status in {"other_township_office": 404, "other_county_office": 404}.items():
        assert login(getattr(world, name)).get(url).status_code == status, name
    assert PoorVillage.objects.get().state == "draft"


LIST_QUERIES = {"/assessment/changes/": 8, "/assessment/poor-villages/": 8}


def test_list_pages_run_a_constant_number_of_queries(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment.services import mark_lifted

    def count(client, url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    township = login(world.township_office)
    first = poor_household(world, "甲")
    mark_lifted(Actor(world.township_office), [first.pk], "lifted", "达标")
    add(world)
    assert {url: count(township, url) for url in LIST_QUERIES} == LIST_QUERIES
    more = [poor_household(world, f"乙{i}") for i in range(6)]
    mark_lifted(Actor(world.township_office), [h.pk for h in more], "lifted", "达标")
    actions.add_poor_village(Actor(world.township_office), world.village2, 2026, DATA)
    actions.add_poor_village(Actor(world.township_office), world.village, 2025, DATA)
    assert {url: count(township, url) for url in LIST_QUERIES} == LIST_QUERIES


def test_add_form_speaks_chinese_and_starts_at_this_year(world, login):

    html = login(world.township_office).get("/assessment/poor-villages/add/").content.decode()
    page = lxml.html.fromstring(html)
    assert page.xpath('//select[@name="village"]/option[@value=""]')[0].text == "请选择村"
    assert page.xpath('//input[@name="year"]/@value') == [str(current_year())]

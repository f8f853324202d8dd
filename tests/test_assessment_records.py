"""贫困县信息 (county enters, city reads) and 脱贫规模 (children's plans within the parent's)."""

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessment.models import PoorCounty, ScalePlan
from assessment.services import AssessmentError
from assessment.services.county import save_poor_county
from assessment.services.plans import plan_rows, save_children_plans
from households import lifecycle
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from villages.models import Region

from .assessment_data import poor_household
from .households_data import member

pytestmark = pytest.mark.django_db

COUNTY = {
    "category": "national",
    "population": "1000000",
    "rural_population": "800000",
    "farmer_income_per_capita": "8000",
    "fiscal_revenue": "120000",
    "planned_exit_year": "2019",
    "note": "",
}


def test_county_enters_its_record_and_the_city_reads_it(world, login):
    poor_household(world, members=[member("甲"), member("乙", "spouse")])
    client = login(world.county_office)
    page = client.get("/assessment/poor-county/").content.decode()
    assert "贫困县信息" in page
    response = client.post("/assessment/poor-county/", {**COUNTY, "version": "0"})
    assert response.status_code == 302
    record = PoorCounty.objects.get()
    assert record.county == world.county and record.history.count() == 1
    stale = client.post(
        "/assessment/poor-county/", {**COUNTY, "population": "900000", "version": "0"}
    )
    assert "已被他人修改" in stale.content.decode()
    client.post("/assessment/poor-county/", {**COUNTY, "population": "1000001", "version": "1"})
    assert PoorCounty.objects.get().population == 1000001
    city = login(world.city_office)
    table = lxml.html.fromstring(city.get("/assessment/poor-county/").content.decode())
    text = table.xpath('string(//table[@data-testid="poor-counties"])')
    assert world.county.name in text and "1000001" in text
    # the city changes nothing
    assert city.post("/assessment/poor-county/", {**COUNTY, "version": "2"}).status_code == 403
    assert PoorCounty.objects.get().version == 2
    with pytest.raises(PermissionDenied):
        save_poor_county(Actor(world.city_office), world.county, {"population": 1}, 2)


def test_poor_county_access_from_both_sides(world, login):
    with pytest.raises(Http404):
        save_poor_county(Actor(world.county_office), world.other_county, {"population": 1}, 0)
    with pytest.raises(Http404):  # the county lies above the township's slice
        save_poor_county(Actor(world.township_office), world.county, {"population": 1}, 0)
    with pytest.raises(PermissionDenied):
        save_poor_county(Actor(world.city_office), world.county, {"population": 1}, 0)
    for name in ("township_office", "village_account", "unit_account"):
        assert login(getattr(world, name)).get("/assessment/poor-county/").status_code == 403
    assert login(world.other_county_office).get("/assessment/poor-county/").status_code == 200
    response = login(world.other_county_office).post(
        "/assessment/poor-county/", {**COUNTY, "rural_population": "2000000", "version": "0"}
    )
    assert "农业人口不能多于总人口" in response.content.decode()
    assert not PoorCounty.objects.exists()


def test_plans_of_children_within_the_parent_and_progress(world, login):
    # 2 people poor since last year in the township; 1 of them lifted this year
    household = poor_household(world, members=[member("甲"), member("乙", "spouse")])

    year = current_year()
    household.status_changes.update(year=year - 1)
    lifecycle.set_status(Actor(world.township_office), household, "lifted", "达标")
    county = world.county
    city = login(world.city_office)
    page = city.get(f"/assessment/scale-plans/?year={year}")
    assert county.name in page.content.decode()
    assert (
        city.post(
            f"/assessment/scale-plans/?year={year}",
            {f"exits-{county.pk}": "10", f"new-{county.pk}": "2", f"version-{county.pk}": "0"},
        ).status_code
        == 302
    )
    assert ScalePlan.objects.get(region=county).planned_exits == 10
    client = login(world.county_office)
    township, other = world.township, world.other_township
    data = {
        f"exits-{township.pk}": "8",
        f"new-{township.pk}": "1",
        f"version-{township.pk}": "0",
        f"exits-{other.pk}": "5",
        f"new-{other.pk}": "0",
        f"version-{other.pk}": "0",
    }
    response = client.post(f"/assessment/scale-plans/?year={year}", data)
    assert "下级计划脱贫人口合计 13 人，超过于都县的计划 10 人" in response.content.decode()
    assert not ScalePlan.objects.filter(region__parent=county).exists()
    data[f"exits-{other.pk}"] = "2"
    assert client.post(f"/assessment/scale-plans/?year={year}", data).status_code == 302
    own, rows = plan_rows(county, year)
    row = next(r for r in rows if r.region == township)
    assert (row.last_year_poor, row.planned_exits, row.planned_new) == (2, 8, 1)
    assert row.planned_population == 2 - 8 + 1 and row.actual_exits == 2
    assert row.progress == 25
    # a number beyond any population (or a database integer) is refused, not a 500
    for huge in ("100000001", "9" * 40):
        response = client.post(
            f"/assessment/scale-plans/?year={year}", {**data, f"new-{township.pk}": huge}
        )
        assert response.status_code == 200 and "人数不能超过" in response.content.decode()
    # the city may not lower the county's plan below its townships' sum
    with pytest.raises(AssessmentError) as error:
        save_children_plans(Actor(world.city_office), world.city, year, {county.pk: (5, 2, 1)})
    assert "不能调低" in error.value.message


def test_plans_access_from_both_sides(world, login):
    township = world.township
    with pytest.raises(Http404):
        save_children_plans(
            Actor(world.other_county_office), world.county, 2026, {township.pk: (1, 0, 0)}
        )
    with pytest.raises(PermissionDenied):
        save_children_plans(
            Actor(world.township_office), world.township, 2026, {world.village.pk: (1, 0, 0)}
        )
    with pytest.raises(AssessmentError):  # not a child of the county
        save_children_plans(
            Actor(world.county_office), world.county, 2026, {world.village.pk: (1, 0, 0)}
        )
    for name in ("township_office", "village_account", "unit_account"):
        assert login(getattr(world, name)).get("/assessment/scale-plans/").status_code == 403
    assert not ScalePlan.objects.exists()
    assert Region.objects.filter(code="360731").exists()


def test_the_city_office_changes_nothing(world, login):
    """Every assessment mutation refuses the city office (脱贫规模 of its counties aside)."""
    from assessment.services import poor_villages

    from .assessment_data import poor_household as make

    household = make(world)
    record = poor_villages.add_poor_village(
        Actor(world.township_office), world.village, 2026, {"households": 9, "population": 9}
    )
    client = login(world.city_office)
    posts = {
        "/assessment/lift/": {"households": household.pk, "to": "lifted", "opinion": "x"},
        "/assessment/return/": {"households": household.pk, "reason": "illness", "confirm": "1"},
        f"/assessment/households/{household.pk}/rollback/": {"reason": "x"},
        "/assessment/criteria/": {"income_line": "1", "version": "0"},
        "/assessment/poor-county/": {**COUNTY, "version": "0"},
        "/assessment/poor-villages/add/": {"village": world.village.pk, "year": 2026},
        f"/assessment/poor-villages/{record.pk}/submit/": {},
        f"/assessment/poor-villages/{record.pk}/approve/": {},
        f"/assessment/poor-villages/{record.pk}/return/": {"reason": "x"},
        f"/assessment/poor-villages/{record.pk}/exit/": {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    household.refresh_from_db()
    record.refresh_from_db()
    assert household.status == "poor" and record.state == "draft"
    assert not PoorCounty.objects.exists()


def test_saving_one_childs_plan_leaves_the_others_unplanned(world, login):
    """The city fills in one county's plan: the page says one region was saved, and the
    other counties (left at 0) get no empty plan of their own."""

    year = current_year()
    county = world.county
    response = login(world.city_office).post(
        f"/assessment/scale-plans/?year={year}",
        {f"exits-{county.pk}": "10", f"new-{county.pk}": "2", f"version-{county.pk}": "0"},
        follow=True,
    )
    assert f"已保存 1 个区域的{year}年脱贫规模" in response.content.decode()
    assert list(ScalePlan.objects.values_list("region", flat=True)) == [county.pk]

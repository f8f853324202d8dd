"""脱贫 (township), 返贫 (county) and 综合回退 through households.lifecycle, with the exit
criteria as data: every failing criterion is named, failing households stay as they were."""

import contextlib
import threading
from decimal import Decimal

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.http import Http404

from assessment import services
from assessment.criteria import exit_check
from assessment.models import ExitCriteria
from households.models import Household, StatusChange
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry

from .assessment_data import failing_household, poor_household
from .households_data import make_id, member

pytestmark = pytest.mark.django_db


def statuses(*households):
    return [Household.objects.get(pk=h.pk).status for h in households]


def test_defaults_cover_the_years_and_are_marked(exit_criteria_defaults):
    line_2014 = ExitCriteria.objects.get(year=2014, region__isnull=True)
    assert line_2014.income_line == Decimal("2736") and line_2014.is_default
    assert ExitCriteria.objects.get(year=2016, region__isnull=True).income_line == 3146
    assert ExitCriteria.objects.get(year=2020, region__isnull=True).income_line == 4000
    assert "默认值" in line_2014.note
    assert line_2014.history.count() == 1


def test_exit_check_lists_every_failing_criterion(world):
    good = poor_household(world)
    bad = failing_household(world)
    results = exit_check([good, bad])
    assert results[good.pk].passed
    failures = results[bad.pk].failures
    assert len(failures) == 6, failures
    text = "；".join(failures)
    for piece in ("人均纯收入", "不愁吃", "李小明", "王芳", "D级危房", "饮水不安全"):
        assert piece in text
    assert results[bad.pk].income == bad.net_income_per_capita


def test_nearest_region_row_applies_and_checks_can_be_switched_off(world):
    bad = failing_household(world)
    ExitCriteria.objects.create(
        year=2026,
        region=world.county,
        region_code=world.county.code,
        income_line=Decimal("100"),
        check_food_clothing=False,
        check_school=False,
        check_medical=False,
        check_housing=False,
        check_water=False,
    )
    result = exit_check([bad], 2026)[bad.pk]
    assert result.passed and result.line == Decimal("100")
    ExitCriteria.objects.create(
        year=2026,
        region=world.village,
        region_code=world.village.code,
        income_line=Decimal("99999"),
        check_water=False,
    )
    result = exit_check([bad], 2026)[bad.pk]
    assert not result.passed and result.line == Decimal("99999")
    assert not any("饮水" in f for f in result.failures)


def test_township_lifts_households_and_refuses_failing_ones_with_every_reason(world, login):
    good = [poor_household(world, name) for name in ("甲", "乙")]
    bad = failing_household(world)
    client = login(world.township_office)
    page = client.get("/assessment/lift/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "饮水不安全" in html and "符合脱贫标准" in html
    response = client.post(
        "/assessment/lift/",
        {"households": [h.pk for h in (*good, bad)], "to": "lifted", "opinion": "经核查达标"},
    )
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.content.decode())
    assert "已将 2 户标记为“已脱贫”；1 户未变更" in doc.xpath(
        'string(//*[@data-testid="lift-summary"])'
    )
    refused = doc.xpath('string(//*[@data-testid="lift-refused"])')
    assert "饮水不安全" in refused and "D级危房" in refused and "王芳" in refused
    assert statuses(*good, bad) == ["lifted", "lifted", "poor"]
    change = StatusChange.objects.filter(household=good[0]).latest("pk")
    assert change.reason == "经核查达标" and change.actor == world.township_office
    assert AuditEntry.objects.filter(action="status_change", outcome="failed").count() == 1


def test_opinion_is_required_and_nothing_changes_without_it(world, login):
    household = poor_household(world)
    client = login(world.township_office)
    response = client.post(
        "/assessment/lift/", {"households": [household.pk], "to": "lifted", "opinion": " "}
    )
    assert "请填写脱贫意见" in response.content.decode()
    assert statuses(household) == ["poor"]


def test_lifted_no_support(world):
    household = poor_household(world)
    outcome = services.mark_lifted(
        Actor(world.township_office), [household.pk], "lifted_no_support", "稳定脱贫"
    )
    assert outcome.changed and statuses(household) == ["lifted_no_support"]


def test_lift_access_from_both_sides(world, login):
    household = poor_household(world)
    ids = [household.pk]
    with pytest.raises(Http404):
        services.mark_lifted(Actor(world.other_township_office), ids, "lifted", "意见")
    with pytest.raises(PermissionDenied):
        services.mark_lifted(Actor(world.county_office), ids, "lifted", "意见")
    with pytest.raises(PermissionDenied):
        services.mark_lifted(Actor(world.city_office), ids, "lifted", "意见")
    data = {"households": ids, "to": "lifted", "opinion": "意见"}
    for name, status in {
        "other_township_office": 404,
        "county_office": 403,
        "city_office": 403,
        "village_account": 403,
        "unit_account": 403,
    }.items():
        assert login(getattr(world, name)).post("/assessment/lift/", data).status_code == status
    assert statuses(household) == ["poor"]
    # the other township's list does not show it
    page = login(world.other_township_office).get("/assessment/lift/").content.decode()
    assert household.number not in page


def _lift_statements(world, households) -> list[str]:
    """The statements of one batch exit, with the bulk inserts that SQLite alone splits by
    its 999-parameter limit (about 12 history rows of 80 columns per INSERT) counted once."""
    from django.test.utils import CaptureQueriesContext

    actor = Actor(world.township_office)
    with CaptureQueriesContext(connection) as queries:
        outcome = services.mark_lifted(actor, [h.pk for h in households], "lifted", "达标")
    assert len(outcome.changed) == len(households)
    statements = [q["sql"].split("(")[0] for q in queries.captured_queries]
    if connection.vendor == "sqlite":
        statements = [s for i, s in enumerate(statements) if i == 0 or s != statements[i - 1]]
    return statements


def test_batch_exit_runs_a_constant_number_of_queries(world):
    few = [poor_household(world, f"甲{i}") for i in range(5)]
    many = [poor_household(world, f"乙{i}") for i in range(50)]
    assert len(_lift_statements(world, few)) == len(_lift_statements(world, many)) == 11


LIFT_PAGE_QUERIES = 13


def test_lift_page_queries_do_not_grow(world, login, django_assert_num_queries):
    client = login(world.township_office)
    poor_household(world)
    with django_assert_num_queries(LIFT_PAGE_QUERIES):
        client.get("/assessment/lift/")
    for i in range(12):
        poor_household(world, f"丙{i}", [member(f"丙{i}"), member(f"丁{i}", "spouse")])
    with django_assert_num_queries(LIFT_PAGE_QUERIES):
        client.get("/assessment/lift/")


def test_county_returns_with_a_reason_after_confirming(world, login):
    household = poor_household(world)
    services.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    client = login(world.county_office)
    assert household.number in client.get("/assessment/return/").content.decode()
    response = client.post("/assessment/return/", {"households": [household.pk], "reason": "other"})
    assert "请填写具体原因" in response.content.decode()
    response = client.post(
        "/assessment/return/", {"households": [household.pk], "reason": "illness", "text": "重病"}
    )
    assert "确认返贫" in response.content.decode() and statuses(household) == ["lifted"]
    response = client.post(
        "/assessment/return/",
        {"households": [household.pk], "reason": "illness", "text": "重病", "confirm": "1"},
    )
    assert response.status_code == 302
    assert statuses(household) == ["returned"]
    change = StatusChange.objects.filter(household=household).latest("pk")
    assert change.reason == "因病返贫：重病" and change.actor == world.county_office


def test_return_access_from_both_sides(world, login):
    household = poor_household(world)
    services.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    data = {"households": [household.pk], "reason": "disaster", "confirm": "1"}
    for name, status in {
        "other_county_office": 404,
        "township_office": 403,
        "city_office": 403,
        "village_account": 403,
    }.items():
        assert login(getattr(world, name)).post("/assessment/return/", data).status_code == status
    with pytest.raises(Http404):
        services.return_to_poverty(Actor(world.other_county_office), [household.pk], "disaster")
    with pytest.raises(PermissionDenied):
        services.return_to_poverty(Actor(world.township_office), [household.pk], "disaster")
    assert statuses(household) == ["lifted"]


def test_return_refuses_households_that_are_not_lifted(world):
    household = poor_household(world)
    with pytest.raises(services.AssessmentError) as error:
        services.return_to_poverty(Actor(world.county_office), [household.pk], "disaster")
    assert "不是已脱贫户" in error.value.message


def test_rollback_of_the_last_change_from_the_changes_page(world, login):
    household = poor_household(world)
    services.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    services.return_to_poverty(Actor(world.county_office), [household.pk], "disaster", "洪水")
    client = login(world.township_office)
    page = lxml.html.fromstring(client.get("/assessment/changes/").content.decode())
    links = page.xpath('//table[@data-testid="status-changes"]//a[text()="回退"]/@href')
    assert links == [f"/assessment/households/{household.pk}/rollback/"]
    response = client.post(links[0], {"reason": ""})
    assert "请填写意见或原因" in response.content.decode()
    response = client.post(links[0], {"reason": "返贫认定有误"})
    assert response.status_code == 302
    assert statuses(household) == ["lifted"]
    last = StatusChange.objects.filter(household=household).latest("pk")
    assert last.kind == "rollback" and last.reverts.to_status == "returned"
    # only the last change, once
    response = client.post(links[0], {"reason": "再次回退"})
    assert "已是回退" in response.content.decode()


def test_rollback_access_from_both_sides(world, login):
    household = poor_household(world)
    services.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    url = f"/assessment/households/{household.pk}/rollback/"
    for name, status in {
        "other_township_office": 404,
        "other_county_office": 404,
        "city_office": 403,
        "village_account": 403,
        "unit_account": 403,
    }.items():
        assert login(getattr(world, name)).post(url, {"reason": "x"}).status_code == status
    with pytest.raises(PermissionDenied):
        services.rollback_status(Actor(world.city_office), household, "x")
    assert statuses(household) == ["lifted"]


def consistent(household) -> bool:
    """Replaying the events gives the stored status, each starting where the last ended."""
    status = None
    for change in StatusChange.objects.filter(household=household).order_by("at", "pk"):
        if status is not None and change.from_status != status:
            return False
        status = change.to_status
    return status == Household.objects.get(pk=household.pk).status


@pytest.mark.django_db(transaction=True)
def test_exit_and_rollback_at_the_same_moment_leave_a_consistent_history(world):
    household = poor_household(world)
    services.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    services.return_to_poverty(Actor(world.county_office), [household.pk], "illness")
    barrier = threading.Barrier(2, timeout=20)
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    results = {}

    def run(name, action):
        try:
            barrier.wait()
            with turns:
                results[name] = action()
        except Exception as exc:
            results[name] = exc
        finally:
            connections.close_all()

    actions = {
        "exit": lambda: services.mark_lifted(
            Actor(world.township_office), [household.pk], "lifted", "再次达标"
        ),
        "rollback": lambda: services.rollback_status(
            Actor(world.county_office), household, "撤销返贫"
        ),
    }
    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not any(
        isinstance(r, Exception) and not isinstance(r, services.AssessmentError)
        for r in results.values()
    ), results
    assert consistent(household)
    assert Household.objects.get(pk=household.pk).status in ("lifted", "returned")


def test_dropout_counts_only_compulsory_ages(world):
    older = member("大学生", "son", id_number=make_id(birth="20000101"), school_status="none")
    pupil = member("小学生", "son", id_number=make_id(birth="20170101"), school_status="primary")
    household = poor_household(world, members=[member("户主"), older, pupil])
    assert not any("辍学" in f for f in exit_check([household])[household.pk].failures)


def test_household_page_links_to_rollback_for_offices_only(world, login):
    household = poor_household(world)
    url = f"/assessment/households/{household.pk}/rollback/"
    for name, shown in {
        "township_office": True,
        "county_office": True,
        "city_office": False,
        "village_account": False,
    }.items():
        page = login(getattr(world, name)).get(f"/households/{household.pk}/").content.decode()
        assert (url in page) is shown, name


def test_region_filter_sets_villages_under_their_township(world, login):
    """A county has villages of the same name in several townships (two 东方红居委会 in
    于都县): in the 区域 list each village is indented under its township."""
    html = login(world.county_office).get("/assessment/return/").content.decode()
    options = lxml.html.fromstring(html).xpath('//select[@name="region"]/option')
    labels = {o.get("value"): o.text_content() for o in options}
    assert labels[str(world.township.pk)] == world.township.name
    assert labels[str(world.village.pk)] == "\u3000" + world.village.name
    assert labels[str(world.other_village.pk)] == "\u3000" + world.other_village.name

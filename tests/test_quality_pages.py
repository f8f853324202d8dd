"""数据质量检查 in the browser's terms: the slice's problems by rule and village, a link to fix
each record, the kept daily counts (cleared vs new), and the per-county switch (audited)."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from households.models import Household
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry
from quality import rules, services
from quality.models import DailyCount, Problem, RuleSwitch

from .assessment_data import poor_household
from .households_data import member

D01 = "D01"  # 人均纯收入为负数


def _negative(household):
    Household.objects.filter(pk=household.pk).update(net_income_per_capita=Decimal("-10"))


@pytest.fixture
def broken(world):
    household = poor_household(world)
    _negative(household)
    return household


def _row(page: str, code: str) -> str:
    start = page.index(f'data-rule="{code}"')
    return page[start : page.index("</tr>", start)]


def test_county_office_sees_the_problem_and_the_link_to_fix_it(world, login, broken):
    client = login(world.county_office)
    page = client.get("/quality/").content.decode()
    assert "数据质量检查" in page
    assert "/quality/rule/?rule=D01" in _row(page, D01)
    listed = client.get("/quality/rule/", {"rule": D01}).content.decode()
    assert broken.number in listed
    assert f"/households/{broken.pk}/income/" in listed  # 修改家庭收入情况
    assert "仓前村委会" in listed  # the count per village


def test_a_fixed_record_drops_out_at_once(world, login, broken):
    client = login(world.county_office)
    Household.objects.filter(pk=broken.pk).update(net_income_per_capita=Decimal("100"))
    listed = client.get("/quality/rule/", {"rule": D01}).content.decode()
    assert broken.number not in listed and "没有发现该问题" in listed


def test_the_village_sees_its_own_village_and_not_another(world, login, broken):
    client = login(world.village_account, world.phone)
    assert broken.number in client.get("/quality/rule/", {"rule": D01}).content.decode()
    client = login(world.other_village_account, world.other_phone)
    assert broken.number not in client.get("/quality/rule/", {"rule": D01}).content.decode()


def test_drill_down_stays_in_the_slice(world, login, broken):
    client = login(world.other_county_office)
    assert client.get("/quality/", {"region": world.county.pk}).status_code == 404
    assert (
        client.get("/quality/rule/", {"rule": D01, "region": world.village.pk}).status_code == 404
    )
    client = login(world.township_office)
    assert client.get("/quality/", {"region": world.other_township.pk}).status_code == 404
    assert client.get("/quality/", {"region": world.village.pk}).status_code == 200


@pytest.mark.parametrize("name", ["unit_account", "cadre_account", "admin"])
def test_units_cadres_and_the_administrator_are_refused(world, login, name):
    client = login(getattr(world, name))
    assert client.get("/quality/").status_code == 403


def test_an_unknown_rule_is_404(world, login):
    client = login(world.county_office)
    assert client.get("/quality/rule/", {"rule": "Z99"}).status_code == 404


def test_runs_keep_new_and_cleared_per_day(world, broken):
    actor = Actor.system(world.county_office)
    services.run_pack(actor, world.county, via="page")
    problem = Problem.objects.get(rule=D01, household=broken)
    assert problem.cleared_on is None
    day = DailyCount.objects.get(county_code=world.county.code, rule=D01)
    assert (day.open, day.new, day.cleared) == (1, 1, 0)
    services.run_pack(actor, world.county, via="page")  # the same day again: still one open
    assert Problem.objects.filter(rule=D01).count() == 1
    Household.objects.filter(pk=broken.pk).update(net_income_per_capita=Decimal("100"))
    services.run_pack(actor, world.county, via="page")
    problem.refresh_from_db()
    assert problem.cleared_on is not None
    day = DailyCount.objects.get(county_code=world.county.code, rule=D01)
    assert (day.open, day.cleared) == (0, 1)


def test_the_run_button_and_the_trend(world, login, broken):
    client = login(world.county_office)
    response = client.post("/quality/run/", {"region": world.county.pk}, follow=True)
    page = response.content.decode()
    assert "已完成于都县的数据质量检查" in page
    assert 'data-testid="trend"' in page


def test_run_is_refused_out_of_slice_and_to_other_roles(world, login):
    client = login(world.other_county_office)
    assert client.post("/quality/run/", {"region": world.county.pk}).status_code == 404
    client = login(world.township_office)
    assert client.post("/quality/run/", {"region": world.township.pk}).status_code == 403
    assert not DailyCount.objects.exists()


def test_the_nightly_command_runs_the_whole_pack(world, broken):
    call_command("run_quality_checks")
    assert Problem.objects.filter(rule=D01, household=broken, cleared_on__isnull=True).exists()


def test_a_county_switches_a_rule_off_with_a_reason_and_on_again(world, login, broken):
    client = login(world.county_office)
    response = client.post(
        "/quality/switch/",
        {"region": world.county.pk, "rule": D01, "action": "off", "reason": ""},
        follow=True,
    )
    assert "请填写停用原因" in response.content.decode()
    assert not RuleSwitch.objects.exists()
    client.post(
        "/quality/switch/",
        {"region": world.county.pk, "rule": D01, "action": "off", "reason": "外出务工收入未录入"},
    )
    switch = RuleSwitch.objects.get(rule=D01)
    assert switch.reason == "外出务工收入未录入"
    assert AuditEntry.objects.filter(action="quality_rule_off", region_code=world.county.code)
    listed = client.get("/quality/rule/", {"rule": D01}).content.decode()
    assert broken.number not in listed
    page = client.get("/quality/", {"region": world.county.pk}).content.decode()
    assert "已停用" in _row(page, D01) and "外出务工收入未录入" in _row(page, D01)
    client.post("/quality/switch/", {"region": world.county.pk, "rule": D01, "action": "on"})
    assert not RuleSwitch.objects.exists()
    assert AuditEntry.objects.filter(action="quality_rule_on").exists()
    assert broken.number in client.get("/quality/rule/", {"rule": D01}).content.decode()


def test_switching_is_the_county_office_s_own(world, login):
    data = {"region": world.county.pk, "rule": D01, "action": "off", "reason": "理由"}
    assert login(world.other_county_office).post("/quality/switch/", data).status_code == 404
    assert login(world.township_office).post("/quality/switch/", data).status_code == 403
    assert login(world.city_office).post("/quality/switch/", data).status_code == 403
    assert not RuleSwitch.objects.exists()


def test_index_queries_do_not_grow_with_the_data(world, login):
    client = login(world.county_office)
    client.get("/quality/")  # warm the session and grants

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/quality/").status_code == 200
        return len(queries)

    before = count()
    for i in range(3):
        poor_household(world, name=f"户{i}", members=[member(f"户{i}")])
    assert count() == before
    # One count per rule and the page's own; M01 and M02 read the counties' 监测参数 once each.
    assert before == len(rules.all_rules()) + 13 + 2

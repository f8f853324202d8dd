"""帮扶措施 tied to the risk and their check, 收入核查, the gate of 风险消除 (every criterion
refusing with its reason), the elimination chain and 风险消除回退."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from identification import services as identification
from identification.errors import IdentificationError
from identification.models import Case
from identification.states import StepInput
from monitoring import elimination, measures
from monitoring.choices import Elimination, EventKind, MonitorState, RiskKind
from monitoring.errors import MonitoringError
from monitoring.models import Monitored, MonitoringRules
from poverty_system.core.actor import Actor
from poverty_system.core.versioning import StaleEdit
from units.models import Measure, Survey

from .households_data import member
from .identification_data import days_ago
from .monitoring_data import (
    identified,
    identified_months_ago,
    new_family,
    village_actor,
)

pytestmark = pytest.mark.django_db


def measure(world, monitored, kind, risk=None, actor=None, **kw):
    risk = risk or monitored.risks.first()
    data = {"amount": "1000", "start_date": days_ago(150), "end_date": None}
    data.update(kw)
    return measures.add_measure(
        actor or village_actor(world), monitored.pk, risk=risk.pk, kind=kind, **data
    )


def review(world, monitored, day, income="9000", medical="0", **kw):
    monitored.refresh_from_db()
    data = {"three_guarantees": True, "drinking_water": True}
    data.update(kw)
    return elimination.record_review(
        village_actor(world),
        monitored.pk,
        date=day,
        income_per_head=income,
        medical_self_pay=medical,
        version=monitored.version,
        **data,
    )


def ready(world, household=None, risks=(RiskKind.ILLNESS,)):
    """A monitored household meeting every criterion: 7 months, a measure, two reviews."""
    monitored = identified_months_ago(identified(world, household, risks=risks), 7)
    measure(world, monitored, "health")
    review(world, monitored, days_ago(120))
    review(world, monitored, days_ago(10))
    return monitored


def lacking_pks(queryset=None):
    return set(measures.lacking(queryset or Monitored.objects.all()).values_list("pk", flat=True))


# --- measures ---------------------------------------------------------------------------------


def test_a_measure_is_stored_on_the_survey_of_the_year_with_its_risk(world, sms_outbox):
    monitored = identified(world)
    assert not Survey.objects.filter(household=monitored.household).exists()
    found = measure(world, monitored, "health", amount="2500.5")
    assert found.risk_id == monitored.risks.get().pk and found.amount == Decimal("2500.50")
    assert found.survey.household_id == monitored.household_id
    assert found.survey.year == days_ago(0).year
    assert found.history.count() == 1
    assert monitored.events.filter(kind=EventKind.MEASURE).count() == 1
    measure(world, monitored, "industry")  # the same survey
    assert Survey.objects.filter(household=monitored.household).count() == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"kind": "x"}, "kind"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"start_date": None}, "start_date"),
        ({"end_date": days_ago(200)}, "end_date"),
        ({"description": "长" * 301}, "description"),
    ],
)
def test_bad_measures_are_refused_next_to_the_field(world, sms_outbox, kw, field):
    monitored = identified(world)
    args = {"kind": "health", **kw}
    with pytest.raises(MonitoringError) as exc:
        measure(world, monitored, **args)
    assert exc.value.field == field
    assert not Measure.objects.exists()


def test_a_measure_answers_a_risk_of_its_own_household(world, sms_outbox):
    one = identified(world)
    other = identified(world, new_family(world, "吴十"))
    with pytest.raises(MonitoringError) as exc:
        measure(world, one, "health", risk=other.risks.get())
    assert exc.value.field == "risk"


def test_who_adds_measures(world, sms_outbox):
    monitored = identified(world)
    measure(world, monitored, "health", actor=Actor(world.township_office))
    with pytest.raises(PermissionDenied):
        measure(world, monitored, "health", actor=Actor(world.county_office))
    for account in (world.other_village_account, world.other_township_office, world.cadre_account):
        with pytest.raises(Http404):
            measure(world, monitored, "health", actor=Actor(account))
    assert Measure.objects.count() == 1


def test_risks_require_their_measures(world, sms_outbox):
    illness = identified(world, risks=(RiskKind.ILLNESS,))
    schooling = identified(world, new_family(world, "郑一"), risks=(RiskKind.SCHOOLING,))
    disability = identified(world, new_family(world, "冯二"), risks=(RiskKind.DISABILITY,))
    assert lacking_pks() == {illness.pk, schooling.pk, disability.pk}
    for row in (illness, schooling, disability):
        measure(world, row, "industry")  # labour: the development measure
    assert lacking_pks() == {illness.pk, schooling.pk, disability.pk}
    measure(world, illness, "education")  # not what 因病 needs
    measure(world, schooling, "education")
    measure(world, disability, "health")  # 因残: 残疾人补贴 or 健康
    assert lacking_pks() == {illness.pk}
    explained = measures.missing([illness, schooling, disability])
    assert explained[illness.pk] == ["因病风险缺少健康扶贫措施"]
    assert explained[schooling.pk] == [] and explained[disability.pk] == []
    measure(world, illness, "health")
    assert lacking_pks() == set()


def test_labour_requires_development_and_no_labour_a_safety_net(world, sms_outbox):
    working = identified(world, risks=(RiskKind.DISASTER,))
    idle = identified(
        world,
        new_family(world, members=[member("陈三", labour="none")]),
        risks=(RiskKind.DISASTER,),
    )
    assert lacking_pks() == {working.pk, idle.pk}
    measure(world, working, "dibao")  # 兜底 is not development
    measure(world, idle, "industry")  # development is not 兜底
    assert lacking_pks() == {working.pk, idle.pk}
    assert "有劳动力，缺少发展类措施" in measures.missing([working])[working.pk][0]
    assert "无劳动力，缺少兜底保障措施" in measures.missing([idle])[idle.pk][0]
    measure(world, working, "public_job")
    measure(world, idle, "tekun")
    assert lacking_pks() == set()


def test_a_month_after_identification_without_any_measure(world, sms_outbox):
    fresh = identified(world, risks=(RiskKind.DISASTER,))
    old = identified_months_ago(identified(world, new_family(world, "褚四")), 2)
    served = identified_months_ago(identified(world, new_family(world, "卫五")), 2)
    measure(world, served, "health")
    late = set(measures.without_measure(Monitored.objects.all()).values_list("pk", flat=True))
    assert late == {old.pk}
    assert "识别后 30 天仍未落实帮扶措施" in measures.missing([old])[old.pk]
    assert not any("天仍未落实" in t for t in measures.missing([fresh])[fresh.pk])
    MonitoringRules.objects.create(
        county=world.county, county_code="360731", year=old.year, measure_days=90
    )
    assert not measures.without_measure(Monitored.objects.all()).exists()


# --- 收入核查 --------------------------------------------------------------------------------


def test_a_review_nets_the_medical_costs_per_head(world, sms_outbox):
    household = new_family(world, members=[member("蒋六"), member("沈七", "spouse")])
    monitored = identified(world, household)
    found = review(world, monitored, days_ago(0), income="9000", medical="4000")
    monitored.refresh_from_db()
    assert monitored.income_per_head == Decimal("9000")
    assert monitored.net_income_per_head == Decimal("7000")
    assert elimination.net_income(found.income_per_head, found.medical_self_pay, 2) == 7000
    assert monitored.events.filter(kind=EventKind.REVIEW).count() == 1


def test_bad_reviews_are_refused(world, sms_outbox):
    monitored = identified(world)
    with pytest.raises(MonitoringError, match="不能晚于今天"):
        review(world, monitored, days_ago(-1))
    with pytest.raises(MonitoringError, match="不能早于识别日期"):
        review(world, monitored, days_ago(1))
    with pytest.raises(MonitoringError) as exc:
        review(world, monitored, days_ago(0), income="")
    assert exc.value.field == "income_per_head"
    with pytest.raises(StaleEdit):
        elimination.record_review(
            village_actor(world),
            monitored.pk,
            date=days_ago(0),
            income_per_head="9000",
            three_guarantees=True,
            drinking_water=True,
            version=monitored.version - 1,
        )
    with pytest.raises(PermissionDenied):
        elimination.record_review(
            Actor(world.county_office),
            monitored.pk,
            date=days_ago(0),
            income_per_head="9000",
            three_guarantees=True,
            drinking_water=True,
            version=monitored.version,
        )
    assert not monitored.reviews.exists()


# --- the gate --------------------------------------------------------------------------------


def test_a_fresh_identification_fails_every_criterion_with_its_reason(world, sms_outbox):
    monitored = identified(world, new_family(world, members=[member("韩八", labour="none")]))
    failures = elimination.gate(monitored).failures
    assert any("识别至今不足 6 个月" in f for f in failures)
    assert "尚未落实帮扶措施" in failures
    assert "收入核查不足两次（已核查 0 次）" in failures
    assert any("整户无劳动力" in f for f in failures)
    with pytest.raises(MonitoringError) as exc:
        elimination.start_elimination(village_actor(world), monitored.pk, StepInput())
    for failure in failures:
        assert failure in exc.value.message


def test_the_gate_passes_when_every_criterion_is_met(world, sms_outbox):
    result = elimination.gate(ready(world))
    assert result.passed and result.mode == Elimination.ASSISTED


def test_six_months_from_both_sides(world, sms_outbox):
    monitored = ready(world)
    identified_months_ago(monitored, -2)  # 5 months ago
    assert any("不足 6 个月" in f for f in elimination.gate(monitored).failures)
    MonitoringRules.objects.create(
        county=world.county, county_code="360731", year=days_ago(0).year, elimination_months=4
    )
    assert elimination.gate(monitored).passed


def test_income_on_the_last_two_reviews_from_both_sides(world, sms_outbox):
    monitored = ready(world)
    review(world, monitored, days_ago(5), income="7600", medical="200")  # net 7400 < 7500
    failures = elimination.gate(monitored).failures
    assert failures == [
        f"{days_ago(5):%Y-%m-%d} 收入核查人均纯收入（扣除合规自付医疗费用）7400.00 元，"
        "未高于监测范围 7500.00 元"
    ]
    review(world, monitored, days_ago(4))
    assert any("7400.00" in f for f in elimination.gate(monitored).failures)  # still in the two
    review(world, monitored, days_ago(3))
    assert elimination.gate(monitored).passed


def test_three_guarantees_and_water_on_the_last_review(world, sms_outbox):
    monitored = ready(world)
    review(world, monitored, days_ago(2), three_guarantees=False, drinking_water=False)
    assert elimination.gate(monitored).failures == [
        "最近一次收入核查：义务教育、基本医疗、住房安全未保障",
        "最近一次收入核查：饮水安全未保障",
    ]
    review(world, monitored, days_ago(1))
    assert elimination.gate(monitored).passed


def test_a_household_without_labour_is_never_eliminated(world, sms_outbox):
    household = new_family(world, members=[member("杨九", labour="lost")])
    monitored = ready(world, household)
    assert elimination.gate(monitored).failures == [
        "整户无劳动力，不能风险消除（应落实兜底保障，持续监测）"
    ]


def test_natural_elimination_when_the_measures_came_after_the_income(world, sms_outbox):
    monitored = identified_months_ago(identified(world), 7)
    review(world, monitored, days_ago(120))
    review(world, monitored, days_ago(10))
    measure(world, monitored, "health", start_date=days_ago(5))
    assert elimination.gate(monitored).mode == Elimination.NATURAL


# --- the chain and the rollback ---------------------------------------------------------------


def eliminate(world, monitored):
    case = elimination.start_elimination(
        village_actor(world),
        monitored.pk,
        StepInput(opinion="评议通过，公示无异议", start_date=days_ago(9), end_date=days_ago(3)),
    )
    identification.advance(Actor(world.township_office), case.pk, "e_township", StepInput())
    identification.advance(Actor(world.county_office), case.pk, "e_county", StepInput())
    identification.advance(
        Actor(world.county_office), case.pk, "e_notice", StepInput(start_date=days_ago(2))
    )
    monitored.refresh_from_db()
    return case


def test_elimination_through_the_chain(world, sms_outbox):
    monitored = ready(world)
    case = eliminate(world, monitored)
    assert Case.objects.get(pk=case.pk).state == Case.State.DONE
    assert monitored.state == MonitorState.ELIMINATED
    assert monitored.eliminated_on == days_ago(0) and monitored.elimination == "assisted"
    assert monitored.events.filter(kind=EventKind.ELIMINATED).count() == 1


def test_the_announcement_checks_the_gate_again(world, sms_outbox):
    monitored = ready(world)
    case = elimination.start_elimination(
        village_actor(world),
        monitored.pk,
        StepInput(opinion="通过", start_date=days_ago(9), end_date=days_ago(3)),
    )
    review(world, monitored, days_ago(1), income="100")
    identification.advance(Actor(world.township_office), case.pk, "e_township", StepInput())
    identification.advance(Actor(world.county_office), case.pk, "e_county", StepInput())
    with pytest.raises(IdentificationError, match="未达到风险消除条件"):
        identification.advance(
            Actor(world.county_office), case.pk, "e_notice", StepInput(start_date=days_ago(2))
        )
    assert Monitored.objects.get(pk=monitored.pk).state == MonitorState.MONITORED


def test_only_the_village_starts_an_elimination(world, sms_outbox):
    monitored = ready(world)
    data = StepInput(opinion="通过", start_date=days_ago(9), end_date=days_ago(3))
    for account in (world.township_office, world.county_office):
        with pytest.raises(PermissionDenied):
            elimination.start_elimination(Actor(account), monitored.pk, data)
    with pytest.raises(Http404):
        elimination.start_elimination(Actor(world.other_village_account), monitored.pk, data)
    assert not Case.objects.filter(kind="elimination").exists()


def test_the_elimination_publicity_follows_the_monitoring_rules(world, sms_outbox):
    monitored = ready(world)
    MonitoringRules.objects.create(
        county=world.county, county_code="360731", year=days_ago(0).year, publicity_days=12
    )
    with pytest.raises(IdentificationError, match="不少于 12 天"):
        elimination.start_elimination(
            village_actor(world),
            monitored.pk,
            StepInput(opinion="通过", start_date=days_ago(9), end_date=days_ago(3)),
        )


def test_roll_back_by_the_county_with_a_reason(world, sms_outbox):
    monitored = ready(world)
    eliminate(world, monitored)
    with pytest.raises(PermissionDenied):
        elimination.roll_back(Actor(world.township_office), monitored.pk, "不稳定")
    with pytest.raises(Http404):
        elimination.roll_back(Actor(world.other_county_office), monitored.pk, "不稳定")
    with pytest.raises(MonitoringError) as exc:
        elimination.roll_back(
            Actor(world.county_office), monitored.pk, " ", version=monitored.version
        )
    assert exc.value.field == "reason"
    with pytest.raises(StaleEdit):
        elimination.roll_back(Actor(world.county_office), monitored.pk, "x", version=0)
    elimination.roll_back(
        Actor(world.county_office),
        monitored.pk,
        "户主再次住院，收入不稳定",
        version=monitored.version,
    )
    monitored.refresh_from_db()
    assert monitored.state == MonitorState.MONITORED
    assert monitored.eliminated_on is None and monitored.elimination == ""
    event = monitored.events.get(kind=EventKind.ROLLED_BACK)
    assert event.reason == "户主再次住院，收入不稳定" and event.detail["mode"] == "assisted"
    with pytest.raises(MonitoringError, match="只有风险已消除"):
        elimination.roll_back(
            Actor(world.county_office), monitored.pk, "x", version=monitored.version
        )


def test_unanswered_by_risk_and_labour_as_filters(world, sms_outbox):
    schooling = identified(world, risks=(RiskKind.SCHOOLING, RiskKind.ILLNESS))
    idle = identified(
        world, new_family(world, members=[member("秦十", labour="none")]), risks=(RiskKind.OTHER,)
    )
    rows = Monitored.objects.all()
    assert list(measures.unanswered(rows, RiskKind.SCHOOLING)) == [schooling]
    measure(world, schooling, "education", risk=schooling.risks.get(kind="schooling"))
    assert not measures.unanswered(rows, RiskKind.SCHOOLING).exists()
    assert list(measures.unanswered(rows, RiskKind.ILLNESS)) == [schooling]
    assert list(rows.filter(measures.has_labour_q())) == [schooling]
    assert list(rows.exclude(measures.has_labour_q())) == [idle]

"""Every rule of the 数据质量检查 pack from both sides: a clean household breaks none, the
record that breaks a rule is listed by it, and the same record fixed is not."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from households import idnumbers
from households.models import Household, Member
from poverty_system.core.actor import Actor
from quality import rules
from quality.checks import identification_rules
from quality.rules.base import scoped_to
from units.models import Cadre, Measure, Survey, UnitVillage, VisitLog
from units.services import create_unit

from .conftest import PASSWORD
from .quality_data import (
    add_member,
    clean_household,
    end_pairings,
    head,
    other_household,
    update,
    update_head,
    years_ago,
)

NOW = timezone.now


def _flip_gender(h, w):
    update_head(h, gender="female" if head(h).gender == "male" else "male")


def _restore_gender(h, w):
    head_row = head(h)
    head_row.fill_from_id_number()
    update_head(h, gender=head_row.gender)


def _wrong_check_digit(h, w):
    number = head(h).id_number
    update_head(h, id_number=number[:17] + ("1" if number[17] != "1" else "2"))


def _restore_id(h, w):
    update_head(h, id_number=w.head_id)


def _duplicate_elsewhere(h, w):
    other = other_household(w)
    add_member(other, id_number=head(h).id_number, active=False, change="move_out")


def _fix_duplicate_elsewhere(h, w):
    Member.objects.filter(active=False, id_number=w.head_id).exclude(household=h).update(
        id_number="360731199001010000"
    )


def _cadre_is_member(h, w):
    Cadre.objects.filter(user=w.cadre_account).update(id_number=w.head_id)


def _second_unit(h, w):
    unit, _, _ = create_unit(
        Actor.system(w.county_office),
        name="于都县水利局",
        region=w.county,
        username="unit2",
        password=PASSWORD,
        must_change_password=False,
    )
    h.cadre_assignments.update(unit=unit)


def _shared_phone(h, w):
    for i in range(rules.PHONE_SHARED_BY - 1):
        other = other_household(w, name=f"同号{i}")
        update(other, phone=h.phone)


def _fix_shared_phone(h, w):
    Household.objects.exclude(pk=h.pk).update(phone="13700000000")


def _readd_measure(h, w):
    Measure.objects.create(
        survey=Survey.objects.get(household=h), kind="industry", description="补记措施"
    )


def _restore_pairings(h, w):
    from households.models import Claim

    Claim.objects.filter(household=h).update(ended_at=None)
    h.unit_links.update(ended_at=None)
    h.cadre_assignments.update(ended_at=None)


YEAR = timezone.localdate().year
TODAY = timezone.localdate


def _monitor(h, state="monitored", *, identified=None, eliminated=None, risks=(), **fields):
    """A monitored household (监测对象) of the clean household, as the monitoring chain ends."""
    from monitoring.models import Monitored, Risk

    monitored = Monitored.objects.create(
        household=h,
        village_code=h.village_code,
        category="unstable",
        state=state,
        year=YEAR,
        line=Decimal("7500"),
        identified_on=identified or TODAY() - datetime.timedelta(days=400),
        eliminated_on=eliminated,
        **fields,
    )
    for kind in risks:
        Risk.objects.create(monitored=monitored, kind=kind)
    return monitored


def _monitored(h):
    from monitoring.models import Monitored

    return Monitored.objects.filter(household=h)


def _measure(h, kind, risk_id=None):
    Measure.objects.create(
        survey=Survey.objects.get(household=h), kind=kind, description="监测帮扶", risk_id=risk_id
    )


def _answer_risk(h, w):
    from monitoring.models import Risk

    risk = Risk.objects.get(monitored__household=h)
    _measure(h, "health", risk.pk)


def _review(h, income):
    from monitoring.models import IncomeReview

    IncomeReview.objects.create(
        monitored=_monitored(h).get(), date=TODAY(), income_per_head=Decimal(income), by=w_account()
    )


def w_account():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="village")


def _no_labour(h, w, state="eliminated"):
    Member.objects.filter(household=h).update(labour="none")
    _monitor(h, state, eliminated=TODAY() if state == "eliminated" else None, risks=["no_labour"])


# code -> (break the clean household, fix it again); `w` is the world with `head_id` set.
CASES = {
    "A01": (lambda h, w: update_head(h, id_number=w.head_id[:17]), _restore_id),
    "A02": (lambda h, w: update_head(h, id_number=w.head_id[:16] + "A1"), _restore_id),
    "A03": (_wrong_check_digit, _restore_id),
    "A04": (_flip_gender, _restore_gender),
    "A05": (
        lambda h, w: update_head(h, birth_date=datetime.date(1981, 2, 3)),
        # The birth date the ID number says (make_id's day moves on every 1,000 numbers).
        lambda h, w: update_head(h, birth_date=idnumbers.birth_date(w.head_id)),
    ),
    "A06": (
        lambda h, w: update_head(h, birth_date=datetime.date(1890, 1, 1)),
        lambda h, w: update_head(h, birth_date=datetime.date(1980, 1, 1)),
    ),
    "A07": (_duplicate_elsewhere, _fix_duplicate_elsewhere),
    "A08": (
        lambda h, w: add_member(h, id_number=w.head_id, active=False, change="move_out"),
        lambda h, w: Member.objects.filter(household=h, active=False).delete(),
    ),
    "A09": (_cadre_is_member, lambda h, w: Cadre.objects.update(id_number="")),
    "A10": (lambda h, w: update(h, head_name="张四"), lambda h, w: update(h, head_name="张三")),
    "B01": (
        lambda h, w: update_head(h, relation="other"),
        lambda h, w: Member.objects.filter(household=h).update(relation="head"),
    ),
    "B02": (lambda h, w: update(h, size=0), lambda h, w: update(h, size=1)),
    "B03": (
        lambda h, w: add_member(h, "spouse", gender=head(h).gender, birth=years_ago(40)),
        lambda h, w: Member.objects.filter(household=h, relation="spouse").update(
            gender="female" if head(h).gender == "male" else "male"
        ),
    ),
    "B04": (
        lambda h, w: [add_member(h, "spouse") for _ in range(2)],
        lambda h, w: Member.objects.filter(household=h, relation="spouse").first().delete(),
    ),
    "B05": (lambda h, w: update(h, size=2), lambda h, w: update(h, size=1)),
    "B06": (
        lambda h, w: update_head(h, birth_date=years_ago(12)),
        lambda h, w: update_head(h, birth_date=years_ago(40)),
    ),
    "B07": (
        lambda h, w: add_member(h, birth=years_ago(10), labour="ordinary", school_status="primary"),
        lambda h, w: Member.objects.filter(household=h, relation="son").update(labour="none"),
    ),
    "B08": (
        lambda h, w: add_member(h, birth=years_ago(10), labour="none", school_status="none"),
        lambda h, w: Member.objects.filter(household=h, relation="son").update(
            school_status="primary"
        ),
    ),
    "B09": (
        lambda h, w: add_member(h, birth=years_ago(10), labour="none", school_status="preschool"),
        lambda h, w: Member.objects.filter(household=h, relation="son").update(
            school_status="primary"
        ),
    ),
    "B10": (lambda h, w: update_head(h, months_away=3), lambda h, w: update_head(h, months_away=0)),
    "B11": (
        lambda h, w: update_head(h, labour="lost", work_status="in_county", months_away=6),
        lambda h, w: update_head(h, labour="ordinary"),
    ),
    "B12": (
        lambda h, w: update_head(h, has_basic_medical=False),
        lambda h, w: update_head(h, has_basic_medical=True),
    ),
    "B13": (
        lambda h, w: add_member(h, "daughter", gender="male"),
        lambda h, w: Member.objects.filter(household=h, relation="daughter").update(relation="son"),
    ),
    "B14": (
        lambda h, w: add_member(h, "parent", birth=years_ago(20)),
        lambda h, w: Member.objects.filter(household=h, relation="parent").update(
            birth_date=datetime.date(1950, 1, 1)
        ),
    ),
    "B15": (
        lambda h, w: add_member(
            h,
            birth=years_ago(12),
            labour="none",
            school_status="primary",
            work_status="in_county",
            months_away=3,
        ),
        lambda h, w: Member.objects.filter(household=h, relation="son").update(
            work_status="none", months_away=0
        ),
    ),
    "C01": (lambda h, w: update(h, main_cause=""), lambda h, w: update(h, main_cause="illness")),
    "C02": (
        lambda h, w: update_head(h, health="healthy"),
        lambda h, w: update_head(h, health="chronic"),
    ),
    "C03": (
        lambda h, w: update(h, main_cause="disability"),
        lambda h, w: update_head(h, health="disabled"),
    ),
    "C04": (
        lambda h, w: update(h, main_cause="schooling"),
        lambda h, w: add_member(h, birth=years_ago(17), labour="none", school_status="senior"),
    ),
    "C05": (
        lambda h, w: [update(h, main_cause="labour"), add_member(h, birth=years_ago(30))],
        lambda h, w: Member.objects.filter(household=h, relation="son").update(labour="none"),
    ),
    "C06": (
        lambda h, w: update(h, other_causes=["illness", "skills"]),
        lambda h, w: update(h, other_causes=["skills"]),
    ),
    "C07": (
        lambda h, w: [update(h, main_cause="funds"), update_head(h, health="serious")],
        lambda h, w: update(h, other_causes=["skills", "illness"]),
    ),
    "D01": (
        lambda h, w: update(h, net_income_per_capita=Decimal("-1")),
        lambda h, w: update(h, net_income_per_capita=w.income),
    ),
    "D02": (
        lambda h, w: update(h, net_income_per_capita=Decimal("9000")),
        lambda h, w: update(h, net_income_per_capita=w.income),
    ),
    "D03": (
        lambda h, w: update(h, property_income=Decimal("-5")),
        lambda h, w: update(h, property_income=Decimal("0")),
    ),
    "D04": (
        lambda h, w: update(h, net_income_per_capita=Decimal("200000")),
        lambda h, w: update(h, net_income_per_capita=w.income),
    ),
    "D05": (
        lambda h, w: update(h, attribute="dibao", dibao_subsidy=0),
        lambda h, w: update(h, dibao_subsidy=Decimal("1200")),
    ),
    "D06": (
        lambda h, w: update(h, attribute="wubao"),
        lambda h, w: update(h, wubao_subsidy=Decimal("500"), dibao_subsidy=Decimal("700")),
    ),
    "D07": (
        lambda h, w: update(h, wage_income=Decimal("3000")),
        lambda h, w: update(h, wage_income=Decimal("2000")),
    ),
    "E01": (
        lambda h, w: update(h, status="lifted", net_income_per_capita=Decimal("100")),
        lambda h, w: update(h, net_income_per_capita=Decimal("6000")),
    ),
    "E02": (
        lambda h, w: update(h, status="lifted", house_danger="d"),
        lambda h, w: update(h, house_danger="none"),
    ),
    "E03": (
        lambda h, w: update(h, status="lifted", drinking_water_safe=False),
        lambda h, w: update(h, drinking_water_safe=True),
    ),
    "E04": (
        lambda h, w: [
            update(h, status="lifted"),
            add_member(h, birth=years_ago(9), labour="none", school_status="dropped_out"),
        ],
        lambda h, w: Member.objects.filter(household=h, relation="son").update(
            school_status="primary"
        ),
    ),
    "E05": (
        lambda h, w: [update(h, status="lifted"), update_head(h, has_basic_medical=False)],
        lambda h, w: update_head(h, has_basic_medical=True),
    ),
    "E06": (
        lambda h, w: [update(h, status="lifted"), Measure.objects.all().delete()],
        _readd_measure,
    ),
    "E07": (
        lambda h, w: update(
            h, status="registering", created_at=NOW() - datetime.timedelta(days=40)
        ),
        lambda h, w: update(h, created_at=NOW()),
    ),
    "E08": (lambda h, w: update(h, status="removed"), lambda h, w: end_pairings(h)),
    "F01": (
        lambda h, w: [end_pairings(h)],
        _restore_pairings,
    ),
    "F02": (
        lambda h, w: h.unit_links.update(ended_at=NOW()),
        lambda h, w: h.unit_links.update(ended_at=None),
    ),
    "F03": (
        lambda h, w: h.cadre_assignments.update(ended_at=NOW()),
        lambda h, w: h.cadre_assignments.update(ended_at=None),
    ),
    "F04": (
        lambda h, w: Cadre.objects.update(left_at=NOW()),
        lambda h, w: Cadre.objects.update(left_at=None),
    ),
    "F05": (_second_unit, lambda h, w: h.cadre_assignments.update(unit=w.unit)),
    "F06": (
        lambda h, w: Survey.objects.update(year=YEAR - 1),
        lambda h, w: Survey.objects.update(year=YEAR),
    ),
    "F07": (
        lambda h, w: VisitLog.objects.update(date=datetime.date(YEAR - 1, 12, 31)),
        lambda h, w: VisitLog.objects.update(date=datetime.date(YEAR, 1, 1)),
    ),
    "F08": (
        lambda h, w: UnitVillage.objects.update(ended_at=NOW()),
        lambda h, w: UnitVillage.objects.update(ended_at=None),
    ),
    "G01": (lambda h, w: update(h, phone=""), lambda h, w: update(h, phone="13812345678")),
    "G02": (lambda h, w: update(h, phone="12345"), lambda h, w: update(h, phone="0797-6212345")),
    "G03": (_shared_phone, _fix_shared_phone),
    "G04": (
        lambda h, w: update(h, forest_area=Decimal("-1")),
        lambda h, w: update(h, forest_area=Decimal("10")),
    ),
    "G05": (
        lambda h, w: update(h, irrigated_area=Decimal("10")),
        lambda h, w: update(h, irrigated_area=Decimal("2")),
    ),
    "G06": (
        lambda h, w: update(h, housing_area=0),
        lambda h, w: update(h, housing_area=Decimal("80")),
    ),
    "G07": (
        lambda h, w: update(h, distance_to_road_km=Decimal("80")),
        lambda h, w: update(h, distance_to_road_km=Decimal("1.5")),
    ),
    "G08": (
        lambda h, w: update(h, bank_account="62284800-12"),
        lambda h, w: update(h, bank_account="6228480012345678"),
    ),
    "G09": (
        lambda h, w: update(
            h, county_approval_date=h.township_review_date - datetime.timedelta(days=1)
        ),
        lambda h, w: update(h, county_approval_date=h.second_publicity_date),
    ),
    # 防止返贫监测
    "M01": (
        lambda h, w: _monitor(
            h,
            "eliminated",
            identified=TODAY() - datetime.timedelta(days=100),
            eliminated=TODAY(),
            risks=["illness"],
        ),
        lambda h, w: _monitored(h).update(identified_on=TODAY() - datetime.timedelta(days=200)),
    ),
    "M02": (
        lambda h, w: _monitor(
            h,
            identified=TODAY() - datetime.timedelta(days=40),
            risks=["illness"],
            medical_self_pay=Decimal("3000"),
        ),
        _answer_risk,
    ),
    "M03": (
        _no_labour,
        lambda h, w: _monitored(h).update(state="monitored", eliminated_on=None),
    ),
    "M04": (
        lambda h, w: _monitor(h, risks=["illness"]),
        lambda h, w: _monitored(h).update(medical_self_pay=Decimal("8000")),
    ),
    "M05": (
        lambda h, w: _monitor(h, risks=["schooling"]),
        lambda h, w: _measure(h, "education"),
    ),
    "M06": (
        lambda h, w: (
            _monitor(h, "eliminated", eliminated=TODAY(), risks=["disaster"]),
            _review(h, "6000"),
        ),
        lambda h, w: _review(h, "9000"),
    ),
    "M07": (
        lambda h, w: _no_labour(h, w, "monitored"),
        lambda h, w: _measure(h, "dibao"),
    ),
    "M08": (
        lambda h, w: _monitor(h),
        lambda h, w: _monitored(h).get().risks.create(kind="other"),
    ),
    "G10": (
        lambda h, w: update(h, main_fuel="electric", has_household_power=False),
        lambda h, w: update(h, has_household_power=True),
    ),
}


def test_every_rule_has_its_case_and_a_stable_code():
    codes = [r.code for r in rules.all_rules()]
    assert sorted(CASES) == codes
    assert len(codes) >= 40
    assert all(r.title and r.group for r in rules.all_rules())


@pytest.fixture
def clean(world):
    household = clean_household(world)
    world.head_id = head(household).id_number
    world.income = household.net_income_per_capita
    return household


def listed(code, household) -> bool:
    rule = rules.get(code)
    found = rule.households(Household.objects.all(), rules.Context.now())
    return found.filter(pk=household.pk).exists()


def test_the_clean_household_breaks_no_rule(clean):
    broken = [r.code for r in rules.all_rules() if listed(r.code, clean)]
    assert broken == []


def listed_in_batch(code, household) -> bool:
    """The rule as 县级比对 runs it: over a batch, reading only the batch's members."""
    rule = rules.get(code)
    with scoped_to([household.pk]):
        found = rule.households(Household.objects.filter(pk=household.pk), rules.Context.now())
        return found.exists()


BATCH_RULES = {r.code for r in identification_rules()}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_lists_the_breaking_record_and_not_the_fixed_one(clean, world, code):
    breaks, fixes = CASES[code]
    breaks(clean, world)
    assert listed(code, clean), f"{code} does not list the breaking record"
    if code in BATCH_RULES:
        assert listed_in_batch(code, clean), f"{code} misses the record in a batch"
    fixes(clean, world)
    assert not listed(code, clean), f"{code} still lists the fixed record"
    if code in BATCH_RULES:
        assert not listed_in_batch(code, clean), f"{code} lists the fixed record in a batch"


def test_a_batch_reads_only_its_own_households_members(clean, world):
    """Another household's broken record does not leak into the batch's hits."""
    other = other_household(world)
    update_head(other, gender="female" if head(other).gender == "male" else "male")
    assert listed("A04", other) and listed_in_batch("A04", other)
    assert not listed_in_batch("A04", clean)

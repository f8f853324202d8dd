"""Households for tests, built through the real actions of households.services (the
registration parts, claims, member changes), never by creating workflow rows directly."""

import datetime
import itertools
from decimal import Decimal

import pytest
from stdnum.cn import ric

from households import services
from households.choices import Relation
from poverty_system.core.actor import Actor

_sequence = itertools.count(1)


def make_id(seq: int | None = None, birth: str | None = None, area: str = "360731") -> str:
    """A valid 18-digit ID number (GB 11643 check digit); a fresh one unless seq is given. A
    given birth date is always kept (ages matter to the checks); without one the birth day
    moves on from 1980-01-01 every 1,000 numbers to keep them distinct."""
    seq = next(_sequence) if seq is None else seq
    if birth is None:
        birth = f"{datetime.date(1980, 1, 1) + datetime.timedelta(days=seq // 1000):%Y%m%d}"
    body = f"{area}{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def member(name: str, relation: str = Relation.HEAD, id_number: str | None = None, **extra) -> dict:
    data = {
        "name": name,
        "id_number": id_number or make_id(),
        "relation": relation,
        "ethnicity": "汉族",
        "education": "junior",
        "school_status": "none",
        "health": "healthy",
        "labour": "ordinary",
        "work_status": "none",
        "months_away": 0,
        "has_basic_medical": True,
        "has_serious_illness": False,
        "has_pension": False,
    }
    data.update(extra)
    return data


BASIC = {
    "group": "第一组",
    "attribute": "general",
    "standard": "national",
    "phone": "13812345678",
    "bank_name": "于都县农村信用社",
    "bank_account": "6228480012345678",
}

PRODUCTION = {
    "arable_area": Decimal("3.5"),
    "irrigated_area": Decimal("2"),
    "forest_area": Decimal("10"),
    "returned_farmland_area": Decimal("0"),
    "pasture_area": Decimal("0"),
    "water_surface_area": Decimal("0"),
    "has_production_power": True,
    "has_household_power": True,
    "drinking_water_safe": True,
    "drinking_water_difficult": False,
    "distance_to_road_km": Decimal("1.5"),
    "road_type": "gravel",
    "housing_area": Decimal("80"),
    "house_danger": "none",
    "has_sanitary_toilet": False,
    "main_fuel": "firewood",
    "in_cooperative": False,
}
INCOME = {
    "wage_income": Decimal("6000"),
    "business_income": Decimal("2000"),
    "property_income": Decimal("0"),
    "family_planning_subsidy": Decimal("0"),
    "dibao_subsidy": Decimal("1200"),
    "wubao_subsidy": Decimal("0"),
    "pension_income": Decimal("0"),
    "ecological_compensation": Decimal("0"),
    "other_transfer_income": Decimal("0"),
    "production_costs": Decimal("1200"),
}  # total 9,200 − 1,200 = 8,000
CAUSES = {"main_cause": "illness", "other_causes": ["skills"], "cause_note": ""}
APPLICATION = {
    "application_statement": "因病致贫，申请纳入扶贫对象。",
    "application_date": datetime.date(2016, 3, 1),
}
SURVEY = {
    "survey_by": "刘书记",
    "survey_date": datetime.date(2016, 3, 5),
    "survey_findings": "情况属实。",
}
APPROVAL = {
    "appraisal_date": datetime.date(2016, 3, 10),
    "appraisal_result": "通过",
    "first_publicity_date": datetime.date(2016, 3, 11),
    "first_publicity_result": "无异议",
    "township_review_date": datetime.date(2016, 3, 20),
    "township_review_result": "同意",
    "second_publicity_date": datetime.date(2016, 3, 21),
    "second_publicity_result": "无异议",
    "county_approval_date": datetime.date(2016, 4, 1),
    "county_approval_result": "批准",
}
PARTS = {2: PRODUCTION, 3: INCOME, 4: CAUSES, 5: APPLICATION, 6: SURVEY, 7: APPROVAL}


def register(
    account, phone, members=None, *, village=None, parts_done: int = 7, admitted=True, **basic
):
    """A household entered by `account` under `phone` up to `parts_done` parts (7 and
    `admitted`: taken through 两公示一比对一公告 by the real actions, a poor household claimed
    by the phone; 7 without: registered, waiting for its identification)."""
    from villages.models import Region

    if village is None:
        village = Region.objects.get(
            grants__user=account, grants__permission__codename="view_slice"
        )
    members = members or [member("张三")]
    household = services.start_registration(
        Actor(account, phone), village, {**BASIC, **basic}, members
    )
    for number in range(2, parts_done + 1):
        household = services.save_part(
            Actor(account, phone), household, number, dict(PARTS[number])
        )
    household.refresh_from_db()
    if parts_done == 7 and admitted:
        from .identification_data import admit

        admit(household, Actor(account, phone))
    return household


# --- POST data of the registration pages --------------------------------------------------


def _encode(value):
    if value is True:
        return "on"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _fields(data: dict, prefix: str = "") -> dict:
    out = {}
    for name, value in data.items():
        if value is False or value is None:
            continue
        out[f"{prefix}{name}"] = (
            [_encode(v) for v in value] if isinstance(value, list) else _encode(value)
        )
    return out


def part1_post(members: list[dict], existing: list | None = None, **basic) -> dict:
    """POST data of 家庭基本情况: the household fields and the member rows; `existing` are
    the Member rows already saved, in the order the page lists them (first rows)."""
    existing = existing or []
    data = _fields({**BASIC, **basic}, "basic-")
    data.update(
        {
            "members-TOTAL_FORMS": str(len(members)),
            "members-INITIAL_FORMS": str(len(existing)),
            "members-MIN_NUM_FORMS": "0",
            "members-MAX_NUM_FORMS": "1000",
        }
    )
    for index, row in enumerate(members):
        data.update(_fields(row, f"members-{index}-"))
        if index < len(existing):
            data[f"members-{index}-id"] = str(existing[index].pk)
    if existing:
        data["basic-version"] = str(current_version(existing[0].household_id))
    return data


def current_version(household_pk) -> int:
    """The version an edit form opened now would carry."""
    from households.models import Household

    return Household.objects.values_list("version", flat=True).get(pk=household_pk)


def part_post(household, number: int, **overrides) -> dict:
    """POST data of part `number` as the form opened now would send it (with its version)."""
    return {
        **_fields({**PARTS[number], **overrides}),
        "version": str(current_version(household.pk)),
    }


def member_rows(household) -> tuple[list[dict], list]:
    """The active members of a household as part-1 rows (to post an edit)."""
    from households.services import MEMBER_FIELDS

    rows = household.members.filter(active=True).order_by("pk")
    return [{name: getattr(m, name) for name in MEMBER_FIELDS} for m in rows], list(rows)


@pytest.fixture(autouse=True)
def no_sms_throttle(settings):
    """Tests log the same village account in with several phones one after another; the
    60-second resend limit of the SMS step would refuse the second login."""
    settings.SMS_RESEND_SECONDS = 0

"""Demo of 两公示一比对一公告 for the demo accounts (make run): households of 仓前村 waiting at
each office's step, so each demo account finds something to do. Idempotent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from households import services as household_services
from households.choices import Relation
from households.models import Household
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from villages.models import Region, User

from . import rounds, services
from .models import CountyRules, KeyHousehold, Round
from .states import StepInput

VILLAGE, TOWNSHIP, COUNTY = "cangqian_village", "gongjiang_town", "yudu_county"
# head name, the step the demo household waits at (the village's 申请, the township's 乡镇审核,
# the county's 县级比对)
DEMO = (
    ("钟申请", "待发起识别申请"),
    ("钟审核", "township_review"),
    ("钟比对", "county_check"),
)


def _ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _id_number(seq: int) -> str:
    from stdnum.cn import ric

    body = f"36073119800101{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def _head(name: str, seq: int) -> dict:
    return {
        "name": name,
        "id_number": _id_number(seq),
        "relation": Relation.HEAD,
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


def ensure_identification_demo() -> int:
    accounts = {
        u.username: u for u in User.objects.filter(username__in=(VILLAGE, TOWNSHIP, COUNTY))
    }
    if len(accounts) < 3:
        raise RuntimeError("请先创建演示账号：manage.py seed_demo")
    village_account = accounts[VILLAGE]
    phone = village_account.phones.active().order_by("pk").first()
    village = Region.objects.get(
        grants__user=village_account, grants__permission__codename="view_slice"
    )
    county = village.parent.parent
    CountyRules.objects.get_or_create(
        county=county,
        defaults={"township_phone": "0797-6221234", "county_phone": "0797-6212317"},
    )
    actor = Actor.system(village_account, phone=phone)
    township = Actor.system(accounts[TOWNSHIP])
    made = 0
    for seq, (name, until) in enumerate(DEMO, start=701):
        if Household.objects.filter(village=village, head_name=name).exists():
            continue
        household = household_services.start_registration(
            actor, village, {"group": "五组"}, [_head(name, seq)]
        )
        for number in range(2, 8):
            household = household_services.save_part(actor, household, number, {})
        made += 1
        if until not in ("township_review", "county_check"):
            continue
        case = services.start_case(
            actor,
            household.pk,
            "new",
            "poor",
            StepInput(opinion="经民主评议，同意纳入", date=_ago(20)),
        )
        services.advance(
            actor,
            case.pk,
            "village_publicity",
            StepInput(opinion="无异议", start_date=_ago(19), end_date=_ago(12)),
        )
        if until == "county_check":
            services.advance(township, case.pk, "township_review", StepInput(opinion="同意"))
            services.advance(
                township,
                case.pk,
                "township_publicity",
                StepInput(opinion="无异议", start_date=_ago(11), end_date=_ago(4)),
            )
    poor = Household.objects.filter(village=village, status="poor").order_by("number").first()
    if poor is not None and not KeyHousehold.objects.filter(household=poor).exists():
        services.mark_key(township, poor.pk, "elderly_alone", "独居，子女在外务工")
    _open_round(Actor.system(accounts[COUNTY]), county)
    return made


def _open_round(county_actor: Actor, county: Region) -> None:
    """This year's 年度动态管理 of the county, open, its deadlines spread over the year."""
    year = current_year()
    if Round.objects.filter(county=county, year=year).exists():
        return
    due = {
        name: datetime.date(year, month, 28 if month == 2 else 30)
        for name, month in zip(Round.DEADLINES, (2, 6, 9, 11, 12), strict=True)
    }
    rounds.open_round(county_actor, county, year, due)

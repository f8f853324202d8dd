"""The households of `make run`: a few hundred in villages of 贡江镇, some claimed by the
demo phones, with the status changes behind the non-poor statuses."""

import datetime

from django.db import transaction
from django.utils import timezone

from households.choices import HouseholdStatus
from households.models import Claim, Household, StatusChange
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from villages.models import Region, User, VillagePhone, code_range

from .accounts import DEMO_OFFICES, VILLAGE
from .seeding import SeedError, SeedResult, seed_households

DEMO_TOWNSHIP = "360731100"  # 贡江镇
DEMO_VILLAGES = {  # village code -> households: 仓前村委会 is the demo village account
    "360731100201": 80,
    "360731100200": 45,
    "360731100202": 45,
    "360731100203": 45,
    "360731100204": 45,
    "360731100205": 40,
}
DEMO_SEED = 2016
DEMO_CLAIMS = [("13800000001", 30), ("13800000002", 10)]  # phone, households of 仓前村


def demo_exists() -> bool:
    lo, hi = code_range(DEMO_TOWNSHIP)
    return Household.objects.filter(village_code__gte=lo, village_code__lt=hi).exists()


@transaction.atomic
def seed_demo_households(actor: Actor | None = None) -> SeedResult | None:
    """The households of `make run`: a few hundred in villages of 贡江镇, some of 仓前村's
    claimed by the demo phones, the rest left for the village to claim, each with its
    baseline change-log rows stamped with `actor`. Does nothing when the township already
    has households."""
    if demo_exists():
        return None
    username = next(u for u, role, _name, _code in DEMO_OFFICES if role == "village")
    account = User.objects.filter(username=username).first()
    if account is None:
        raise SeedError("请先创建演示账号：manage.py seed_demo")
    township = Region.objects.get(code=DEMO_TOWNSHIP)
    villages = list(Region.objects.filter(code__in=DEMO_VILLAGES).order_by("code"))
    result = SeedResult()
    for village in villages:
        part = seed_households(
            township,
            DEMO_VILLAGES[village.code],
            seed=DEMO_SEED + int(village.code[-3:]),
            villages=[village],
            actor=actor,
        )
        result.households += part.households
        result.members += part.members
        result.household_ids += part.household_ids
        result.villages += 1
    _claim_demo(account)
    _demo_history(result.household_ids)
    return result


def _claim_demo(account) -> int:
    lo, hi = Region.objects.get(code=VILLAGE).code_range
    households = list(
        Household.objects.filter(village_code__gte=lo, village_code__lt=hi)
        .order_by("number")
        .values_list("pk", flat=True)
    )
    claims, start = [], 0
    for phone_number, n in DEMO_CLAIMS:
        phone = VillagePhone.objects.active().filter(account=account, phone=phone_number).first()
        if phone is None:
            continue
        # every other household, so claimed and unclaimed ones alternate in the list
        chosen = households[start : start + 2 * n : 2]
        start += 2 * n
        claims += [Claim(household_id=pk, account=account, phone=phone) for pk in chosen]
    Claim.objects.bulk_create(claims)
    return len(claims)


def _demo_history(household_ids: list[int]) -> None:
    """The status history behind the demo's statuses, dated in earlier years as a real
    county's would be: every household registered (登记中 → 贫困户) two years ago by the
    village, the non-poor ones lifted last year by the township (and then 不再享受政策 or
    returned by the county). So this year's 脱贫规模, 脱贫情况 and 综合回退 start empty and
    last year's poor population is what the demo shows."""
    village = User.objects.filter(username="cangqian_village").first()
    township = User.objects.filter(username="gongjiang_town").first()
    county = User.objects.filter(username="yudu_county").first()
    if village is None or township is None or county is None:
        return
    this_year = current_year()
    registered = ("registering", "poor", village, "扶贫对象审批表已填写完成，登记为贫困户。")
    lifted = ("poor", "lifted", township, "两不愁三保障已落实，人均纯收入超过脱贫标准，同意脱贫。")
    steps = {
        HouseholdStatus.POOR: [registered],
        HouseholdStatus.LIFTED: [registered, lifted],
        HouseholdStatus.LIFTED_NO_SUPPORT: [
            registered,
            lifted,
            ("lifted", "lifted_no_support", township, "稳定脱贫，不再享受扶贫政策。"),
        ],
        HouseholdStatus.RETURNED: [
            registered,
            lifted,
            ("lifted", "returned", county, "因病返贫，家庭收入低于扶贫标准。"),
        ],
    }
    # (year, month, day) of the n-th step: registration, exit, the step after the exit.
    dates = [(this_year - 2, 3, 15), (this_year - 1, 6, 30), (this_year - 1, 11, 20)]
    changes, when = [], []
    for pk, status in Household.objects.filter(pk__in=household_ids).values_list("pk", "status"):
        for step, (from_status, to_status, actor, reason) in enumerate(steps.get(status, [])):
            year, month, day = dates[step]
            changes.append(
                StatusChange(
                    household_id=pk,
                    year=year,
                    from_status=from_status,
                    to_status=to_status,
                    reason=reason,
                    actor=actor,
                )
            )
            when.append(
                datetime.datetime(year, month, day, 10, tzinfo=timezone.get_current_timezone())
            )
    StatusChange.objects.bulk_create(changes)
    # `at` is set on insert (auto_now_add); the demo's dates are in the past.
    for change, at in zip(changes, when, strict=True):
        change.at = at
    StatusChange.objects.bulk_update(changes, ["at"], batch_size=500)

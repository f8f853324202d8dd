"""The households of `make run`: a few hundred in villages of 贡江镇, some claimed by the
demo phones, with the status changes behind the non-poor statuses."""

from django.db import transaction
from django.utils import timezone

from poverty_system.actor import Actor
from villages.models import Region, User, VillagePhone, code_range

from ..choices import HouseholdStatus
from ..models import Claim, Household, StatusChange
from .spread import SeedError, SeedResult, seed_households

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
    from villages.demo import DEMO_OFFICES

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
    from villages.demo import VILLAGE

    lo, hi = Region.objects.get(code=VILLAGE).code_range
    households = list(
        Household.objects.filter(village_code__gte=lo, village_code__lt=hi)
        .order_by("number")
        .values_list("pk", flat=True)
    )
    claims, start = [], 0
    for phone_number, n in DEMO_CLAIMS:
        phone = VillagePhone.objects.filter(
            account=account, phone=phone_number, active=True
        ).first()
        if phone is None:
            continue
        # every other household, so claimed and unclaimed ones alternate in the list
        chosen = households[start : start + 2 * n : 2]
        start += 2 * n
        claims += [Claim(household_id=pk, account=account, phone=phone) for pk in chosen]
    Claim.objects.bulk_create(claims)
    return len(claims)


def _demo_history(household_ids: list[int]) -> None:
    """Status changes behind the demo's non-poor statuses, by the demo offices."""
    township = User.objects.filter(username="gongjiang_town").first()
    county = User.objects.filter(username="yudu_county").first()
    if township is None or county is None:
        return
    year = timezone.localdate().year
    lifted = ("poor", "lifted", township, "两不愁三保障已落实，人均纯收入超过脱贫标准，同意脱贫。")
    steps = {
        HouseholdStatus.LIFTED: [lifted],
        HouseholdStatus.LIFTED_NO_SUPPORT: [
            lifted,
            ("lifted", "lifted_no_support", township, "稳定脱贫，不再享受扶贫政策。"),
        ],
        HouseholdStatus.RETURNED: [
            lifted,
            ("lifted", "returned", county, "因病返贫，家庭收入低于扶贫标准。"),
        ],
    }
    changes = []
    for pk, status in (
        Household.objects.filter(pk__in=household_ids)
        .exclude(status=HouseholdStatus.POOR)
        .values_list("pk", "status")
    ):
        for from_status, to_status, actor, reason in steps.get(status, []):
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
    StatusChange.objects.bulk_create(changes)

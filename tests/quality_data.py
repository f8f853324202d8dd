"""A household that breaks no rule of the pack, and the records that break each rule.

The clean household is built through the real actions (registration, claim, unit link,
cadre assignment, survey with a measure, a visit). Breaking a rule writes the bad value
straight into the table, as an import or old data would; fixing it writes the good one.
"""

import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from households.models import Claim, Household, Member
from poverty_system.core.actor import Actor
from units import services as unit_services

from .assessment_data import poor_household
from .households_data import make_id, member, register
from .units_data import link_world_village, the_cadre

# 2,000 yuan per head: below every year's default line, so the poor household is not "above".
LOW_INCOME = {3: {"wage_income": Decimal("2000"), "business_income": Decimal("0")}}


def clean_household(world):
    link_world_village(world)
    household = poor_household(world, members=[member("张三", health="chronic")], parts=LOW_INCOME)
    actor = Actor(world.village_account, world.phone)
    unit_services.link_households(actor, [household], world.unit)
    cadre_actor = Actor.system(world.cadre_account)
    unit_services.assign_households(
        Actor.system(world.unit_account), the_cadre(world), [household.pk]
    )
    unit_services.save_survey(
        cadre_actor,
        household,
        wishes="发展种养",
        exit_year=timezone.localdate().year + 1,
        measures=[{"kind": "industry", "description": "养殖补助", "amount": "2000"}],
    )
    unit_services.add_visit(
        cadre_actor, household, date=timezone.localdate(), content="走访，了解生产情况。"
    )
    # The chain ran its 公示 periods in the past (a test cannot wait for them) but recorded
    # its reviews today; in real time each review falls between its 公示 periods.
    Household.objects.filter(pk=household.pk).update(
        township_review_date=F("first_publicity_date"),
        county_approval_date=F("second_publicity_date"),
    )
    household.refresh_from_db()
    return household


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - datetime.timedelta(
        days=days
    )


def add_member(household, relation="son", *, birth: datetime.date | None = None, **fields):
    """A member row as an import writes it (gender and birth date from the ID number)."""
    born = birth or years_ago(20)
    row = Member(
        household=household,
        name=fields.pop("name", "成员"),
        id_number=fields.pop("id_number", None) or make_id(birth=f"{born:%Y%m%d}"),
        relation=relation,
        **fields,
    )
    row.fill_from_id_number()
    if "gender" in fields:
        row.gender = fields["gender"]
    row.save()
    return row


def other_household(world, name="李四"):
    return register(world.village_account, world.phone, [member(name)], parts_done=1)


def update(household, **values):
    Household.objects.filter(pk=household.pk).update(**values)


def update_head(household, **values):
    Member.objects.filter(household=household, relation="head").update(**values)


def head(household) -> Member:
    return Member.objects.get(household=household, relation="head")


def end_pairings(household):
    now = timezone.now()
    Claim.objects.active().filter(household=household).update(ended_at=now)
    household.unit_links.update(ended_at=now)
    household.cadre_assignments.update(ended_at=now)

"""Households taken through the identification chain by the real actions (申请 → 公告)."""

import datetime

from django.utils import timezone

from households.choices import HouseholdStatus
from identification import services
from identification.chains import NEW
from identification.models import Case
from identification.states import StepInput
from poverty_system.core.actor import Actor
from poverty_system.core.roles import SLICE, Role
from villages.models import RegionUserObjectPermission


def office_of(village_code: str, role: str):
    """The office account of `role` over the village (its township or its county)."""
    digits = 9 if role == Role.TOWNSHIP else 6
    grant = (
        RegionUserObjectPermission.objects.filter(
            user__role=role,
            user__is_active=True,
            permission__codename=SLICE,
            content_object__code=village_code[:digits],
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert grant is not None, f"no {role} office over {village_code}"
    return grant.user


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


# (step, input) of the admission chain with dates in the past, so no step waits.
def admission_inputs():
    return [
        ("apply", StepInput(opinion="经民主评议，同意申请", date=days_ago(40))),
        (
            "village_publicity",
            StepInput(opinion="无异议", start_date=days_ago(39), end_date=days_ago(30)),
        ),
        ("township_review", StepInput(opinion="同意")),
        (
            "township_publicity",
            StepInput(opinion="无异议", start_date=days_ago(29), end_date=days_ago(20)),
        ),
        ("county_check", StepInput(opinion="比对无问题")),
        ("county_approval", StepInput(opinion="批准")),
        ("announcement", StepInput(opinion="公告", start_date=days_ago(19))),
    ]


def admit(household, village_actor: Actor, *, until: str | None = None, kind: str = NEW):
    """Take a registered household (all seven parts) through 两公示一比对一公告 up to and
    including step `until` (None: to 公告, the household becomes 贫困户)."""
    township = Actor(office_of(household.village_code, Role.TOWNSHIP))
    county = Actor(office_of(household.village_code, Role.COUNTY))
    actors = {"village": village_actor, "township": township, "county": county}
    steps = admission_inputs()
    code, data = steps[0]
    target = HouseholdStatus.POOR if kind == NEW else HouseholdStatus.RETURNED
    case = services.start_case(village_actor, household.pk, kind, target, data)
    from identification.chains import chain_of

    chain = chain_of(kind)
    if until == code:
        return case
    for code, data in steps[1:]:
        step = chain.step(code)
        services.advance(actors[step.role], case.pk, code, data)
        if until == code:
            break
    case = Case.objects.get(pk=case.pk)
    household.refresh_from_db()
    return case

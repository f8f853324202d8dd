"""Monitored households for tests, built through the real actions: a lead (leads.receive), the
village's 入户核实 (monitoring.identify.start) and the chain's steps
(identification.services.advance), with dates in the past so no 公示 waits.

Time: the elimination gate counts months from `Monitored.identified_on`; `identified_months_ago`
moves that date back (the one documented test helper that edits a row directly, standing for
"six months later"), everything else goes through the actions.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from assessment.services.exits import mark_lifted
from households.choices import HouseholdStatus
from identification import services as identification
from identification.states import StepInput
from monitoring import identify
from monitoring.chains import ELIMINATION, MONITORING
from monitoring.choices import Category, Channel, RiskKind
from monitoring.leads import Report, receive
from monitoring.models import Monitored
from poverty_system.core.actor import Actor

from .households_data import member, register
from .identification_data import days_ago


def consent(name="承诺授权书.png"):
    """The household's signed 承诺授权书 (a real PNG)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def village_actor(world):
    return Actor(world.village_account, world.phone)


def new_family(world, name="赵六", members=None):
    """A family never registered as poor (登记中, part 1 only)."""
    return register(
        world.village_account,
        world.phone,
        members or [member(name)],
        parts_done=1,
        admitted=False,
    )


def lifted_household(world, name="钱七", members=None):
    """A 脱贫 household: registered, identified, lifted by the township."""
    household = register(world.village_account, world.phone, members or [member(name)])
    mark_lifted(Actor(world.township_office), [household.pk], HouseholdStatus.LIFTED, "达标脱贫")
    household.refresh_from_db()
    return household


def lead_of(world, household, hardship="户主住院，花费较大"):
    with transaction.atomic():
        lead, _ = receive(
            village_actor(world),
            Report(world.village, Channel.CADRE, hardship, household=household),
        )
    return lead


def visit_input(**overrides):
    data = {"opinion": "入户核实，情况属实", "date": days_ago(30), "files": [consent()]}
    data.update(overrides)
    return StepInput(**data)


def start(world, household, category=Category.MARGINAL, risks=(RiskKind.ILLNESS,), **overrides):
    lead = lead_of(world, household)
    return identify.start(
        village_actor(world),
        lead.pk,
        category=category,
        risks=list(risks),
        data=visit_input(**overrides),
    )


def chain_inputs():
    return [
        ("m_check", "county", StepInput(opinion="比对无问题")),
        (
            "m_village",
            "village",
            StepInput(
                opinion="民主评议通过，公示无异议", start_date=days_ago(29), end_date=days_ago(20)
            ),
        ),
        ("m_township", "township", StepInput(opinion="同意")),
        ("m_county", "county", StepInput(opinion="批准")),
        ("m_notice", "county", StepInput(opinion="公告", start_date=days_ago(19))),
    ]


def actors(world):
    return {
        "village": village_actor(world),
        "township": Actor(world.township_office),
        "county": Actor(world.county_office),
    }


def advance_to(world, monitored, until=None, inputs=None):
    """The monitoring case's steps after 入户核实, up to and including `until` (None: 公告)."""
    people = actors(world)
    for code, who, data in inputs or chain_inputs():
        identification.advance(people[who], monitored.case_id, code, data)
        if code == until:
            break
    monitored.refresh_from_db()
    return monitored


def identified(world, household=None, category=None, risks=(RiskKind.ILLNESS,)):
    """A household taken through the whole monitoring chain (风险未消除)."""
    household = household or new_family(world)
    category = category or (
        Category.UNSTABLE
        if household.status in (HouseholdStatus.LIFTED, HouseholdStatus.LIFTED_NO_SUPPORT)
        else Category.MARGINAL
    )
    monitored = start(world, household, category, risks)
    return advance_to(world, monitored)


def identified_months_ago(monitored, months):
    """Test helper standing for time passing: the identification moved `months` months back."""
    on = monitored.identified_on or timezone.localdate()
    year, month = divmod(on.month - 1 - months, 12)
    moved = on.replace(year=on.year + year, month=month + 1, day=min(on.day, 28))
    Monitored.objects.filter(pk=monitored.pk).update(identified_on=moved)
    monitored.refresh_from_db()
    return monitored


__all__ = ["ELIMINATION", "MONITORING"]

"""The units part of `make run`: the demo unit assists demo villages, has a second cadre with
a login, and some households of 仓前村 are linked to it and assigned to its cadres, so the
unit and cadre accounts have something to see on first login. Idempotent."""

from __future__ import annotations

from households.models import Claim, Household
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from units import services
from units.models import Assignment, Cadre, HouseholdLink, Unit, UnitVillage
from villages.models import Region, User, VillagePhone

from .accounts import (
    COUNTY,
    DEMO_CADRE,
    DEMO_OFFICES,
    DEMO_PASSWORD,
    DEMO_PHONES,
    DEMO_UNIT,
    SECOND_CADRE,
)

DEMO_VILLAGES = ["360731100201", "360731100200"]  # 仓前村委会 and its neighbour
LINKED, ASSIGNED_EACH = 20, 6  # households of 仓前村 linked to the unit, assigned per cadre


def ensure_units_demo() -> dict:
    """Each step is one action (its own transaction); a step already done is skipped."""
    unit = Unit.objects.filter(name=DEMO_UNIT[1]).first()
    unit_account = User.objects.filter(username=DEMO_UNIT[0]).first()
    if unit is None or unit_account is None:
        raise RuntimeError("请先创建演示账号：manage.py seed_demo")
    actor = Actor.system(unit_account)
    done = {"village_links": 0, "cadres": 0, "household_links": 0, "assignments": 0}
    for code in DEMO_VILLAGES:
        village = Region.objects.filter(code=code).first()
        if village is None:
            continue
        if not UnitVillage.objects.filter(unit=unit, village=village).exists():
            link = services.link_village(
                actor, unit, village, plan="发展脐橙和蔬菜产业，带动贫困户务工增收（2016—2018）。"
            )
            services.save_village_plans(
                actor,
                link,
                plan=link.plan,
                year=current_year(),
                annual_plan="本年度完成 20 户产业帮扶，组织 2 期技能培训。",
                version=link.version,
                plan_version=None,
            )
            done["village_links"] += 1
    if not User.objects.filter(username=SECOND_CADRE[0]).exists():
        services.create_cadre_account(
            Actor.system(unit_account),
            unit,
            username=SECOND_CADRE[0],
            name=SECOND_CADRE[1],
            phone=SECOND_CADRE[2],
            password=DEMO_PASSWORD,
            must_change_password=False,
        )
        done["cadres"] += 1
    if HouseholdLink.objects.filter(unit=unit).exists():
        return done
    username = next(u for u, role, _name, _code in DEMO_OFFICES if role == "village")
    village_account = User.objects.get(username=username)
    phone = VillagePhone.objects.active().get(account=village_account, phone=DEMO_PHONES[0][0])
    claimed = Claim.objects.active().filter(phone=phone).values("household_id")
    households = list(
        Household.objects.filter(pk__in=claimed)
        .exclude(status="removed")
        .order_by("number")[:LINKED]
    )
    if not households:
        return done
    services.link_households(Actor.system(village_account, phone=phone), households, unit)
    done["household_links"] = len(households)
    cadres = [
        Cadre.objects.get(user__username=DEMO_CADRE[0]),
        Cadre.objects.get(user__username=SECOND_CADRE[0]),
    ]
    for index, cadre in enumerate(cadres):
        chosen = households[index * ASSIGNED_EACH : (index + 1) * ASSIGNED_EACH]
        if chosen:
            services.assign_households(actor, cadre, [h.pk for h in chosen])
            done["assignments"] += len(chosen)
    return done


def demo_summary() -> str:
    unit = Unit.objects.filter(name=DEMO_UNIT[1]).first()
    if unit is None:
        return ""
    linked = HouseholdLink.objects.filter(unit=unit, ended_at__isnull=True).count()
    assigned = Assignment.objects.filter(unit=unit, ended_at__isnull=True).count()
    villages = unit.village_links.filter(ended_at__isnull=True).count()
    return f"{unit.name}：帮扶村 {villages} 个，关联 {linked} 户，已分配 {assigned} 户。"


def ensure_demo_unit() -> int:
    """The demo unit account and its first cadre (seed_demo); returns how many were created."""
    created = 0
    county = User.objects.get(username="yudu_county")
    unit = Unit.objects.filter(name=DEMO_UNIT[1]).first()
    if unit is None:
        unit, _, _ = services.create_unit(
            Actor.system(county),
            name=DEMO_UNIT[1],
            region=Region.objects.get(code=COUNTY),
            username=DEMO_UNIT[0],
            password=DEMO_PASSWORD,
            must_change_password=False,
        )
        created += 1
    if not User.objects.filter(username=DEMO_CADRE[0]).exists():
        services.create_cadre_account(
            Actor.system(User.objects.get(username=DEMO_UNIT[0])),
            unit,
            username=DEMO_CADRE[0],
            name=DEMO_CADRE[1],
            phone=DEMO_CADRE[2],
            password=DEMO_PASSWORD,
            must_change_password=False,
        )
        created += 1
    return created

"""Pairings for tests, built through the units actions (never raw workflow rows)."""

from poverty_system.core.actor import Actor
from units import services

from .households_data import register


def village_actor(world, phone=None) -> Actor:
    return Actor(user=world.village_account, phone=phone or world.phone)


def link_world_village(world, plan: str = "产业帮扶三年规划"):
    """The world's unit assists the world's village (帮扶情况登记表)."""
    return services.link_village(
        Actor.system(world.unit_account), world.unit, world.village, plan=plan
    )


def linked_household(world, **basic):
    """A registered household of the world's village, claimed by world.phone and linked to
    the world's unit (the unit must already assist the village)."""
    household = register(world.village_account, world.phone, **basic)
    services.link_households(village_actor(world), [household], world.unit)
    return household


def the_cadre(world):
    from units.models import Cadre

    return Cadre.objects.get(user=world.cadre_account)


def assigned_household(world, **basic):
    household = linked_household(world, **basic)
    services.assign_households(Actor.system(world.unit_account), the_cadre(world), [household.pk])
    return household

"""One answer to "may this account see this household?": households.access for all seven
roles. A unit account sees the households actively linked to its unit, a cadre account the
households of its active assignments, and neither sees any other, nor one whose link or
assignment has ended."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from households.access import filter_households, get_household_for_user
from households.models import Household
from poverty_system.core.actor import Actor
from poverty_system.core.roles import EDIT_HOUSEHOLDS, VIEW
from units import services as unit_services
from villages.models import User

from .households_data import make_id, member, register
from .units_data import assigned_household, link_world_village, linked_household, the_cadre

VIEW_LIST = "/households/view/"


def fresh(user):
    """The account as a new request loads it (no cached slice)."""
    return User.objects.get(pk=user.pk)


def scope(user) -> set[str]:
    return set(
        filter_households(Household.objects.all(), fresh(user)).values_list("number", flat=True)
    )


@pytest.fixture
def households(world):
    link_world_village(world)
    assigned = assigned_household(world)  # linked to the unit and assigned to its cadre
    linked = linked_household(world)  # linked only
    unlinked = register(world.village_account, world.phone, [member("赵六", id_number=make_id())])
    other = register(
        world.other_village_account, world.other_phone, [member("钱七", id_number=make_id())]
    )
    return assigned, linked, unlinked, other


def test_unit_and_cadre_see_exactly_their_households_through_the_one_scope(world, households):
    assigned, linked, unlinked, other = households
    assert scope(world.unit_account) == {assigned.number, linked.number}
    assert scope(world.cadre_account) == {assigned.number}
    # The offices and the village keep their region slices.
    assert scope(world.township_office) == {h.number for h in (assigned, linked, unlinked)}
    assert scope(world.other_township_office) == {other.number}

    for account, mine, theirs in (
        (world.unit_account, linked, unlinked),
        (world.cadre_account, assigned, linked),
    ):
        assert get_household_for_user(fresh(account), mine.pk, VIEW) == mine
        with pytest.raises(PermissionDenied):  # in its scope, not its role's to edit: 403
            get_household_for_user(fresh(account), mine.pk, EDIT_HOUSEHOLDS)
        for outside in (theirs, other):
            with pytest.raises(Http404):
                get_household_for_user(fresh(account), outside.pk, VIEW)


def test_an_ended_assignment_or_link_ends_the_scope(world, households):
    assigned, linked, _, _ = households
    unit_actor = Actor.system(world.unit_account)
    unit_services.unassign(unit_actor, the_cadre(world), [assigned.pk])
    assert scope(world.cadre_account) == set()
    assert scope(world.unit_account) == {assigned.number, linked.number}
    link = linked.unit_links.get(ended_at__isnull=True)
    unit_services.cancel_household_link(Actor(world.township_office), link, "关联有误")
    assert scope(world.unit_account) == {assigned.number}
    # A cadre who has left the unit sees nothing, even with an assignment still open.
    unit_services.assign_households(unit_actor, the_cadre(world), [assigned.pk])
    assert scope(world.cadre_account) == {assigned.number}
    cadre = the_cadre(world)
    cadre.left_at = timezone.now()
    cadre.save(update_fields=["left_at"])
    assert scope(world.cadre_account) == set()


def test_the_list_and_the_page_show_unit_and_cadre_accounts_their_households(
    world, households, login, django_assert_num_queries
):
    assigned, linked, unlinked, other = households
    for account, mine in (
        (world.unit_account, {assigned, linked}),
        (world.cadre_account, {assigned}),
    ):
        client = login(account)
        client.get(VIEW_LIST)  # warm the session
        with django_assert_num_queries(UNIT_AND_CADRE_LIST_QUERIES):
            response = client.get(VIEW_LIST)
        assert response.status_code == 200
        shown = set(re.findall(r'data-household="(\d{16})"', response.content.decode()))
        assert shown == {h.number for h in mine}
        for household in mine:
            assert client.get(f"/households/{household.pk}/").status_code == 200
        for household in {assigned, linked, unlinked, other} - mine:
            assert client.get(f"/households/{household.pk}/").status_code == 404
        # 管理贫困户信息 and the village's edit pages stay closed to them.
        assert client.get("/households/").status_code == 403
        assert client.get(f"/households/{assigned.pk}/basic/").status_code == 403


# Exactly, for the unit (two households) and the cadre (one) alike: the scope is one EXISTS
# in the list's statements, so it adds no query per household (the offices' ceiling is 8,
# test_households_list; a unit or cadre slice has no region tree to read).
UNIT_AND_CADRE_LIST_QUERIES = 7

"""证件号码重复查询: conflicts within an office's slice, masked outside it, at a fixed cost."""

import datetime

import pytest

from households import services
from households.models import Member
from poverty_system.core.actor import Actor

from .households_data import make_id, member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.django_db
MAY = datetime.date(2016, 5, 1)


def move(world, person_id, from_household, to_household, to_account, to_phone):
    """The person leaves one household (迁出) and joins another (婚入): the removed row
    keeps the ID, so the ID is active in one household and on a removed member of another."""
    leaving = from_household.members.get(id_number=person_id)
    services.remove_member(
        Actor(world.village_account, world.phone),
        from_household,
        leaving,
        change="move_out",
        month=MAY,
    )
    services.add_member(
        Actor(to_account, to_phone),
        to_household,
        member("迁入者", "spouse", person_id),
        change="marriage_in",
        month=MAY,
    )


def moved_across_townships(world):
    person = make_id()
    home = register(
        world.village_account, world.phone, [member("张三"), member("张女", "daughter", person)]
    )
    away = register(world.other_village_account, world.other_phone, [member("欧阳修")])
    move(world, person, home, away, world.other_village_account, world.other_phone)
    return person, home, away


def test_an_id_active_in_one_household_and_removed_in_another_is_reported(world, login):
    person, home, away = moved_across_townships(world)
    response = login(world.township_office).get("/households/duplicates/")
    conflicts = response.context["conflicts"]
    assert [c.id_number for c in conflicts] == [person]
    numbers = {m.household.number: m.in_slice for m in conflicts[0].members}
    assert numbers == {home.number: True, away.number: False}
    page = response.content.decode()
    assert f'href="/households/{home.pk}/"' in page and f'href="/households/{away.pk}/"' not in page
    assert "欧阳修" not in page and "欧**" in page and person not in page
    # The county holds both villages: both households in its slice.
    conflicts = login(world.county_office).get("/households/duplicates/").context["conflicts"]
    assert all(m.in_slice for m in conflicts[0].members)
    # A county that holds neither does not see it.
    response = login(world.other_county_office).get("/households/duplicates/")
    assert response.context["conflicts"] == []


def test_split_rows_are_not_conflicts(world):
    household = register(
        world.village_account, world.phone, [member("张三"), member("张大", "son")]
    )
    son = household.members.get(name="张大")
    services.split_household(
        Actor(world.village_account, world.phone), household, {son.pk: ""}, son.pk, month=MAY
    )
    from households.duplicates import duplicate_numbers

    assert not duplicate_numbers(world.township_office).exists()


def test_a_15_digit_number_next_to_its_18_digit_form_is_reported(world, login):
    eighteen = make_id()
    register(world.village_account, world.phone, [member("张三", id_number=eighteen)])
    legacy = register(world.village_account, world.phone, [member("张叁")])
    # Data loaded by an old import kept the first-generation number as it was.
    fifteen = eighteen[:6] + eighteen[8:17]
    Member.objects.filter(household=legacy).update(id_number=fifteen)
    response = login(world.county_office).get("/households/duplicates/")
    variants = response.context["variants"]
    assert [(old.id_number, new.id_number) for old, new in variants] == [(fifteen, eighteen)]
    assert "15 位" in response.content.decode()


def test_the_page_is_for_offices_only(world, login):
    expected = {
        "township_office": 200,
        "county_office": 200,
        "city_office": 200,
        "village_account": 403,
        "unit_account": 403,
        "cadre_account": 403,
        "admin": 403,
    }
    for name, status in expected.items():
        assert login(getattr(world, name)).get("/households/duplicates/").status_code == status
    menu = login(world.county_office).get("/").content.decode()
    assert "证件号码重复查询" in menu and "/households/duplicates/" in menu


# The page's queries whatever the number of conflicts. With no 15/18-digit variant in the
# slice the two lookups of the other side are skipped (Django runs no query for `__in=[]`):
# the count depends on whether there are variants, never on how many.
QUERIES = 13
QUERIES_WITHOUT_VARIANTS = QUERIES - 2


def test_query_count_does_not_grow_with_the_conflicts(world, login, django_assert_num_queries):
    client = login(world.county_office)
    moved_across_townships(world)
    with django_assert_num_queries(QUERIES_WITHOUT_VARIANTS):
        response = client.get("/households/duplicates/")
    assert len(response.context["conflicts"]) == 1
    for index in range(12):
        person = make_id()
        home = register(
            world.village_account,
            world.phone,
            [member(f"张{index}"), member(f"张女{index}", "daughter", person)],
        )
        away = register(world.village_account, world.phone, [member(f"李{index}")])
        move(world, person, home, away, world.village_account, world.phone)
        legacy = register(world.village_account, world.phone, [member(f"王{index}")])
        twin = make_id()
        register(world.village_account, world.phone, [member(f"赵{index}", id_number=twin)])
        Member.objects.filter(household=legacy).update(id_number=twin[:6] + twin[8:17])
    with django_assert_num_queries(QUERIES):
        response = client.get("/households/duplicates/")
    assert len(response.context["conflicts"]) == 13
    assert len(response.context["variants"]) == 12

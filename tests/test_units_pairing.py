"""Procedures 1, 3, 4 and the deletion order of procedure 2, through the units actions:
each rule from both sides (the right account can; out of slice 404; wrong role 403)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from households import services as household_services
from households.services.base import HouseholdError
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.models import AuditEntry
from units import access as unit_access
from units import services
from units.models import Assignment, Cadre, EndKind, HouseholdLink, UnitVillage
from units.services import UnitError

from .households_data import no_sms_throttle, register  # noqa: F401
from .units_data import (
    assigned_household,
    link_world_village,
    linked_household,
    the_cadre,
    village_actor,
)


def sys(user):
    return Actor.system(user)


# --- 帮扶情况登记表 -------------------------------------------------------------------------


def test_unit_links_a_village_of_its_county_with_plans(world):
    link = link_world_village(world)
    assert link.active and link.village_code == world.village.code
    assert link.history.count() == 1
    services.save_village_plans(
        sys(world.unit_account),
        link,
        plan="新规划",
        year=current_year(),
        annual_plan="今年修路",
        version=link.version,
        plan_version=None,
    )
    link.refresh_from_db()
    assert link.plan == "新规划" and link.version == 2
    assert link.annual_plans.get().content == "今年修路"
    assert AuditEntry.objects.filter(action="link", object_id=str(link.pk)).exists()


def test_unit_cannot_link_a_village_of_another_county_or_twice(world):
    with pytest.raises(UnitError):
        services.link_village(sys(world.unit_account), world.unit, world.other_county)
    link_world_village(world)
    with pytest.raises(UnitError, match="已在帮扶"):
        link_world_village(world)


def test_only_the_unit_itself_links_villages(world):
    with pytest.raises(PermissionDenied):  # the county office sees the unit but may not act
        services.link_village(sys(world.county_office), world.unit, world.village)
    with pytest.raises(Http404):  # the other county does not see it
        services.link_village(sys(world.other_county_office), world.unit, world.village)


def test_stale_plan_edit_is_refused(world):
    from poverty_system.core.versioning import StaleEdit

    link = link_world_village(world)
    year = current_year()
    services.save_village_plans(
        sys(world.unit_account), link, plan="A", year=year, annual_plan="", version=1,
        plan_version=None,
    )  # fmt: skip
    with pytest.raises(StaleEdit):
        services.save_village_plans(
            sys(world.unit_account), link, plan="B", year=year, annual_plan="", version=1,
            plan_version=None,
        )  # fmt: skip
    assert UnitVillage.objects.get(pk=link.pk).plan == "A"


# --- 关联单位 / 取消关联 ----------------------------------------------------------------------


def test_village_links_its_claimed_household_to_a_unit_of_its_village(world):
    link_world_village(world)
    household = linked_household(world)
    link = HouseholdLink.objects.get(household=household)
    assert link.active and link.unit == world.unit
    assert AuditEntry.objects.filter(action="link", object_id=str(household.pk)).exists()


def test_village_cannot_link_to_a_unit_not_assisting_its_village(world):
    household = register(world.village_account, world.phone)
    with pytest.raises(UnitError, match="不是本村的帮扶单位"):
        services.link_households(village_actor(world), [household], world.unit)


def test_village_links_only_households_claimed_by_its_phone(world):
    link_world_village(world)
    household = register(world.village_account, world.phone)
    with pytest.raises(UnitError, match="本手机号认领"):
        services.link_households(village_actor(world, world.phone2), [household], world.unit)


def test_other_roles_cannot_link_households(world):
    link_world_village(world)
    household = register(world.village_account, world.phone)
    with pytest.raises(PermissionDenied):
        services.link_households(sys(world.township_office), [household], world.unit)
    other = Actor(user=world.other_village_account, phone=world.other_phone)
    with pytest.raises(UnitError, match="不在本村"):
        services.link_households(other, [household], world.unit)
    assert not HouseholdLink.objects.exists()


def test_one_active_link_per_household_is_a_database_rule(world):
    link_world_village(world)
    household = linked_household(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdLink.objects.create(
            household=household, unit=world.unit, village_code=household.village_code, year=2026
        )


def test_township_cancels_a_link_with_a_reason(world):
    link_world_village(world)
    household = linked_household(world)
    link = HouseholdLink.objects.get(household=household)
    with pytest.raises(UnitError, match="原因"):
        services.cancel_household_link(sys(world.township_office), link, "")
    services.cancel_household_link(sys(world.township_office), link, "关联错误")
    link.refresh_from_db()
    assert not link.active and link.end_kind == EndKind.CANCELLED and link.end_reason == "关联错误"


def test_only_the_township_of_the_household_cancels_a_link(world):
    link_world_village(world)
    household = linked_household(world)
    link = HouseholdLink.objects.get(household=household)
    with pytest.raises(Http404):
        services.cancel_household_link(sys(world.other_township_office), link, "x")
    with pytest.raises(PermissionDenied):
        services.cancel_household_link(sys(world.county_office), link, "x")
    with pytest.raises(Http404):  # the unit sees its links but a unit account cancels nothing
        services.cancel_household_link(sys(world.cadre_account), link, "x")
    with pytest.raises(PermissionDenied):
        services.cancel_household_link(sys(world.unit_account), link, "x")
    assert HouseholdLink.objects.get(pk=link.pk).active


# --- 分配 --------------------------------------------------------------------------------


def test_unit_assigns_linked_households_to_its_cadre(world):
    link_world_village(world)
    households = [linked_household(world) for _ in range(3)]
    cadre = the_cadre(world)
    created = services.assign_households(sys(world.unit_account), cadre, [h.pk for h in households])
    assert created == 3
    assert set(
        Assignment.objects.filter(ended_at__isnull=True).values_list("cadre", flat=True)
    ) == {cadre.pk}
    entry = AuditEntry.objects.get(action="assign")
    assert entry.detail["households"] == 3


def test_assigning_a_household_not_linked_to_the_unit_is_refused_with_the_reason(world):
    link_world_village(world)
    unlinked = register(world.village_account, world.phone)
    with pytest.raises(UnitError, match="未关联本单位"):
        services.assign_households(sys(world.unit_account), the_cadre(world), [unlinked.pk])
    reasons = services.why_not_assignable(world.unit, unlinked.number)
    assert reasons[0][0] == unlinked and "尚未关联帮扶单位" in reasons[0][1]
    missing = services.why_not_assignable(world.unit, "999999999999")
    assert missing[0][0] is None and "尚未登记" in missing[0][1]


def test_a_household_has_at_most_one_active_assignment(world):
    link_world_village(world)
    household = assigned_household(world)
    second = Cadre.objects.create(unit=world.unit, name="李四")
    with pytest.raises(UnitError, match="已分配"):
        services.assign_households(sys(world.unit_account), second, [household.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            cadre=second,
            household=household,
            unit=world.unit,
            village_code=household.village_code,
            year=2026,
        )


def test_only_the_unit_of_the_cadre_assigns(world):
    link_world_village(world)
    household = linked_household(world)
    cadre = the_cadre(world)
    with pytest.raises(PermissionDenied):
        services.assign_households(sys(world.county_office), cadre, [household.pk])
    with pytest.raises(Http404):
        services.assign_households(sys(world.other_county_office), cadre, [household.pk])
    with pytest.raises(Http404):
        services.assign_households(sys(world.village_account), cadre, [household.pk])
    assert not Assignment.objects.exists()


def test_unassign_keeps_the_period_as_history(world):
    link_world_village(world)
    household = assigned_household(world)
    services.unassign(sys(world.unit_account), the_cadre(world), [household.pk])
    row = Assignment.objects.get()
    assert row.ended_at is not None and row.end_kind == EndKind.UNASSIGNED


# --- deletion order of procedure 2 --------------------------------------------------------


def test_deletion_order_unassign_then_unlink_then_remove(world):
    link_world_village(world)
    household = assigned_household(world)
    link = HouseholdLink.objects.get(household=household)
    with pytest.raises(HouseholdError, match="解除该户与帮扶干部"):
        household_services.remove_household(
            Actor(world.village_account, world.phone), household, "不符合标准"
        )
    with pytest.raises(UnitError, match="解除该户与帮扶干部"):
        services.cancel_household_link(sys(world.township_office), link, "不符合标准")
    services.unassign(sys(world.unit_account), the_cadre(world), [household.pk])
    with pytest.raises(HouseholdError, match="取消该户与帮扶单位"):
        household_services.remove_household(
            Actor(world.village_account, world.phone), household, "不符合标准"
        )
    services.cancel_household_link(sys(world.township_office), link, "不符合标准")
    household_services.remove_household(
        Actor(world.village_account, world.phone), household, "不符合标准"
    )
    household.refresh_from_db()
    assert household.status == "removed"


# --- scopes per account -----------------------------------------------------------------------


def test_pairing_scopes_of_each_account(world):
    link_world_village(world)
    household = assigned_household(world)
    expected = {
        # account: (village links, household links, assignments, cadres)
        "admin": (1, 1, 1, 1),
        "city_office": (1, 1, 1, 1),
        "county_office": (1, 1, 1, 1),
        # Cadres are read by their unit's region: a county-level unit's are not a township's.
        "township_office": (1, 1, 1, 0),
        "village_account": (1, 1, 1, 0),
        "unit_account": (1, 1, 1, 1),
        "cadre_account": (1, 0, 1, 1),
        "other_township_office": (0, 0, 0, 0),
        "other_village_account": (0, 0, 0, 0),
        "other_county_office": (0, 0, 0, 0),
    }
    wrong = []
    for name, want in expected.items():
        account = getattr(world, name)
        got = (
            unit_access.filter_village_links(UnitVillage.objects.all(), account).count(),
            unit_access.filter_household_links(HouseholdLink.objects.all(), account).count(),
            unit_access.filter_assignments(Assignment.objects.all(), account).count(),
            unit_access.filter_cadres(Cadre.objects.all(), account).count(),
        )
        if got != want:
            wrong.append(f"{name}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)
    assert (
        unit_access.filter_household_links(HouseholdLink.objects.all(), world.unit_account)
        .get()
        .household
        == household
    )

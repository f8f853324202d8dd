"""Statuses: one set_status action with an explicit transition map and a history row per
change; 清退 (removal, procedure 2) is such a change, preceded by one list of checks."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from households import services
from households.choices import HouseholdStatus as S
from households.models import Household, StatusChange

from .households_data import member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.django_db


def test_set_status_follows_the_transition_map(world):
    household = register(world.village_account, world.phone)
    change = services.set_status(world.township_office, household, S.LIFTED, "收入达标")
    assert (change.from_status, change.to_status, change.reason) == (S.POOR, S.LIFTED, "收入达标")
    assert change.actor == world.township_office and change.year >= 2016
    with pytest.raises(services.HouseholdError, match="不能变更为“登记中”"):
        services.set_status(world.township_office, household, S.REGISTERING, "回退")
    with pytest.raises(services.HouseholdError, match="请填写意见或原因。"):
        services.set_status(world.county_office, household, S.RETURNED, "  ")
    services.set_status(world.county_office, household, S.RETURNED, "因病返贫")
    household.refresh_from_db()
    assert household.status == S.RETURNED
    assert list(household.status_changes.values_list("to_status", flat=True)) == [
        S.RETURNED,
        S.LIFTED,
        S.POOR,
    ]


def test_every_status_has_an_entry_and_removed_is_final():
    assert set(services.TRANSITIONS) == set(S.values)
    assert services.TRANSITIONS[S.REMOVED] == frozenset()
    assert not services.can_transition(S.REGISTERING, S.LIFTED)


def test_set_status_is_scoped_to_the_slice(world):
    household = register(world.village_account, world.phone)
    with pytest.raises(Http404):
        services.set_status(world.other_township_office, household, S.LIFTED, "越权")
    household.refresh_from_db()
    assert household.status == S.POOR


def test_removal_by_the_claiming_phone_keeps_the_household(world, login):
    household = register(world.village_account, world.phone, [member("张三")])
    client = login(world.village_account, world.phone)
    url = f"/households/{household.pk}/remove/"
    response = client.post(url, {"reason": ""})
    assert response.context["form"].errors["reason"] == ["请填写清退原因。"]
    response = client.post(url, {"reason": "不符合识别标准"})
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == S.REMOVED
    change = StatusChange.objects.filter(household=household).first()
    assert (change.to_status, change.reason, change.phone) == (
        S.REMOVED,
        "不符合识别标准",
        "13900000001",
    )
    # Still findable, with its history; no more edits.
    for account in (world.county_office, world.township_office):
        page = login(account).get(f"/households/{household.pk}/").content.decode()
        assert "已清退" in page and "不符合识别标准" in page
    client = login(world.village_account, world.phone)
    response = client.get(f"/households/{household.pk}/production/")
    assert response.status_code == 403 and "该户已清退" in response.content.decode()
    assert Household.objects.filter(pk=household.pk).exists()


def test_removal_refused_to_other_phones_and_accounts(world, login):
    household = register(world.village_account, world.phone)
    url = f"/households/{household.pk}/remove/"
    response = login(world.village_account, world.phone2).post(url, {"reason": "x"})
    assert response.status_code == 403
    for name, status in {
        "other_village_account": 404,
        "township_office": 403,
        "county_office": 403,
        "unit_account": 403,
    }.items():
        assert login(getattr(world, name)).post(url, {"reason": "x"}).status_code == status
    household.refresh_from_db()
    assert household.status == S.POOR


def test_removal_blockers_say_what_to_undo_first_and_by_whom(world, login, monkeypatch):
    """The units issue adds its checks to REMOVAL_CHECKS; any check's message refuses."""
    household = register(world.village_account, world.phone)
    message = "请先由帮扶单位解除该户与帮扶干部的关联。"
    monkeypatch.setattr(
        services.status, "REMOVAL_CHECKS", [*services.REMOVAL_CHECKS, lambda h: message]
    )
    assert services.removal_blockers(household) == [message]
    with pytest.raises(services.HouseholdError, match=message):
        services.remove_household(world.village_account, household, "识别错误", phone=world.phone)
    page = (
        login(world.village_account, world.phone)
        .get(f"/households/{household.pk}/remove/")
        .content.decode()
    )
    assert message in page and 'name="reason"' not in page
    household.refresh_from_db()
    assert (
        household.status == S.POOR
        and not household.status_changes.filter(to_status=S.REMOVED).exists()
    )


def test_a_draft_can_be_removed(world):
    draft = register(world.village_account, world.phone, parts_done=2)
    services.remove_household(world.village_account, draft, "重复录入", phone=world.phone)
    draft.refresh_from_db()
    assert draft.status == S.REMOVED
    with pytest.raises(PermissionDenied):
        services.remove_household(world.village_account, draft, "再次", phone=world.phone)

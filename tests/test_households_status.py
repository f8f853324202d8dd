"""Statuses: one set_status action with an explicit transition map and a history row per
change; 清退 (removal, procedure 2) is such a change, preceded by one list of checks."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from households import lifecycle, services
from households.choices import HouseholdStatus as S
from households.models import Household, StatusChange
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry

from .households_data import member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.django_db


def test_set_status_follows_the_transition_map(world):
    household = register(world.village_account, world.phone)
    change = lifecycle.set_status(Actor(world.township_office), household, S.LIFTED, "收入达标")
    assert (change.from_status, change.to_status, change.reason) == (S.POOR, S.LIFTED, "收入达标")
    assert change.actor == world.township_office and change.year >= 2016
    with pytest.raises(PermissionDenied):
        lifecycle.set_status(Actor(world.township_office), household, S.REGISTERING, "回退")
    with pytest.raises(lifecycle.StatusError, match="请填写意见或原因。"):
        lifecycle.set_status(Actor(world.county_office), household, S.RETURNED, "  ")
    lifecycle.set_status(Actor(world.county_office), household, S.RETURNED, "因病返贫")
    household.refresh_from_db()
    assert household.status == S.RETURNED
    assert list(household.status_changes.values_list("to_status", flat=True)) == [
        S.RETURNED,
        S.LIFTED,
        S.POOR,
    ]
    # 贫困户 comes only from the county's 公告 (identification): the village may not set it,
    # and from 返贫 the transition map refuses it.
    with pytest.raises(PermissionDenied):
        lifecycle.set_status(Actor(world.village_account, world.phone), household, S.POOR, "x")
    with pytest.raises(lifecycle.StatusError, match="不能变更"):
        lifecycle.set_status(Actor(world.county_office), household, S.POOR, "x")


def test_every_status_has_an_entry_and_removed_is_final():
    assert set(lifecycle.TRANSITIONS) == set(S.values)
    assert lifecycle.TRANSITIONS[S.REMOVED] == frozenset()
    assert not lifecycle.can_transition(S.REGISTERING, S.LIFTED)


def test_set_status_is_scoped_to_the_slice(world):
    household = register(world.village_account, world.phone)
    with pytest.raises(Http404):
        lifecycle.set_status(Actor(world.other_township_office), household, S.LIFTED, "越权")
    household.refresh_from_db()
    assert household.status == S.POOR


@pytest.mark.parametrize("target", [S.LIFTED, S.LIFTED_NO_SUPPORT, S.RETURNED, S.REMOVED])
def test_a_city_office_cannot_change_a_status_through_the_action_itself(world, target):
    """Read-only accounts change nothing, even calling the state machine directly."""
    household = register(world.village_account, world.phone)
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        with pytest.raises(PermissionDenied):
            lifecycle.transition(Actor(world.city_office), locked, target, "越权")
        with pytest.raises(PermissionDenied):
            lifecycle.transition_many(Actor(world.city_office), [locked], target, "越权")
        with pytest.raises(PermissionDenied):
            lifecycle.rollback_last(Actor(world.city_office), locked, "越权")
    with pytest.raises(PermissionDenied):
        lifecycle.set_status(Actor(world.city_office), household, target, "越权")
    household.refresh_from_db()
    assert household.status == S.POOR
    assert list(household.status_changes.values_list("to_status", flat=True)) == [S.POOR]


def test_each_role_may_make_only_its_own_changes(world):
    """脱贫 by the township, 返贫 by the county; not the other way round."""
    household = register(world.village_account, world.phone)
    with pytest.raises(PermissionDenied):
        lifecycle.set_status(Actor(world.county_office), household, S.LIFTED, "县不能标记脱贫")
    lifecycle.set_status(Actor(world.township_office), household, S.LIFTED, "收入达标")
    with pytest.raises(PermissionDenied):
        lifecycle.set_status(Actor(world.township_office), household, S.RETURNED, "乡镇不能返贫")
    lifecycle.set_status(Actor(world.county_office), household, S.RETURNED, "因病返贫")
    household.refresh_from_db()
    assert household.status == S.RETURNED


def test_rollback_undoes_the_last_change_of_this_year_only_once(world):
    household = register(world.village_account, world.phone)
    lifecycle.set_status(Actor(world.township_office), household, S.LIFTED, "收入达标")
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        back = lifecycle.rollback_last(Actor(world.township_office), locked, "误操作")
    assert (back.kind, back.from_status, back.to_status) == ("rollback", S.LIFTED, S.POOR)
    assert back.reverts.to_status == S.LIFTED
    household.refresh_from_db()
    assert household.status == S.POOR
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        with pytest.raises(lifecycle.StatusError, match="已是回退"):
            lifecycle.rollback_last(Actor(world.township_office), locked, "再退")
    # The events stay: nothing is deleted, the rollback is its own row.
    assert household.status_changes.count() == 3


def test_status_changes_write_audit_entries_and_the_change_log(world):
    household = register(world.village_account, world.phone)
    lifecycle.set_status(Actor(world.township_office, ip="10.0.0.8"), household, S.LIFTED, "达标")
    entry = AuditEntry.objects.filter(
        action=audit.STATUS_CHANGE, object_id=str(household.pk)
    ).last()
    assert entry.user == world.township_office and entry.ip == "10.0.0.8"
    assert entry.region_code == household.village_code
    assert entry.detail == {"from": S.POOR, "to": S.LIFTED, "kind": "change", "year": entry.at.year}
    row = household.history.order_by("-history_date", "-history_id").first()
    assert row.status == S.LIFTED and row.history_user == world.township_office


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
        services.remove_household(Actor(world.village_account, world.phone), household, "识别错误")
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
    services.remove_household(Actor(world.village_account, world.phone), draft, "重复录入")
    draft.refresh_from_db()
    assert draft.status == S.REMOVED
    with pytest.raises(PermissionDenied):
        services.remove_household(Actor(world.village_account, world.phone), draft, "再次")

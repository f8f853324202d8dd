"""Claims, village phones and QR tokens became workflow periods of the core's shape
(poverty_system.core.periods): their flags went (households 0005-0006, villages 0005-0006),
their columns were renamed (households 0007, villages 0006, archives 0002). Rows whose flag
and time disagreed are made consistent first; the way back restores the flags and names
from the times. Runs on whichever database the suite uses."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from archives.models import ArchiveToken
from archives.tokens import ensure_tokens, reissue
from households.models import Claim
from poverty_system.core.actor import Actor
from villages.accounts import deactivate_village_phone
from villages.models import VillagePhone

from .households_data import register

BEFORE = [
    ("households", "0004_input_bounds"),
    ("villages", "0004_user_lockout_read_from_the_throttle"),
    ("archives", "0001_initial"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_flags_and_times_become_one_fact_and_the_names_one_shape(world):
    township = Actor(world.township_office)
    first = register(world.village_account, world.phone, admitted=False)
    second = register(world.village_account, world.phone, admitted=False)
    now = timezone.now()
    Claim.objects.filter(household=first).update(
        ended_at=now, ended_by=world.township_office, end_reason="认领手机号错误"
    )
    cancelled = Claim.objects.get(household=first)
    renewed = Claim.objects.create(
        household=first, account=world.village_account, phone=world.phone
    )
    deactivate_village_phone(township, world.phone2)
    ensure_tokens([first.pk])
    old_token = ArchiveToken.objects.active().get(household=first)
    new_token = reissue(township, first.pk)
    try:
        apps = migrate(BEFORE)
        OldClaim = apps.get_model("households", "Claim")
        OldPhone = apps.get_model("villages", "VillagePhone")
        OldToken = apps.get_model("archives", "ArchiveToken")
        # The way back: the flags follow the times, the old names hold the same values.
        second_claim = OldClaim.objects.get(household_id=second.pk)
        assert dict(OldClaim.objects.values_list("pk", "active")) == {
            cancelled.pk: False,
            renewed.pk: True,
            second_claim.pk: True,
        }
        old_cancelled = OldClaim.objects.get(pk=cancelled.pk)
        assert old_cancelled.cancel_reason == "认领手机号错误"
        assert old_cancelled.cancelled_by_id == world.township_office.pk
        phone2 = OldPhone.objects.get(pk=world.phone2.pk)
        assert not phone2.active and phone2.deactivated_at is not None
        assert OldPhone.objects.get(pk=world.phone.pk).active
        revoked = OldToken.objects.get(pk=old_token.pk)
        assert revoked.revoked_at is not None and revoked.revoked_by_id == world.township_office.pk
        assert OldToken.objects.get(pk=new_token.pk).revoked_at is None
        # Rows that disagree: a flag cleared without a time, a time on a flagged row.
        OldClaim.objects.filter(pk=renewed.pk).update(active=False)
        OldClaim.objects.filter(pk=second_claim.pk).update(
            cancelled_at=now, cancelled_by_id=world.township_office.pk, cancel_reason="误填"
        )
        OldPhone.objects.filter(pk=world.phone.pk).update(deactivated_at=now)
        OldPhone.objects.filter(pk=world.phone2.pk).update(active=True, deactivated_at=None)
        OldPhone.objects.filter(pk=world.other_phone.pk).update(active=False)

        migrate_to_latest()

        cleared = Claim.objects.get(pk=renewed.pk)
        assert not cleared.active and cleared.ended_at == cleared.started_at
        kept = Claim.objects.get(pk=second_claim.pk)
        assert kept.active and kept.ended_by is None and kept.end_reason == ""
        assert set(Claim.objects.active().values_list("pk", flat=True)) == {second_claim.pk}
        assert Claim.objects.get(pk=cancelled.pk).end_reason == "认领手机号错误"
        assert VillagePhone.objects.get(pk=world.phone.pk).active  # the flag said so
        assert VillagePhone.objects.get(pk=world.phone2.pk).active
        other = VillagePhone.objects.get(pk=world.other_phone.pk)
        assert not other.active and other.ended_at == other.started_at
        assert ArchiveToken.objects.get(pk=old_token.pk).ended_by == world.township_office
        assert ArchiveToken.objects.active().get(household=first).pk == new_token.pk
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_a_key_household_mark_keeps_its_times_both_ways(world):
    """identification 0002: a 重点帮扶对象 mark's marked_at became started_at."""
    from identification import services as identification
    from identification.models import KeyHousehold

    township = Actor(world.township_office)
    household = register(world.village_account, world.phone)
    ended = identification.mark_key(township, household.pk, "illness")
    identification.unmark_key(township, ended.pk, "已康复")
    active = identification.mark_key(township, household.pk, "other", "独自抚养两个孩子")
    times = dict(KeyHousehold.objects.values_list("pk", "started_at"))
    try:
        apps = migrate([("identification", "0001_initial")])
        OldMark = apps.get_model("identification", "KeyHousehold")
        assert dict(OldMark.objects.values_list("pk", "marked_at")) == times
        assert OldMark.objects.get(pk=ended.pk).end_reason == "已康复"
        migrate_to_latest()
        assert dict(KeyHousehold.objects.values_list("pk", "started_at")) == times
        assert list(KeyHousehold.objects.active().values_list("pk", flat=True)) == [active.pk]
        assert KeyHousehold.objects.get(pk=ended.pk).ended_by == world.township_office
    finally:
        migrate_to_latest()

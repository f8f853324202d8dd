"""`Claim.active` and `cancelled_at` became one fact (households 0005 and 0006): rows whose
two fields disagreed are made consistent first, and the way back restores the flag from
the times. Runs on whichever database the suite uses."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from households.models import Claim

from .households_data import register

BEFORE = [("households", "0004_input_bounds")]
AFTER = [("households", "0006_claim_active_is_cancelled_at_null")]


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
def test_the_flag_and_the_times_become_one_fact_both_ways(world):
    first = register(world.village_account, world.phone, admitted=False)
    second = register(world.village_account, world.phone, admitted=False)
    now = timezone.now()
    Claim.objects.filter(household=first).update(
        cancelled_at=now, cancelled_by=world.township_office, cancel_reason="认领手机号错误"
    )
    cancelled = Claim.objects.get(household=first)
    renewed = Claim.objects.create(
        household=first, account=world.village_account, phone=world.phone
    )
    try:
        apps = migrate(BEFORE)
        OldClaim = apps.get_model("households", "Claim")
        # The way back: the flag follows the times.
        assert dict(OldClaim.objects.values_list("pk", "active")) == {
            cancelled.pk: False,
            renewed.pk: True,
            Claim.objects.get(household=second).pk: True,
        }
        # Rows that disagree: a flag cleared without a time, a time on a flagged claim.
        OldClaim.objects.filter(pk=renewed.pk).update(active=False)
        flagged = OldClaim.objects.get(household_id=second.pk)
        OldClaim.objects.filter(pk=flagged.pk).update(
            cancelled_at=now, cancelled_by_id=world.township_office.pk, cancel_reason="误填"
        )

        migrate(AFTER)

        cleared = Claim.objects.get(pk=renewed.pk)
        assert not cleared.active and cleared.cancelled_at == cleared.claimed_at
        kept = Claim.objects.get(pk=flagged.pk)
        assert kept.active and kept.cancelled_by is None and kept.cancel_reason == ""
        assert set(Claim.objects.active().values_list("pk", flat=True)) == {flagged.pk}
    finally:
        migrate_to_latest()

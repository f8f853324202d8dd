"""Retention of the audit trail (issue 14, item 6): at least 180 days, `prune_audit` the only
way an entry leaves (and it says how many went), daily from the task worker and cheap when
there is nothing to prune; every other delete and update is still refused."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from poverty_system.core import audit, retention
from poverty_system.core.actor import Actor
from poverty_system.core.models import AppendOnlyError, AuditEntry

from .test_audit_trail import insert_at
from .test_deploy import run_manage

pytestmark = pytest.mark.django_db


def days_ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_a_retention_below_180_days_is_refused_when_the_settings_load():
    refused = run_manage({"DEBUG": "1", "AUDIT_RETENTION_DAYS": "179"}, "check")
    assert refused.returncode != 0
    assert "AUDIT_RETENTION_DAYS（179）不得少于 180 天" in refused.stderr
    assert "must be at least 180 days" in refused.stderr
    kept = run_manage(
        {"DEBUG": "1", "AUDIT_RETENTION_DAYS": "365"},
        "shell",
        "-c",
        "from django.conf import settings; print(settings.AUDIT_RETENTION_DAYS)",
    )
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.strip().splitlines()[-1] == "365"


def test_prune_deletes_only_what_is_past_the_retention_and_says_how_many(world):
    old = [insert_at(days_ago(d), action=audit.LOGIN) for d in (181, 200, 400)]
    young = insert_at(days_ago(179), action=audit.LOGIN)
    today = audit.record(Actor(world.county_office), audit.EXPORT)
    out = io.StringIO()
    call_command("prune_audit", stdout=out)
    assert "已清理 3 条" in out.getvalue()
    left = set(AuditEntry.objects.values_list("pk", flat=True))
    assert not left & set(old)
    assert {young, today.pk} <= left
    entry = AuditEntry.objects.get(action=audit.PRUNE)
    assert entry.username == "system" and entry.detail["count"] == 3
    assert entry.detail["retention_days"] == 180
    # Nothing left to prune: a second run deletes none and says so.
    call_command("prune_audit", stdout=io.StringIO())
    assert list(
        AuditEntry.objects.filter(action=audit.PRUNE).order_by("pk").values_list("detail__count")
    ) == [(3,), (0,)]


def test_a_longer_retention_keeps_more(world, settings):
    settings.AUDIT_RETENTION_DAYS = 365
    kept = insert_at(days_ago(200))
    gone = insert_at(days_ago(366))
    assert retention.prune(Actor.system(world.admin)) == 1
    left = set(AuditEntry.objects.values_list("pk", flat=True))
    assert kept in left and gone not in left
    # An operator's run names the operator.
    assert AuditEntry.objects.get(action=audit.PRUNE).username == "admin"


def test_every_other_delete_or_update_is_still_refused(world):
    old = insert_at(days_ago(400))
    entry = AuditEntry.objects.get(pk=old)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=old).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=old).update(outcome="failed")
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE poverty_system_auditentry SET outcome = 'x' WHERE id = %s", [old]
            )
    assert AuditEntry.objects.filter(pk=old, outcome="ok").exists()


def test_the_database_lets_only_the_prune_path_delete_and_only_old_rows(world):
    """Below the application, on PostgreSQL: a raw DELETE without the prune's cut-off is
    refused; with it, a row younger than 180 days is refused even so (a cut-off in the
    future changes nothing). (SQLite keeps SQL DELETE for the test runner's flush; the model
    refuses it there.) On both, the prune path deletes the old row and keeps the young one."""
    old = insert_at(days_ago(400))
    young = insert_at(days_ago(10))
    if connection.vendor == "postgresql":
        delete = "DELETE FROM poverty_system_auditentry WHERE id = %s"
        future = (timezone.now() + dt.timedelta(days=1)).isoformat()
        for cutoff, pk in ((None, old), (future, young), (None, old)):
            with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
                with connection.cursor() as cursor:
                    if cutoff:
                        cursor.execute(
                            "SELECT set_config('poverty.audit_prune_before', %s, true)", [cutoff]
                        )
                    cursor.execute(delete, [pk])
        # (the third: the cut-off of the second lasted only its own transaction)
    assert AuditEntry.objects.filter(pk__in=[old, young]).count() == 2
    assert retention.prune(Actor.system(world.admin)) == 1
    assert list(AuditEntry.objects.filter(pk__in=[old, young]).values_list("pk", flat=True)) == [
        young
    ]


def test_the_task_worker_prunes_daily_and_cheaply(world, django_assert_num_queries, settings):
    assert "poverty_system.core.retention.prune_daily" in settings.WORKER_PERIODIC_JOBS
    job = import_string("poverty_system.core.retention.prune_daily")
    # Nothing past the retention: one indexed query, nothing written.
    with django_assert_num_queries(1):
        assert job() == 0
    assert not AuditEntry.objects.filter(action=audit.PRUNE).exists()
    insert_at(days_ago(190))
    assert job() == 1
    entry = AuditEntry.objects.get(action=audit.PRUNE)
    assert entry.username == "system" and entry.detail["count"] == 1
    # Pruned less than a day ago: an entry that has aged out since waits for tomorrow.
    later = insert_at(days_ago(185))
    with django_assert_num_queries(2):
        assert job() == 0
    assert AuditEntry.objects.filter(pk=later).exists()

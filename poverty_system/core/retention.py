"""Retention of the audit trail: entries older than AUDIT_RETENTION_DAYS (at least 180) are
deleted by `prune`, the only way an entry ever leaves (`manage.py prune_audit`, and daily
from the task worker through `prune_daily`). The model and its queryset still refuse every
delete and update (models.AppendOnly); on PostgreSQL the trigger lets through only the
DELETE of a transaction that has named its cut-off (poverty.audit_prune_before), of rows
older than that and older than 180 days (migration 0004). Each prune writes one entry saying
how many went."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.utils import timezone

from . import audit
from .actor import Actor
from .models import AuditEntry

PRUNE_EVERY = dt.timedelta(days=1)
SYSTEM = "system"  # the username of the entries the system writes itself


def cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Entries older than this instant may go."""
    return (now or timezone.now()) - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)


def prune(actor: Actor, *, now: dt.datetime | None = None) -> int:
    """Delete the entries older than the retention; one entry records how many, and the
    cut-off. Returns the number deleted."""
    before = cutoff(now)
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT set_config('poverty.audit_prune_before', %s, true)",
                    [before.isoformat()],
                )
            cursor.execute(
                f"DELETE FROM {AuditEntry._meta.db_table} WHERE at < %s",  # noqa: S608 - our table
                [before],
            )
            count = cursor.rowcount
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('poverty.audit_prune_before', '', true)")
        audit.record(
            actor,
            audit.PRUNE,
            username=actor.user.get_username() if actor.user.is_authenticated else SYSTEM,
            detail={
                "count": count,
                "before": timezone.localtime(before).isoformat(timespec="seconds"),
                "retention_days": settings.AUDIT_RETENTION_DAYS,
            },
        )
    return count


def prune_daily() -> int:
    """The task worker's periodic job (every WORKER_PERIODIC_SECONDS): prunes at most once a
    day, and only when an entry is past the retention. Nothing to do costs one or two
    indexed queries."""
    now = timezone.now()
    if not AuditEntry.objects.filter(at__lt=cutoff(now)).exists():
        return 0
    last = AuditEntry.objects.filter(action=audit.PRUNE).order_by("-at").values("at").first()
    if last is not None and last["at"] > now - PRUNE_EVERY:
        return 0
    return prune(Actor.system(AnonymousUser(), via="task"), now=now)

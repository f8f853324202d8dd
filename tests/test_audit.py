"""The audit trail: append-only entries, stamped from the Actor, for the security-relevant
events; the application offers no way to change or delete an entry."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from households import services
from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.models import AppendOnlyError, AuditEntry
from villages.models import User

from .households_data import member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.django_db


def test_claims_and_cancellations_are_audited(world):
    household = register(world.village_account, world.phone, [member("张三")])
    services.cancel_claim(Actor(world.township_office, ip="10.1.2.3"), household, "认领有误")
    services.claim_household(Actor(world.village_account, world.phone2), household)
    rows = list(
        AuditEntry.objects.filter(
            object_type="households.household",
            object_id=str(household.pk),
            action__startswith="claim",
        )
        .order_by("pk")
        .values_list("action", "username", "phone", "ip")
    )
    assert rows == [
        (audit.CLAIM, world.village_account.username, "13900000001", ""),
        (audit.CLAIM_CANCEL, world.township_office.username, "", "10.1.2.3"),
        (audit.CLAIM, world.village_account.username, "13900000002", ""),
    ]
    household_entries = AuditEntry.objects.filter(object_type="households.household")
    assert set(household_entries.values_list("region_code", flat=True)) == {household.village_code}


def test_entries_cannot_be_changed_or_deleted_through_the_application(world):
    entry = audit.record(Actor(world.county_office), audit.EXPORT, detail={"count": 3})
    entry.outcome = "failed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(outcome="failed")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.outcome == "ok"


def test_the_database_refuses_changes_in_sql(world):
    """Below the application: raw SQL cannot change an entry (a trigger on both databases)
    nor, on PostgreSQL, delete one (SQLite keeps DELETE for the test runner's flush)."""
    from django.db import DatabaseError

    entry = audit.record(Actor(world.county_office), audit.EXPORT)
    statements = ["UPDATE poverty_system_auditentry SET outcome = 'x' WHERE id = %s"]
    if connection.vendor == "postgresql":
        statements.append("DELETE FROM poverty_system_auditentry WHERE id = %s")
    for sql in statements:
        with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, outcome="ok").exists()


def test_no_url_edits_or_deletes_audit_entries():
    """No admin, no edit view: the only URLs of the trail are the auditor's 日志查询 and 导出,
    which read it (the export only adds its own entry)."""
    from .test_access import routes

    names = [r for r in routes() if "admin" in r or "audit" in r]
    assert names == ["audit/", "audit/export/"]
    from django.conf import settings

    assert "django.contrib.admin" not in settings.INSTALLED_APPS


def test_entries_are_scoped_like_everything_else(world):
    """An auditor reads the entries of its slice (tests/test_audit_trail.py: the pages)."""
    household = register(world.village_account, world.phone)
    outside = audit.record(
        Actor(world.other_county_office), audit.EXPORT, region_code=world.other_county.code
    )
    readable = access.filter_audit_entries(AuditEntry.objects.all(), world.county_auditor)
    assert readable.filter(object_id=str(household.pk)).exists()
    assert not readable.filter(pk=outside.pk).exists()
    # Offices do not read the trail at all, not even of their own slice (三员分立).
    assert not access.filter_audit_entries(AuditEntry.objects.all(), world.township_office)


def test_grants_password_resets_and_deactivations_are_audited(world, login):
    """授权 (a new account, one more region), 重置密码 and 停用: who, which account, where."""
    county = login(world.county_office)
    county.post(
        "/accounts/new/",
        {
            "role": "village",
            "username": "audit_village",
            "full_name": "里泗村委会",
            "region": world.village2.pk,
        },
    )
    account = User.objects.get(username="audit_village")
    county.post(reverse("villages:account_reset_password", args=[account.pk]))
    entries = AuditEntry.objects.filter(object_type="villages.user", object_id=str(account.pk))
    grant = entries.get(action=audit.GRANT)
    assert grant.user == world.county_office and grant.region_code == world.village2.code
    assert grant.detail == {
        "account": "audit_village",
        "role": "village",
        "region": world.village2.code,
        "new_account": True,
    }
    reset = entries.get(action=audit.PASSWORD_RESET)
    assert reset.region_code == world.village2.code
    # The initial password is in no entry.
    account.refresh_from_db()
    assert all("password" not in str(e.detail).lower() for e in entries)

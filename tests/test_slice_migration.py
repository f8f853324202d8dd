"""The data migration that turns old grant rows (one per permission of the role) into slice
rows (one `view_slice` per account and region or unit), on a database holding old rows.

Runs on whichever database the suite uses (SQLite by default, PostgreSQL with DATABASE_URL).
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from poverty_system.core import access
from poverty_system.core.roles import (
    APPROVE_POOR_VILLAGES,
    MANAGE_UNIT,
    MARK_LIFTED,
    SLICE,
    VIEW,
    Role,
)
from units import access as unit_access
from units.models import Unit, UnitUserObjectPermission
from villages.models import RegionUserObjectPermission, User

BEFORE = [
    ("villages", "0002_login_throttle_and_sms_per_phone"),
    ("units", "0004_archive_tokens_and_exports"),
]
AFTER = [("villages", "0003_slice_grants"), ("units", "0005_slice_grants")]

COUNTY_GRANTS = (
    "view_slice",
    "manage_accounts",
    "approve_poor_villages",
    "return_to_poverty",
    "manage_poor_county",
    "manage_units",
    "export_qr",
    "view_statistics",
)
TOWNSHIP_GRANTS = (
    "view_slice",
    "manage_phones",
    "cancel_claims",
    "unlink_units",
    "mark_lifted",
    "submit_poor_villages",
    "export_qr",
)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    """Leave the schema as every later test expects it: all apps at their newest migration
    (AFTER is only the state the data migration is checked in)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_grant(apps, model, app_label, owner, obj_id, codename):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(
        app_label=app_label, model="region" if app_label == "villages" else "unit"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename}
    )
    apps.get_model(app_label, model).objects.create(
        user_id=owner.pk, content_object_id=obj_id, permission=permission
    )


def slice_rows():
    return set(
        RegionUserObjectPermission.objects.values_list(
            "user__username", "content_object__code", "permission__codename"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_old_grant_rows_become_slices_and_no_account_loses_one(small_tree):
    r = small_tree
    county = User.objects.create(username="county", role=Role.COUNTY)
    township = User.objects.create(username="township", role=Role.TOWNSHIP)
    # An odd old account holding a single permission, without view_slice: it keeps the place.
    odd = User.objects.create(username="odd", role=Role.TOWNSHIP)
    unit_account = User.objects.create(username="unit", role=Role.UNIT)
    unit = Unit.objects.create(name="于都县农业农村局", region=r["360731"])
    try:
        apps = migrate(BEFORE)
        for codename in COUNTY_GRANTS:
            old_grant(
                apps, "RegionUserObjectPermission", "villages", county, r["360731"].pk, codename
            )
        for code in ("360731100", "360731101"):  # a township office holding two townships
            for codename in TOWNSHIP_GRANTS:
                old_grant(
                    apps, "RegionUserObjectPermission", "villages", township, r[code].pk, codename
                )
        old_grant(
            apps, "RegionUserObjectPermission", "villages", odd, r["360731100201"].pk, "mark_lifted"
        )
        old_grant(apps, "UnitUserObjectPermission", "units", unit_account, unit.pk, "manage_unit")
        assert RegionUserObjectPermission.objects.count() == 8 + 2 * 7 + 1

        migrate(AFTER)

        assert slice_rows() == {
            ("county", "360731", SLICE),
            ("township", "360731100", SLICE),
            ("township", "360731101", SLICE),
            ("odd", "360731100201", SLICE),
        }
        assert set(
            UnitUserObjectPermission.objects.values_list(
                "user__username", "content_object_id", "permission__codename"
            )
        ) == {("unit", unit.pk, SLICE)}
        # The slices answer through the access layer, the permissions follow from the roles.
        for user in (county, township, odd, unit_account):
            access.forget_grants(user)
        assert access.has_region_perm(county, APPROVE_POOR_VILLAGES, r["360731100201"])
        assert not access.has_region_perm(county, MARK_LIFTED, r["360731100201"])
        assert access.has_region_perm(township, MARK_LIFTED, r["360731101001"])
        assert not access.has_region_perm(township, VIEW, r["360732"])
        assert access.has_region_perm(odd, MARK_LIFTED, r["360731100201"])
        assert not access.has_region_perm(odd, VIEW, r["360731100202"])
        assert unit_access.unit_ids(unit_account) == {unit.pk}
        assert unit_access.manages_unit(unit_account, unit.pk)
        assert access.role_allows(unit_account, MANAGE_UNIT)

        # And back: each slice row is expanded into the role's old grants again.
        migrate(BEFORE)
        back = slice_rows()
        assert {row for row in back if row[0] == "county"} == {
            ("county", "360731", c) for c in COUNTY_GRANTS
        }
        assert {row for row in back if row[0] == "township"} == {
            ("township", code, c) for code in ("360731100", "360731101") for c in TOWNSHIP_GRANTS
        }
        assert set(
            UnitUserObjectPermission.objects.values_list("permission__codename", flat=True)
        ) == {"manage_unit"}
    finally:
        migrate_to_latest()

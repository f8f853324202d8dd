"""Grants become slices: one `view_slice` row per account and region.

Before, an account held one guardian row per permission of its role on each of its regions.
Now its permissions follow from its role at check time (poverty_system.core.roles.ROLE_PERMS) and
the rows only say where: every (account, region) pair that held any grant keeps one
`view_slice` row, the other rows go. Backwards, each `view_slice` row is expanded again into
the permission set the role was granted before.
"""

from django.db import migrations

SLICE = "view_slice"

# The grants each role received before this migration (frozen copy, for the way back).
OLD_ROLE_REGION_PERMS = {
    "city": ("view_slice", "view_statistics"),
    "county": (
        "view_slice",
        "manage_accounts",
        "approve_poor_villages",
        "return_to_poverty",
        "manage_poor_county",
        "manage_units",
        "export_qr",
        "view_statistics",
    ),
    "township": (
        "view_slice",
        "manage_phones",
        "cancel_claims",
        "unlink_units",
        "mark_lifted",
        "submit_poor_villages",
        "export_qr",
    ),
    "village": ("view_slice", "claim_households", "link_units"),
}


def _permission(apps, codename):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label="villages", model="region")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename}
    )
    return permission


def _to_slices(apps, model_name, owner):
    Grant = apps.get_model("villages", model_name)
    if not Grant.objects.exists():
        return
    view = _permission(apps, SLICE)
    pairs = set(Grant.objects.values_list(f"{owner}_id", "content_object_id"))
    held = set(
        Grant.objects.filter(permission=view).values_list(f"{owner}_id", "content_object_id")
    )
    Grant.objects.bulk_create(
        [
            Grant(**{f"{owner}_id": who, "content_object_id": region, "permission": view})
            for who, region in sorted(pairs - held)
        ],
        batch_size=1000,
    )
    Grant.objects.exclude(permission=view).delete()


def forwards(apps, schema_editor):
    _to_slices(apps, "RegionUserObjectPermission", "user")
    _to_slices(apps, "RegionGroupObjectPermission", "group")


def backwards(apps, schema_editor):
    Grant = apps.get_model("villages", "RegionUserObjectPermission")
    rows = list(
        Grant.objects.filter(permission__codename=SLICE).values_list(
            "user_id", "user__role", "content_object_id"
        )
    )
    if not rows:
        return
    permissions = {}
    new = []
    for user_id, role, region_id in rows:
        for codename in OLD_ROLE_REGION_PERMS.get(role, ())[1:]:
            if codename not in permissions:
                permissions[codename] = _permission(apps, codename)
            new.append(
                Grant(
                    user_id=user_id, content_object_id=region_id, permission=permissions[codename]
                )
            )
    Grant.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0002_login_throttle_and_sms_per_phone"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="region",
            options={
                "permissions": [("view_slice", "查看辖区数据")],
                "verbose_name": "行政区划",
                "verbose_name_plural": "行政区划",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]

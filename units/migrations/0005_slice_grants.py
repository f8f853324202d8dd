"""A unit account's grant becomes its slice: `manage_unit` rows on Unit turn into
`view_slice` rows (what the account may do there now follows from its role, in
poverty_system.core.roles). Backwards, the other way round."""

from django.db import migrations


def _move(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model_name in ("UnitUserObjectPermission", "UnitGroupObjectPermission"):
        Grant = apps.get_model("units", model_name)
        rows = Grant.objects.filter(permission__codename=old)
        if not rows.exists():
            continue
        content_type, _ = ContentType.objects.get_or_create(app_label="units", model="unit")
        target, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=new, defaults={"name": new}
        )
        rows.update(permission=target)


def forwards(apps, schema_editor):
    _move(apps, "manage_unit", "view_slice")


def backwards(apps, schema_editor):
    _move(apps, "view_slice", "manage_unit")


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0004_archive_tokens_and_exports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="unit",
            options={
                "permissions": [("view_slice", "本单位（帮扶单位账号的辖区）")],
                "verbose_name": "帮扶单位",
                "verbose_name_plural": "帮扶单位",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]

"""A village phone registration is a workflow period of the core's shape
(poverty_system.core.periods.Period): created_at → started_at, created_by → started_by,
deactivated_at → ended_at, plus who ended it and why; `active` goes (a registration is
active while it has no end, one fact). The one-active-phone rule keeps its name on the new
condition; the way back restores the flag from the times."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def active_from_ended_at(apps, schema_editor):
    VillagePhone = apps.get_model("villages", "VillagePhone")
    VillagePhone.objects.filter(ended_at__isnull=False).update(active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0005_village_phone_deactivated_at_consistent"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="villagephone",
            name="one_active_phone_per_account",
        ),
        migrations.RenameField(
            model_name="villagephone", old_name="created_at", new_name="started_at"
        ),
        migrations.RenameField(
            model_name="villagephone", old_name="created_by", new_name="started_by"
        ),
        migrations.RenameField(
            model_name="villagephone", old_name="deactivated_at", new_name="ended_at"
        ),
        migrations.AlterField(
            model_name="villagephone",
            name="started_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="开始时间"),
        ),
        migrations.AlterField(
            model_name="villagephone",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="结束时间"),
        ),
        migrations.AddField(
            model_name="villagephone",
            name="ended_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="结束人",
            ),
        ),
        migrations.AddField(
            model_name="villagephone",
            name="end_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="结束原因"),
        ),
        migrations.RunPython(migrations.RunPython.noop, active_from_ended_at),
        migrations.RemoveField(model_name="villagephone", name="active"),
        migrations.AddConstraint(
            model_name="villagephone",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_at__isnull", True)),
                fields=("account", "phone"),
                name="one_active_phone_per_account",
            ),
        ),
    ]

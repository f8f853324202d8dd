"""A QR token is a workflow period of the core's shape (poverty_system.core.periods.Period):
created_at → started_at, revoked_at → ended_at, revoked_by → ended_by, plus why it ended.
The columns of units_archivetoken are renamed (the data stays); the one-active-token rule is
the same partial unique index on the renamed column."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archives", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="archivetoken",
            name="one_active_archive_token_per_household",
        ),
        migrations.RenameField(
            model_name="archivetoken", old_name="created_at", new_name="started_at"
        ),
        migrations.RenameField(model_name="archivetoken", old_name="revoked_at", new_name="ended_at"),
        migrations.RenameField(model_name="archivetoken", old_name="revoked_by", new_name="ended_by"),
        migrations.AlterField(
            model_name="archivetoken",
            name="started_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="开始时间"),
        ),
        migrations.AlterField(
            model_name="archivetoken",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="结束时间"),
        ),
        migrations.AlterField(
            model_name="archivetoken",
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
            model_name="archivetoken",
            name="end_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="结束原因"),
        ),
        migrations.AddConstraint(
            model_name="archivetoken",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_at__isnull", True)),
                fields=("household",),
                name="one_active_archive_token_per_household",
            ),
        ),
    ]

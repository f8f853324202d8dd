"""A key-household mark is a workflow period of the core's shape
(poverty_system.core.periods.Period): marked_at → started_at (the column is renamed, the data
stays); the end fields take the core's names for their labels. The one-active-mark rule is
the same partial unique index."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("identification", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(
            model_name="keyhousehold", old_name="marked_at", new_name="started_at"
        ),
        migrations.AlterField(
            model_name="keyhousehold",
            name="started_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="开始时间"),
        ),
        migrations.AlterField(
            model_name="keyhousehold",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="结束时间"),
        ),
        migrations.AlterField(
            model_name="keyhousehold",
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
        migrations.AlterField(
            model_name="keyhousehold",
            name="end_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="结束原因"),
        ),
    ]

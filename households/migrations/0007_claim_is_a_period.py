"""A claim is a workflow period of the core's shape (poverty_system.core.periods.Period):
claimed_at → started_at, cancelled_at → ended_at, cancelled_by → ended_by, cancel_reason →
end_reason. The columns are renamed (the data stays); the one-active-claim rule is the same
partial unique index on the renamed column."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0006_claim_active_is_cancelled_at_null"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="claim",
            name="one_active_claim_per_household",
        ),
        migrations.RenameField(model_name="claim", old_name="claimed_at", new_name="started_at"),
        migrations.RenameField(model_name="claim", old_name="cancelled_at", new_name="ended_at"),
        migrations.RenameField(model_name="claim", old_name="cancelled_by", new_name="ended_by"),
        migrations.RenameField(model_name="claim", old_name="cancel_reason", new_name="end_reason"),
        migrations.AlterField(
            model_name="claim",
            name="started_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="开始时间"),
        ),
        migrations.AlterField(
            model_name="claim",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="结束时间"),
        ),
        migrations.AlterField(
            model_name="claim",
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
            model_name="claim",
            name="end_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="结束原因"),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_at__isnull", True)),
                fields=("household",),
                name="one_active_claim_per_household",
            ),
        ),
    ]

"""`Claim.active` and `cancelled_at` become one fact: a claim is active while it has no
cancellation time. The one-active-claim rule keeps its name on the new condition."""

from django.db import migrations, models


def active_from_cancelled_at(apps, schema_editor):
    """Backwards: the restored flag follows the times before the old rule comes back."""
    Claim = apps.get_model("households", "Claim")
    Claim.objects.filter(cancelled_at__isnull=False).update(active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0005_claim_cancelled_at_consistent"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="claim",
            name="one_active_claim_per_household",
        ),
        migrations.RunPython(migrations.RunPython.noop, active_from_cancelled_at),
        migrations.RemoveField(
            model_name="claim",
            name="active",
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.UniqueConstraint(
                condition=models.Q(("cancelled_at__isnull", True)),
                fields=("household",),
                name="one_active_claim_per_household",
            ),
        ),
    ]

"""Before `Claim.active` goes: make `cancelled_at` say what `active` says on every row.

Every writer set both fields together, so this finds nothing on a healthy database. A row
marked inactive without a time is taken as cancelled at its claim time (the one time known);
a row marked active keeps no cancellation.
"""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    Claim = apps.get_model("households", "Claim")
    Claim.objects.filter(active=False, cancelled_at__isnull=True).update(
        cancelled_at=F("claimed_at")
    )
    Claim.objects.filter(active=True, cancelled_at__isnull=False).update(
        cancelled_at=None, cancelled_by=None, cancel_reason=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0004_input_bounds"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

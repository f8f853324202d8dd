"""Before `VillagePhone.active` goes: make `deactivated_at` say what `active` says on every
row. The deactivation set both fields together, so this finds nothing on a healthy
database. A row marked inactive without a time is taken as deactivated at its registration
time (the one time known); a row marked active keeps no deactivation time."""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    VillagePhone = apps.get_model("villages", "VillagePhone")
    VillagePhone.objects.filter(active=False, deactivated_at__isnull=True).update(
        deactivated_at=F("created_at")
    )
    VillagePhone.objects.filter(active=True, deactivated_at__isnull=False).update(
        deactivated_at=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("villages", "0004_user_lockout_read_from_the_throttle"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]

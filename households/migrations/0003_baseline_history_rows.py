"""Baseline (+) change-log rows for households and members that have none (rows written by
the seeding before it wrote history): one '+' row with the row's current values, dated
created_at (households) or now, reason 补记初始记录, in batches of ids."""

from django.contrib.auth.models import AnonymousUser
from django.db import migrations
from django.db.models import Max, Min
from django.utils import timezone

BATCH = 5000
REASON = "补记初始记录"


def add_baselines(apps, schema_editor):
    from poverty_system.core import changelog
    from poverty_system.core.actor import Actor

    actor = Actor.system(AnonymousUser(), via="migration")
    now = timezone.now()
    using = schema_editor.connection.alias
    for name, date_column in (("Household", "created_at"), ("Member", None)):
        model = apps.get_model("households", name)
        history_model = apps.get_model("households", f"Historical{name}")
        bounds = model.objects.using(using).aggregate(lo=Min("pk"), hi=Max("pk"))
        if bounds["lo"] is None:
            continue
        for start in range(bounds["lo"], bounds["hi"] + 1, BATCH):
            changelog.insert_baselines(
                actor,
                model,
                where="b.id >= %s AND b.id < %s",
                params=[start, start + BATCH],
                reason=REASON,
                date=now,
                date_column=date_column,
                missing_only=True,
                history_model=history_model,
                using=using,
            )


class Migration(migrations.Migration):
    dependencies = [("households", "0002_versions_and_status_kinds")]

    operations = [migrations.RunPython(add_baselines, migrations.RunPython.noop, elidable=True)]

"""The 2026 holiday calendar (国务院办公厅关于2026年部分节假日安排的通知): days off on
weekdays and weekend days worked. Later years are added as data (admin or a migration)."""

import datetime

from django.db import migrations

OFF = {
    "元旦": ("2026-01-01", "2026-01-02"),
    "春节": ("2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"),
    "清明节": ("2026-04-06",),
    "劳动节": ("2026-05-01", "2026-05-04", "2026-05-05"),
    "端午节": ("2026-06-19",),
    "中秋节": ("2026-09-25",),
    "国庆节": ("2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"),
}
WORKED = ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")


def add(apps, schema_editor):
    Holiday = apps.get_model("projects", "Holiday")
    rows = [
        Holiday(date=datetime.date.fromisoformat(d), name=name, is_workday=False)
        for name, days in OFF.items()
        for d in days
    ]
    rows += [
        Holiday(date=datetime.date.fromisoformat(d), name="调休上班", is_workday=True)
        for d in WORKED
    ]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)


def remove(apps, schema_editor):
    apps.get_model("projects", "Holiday").objects.filter(date__year=2026).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]

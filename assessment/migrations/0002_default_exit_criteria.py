"""Default 脱贫标准 for the whole tree (rows without a region), clearly marked as defaults.

Lines are the national rural poverty line in current prices as cited for each year (2,736
yuan for 2014 in the seeds; 3,146 for 2016; 4,000 for 2020); years after 2020 keep the 2020
line until a county enters its province's line. All five 两不愁三保障 checks apply.
"""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

LINES = {
    2014: "2736",
    2015: "2855",
    2016: "3146",
    2017: "3335",
    2018: "3535",
    2019: "3747",
    2020: "4000",
}
LATER = range(2021, 2031)


def defaults():
    for year, line in LINES.items():
        yield year, Decimal(line), f"默认值：{year}年国家农村扶贫标准（现价）"
    for year in LATER:
        yield year, Decimal("4000"), "默认值：沿用2020年标准，请县扶贫办按本省规定修改"


def add_defaults(apps, schema_editor):
    ExitCriteria = apps.get_model("assessment", "ExitCriteria")
    History = apps.get_model("assessment", "HistoricalExitCriteria")
    now = timezone.now()
    rows = ExitCriteria.objects.bulk_create(
        [
            ExitCriteria(year=year, income_line=line, note=note, is_default=True, region_code="")
            for year, line, note in defaults()
        ]
    )
    rows = list(ExitCriteria.objects.filter(region__isnull=True))
    names = [f.attname for f in ExitCriteria._meta.concrete_fields if f.attname != "updated_at"]
    History.objects.bulk_create(
        [
            History(
                **{name: getattr(row, name) for name in names},
                history_date=now,
                history_type="+",
                history_change_reason="系统默认值",
                history_phone="",
            )
            for row in rows
        ]
    )


def remove_defaults(apps, schema_editor):
    ExitCriteria = apps.get_model("assessment", "ExitCriteria")
    History = apps.get_model("assessment", "HistoricalExitCriteria")
    ids = list(ExitCriteria.objects.filter(is_default=True, region__isnull=True).values("pk"))
    History.objects.filter(id__in=[i["pk"] for i in ids]).delete()
    ExitCriteria.objects.filter(is_default=True, region__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_exit_criteria_poor_villages_plans")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]

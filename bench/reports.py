#!/usr/bin/env python
"""Benchmark of the printable sheets (reports): 贫困户信息对照表 and 贫困户信息表 of a whole
village of --village-households households (default 500) in one .docx, against the writer alone.

Seeds a village of its own under 贡江镇 (基准测试村, added to the region tree; SQLite under /tmp,
or --database-url, where other benchmarks' data stays as it is) with
portal.demo.seeding (the baseline change-log rows included), dates that change
log to last year and then edits a tenth of the households this year (住房面积, through
poverty_system.core.changelog, one history row each), so the 对照表 reads real year-end rows
and marks changes. Then measures, --requests times each, with their queries:

1. `reports.services.print_village(actor, village, "compare")`: the whole action as the
   download runs it (slice check, reads in batches, the file, the audit entry);
2. the same for "info" (贫困户信息表);
3. the floor: `reports.sheets.write_comparison` of the records already read (the XML
   writer and the zip alone, no database).

    .venv/bin/python bench/reports.py                      # SQLite, 500 households
    .venv/bin/python bench/reports.py --village-households 2000 --requests 3
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOWNSHIP = "360731100"  # 贡江镇
PASSWORD = "Bench#2026pass"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    # Not --households: bench/run.py passes its arguments to every script, and theirs is
    # the size of the whole database.
    parser.add_argument("--village-households", type=int, default=500)
    parser.add_argument("--requests", type=int, default=3)
    args, _ = parser.parse_known_args()
    return args


def configure(args) -> None:
    var_dir = tempfile.mkdtemp(prefix="bench-reports-")
    os.environ["VAR_DIR"] = var_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("SMS_BACKEND", "poverty_system.core.sms.LocmemBackend")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty_system.settings")
    import django

    django.setup()


VILLAGE_CODE, VILLAGE_NAME = "360731100990", "基准测试村"


def bench_village():
    """The benchmark's own village under 贡江镇 (made once; a second run reuses it)."""
    from villages.models import Region

    village = Region.objects.filter(code=VILLAGE_CODE).first()
    if village is None:
        township = Region.objects.get(code=TOWNSHIP)
        village = Region.objects.create(
            code=VILLAGE_CODE, name=VILLAGE_NAME, level="village", parent=township
        )
    return village


def prepare(args):
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.core.management import call_command

    from households.models import Household, Member
    from portal.demo.seeding import seed_households
    from poverty_system.core import changelog
    from poverty_system.core.actor import Actor
    from poverty_system.core.dates import current_year
    from poverty_system.core.roles import Role
    from villages.accounts import create_account
    from villages.models import Region, User
    from villages.regions import load_regions

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=TOWNSHIP).exists():
        load_regions(ROOT / "fixtures" / "regions" / "ganzhou.csv")
    township = Region.objects.get(code=TOWNSHIP)
    village = bench_village()
    missing = args.village_households - Household.objects.filter(village=village).count()
    if missing > 0:
        print(f"seeding {missing} households in {village.name} …", flush=True)
        seed_households(village, missing, seed=3, batch=missing, villages=[village])
    Household.objects.filter(village=village).update(status="poor", parts_done=7)
    last_year = datetime.datetime(
        current_year() - 1, 11, 30, 9, 0, tzinfo=ZoneInfo(settings.TIME_ZONE)
    )
    ids = list(Household.objects.filter(village=village).values_list("pk", flat=True))
    Household.history.filter(id__in=ids).update(history_date=last_year)
    Member.history.filter(household_id__in=ids).update(history_date=last_year)
    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY, "must_change_password": False}
    )
    office = User.objects.filter(username="bench_township").first()
    if office is None:
        county, _ = create_account(
            Actor.system(admin),
            username="bench_county",
            role=Role.COUNTY,
            regions=[township.parent],
            full_name="bench county",
            password=PASSWORD,
            must_change_password=False,
        )
        office, _ = create_account(
            Actor.system(county),
            username="bench_township",
            role=Role.TOWNSHIP,
            regions=[township],
            full_name="bench township",
            password=PASSWORD,
            must_change_password=False,
        )
    edited = list(Household.objects.filter(pk__in=ids[::10]))
    for household in edited:
        household.housing_area += Decimal("20")
    changelog.bulk_update(Actor.system(office), edited, ["housing_area"], reason="bench")
    return office, village, ids


def measure(label: str, function, requests: int):
    from django.db import connection, reset_queries

    times, queries, result = [], 0, None
    for _ in range(requests):
        reset_queries()
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
        queries = len(connection.queries)
    return statistics.median(times), max(times), queries, result


def main() -> int:
    args = parse_args()
    configure(args)
    from django.conf import settings
    from django.db import connection

    from poverty_system.core.actor import Actor
    from poverty_system.core.dates import current_year
    from reports import records, services, sheets

    office, village, ids = prepare(args)
    settings.DEBUG = True  # count the queries (connection.queries)
    actor = Actor.system(office)
    vendor = connection.vendor
    rows = []

    def print_file(kind):
        def run():
            handle, _ = services.print_village(actor, village.pk, kind)
            size = handle.seek(0, 2)
            handle.close()
            return size

        return run

    median, worst, queries, size = measure("compare", print_file("compare"), args.requests)
    year = current_year() - 1
    loaded = [
        list(records.read(ids[i : i + records.BATCH], compare_year=year))
        for i in range(0, len(ids), records.BATCH)
    ]

    def floor():
        with tempfile.TemporaryFile() as target:
            sheets.write_comparison(target, iter(loaded), year)
            return target.tell()

    floor_median, _, _, _ = measure("floor", floor, args.requests)
    rows.append(
        {
            "name": f"对照表 of a village of {len(ids)} households ({vendor})",
            "median_ms": round(median, 1),
            "p95_ms": round(worst, 1),
            "queries": queries,
            "floor": "writer alone (records read)",
            "floor_ms": round(floor_median, 1),
        }
    )
    median, worst, queries, _ = measure("info", print_file("info"), args.requests)
    rows.append(
        {
            "name": f"信息表 of a village of {len(ids)} households ({vendor})",
            "median_ms": round(median, 1),
            "p95_ms": round(worst, 1),
            "queries": queries,
        }
    )
    for row in rows:
        print("BENCH " + json.dumps(row, ensure_ascii=False), flush=True)
    print(f"\n对照表 file: {size / 1024:.0f} KiB for {len(ids)} households")
    print("\n| sheet | households | median (s) | worst (s) | queries |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['name']} | {len(ids)} | {row['median_ms'] / 1000:.2f} "
            f"| {row['p95_ms'] / 1000:.2f} | {row['queries']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark of 脱贫 in a batch (贫困户脱贫情况) and of its list page.

Loads the Ganzhou region tree, seeds --households households (~3.7 members each) in 贡江镇
with portal.demo.seeding, creates the township office of 贡江镇 with the real account
action, then:

1. the list page `/assessment/lift/` (100 rows with their exit check, cadre and unit) through
   django.test.Client: p50/p95 over --requests requests and its queries;
2. `assessment.services.mark_lifted` on --batch poor households at once (the exit check of
   every household, the refusals, and transition_many for the rest, in one transaction):
   once with the default criteria (many seeded households fail some criterion: a mixed
   batch) and once with the county's criteria relaxed so that every household passes (the
   worst case for writes). Each: wall time, queries, households changed and refused.

    .venv/bin/python bench/assessment.py                 # throwaway SQLite database under /tmp
    .venv/bin/python bench/assessment.py --database-url postgres://postgres@127.0.0.1:5432/bench_assessment

The database must be a throwaway one: households are lifted and stay lifted.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from benchline import bench

from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY, TOWNSHIP = "360731", "360731100"  # 于都县, 贡江镇
PASSWORD = "Bench#2026pass"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--households", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args()
    return args


def configure(args) -> None:
    if not args.var_dir:
        args.var_dir = tempfile.mkdtemp(prefix="bench-assessment-")
    os.environ["VAR_DIR"] = args.var_dir
    os.environ["STATIC_ROOT"] = str(Path(args.var_dir) / "static")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SMS_BACKEND", "poverty_system.core.sms.LocmemBackend")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty_system.settings")
    import django

    django.setup()


def prepare(args):
    from django.core.management import call_command

    from households.models import Household
    from portal.demo.seeding import seed_households
    from poverty_system.core.roles import Role
    from villages.accounts import create_account
    from villages.models import Region, User
    from villages.regions import load_regions

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    if not Region.objects.filter(code=TOWNSHIP).exists():
        load_regions(ROOT / "fixtures" / "regions" / "ganzhou.csv")
    township = Region.objects.get(code=TOWNSHIP)
    missing = args.households - Household.objects.filter(village_code__startswith=TOWNSHIP).count()
    if missing > 0:
        print(f"seeding {missing:,} households in 贡江镇 …", flush=True)
        seed_households(township, missing, seed=args.seed, batch=5_000)
    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY, "must_change_password": False}
    )
    users = {}
    for key, role, code in (("county", Role.COUNTY, COUNTY), ("township", Role.TOWNSHIP, TOWNSHIP)):
        user = User.objects.filter(username=f"bench_{key}").first()
        if user is None:
            user, _ = create_account(
                Actor.system(users.get("county", admin)),
                username=f"bench_{key}",
                role=role,
                regions=[Region.objects.get(code=code)],
                full_name=f"bench {key}",
                password=PASSWORD,
                must_change_password=False,
            )
        users[key] = user
    return users


def poor_ids(n):
    from households.models import Household

    return list(
        Household.objects.filter(village_code__startswith=TOWNSHIP, status__in=["poor", "returned"])
        .order_by("?")
        .values_list("pk", flat=True)[:n]
    )


def batch(users, n, label):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment import services
    from poverty_system.core.actor import Actor

    ids = poor_ids(n)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        outcome = services.mark_lifted(
            Actor.system(users["township"], via="bench"), ids, "lifted", "经核查达到脱贫标准"
        )
        seconds = time.perf_counter() - start
    bench(f"批量脱贫 {len(ids):,} 户（{label}）", seconds * 1000, queries=len(queries))
    return (
        f"| {label} | {len(ids):,} | {len(outcome.changed):,} | {len(outcome.refused):,} "
        f"| {seconds * 1000:,.0f} | {len(queries)} |"
    )


def page(users, requests):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(users["township"])
    for _ in range(2):
        assert client.get("/assessment/lift/").status_code == 200
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get("/assessment/lift/")
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get("/assessment/lift/")
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    p50 = statistics.median(times)
    bench("贫困户脱贫情况 /assessment/lift/（100 行）", times_ms=times, queries=len(queries))
    return f"| /assessment/lift/ (100 rows) | {p50:.0f} | {p95:.0f} | {len(queries)} |"


def main():
    args = parse_args()
    configure(args)
    from django.db import connection

    from assessment.models import ExitCriteria
    from villages.models import Region

    users = prepare(args)
    print(f"database: {connection.vendor}, households in 贡江镇: {args.households:,}\n")
    print("| page | p50 ms | p95 ms | queries |\n|---|---:|---:|---:|")
    print(page(users, args.requests))
    print("\n| batch 脱贫 | ticked | changed | refused | ms | queries |")
    print("|---|---:|---:|---:|---:|---:|")
    print(batch(users, args.batch, "default criteria (mixed)"))

    county = Region.objects.get(code=COUNTY)
    ExitCriteria.objects.update_or_create(
        year=current_year(),
        region=county,
        defaults={
            "region_code": COUNTY,
            "income_line": Decimal("0"),
            "check_food_clothing": False,
            "check_school": False,
            "check_medical": False,
            "check_housing": False,
            "check_water": False,
        },
    )
    print(batch(users, args.batch, "every household passes"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

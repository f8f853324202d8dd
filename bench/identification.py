#!/usr/bin/env python
"""Benchmark of 县级比对 (identification): the county compares a batch of new households with
every household of the city and with the cadres, then confirms the batch.

Works on a COPY of a pre-seeded database (default: the 300,000-household Ganzhou benchmark
database of `bench/households.py`, --source), migrated; adds --new households in 贡江镇
(portal.demo.seeding, then marked 登记中 with all seven parts: the setup, not
measured), some of them sharing an ID number with a cadre (so the checks find hits), and
opens their cases at 县级比对 in bulk. Then measures, with their queries:

1. `identification.checks.check_hits` of the whole batch (every member's ID number against
   the city's members and the cadres);
2. `identification.services.confirm_checks` of the households without hits (locks, checks
   again, writes the events, the cases and the audit entries set-based);
3. the county's batch page `/identification/cases/?step=county_check` (50 cases with hits);
4. the 年度动态管理 progress page of 于都县's round (`/identification/rounds/<pk>/`), p50 and
   p95 over --requests requests (--county-households seeds 于都县 to that size first).

    .venv/bin/python bench/identification.py                     # copy of the 300k database
    .venv/bin/python bench/identification.py --source '' --households 20000   # seed afresh
    .venv/bin/python bench/identification.py --source '' --county-households 30000
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchline import bench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY, TOWNSHIP = "360731", "360731100"  # 于都县, 贡江镇
PASSWORD = "Bench#2026pass"
DEFAULT_SOURCE = "/work/coord/bench300k/db.sqlite3"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=DEFAULT_SOURCE, help="SQLite file to copy ('' none)")
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--households", type=int, default=0, help="seed when --source is ''")
    parser.add_argument("--county-households", type=int, default=0, help="seed 于都县 to it")
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--hits", type=int, default=10)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--database-url", default="", help="a throwaway PostgreSQL database")
    args, _ = parser.parse_known_args()
    return args


def configure(args) -> None:
    if not args.var_dir:
        args.var_dir = tempfile.mkdtemp(prefix="bench-identification-")
    os.environ["VAR_DIR"] = args.var_dir
    os.environ["STATIC_ROOT"] = str(Path(args.var_dir) / "static")
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:  # seeded like a missing --source (a copy is SQLite's only)
        os.environ["DATABASE_URL"] = args.database_url
        args.source = ""
        args.households = args.households or 20_000
    if args.source and not Path(args.source).exists() and not args.county_households:
        print(f"{args.source} not found: seeding a smaller database instead", flush=True)
        args.source, args.households = "", args.households or 20_000
    if args.source and Path(args.source).exists():
        print(f"copying {args.source} …", flush=True)
        shutil.copyfile(args.source, Path(args.var_dir) / "db.sqlite3")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["SECURE_COOKIES"] = "0"
    os.environ.setdefault("SMS_BACKEND", "poverty_system.core.sms.LocmemBackend")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty_system.settings")
    import django

    django.setup()


def prepare(args):
    from django.core.management import call_command
    from django.db.models import Max

    from households.models import Household, Member
    from identification.models import Case
    from portal.demo.seeding import seed_households
    from poverty_system.core.actor import Actor
    from poverty_system.core.roles import Role
    from units.models import Cadre, Unit
    from villages.accounts import create_account
    from villages.models import Region, User
    from villages.regions import load_regions

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    if not Region.objects.filter(code=TOWNSHIP).exists():
        load_regions(ROOT / "fixtures" / "regions" / "ganzhou.csv")
    township = Region.objects.get(code=TOWNSHIP)
    if args.households:
        missing = args.households - Household.objects.count()
        if missing > 0:
            print(f"seeding {missing:,} households …", flush=True)
            seed_households(Region.objects.get(code="3607"), missing, seed=1, batch=5_000)
    in_county = Household.objects.filter(village_code__startswith=COUNTY).count()
    if args.county_households > in_county:
        print(f"seeding {args.county_households - in_county:,} households in 于都县 …", flush=True)
        seed_households(
            Region.objects.get(code=COUNTY), args.county_households - in_county, seed=3, batch=5_000
        )
    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY, "must_change_password": False}
    )
    county = User.objects.filter(username="bench_county").first()
    if county is None:
        county, _ = create_account(
            Actor.system(admin),
            username="bench_county",
            role=Role.COUNTY,
            regions=[Region.objects.get(code=COUNTY)],
            full_name="bench county",
            password=PASSWORD,
            must_change_password=False,
        )
    before = Household.objects.aggregate(last=Max("pk"))["last"] or 0
    print(f"adding {args.new} new households in 贡江镇 …", flush=True)
    seed_households(township, args.new, seed=7, batch=args.new)
    new_ids = list(Household.objects.filter(pk__gt=before).values_list("pk", flat=True))
    Household.objects.filter(pk__in=new_ids).update(status="registering", parts_done=7)
    unit = Unit.objects.first() or Unit.objects.create(
        name="bench unit", region=Region.objects.get(code=COUNTY)
    )
    heads = Member.objects.filter(household_id__in=new_ids[: args.hits], relation="head")
    Cadre.objects.bulk_create(
        [Cadre(unit=unit, name=f"干部{m.pk}", id_number=m.id_number) for m in heads]
    )
    Case.objects.bulk_create(
        [
            Case(
                household_id=pk,
                village_code=code,
                kind="new",
                year=2026,
                target_status="poor",
                step="county_check",
                started_by=admin,
            )
            for pk, code in Household.objects.filter(pk__in=new_ids).values_list(
                "pk", "village_code"
            )
        ]
    )
    counts = (Household.objects.count(), Member.objects.count())
    return county, new_ids, counts


def measure(label, action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - start
    return label, seconds, len(queries), result


def main() -> int:
    args = parse_args()
    configure(args)
    from django.conf import settings
    from django.test import Client

    from identification import services
    from identification.checks import check_hits
    from identification.models import Case
    from poverty_system.core.actor import Actor

    settings.DEBUG = False
    county, new_ids, (households, members) = prepare(args)
    print(f"database: {households:,} households, {members:,} members", flush=True)
    cases = list(Case.objects.filter(household_id__in=new_ids, step="county_check"))
    rows = []
    label, seconds, queries, hits = measure(
        f"比对 {len(cases)} 户（check_hits）", lambda: check_hits(cases)
    )
    with_hits = [pk for pk, found in hits.items() if found]
    rows.append((label, seconds, queries, f"{len(with_hits)} 户有比对发现"))
    clean = [c.pk for c in cases if not hits[c.pk]]
    label, seconds, queries, done = measure(
        f"比对通过 {len(clean)} 户（confirm_checks）",
        lambda: services.confirm_checks(Actor.system(county, via="bench"), clean),
    )
    rows.append((label, seconds, queries, f"{len(done)} 户进入县级审批"))
    small = measure(f"比对 {min(50, len(cases))} 户（check_hits）", lambda: check_hits(cases[:50]))
    rows.append((*small[:3], "同一查询数"))

    client = Client()
    client.force_login(county)
    Case.objects.filter(pk__in=clean).update(step="county_check")  # back on the page
    times, counts = [], []
    for _ in range(args.requests):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get("/identification/cases/?step=county_check")
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        counts.append(len(captured))
    print("\n| 场景 (sqlite) | ms | 查询数 | 结果 |\n|---|---:|---:|---|")
    for label, seconds, queries, note in rows:
        print(f"| {label} | {seconds * 1000:,.0f} | {queries} | {note} |")
        bench(label, seconds * 1000, queries=queries)
    p50 = statistics.median(times) * 1000
    label = "县级比对批量页（50 户及比对发现）p50"
    print(f"| {label} | {p50:,.0f} | {counts[-1]} | {args.requests} 次请求 |")
    page_ms = [t * 1000 for t in times]
    bench("县级比对批量页（50 户及比对发现）", times_ms=page_ms, queries=counts[-1])
    measure_round(client, county, args.requests)
    return 0


def measure_round(client, county, requests: int) -> None:
    """The 年度动态管理 progress page of 于都县 (every township's row) as its county office."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from households.models import Household
    from identification import rounds
    from identification.models import Round
    from poverty_system.core.actor import Actor
    from poverty_system.core.dates import current_year
    from villages.models import Region

    year, region = current_year(), Region.objects.get(code=COUNTY)
    round_ = Round.objects.filter(county=region, year=year).first()
    if round_ is None:
        due = {n: datetime.date(year, 12, 31) for n in Round.DEADLINES}
        round_ = rounds.open_round(Actor.system(county, via="bench"), region, year, due)
    url = f"/identification/rounds/{round_.pk}/"
    times, count = [], 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        count = len(captured)
    size = Household.objects.filter(village_code__startswith=COUNTY).count()
    page_ms = [t * 1000 for t in times]
    bench(f"年度动态管理进度页（于都县 {size:,} 户）", times_ms=page_ms, queries=count)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] * 1000
    print(
        f"| 年度动态管理进度页（于都县 {size:,} 户）p50 / p95 | "
        f"{statistics.median(times) * 1000:,.0f} / {p95:,.0f} | {count} | {requests} 次请求 |"
    )


if __name__ == "__main__":
    sys.exit(main())

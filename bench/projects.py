#!/usr/bin/env python
"""Benchmark of the project library and the fund ledger (issue 12).

A county (于都县) with --projects projects, --movements ledger movements and --links
beneficiary links (households seeded in 贡江镇 with portal.demo.seeding), written in bulk
with their change-log baselines; then through django.test.Client as the county office:

1. the library list `/projects/` (50 rows), the fund summary `/projects/funds/` (汇总 over
   every movement), 扶贫资金台账 and 统计 › 扶贫项目与资金, p50/p95 over --requests requests
   and their queries;
2. adding --excel beneficiaries to one project from an Excel list of 户编号
   (projects.services.beneficiaries.read_numbers + add_by_numbers): wall time and queries.

    .venv/bin/python bench/projects.py                 # throwaway SQLite database under /tmp
    .venv/bin/python bench/projects.py --database-url postgres://postgres@127.0.0.1:5432/bench_projects
"""

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from benchline import bench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY, TOWNSHIP = "360731", "360731100"
PASSWORD = "Bench#2026pass"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--projects", type=int, default=2_000)
    parser.add_argument("--movements", type=int, default=50_000)
    parser.add_argument("--links", type=int, default=30_000)
    parser.add_argument("--households", type=int, default=12_000)
    parser.add_argument("--excel", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=10)
    args, _ = parser.parse_known_args()
    return args


def configure(args) -> None:
    if not args.var_dir:
        args.var_dir = tempfile.mkdtemp(prefix="bench-projects-")
    os.environ["VAR_DIR"] = args.var_dir
    os.environ["STATIC_ROOT"] = str(Path(args.var_dir) / "static")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
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
        seed_households(township, missing, seed=1, batch=5_000)
    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY, "must_change_password": False}
    )
    county = User.objects.filter(username="bench_county").first()
    if county is None:
        from poverty_system.core.actor import Actor

        county, _ = create_account(
            Actor.system(admin, via="bench"),
            username="bench_county",
            role=Role.COUNTY,
            regions=[Region.objects.get(code=COUNTY)],
            full_name="bench county",
            password=PASSWORD,
            must_change_password=False,
        )
    return county


def seed(args, county_user):
    """Projects, movements and links in bulk (the change-log baselines of the projects too)."""
    from households.models import Household
    from poverty_system.core import changelog
    from poverty_system.core.actor import Actor
    from projects.choices import Category, MovementKind, Source, State
    from projects.models import Beneficiary, FundAccount, FundMovement, Project
    from villages.models import Region

    if Project.objects.count() >= args.projects:
        return
    rng = random.Random(1)
    actor = Actor.system(county_user, via="bench")
    county = Region.objects.get(code=COUNTY)
    villages = list(Region.objects.filter(code__startswith=TOWNSHIP, level="village"))
    today = datetime.datetime.now(tz=datetime.UTC).date()
    states = [State.IMPLEMENTING, State.APPROVED, State.ACCEPTED, State.STORED, State.PROPOSED]
    projects = [
        Project(
            number=f"{COUNTY}{2026}{i:05d}",
            year=2026 - i % 3,
            name=f"基准项目{i}",
            category=rng.choice(Category.values),
            region=(v := rng.choice(villages)),
            region_code=v.code,
            county_code=COUNTY,
            content="建设内容",
            budget_central=Decimal(rng.randint(10, 200) * 10_000),
            state=rng.choice(states),
            due_on=today + datetime.timedelta(days=rng.randint(-30, 30)),
            due_label="批复公告",
            created_by=county_user,
        )
        for i in range(1, args.projects + 1)
    ]
    projects = changelog.bulk_create(actor, projects, reason="基准数据")
    accounts = {
        s: FundAccount.objects.get_or_create(
            county=county, source=s, defaults={"county_code": COUNTY}
        )[0]
        for s in Source.values
    }
    moves = []
    per = args.movements // len(projects)
    for project in projects:
        for j in range(per):
            kind = (
                (MovementKind.ARRANGED, MovementKind.DISBURSED, MovementKind.SPENT)[j % 3]
                if j
                else MovementKind.RECEIVED
            )
            moves.append(
                FundMovement(
                    account=accounts[rng.choice(Source.values[:4])],
                    project=None if kind == MovementKind.RECEIVED else project,
                    region_code=COUNTY if kind == MovementKind.RECEIVED else project.region_code,
                    county_code=COUNTY,
                    kind=kind,
                    amount=Decimal(1000 if kind == MovementKind.RECEIVED else 100),
                    date=today,
                    year=project.year,
                    doc_number="基准",
                    actor=county_user,
                )
            )
    FundMovement.objects.bulk_create(moves, batch_size=5_000)
    household_ids = list(
        Household.objects.filter(village_code__startswith=TOWNSHIP).values_list("pk", flat=True)
    )
    per = max(1, args.links // len(projects))
    links = []
    for project in projects:
        for pk in rng.sample(household_ids, per):
            links.append(Beneficiary(project=project, household_id=pk, added_by=county_user))
    Beneficiary.objects.bulk_create(links, batch_size=5_000, ignore_conflicts=True)


def timed(client, url, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    bench(f"项目与资金 {url}", times_ms=times, queries=len(queries))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return f"| {url} | {statistics.median(times):.0f} | {p95:.0f} | {len(queries)} |"


def excel(args, county_user):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from openpyxl import Workbook

    from households.models import Household
    from poverty_system.core import changelog
    from poverty_system.core.actor import Actor
    from projects.models import Project
    from projects.services import beneficiaries
    from villages.models import Region

    actor = Actor.system(county_user, via="bench")
    villages = list(Region.objects.filter(code__startswith=TOWNSHIP, level="village"))
    project = Project(
        number=f"{COUNTY}2026X{Project.objects.count():05d}",
        year=2026,
        name="全镇产业项目",
        category="industry",
        region=villages[0],
        region_code=villages[0].code,
        county_code=COUNTY,
        content="x",
        budget_central=Decimal(1),
        created_by=county_user,
    )
    changelog.save(actor, project, reason="基准数据")
    project.places.set(villages)
    numbers = list(
        Household.objects.filter(
            village_code__startswith=TOWNSHIP, status__in=beneficiaries.ELIGIBLE
        ).values_list("number", flat=True)[: args.excel]
    )
    book = Workbook()
    sheet = book.active
    sheet.append(["户编号"])
    for number in numbers:
        sheet.append([number])
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("list.xlsx", out.getvalue())
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        rows = beneficiaries.read_numbers(upload)
        added = beneficiaries.add_by_numbers(actor, project.pk, rows, "job")
        seconds = time.perf_counter() - start
    bench(f"受益户 Excel 名单 {len(numbers):,} 户", seconds * 1000, queries=len(queries))
    return (
        f"| Excel list of 户编号 → 受益户 | {len(numbers):,} | {added:,} "
        f"| {seconds * 1000:,.0f} | {len(queries)} |"
    )


def main():
    args = parse_args()
    configure(args)
    from django.db import connection
    from django.test import Client

    from projects.models import Beneficiary, FundMovement, Project

    county = prepare(args)
    seed(args, county)
    print(
        f"database: {connection.vendor}; projects {Project.objects.count():,}, movements "
        f"{FundMovement.objects.count():,}, beneficiary links {Beneficiary.objects.count():,}\n"
    )
    client = Client()
    client.force_login(county)
    print("| page | p50 ms | p95 ms | queries |\n|---|---:|---:|---:|")
    print(timed(client, "/projects/", args.requests))
    print(timed(client, "/projects/funds/", args.requests))
    print(timed(client, "/projects/funds/?by=village", args.requests))
    print(timed(client, "/projects/funds/ledger/?kind=spent", args.requests))
    print(timed(client, "/projects/statistics/", args.requests))
    print("\n| batch | rows | added | ms | queries |\n|---|---:|---:|---:|---:|")
    print(excel(args, county))
    return 0


if __name__ == "__main__":
    sys.exit(main())

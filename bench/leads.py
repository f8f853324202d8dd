#!/usr/bin/env python
"""Benchmark of the 监测线索 inbox (防止返贫监测): the county office's inbox over --leads open
leads of 于都县 (default 10,000, the issue's figure), each with one or two sources, and the
inbox filtered overdue=1; p50 and p95 over --requests requests, with the queries per page.

A fresh SQLite database in a temporary folder (--var-dir), migrated, with the Ganzhou region
tree; the leads are written in bulk (the setup, not measured), spread over 于都县's villages,
received over the last 60 days with their clocks.

    .venv/bin/python bench/leads.py
    .venv/bin/python bench/leads.py --leads 2000 --requests 5
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COUNTY = "360731"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default="", help="a throwaway PostgreSQL database")
    args, _ = parser.parse_known_args()
    return args


def configure(args) -> None:
    args.var_dir = args.var_dir or tempfile.mkdtemp(prefix="bench-leads-")
    os.environ["VAR_DIR"] = args.var_dir
    os.environ["STATIC_ROOT"] = str(Path(args.var_dir) / "static")
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["SECURE_COOKIES"] = "0"
    os.environ.setdefault("SMS_BACKEND", "poverty_system.core.sms.LocmemBackend")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty_system.settings")
    import django

    django.setup()


def seed(count: int):
    import datetime
    import random

    from django.core.management import call_command
    from django.utils import timezone

    from monitoring.clocks import due_dates
    from monitoring.models import Lead, LeadSource
    from poverty_system.core.actor import Actor
    from poverty_system.core.roles import Role
    from villages.accounts import create_account
    from villages.models import Region, User
    from villages.regions import load_regions

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    if not Region.objects.filter(code=COUNTY).exists():
        load_regions(ROOT / "fixtures" / "regions" / "ganzhou.csv")
    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY}
    )
    county = User.objects.filter(username="bench_county").first()
    if county is None:  # a PostgreSQL database another script used keeps its accounts
        county, _ = create_account(
            Actor.system(admin),
            username="bench_county",
            role=Role.COUNTY,
            regions=[Region.objects.get(code=COUNTY)],
            full_name="于都县扶贫办",
            must_change_password=False,
        )
    if Lead.objects.filter(number__startswith="JB").count() >= count:
        return county  # seeded by an earlier run
    villages = list(Region.objects.filter(level="village", code__startswith=COUNTY))
    rng = random.Random(13)
    now = timezone.now()
    leads = []
    for i in range(count):
        village = rng.choice(villages)
        received = now - datetime.timedelta(days=rng.randint(0, 60), minutes=i)
        visit_due = received.date() + datetime.timedelta(days=5)  # about 3 working days
        leads.append(
            Lead(
                number=f"JB{i:012d}",
                village=village,
                village_code=village.code,
                name=f"申报人{i}",
                id_number=f"36073119800101{i % 10000:04d}",
                hardship="因病",
                received_at=received,
                visit_due=visit_due,
                decide_due=received.date() + datetime.timedelta(days=15),
            )
        )
    assert due_dates  # the clocks the actions use; the bench writes comparable dates
    Lead.objects.bulk_create(leads, batch_size=2000)
    sources = []
    for pk in Lead.objects.values_list("pk", flat=True):
        sources.append(LeadSource(lead_id=pk, channel="cadre", detail="因病"))
        if pk % 3 == 0:
            sources.append(LeadSource(lead_id=pk, channel="self", detail="因病"))
    LeadSource.objects.bulk_create(sources, batch_size=5000)
    return county


def measure(client, url: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    client.get(url)  # warm
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return statistics.median(times) * 1000, p95 * 1000, queries


def main() -> int:
    args = parse_args()
    configure(args)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.DEBUG = False
    county = seed(args.leads)
    client = Client()
    client.force_login(county)
    print(
        f"\n| 场景 ({connection.vendor}, {args.leads:,} 条线索) | p50 ms | p95 ms | 查询数 |",
        "\n|---|---:|---:|---:|",
        sep="",
    )
    for label, url in (
        ("监测线索 第 1 页", "/monitoring/leads/"),
        ("监测线索 已逾期 (overdue=1)", "/monitoring/leads/?overdue=1"),
        ("监测线索 第 100 页", "/monitoring/leads/?page=100"),
        ("首页（逾期线索计数）", "/"),
    ):
        p50, p95, queries = measure(client, url, args.requests)
        print(f"| {label} | {p50:,.1f} | {p95:,.1f} | {queries} |")
        print(
            "BENCH "
            + json.dumps(
                {
                    "name": f"{label}（{args.leads:,} 条）",
                    "median_ms": round(p50, 1),
                    "p95_ms": round(p95, 1),
                    "queries": queries,
                },
                ensure_ascii=False,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Benchmark of 管理贫困户信息 (the household list) on a city-sized database.

Loads the Ganzhou region tree, seeds --households households (~3.7 members each) spread
over the whole city with portal.demo.seeding, then requests the list through
django.test.Client as a county office (于都县) and a township office (贡江镇): the first
page and a deep page, with and without a filter. For each case: p50/p95 over --requests
requests, the queries per page, and the time of the bare SQL of the same rows (the page's
own household statement run on a raw cursor), next to the naive Django way (all columns,
ORDER BY ... LIMIT/OFFSET on the table) for comparison.

    .venv/bin/python bench/households.py                 # throwaway SQLite database under /tmp
    .venv/bin/python bench/households.py --database-url postgres://postgres@127.0.0.1:5432/bench

Give a throwaway PostgreSQL database: its household tables are emptied at the end (so that
bench/regions.py can empty the region table after it), unless --keep. With --keep (or an
explicit --var-dir for SQLite) the data stays and the next run only tops it up to
--households instead of seeding again.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from poverty_system.core.actor import Actor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY, TOWNSHIP, CITY = "360731", "360731100", "3607"  # 于都县, 贡江镇, 赣州市
PROVINCE = "36"  # 江西省: --scale province
REGION_DATA = Path(os.environ.get("REGION_DATA", ROOT.parent / "shared" / "data" / "regions"))
SCALES = {"city": 300_000, "province": 1_000_000}  # households by default
PASSWORD = "Bench#2026pass"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="default: SQLite in --var-dir",
    )
    parser.add_argument(
        "--var-dir", default="", help="SQLite directory to use and keep; default: a temporary one"
    )
    parser.add_argument(
        "--scale",
        choices=sorted(SCALES),
        default="city",
        help="city: the Ganzhou tree, 300,000 households by default; province: the Jiangxi "
        "tree (REGION_DATA/jiangxi.csv) and 1,000,000 households over 江西省",
    )
    parser.add_argument("--households", type=int, default=None, help="default: by --scale")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per case")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--deep-page", type=int, default=1000)
    parser.add_argument(
        "--keep", action="store_true", help="keep the seeded households (and the SQLite directory)"
    )
    args, _ = parser.parse_known_args()  # bench/run.py passes every script the same options
    if args.households is None:
        args.households = SCALES[args.scale]
    return args


def configure(args) -> None:
    if not args.var_dir:
        args.var_dir = tempfile.mkdtemp(prefix="bench-households-")
    else:
        args.keep = True
    os.environ["VAR_DIR"] = args.var_dir
    os.environ["STATIC_ROOT"] = str(Path(args.var_dir) / "static")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    # Production settings (DEBUG off: no query log, cached templates, manifest static files).
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SMS_BACKEND", "poverty_system.core.sms.LocmemBackend")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty_system.settings")
    import django

    django.setup()


def prepare(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from households.models import Household
    from portal.demo.seeding import seed_households
    from villages.models import Region
    from villages.regions import load_regions

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    province = getattr(args, "scale", "city") == "province"
    if province and not Region.objects.filter(code="361130").exists():  # outside Ganzhou
        load_regions(REGION_DATA / "jiangxi.csv")  # on top of a city's tree too (incremental)
    elif not Region.objects.filter(code=TOWNSHIP).exists():
        load_regions(ROOT / "fixtures" / "regions" / "ganzhou.csv")
    area = Region.objects.get(code=PROVINCE if province else CITY)
    info = {"seeded": None}
    # Resumable: each batch of the seeding is its own transaction, and a re-run tops the
    # households up to --households (an interrupted province seeding goes on where it was).
    missing = args.households - Household.objects.count()
    if missing > 0:
        print(f"seeding {missing:,} households over {area.name} …", flush=True)

        def progress(done, total):
            print(f"  {done:,} / {total:,}", end="\r", flush=True)

        result = seed_households(
            area,
            missing,
            seed=args.seed + Household.objects.count(),  # a resumed run draws new families
            batch=10_000,
            progress=progress,
        )
        print()
        info["seeded"] = result
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE households_household")
                cursor.execute("VACUUM ANALYZE households_member")
            else:
                cursor.execute("ANALYZE")
    return info


def accounts() -> dict:
    """The county office of 于都县 and the township office of 贡江镇, made by the real
    account action (the security administrator creates the county, the county the township)."""
    from poverty_system.core.roles import Role
    from villages.accounts import create_account
    from villages.models import Region, User

    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY, "must_change_password": False}
    )
    users = {}
    for key, role, code, creator in (
        ("county", Role.COUNTY, COUNTY, admin),
        ("township", Role.TOWNSHIP, TOWNSHIP, None),
    ):
        user = User.objects.filter(username=f"bench_{key}").first()
        if user is None:
            user, _ = create_account(
                Actor.system(creator or users["county"]),
                username=f"bench_{key}",
                role=role,
                regions=[Region.objects.get(code=code)],
                full_name=f"bench {key}",
                password=PASSWORD,
                must_change_password=False,
            )
        users[key] = user
    return users


class Recorder:
    """Keeps (sql, params) of the statements run, to time the same SQL bare."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_sql(statements, n) -> list[float]:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(n + 2):
            start = time.perf_counter()
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return times[2:]


def naive_sql(user, query: dict, page: int):
    """The same page as plain Django fetches it: a count, then whole rows with ORDER BY and
    LIMIT/OFFSET on the table."""
    from households import filters as household_filters
    from households import listing

    _, filters = household_filters.parse_filters(query)
    qs = household_filters.apply_filters(listing.scoped_households(user, None), filters, user)
    ids_sql, ids_params = qs.order_by().values("pk").query.sql_with_params()
    offset = (page - 1) * listing.PER_PAGE
    order = household_filters.order_for(filters.sort)
    rows = qs.order_by(*order)[offset : offset + listing.PER_PAGE]
    return [
        (f"SELECT COUNT(*) FROM ({ids_sql}) t", ids_params),  # noqa: S608
        rows.query.sql_with_params(),
    ]


def run_case(client, user, label, query: dict, requests: int, url: str = "/households/"):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from households import listing

    for _ in range(2):  # warm-up
        response = client.get(url, query)
        assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, query)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    recorder = Recorder()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(recorder):
        client.get(url, query)
    household_sql = [
        (sql, params) for sql, params in recorder.statements if "households_household" in sql
    ]
    result = {
        "case": label,
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "queries": len(captured.captured_queries),
        "bare": None,
        "naive": None,
    }
    if household_sql:
        result["bare"] = statistics.median(time_sql(household_sql, requests))
        page = listing.parse_page(query.get("page"))
        result["naive"] = statistics.median(
            time_sql(naive_sql(user, query, page), max(5, requests // 4))
        )
    return result


def ms(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def main(args):
    configure(args)
    from django.db import connection
    from django.test import Client

    from households.models import Household

    info = prepare(args)
    users = accounts()
    total = Household.objects.count()
    from households.models import Member

    members = Member.objects.count()
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, "
        f"CONN_MAX_AGE={connection.settings_dict['CONN_MAX_AGE']}"
    )
    print(f"households: {total:,}  members: {members:,}")
    if info["seeded"] is not None:
        r = info["seeded"]
        print(
            f"seeding: {r.households:,} households, {r.members:,} members in "
            f"{r.seconds:.0f} s ({r.households / r.seconds:,.0f} households/s)"
        )

    deep = str(args.deep_page)
    cases = [
        ("county", "对照：首页（会话、账号、授权、菜单）", {"url": "/"}),
        ("county", "于都县 第1页", {}),
        ("county", f"于都县 第{deep}页", {"page": deep}),
        ("county", "于都县 状态=贫困户 第1页", {"status": "poor"}),
        ("county", f"于都县 状态=贫困户 第{deep}页", {"status": "poor", "page": deep}),
        ("county", "于都县 致贫原因=因病 第1页", {"cause": "illness"}),
        ("county", "于都县 致贫原因=因病 末页", {"cause": "illness", "page": "last"}),
        ("county", "于都县 按人均纯收入排序 第1页", {"sort": "income"}),
        ("township", "贡江镇 第1页", {}),
        ("township", "贡江镇 末页", {"page": "last"}),
        ("township", "贡江镇 状态=贫困户 末页", {"status": "poor", "page": "last"}),
    ]
    results = []
    for who, label, query in cases:
        user = users[who]
        client = Client()
        client.force_login(user)
        if query.get("page") == "last":
            from households import filters as household_filters
            from households import listing

            _, filters = household_filters.parse_filters(query)
            count = household_filters.apply_filters(
                listing.scoped_households(user, None), filters, user
            ).count()
            query = {**query, "page": str(max(1, -(-count // listing.PER_PAGE)))}
            label = label.replace("末页", f"末页（第{query['page']}页）")
        url = query.pop("url", "/households/")
        results.append(run_case(client, user, label, query, args.requests, url))
        r = results[-1]
        print(
            f"{r['case']}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
            f"{r['queries']} queries, bare SQL {ms(r['bare'])} ms, naive {ms(r['naive'])} ms",
            flush=True,
        )
        bench_line = {
            "name": f"管理贫困户信息 {r['case']}",
            "median_ms": round(r["p50"], 2),
            "p95_ms": round(r["p95"], 2),
            "queries": r["queries"],
            "floor": "bare SQL",
            "floor_ms": round(r["bare"], 3) if r["bare"] else None,
        }
        print("BENCH " + json.dumps(bench_line, ensure_ascii=False), flush=True)  # bench/run.py

    print()
    print(
        f"| 场景 ({connection.vendor}) | p50 ms | p95 ms | 查询数 | 裸 SQL ms | 页面/裸 SQL |"
        f" 朴素分页 SQL ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ratio = f"{r['p50'] / r['bare']:.1f}×" if r["bare"] else "—"
        print(
            f"| {r['case']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['queries']} |"
            f" {ms(r['bare'])} | {ratio} | {ms(r['naive'])} |"
        )


def clean_up(args) -> None:
    """Empty the household tables of a PostgreSQL database, or remove a temporary SQLite
    directory, unless --keep."""
    from django.apps import apps

    if args.keep or not apps.ready:
        return
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = [
                t
                for t in connection.introspection.table_names(cursor)
                if t.startswith("households_")
            ]
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        # The bench_ accounts stay: their logins are in the append-only audit trail, which
        # protects them (PROTECT); the next run reuses them.
    else:
        connection.close()
        shutil.rmtree(args.var_dir, ignore_errors=True)


if __name__ == "__main__":
    arguments = parse_args()
    try:
        main(arguments)
    finally:
        clean_up(arguments)

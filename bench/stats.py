#!/usr/bin/env python
"""Benchmark of 统计, the role home pages and the 数据质量检查 rule pack at city scale.

Uses the household benchmark's database (bench/households.py seeds it: --households over
赣州市, or give --var-dir of an already seeded SQLite copy) and a city office of 赣州市:

- the city's 统计 page (each tab, today), p50/p95 over --requests, its queries, and the bare
  SQL of its household statements (the grouped aggregate) run on a raw cursor;
- the city's home page (the county table), the same way;
- a past year-end's 统计 (the status tab as of last 31 December: history subqueries);
- the whole rule pack over every household (run_quality_checks): wall and CPU seconds.

    .venv/bin/python bench/stats.py --var-dir /tmp/copy-of-bench300k
    .venv/bin/python bench/stats.py --database-url postgres://postgres@127.0.0.1:5432/bench --keep

--no-pack leaves the rule pack out (the statistics and home pages only); --tab NAME times one
tab of 统计 alone (e.g. --tab monitoring).
"""

import importlib.util
import statistics
import sys
import time
from pathlib import Path

from benchline import bench

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

_spec = importlib.util.spec_from_file_location("bench_households", BENCH / "households.py")
hb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hb)


def city_client():
    from django.test import Client

    from poverty_system.core.actor import Actor
    from poverty_system.core.roles import Role
    from villages.accounts import create_account
    from villages.models import Region, User

    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY, "must_change_password": False}
    )
    user = User.objects.filter(username="bench_city").first()
    if user is None:
        user, _ = create_account(
            Actor.system(admin),
            username="bench_city",
            role=Role.CITY,
            regions=[Region.objects.get(code=hb.CITY)],
            full_name="bench city",
            password=hb.PASSWORD,
            must_change_password=False,
        )
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": hb.PASSWORD})
    assert response.status_code == 302, response.status_code
    return user, client


def case(client, label, url, query, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2 if requests > 3 else 1):
        assert client.get(url, query).status_code == 200
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, query)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    recorder = hb.Recorder()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(recorder):
        client.get(url, query)
    heavy = [(s, p) for s, p in recorder.statements if "households_household" in s]
    bare = statistics.median(hb.time_sql(heavy, max(3, requests // 2))) if heavy else None
    p50 = statistics.median(times)
    return {
        "case": label,
        "p50": p50,
        "p95": hb.percentile(times, 95),
        "queries": len(captured.captured_queries),
        "bare": bare,
        "ratio": p50 / bare if bare else None,
    }


def run_pack():
    import resource

    from django.core.management import call_command

    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    call_command("run_quality_checks")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    args = hb.parse_args()
    hb.configure(args)
    hb.prepare(args)
    from django.db import connection

    from households.models import Household
    from poverty_system.core.dates import current_year

    user, client = city_client()
    n = args.requests
    last_year = current_year() - 1
    if "--tab" in sys.argv:  # one tab of 统计 alone, e.g. --tab monitoring
        tab = sys.argv[sys.argv.index("--tab") + 1]
        r = case(client, f"市 统计 {tab}", "/stats/", {"table": tab}, n)
        bench(r["case"], r["p50"], p95_ms=r["p95"], queries=r["queries"])
        return
    results = [
        case(client, "市 首页（各县贫困户情况）", "/", {}, n),
        *(
            case(client, f"市 统计 {label}", "/stats/", {"table": tab}, n)
            for tab, label in (
                ("status", "按状态"),
                ("cause", "按主要致贫原因"),
                ("events", "年度变动"),
                ("pairing", "结对帮扶"),
                ("plan", "脱贫规模"),
                ("health", "按健康状况"),
                ("school", "按在校生状况"),
                ("villages", "贫困村"),
                ("incidence", "贫困发生率"),
                ("monitoring", "防止返贫监测"),
            )
        ),
        case(client, "市 家庭成员名单 6–15周岁未在校", "/stats/members/", {"out": "1"}, n),
        case(
            client,
            f"市 统计 按状态 {last_year}年底",
            "/stats/",
            {"table": "status", "year": last_year},
            max(3, n // 5),
        ),
    ]
    count = Household.objects.count()
    print(f"database: {connection.vendor}, households: {count:,}\n")
    print(f"| 场景 ({connection.vendor}) | p50 ms | p95 ms | 查询数 | 裸 SQL ms | 页面/裸 SQL |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.1f}×"
        print(
            f"| {r['case']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['queries']} | "
            f"{hb.ms(r['bare'])} | {ratio} |"
        )
        bench(
            r["case"],
            r["p50"],
            p95_ms=r["p95"],
            queries=r["queries"],
            floor="bare SQL",
            floor_ms=r["bare"],
        )
    if "--no-pack" not in sys.argv:  # the statistics pages alone
        wall, cpu = run_pack()
        print(f"\n数据质量检查 全部规则 over {count:,} households: {wall:.1f} s wall, ", end="")
        print(f"{cpu:.1f} s CPU")
        bench(f"数据质量检查 全部规则 {count:,} 户", wall * 1000)
    if not args.keep:
        hb.clean_up(args)


if __name__ == "__main__":
    main()

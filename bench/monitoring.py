#!/usr/bin/env python
"""Benchmark of 防止返贫监测 at city scale (issue 13).

Uses the household benchmark's database (bench/households.py seeds it; give --var-dir of a
COPY of an already seeded SQLite database, or --database-url of a PostgreSQL copy):

- 部门数据比对: a 医保 file of --rows rows (default 100,000) for 于都县, written with openpyxl:
  most rows the county's members (1.1 million members in all), the rest people of other
  counties or nobody, a few bad rows; amounts so that --hit-percent of the rows (default 15:
  the hits make the inbox's leads) pass the line. Timed as the job runs it: the safe read of
  the workbook, the comparison and the writing of the hits and their leads in one
  transaction, the result workbook. Wall
  and CPU seconds, the process's peak resident memory before and after, the statements.
- the county inbox (监测线索) over the county's open leads (the comparison makes about
  10,000; topped up to --leads through the lead core), p50/p95 over --requests, its
  queries, when the inbox page exists (monitoring:leads).

    cp -r /var/tmp/bench300k /var/tmp/mine
    .venv/bin/python bench/monitoring.py --var-dir /var/tmp/mine
    .venv/bin/python bench/monitoring.py --database-url postgres://postgres@127.0.0.1/copy --keep
"""

import importlib.util
import io
import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

_spec = importlib.util.spec_from_file_location("bench_households", BENCH / "households.py")
hb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hb)


def option(name: str, default: int) -> int:
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def department_file(rows: int, seed: int, share: float = 0.15) -> tuple[bytes, dict]:
    """A 医保 file: 80 % the county's members (each once), 20 % others, 0.1 % bad rows."""
    from openpyxl import Workbook

    from households.models import Member
    from villages.models import code_range

    rng = random.Random(seed)
    lo, hi = code_range(hb.COUNTY)
    county = list(
        Member.objects.filter(
            active=True, household__village_code__gte=lo, household__village_code__lt=hi
        ).values_list("name", "id_number")
    )
    rng.shuffle(county)
    inside = county[: int(rows * 0.8)]
    outside = list(
        Member.objects.filter(
            active=True, household__village_code__startswith="360732"
        ).values_list("name", "id_number")[: rows - len(inside)]
    )
    people = inside + outside
    rng.shuffle(people)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("合规自付费用")
    sheet.append([f"于都县医疗保障局 {seed} 年度合规自付费用"])
    sheet.append(["姓名", "身份证号码", "合规自付费用（元）", "疾病名称", "就诊机构"])
    bad = 0
    for i, (name, number) in enumerate(people[:rows]):
        amount = rng.uniform(5000, 40000) if rng.random() < share else rng.uniform(0, 4999)
        if i % 1000 == 999:
            number, bad = number[:17] + ("X" if number[17] != "X" else "1"), bad + 1
        sheet.append([name, number, round(amount, 2), "慢性病", "于都县人民医院"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), {"rows": min(rows, len(people)), "county_rows": len(inside), "bad": bad}


def county_office():
    from django.test import Client

    users = hb.accounts()
    client = Client()
    response = client.post("/login/", {"username": "bench_county", "password": hb.PASSWORD})
    assert response.status_code == 302, response.status_code
    return users["county"], client


def run_department(user, rows: int, seed: int, share: float = 0.15) -> dict:
    from django.conf import settings
    from django.db import connection, reset_queries

    from exchange import department
    from poverty_system.core.actor import Actor
    from poverty_system.core.xlsx import read_table
    from villages.models import Region

    content, made = department_file(rows, seed, share)
    county = Region.objects.get(code=hb.COUNTY)
    kind = department.KINDS["medical"]
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    reset_queries()
    rss_before = peak_mb()
    start, cpu = time.perf_counter(), cpu_s()
    table = read_table(
        io.BytesIO(content), department.marks(kind), max_rows=settings.DEPARTMENT_MAX_ROWS
    )
    read_s = time.perf_counter() - start
    with connection.execute_wrapper(count):
        record, outcome = department.compare(
            Actor(user),
            county,
            kind,
            table,
            file_name=f"bench-{seed}.xlsx",
            sha=department.sha256_of(io.BytesIO(content)),
        )
    compare_s = time.perf_counter() - start - read_s
    department.write_result(io.BytesIO(), table, outcome)
    wall = time.perf_counter() - start
    return {
        "file_mb": len(content) / 1048576,
        "made": made,
        "read_s": read_s,
        "compare_s": compare_s,
        "wall_s": wall,
        "cpu_s": cpu_s() - cpu,
        "rss_before_mb": rss_before,
        "rss_peak_mb": peak_mb(),
        "statements": statements[0],
        "summary": outcome.summary(),
    }


def top_up_leads(user, wanted: int) -> int:
    """More open leads of the county through the lead core (a cadre's report each)."""
    from django.db import transaction

    from households.models import Household
    from monitoring.choices import Channel
    from monitoring.leads import Report, receive
    from monitoring.models import Lead
    from poverty_system.core.actor import Actor
    from villages.models import Region, code_range

    lo, hi = code_range(hb.COUNTY)
    open_leads = Lead.objects.filter(
        village_code__gte=lo, village_code__lt=hi, state__in=["open", "visited"]
    )
    missing = wanted - open_leads.count()
    if missing <= 0:
        return open_leads.count()
    free = Household.objects.filter(village_code__gte=lo, village_code__lt=hi).exclude(
        monitoring_leads__state__in=["open", "visited"]
    )[:missing]
    villages = {}
    actor = Actor(user)
    with transaction.atomic():
        for household in free:
            if household.village_id not in villages:
                villages[household.village_id] = Region.objects.get(pk=household.village_id)
            receive(
                actor,
                Report(
                    villages[household.village_id],
                    Channel.CADRE,
                    "基层干部排查：因病",
                    household=household,
                ),
            )
    return open_leads.count()


def inbox_url() -> str:
    from django.urls import NoReverseMatch, reverse

    for name in ("monitoring:inbox", "monitoring:leads", "monitoring:lead_list"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def time_page(client, url, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return statistics.median(times), hb.percentile(times, 95), len(captured.captured_queries)


def main():
    args = hb.parse_args()
    hb.configure(args)
    hb.prepare(args)
    from django.db import connection

    from households.models import Household, Member

    rows = option("--rows", 100_000)
    wanted = option("--leads", 10_000)
    user, client = county_office()
    print(
        f"database: {connection.vendor}, households: {Household.objects.count():,}, "
        f"members: {Member.objects.count():,}",
        flush=True,
    )
    seed = int(time.time())
    share = option("--hit-percent", 15) / 100  # of the rows, over the line
    result = run_department(user, rows, seed, share)
    s = result["summary"]
    print(
        f"部门数据比对 {s['rows']:,} rows ({result['file_mb']:.1f} MB): "
        f"read {result['read_s']:.1f} s, "
        f"compare+write {result['compare_s']:.1f} s, total {result['wall_s']:.1f} s wall, "
        f"{result['cpu_s']:.1f} s CPU, {result['statements']:,} statements; peak RSS "
        f"{result['rss_before_mb']:.0f} MB before, {result['rss_peak_mb']:.0f} MB after",
        flush=True,
    )
    print("  " + json.dumps(s, ensure_ascii=False), flush=True)
    line = {
        "name": f"部门数据比对 {s['rows']:,} 行",
        "median_ms": round(result["wall_s"] * 1000, 1),
        "queries": result["statements"],
    }
    print("BENCH " + json.dumps(line, ensure_ascii=False), flush=True)
    url = inbox_url()
    if url:
        count = top_up_leads(user, wanted)
        p50, p95, queries = time_page(client, url, args.requests)
        print(
            f"县 监测线索 {count:,} open leads: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
            f"{queries} queries"
        )
        line = {
            "name": f"县 监测线索 {count:,} 条未办结",
            "median_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "queries": queries,
        }
        print("BENCH " + json.dumps(line, ensure_ascii=False), flush=True)
    else:
        print("县 监测线索: the inbox page is not on this branch yet (no URL monitoring:inbox)")
    if not args.keep:
        hb.clean_up(args)


if __name__ == "__main__":
    main()

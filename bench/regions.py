#!/usr/bin/env python
"""Benchmark of the region tree: loading the whole country and browsing it.

Loads, each as its own `manage.py load_regions FILE` process (wall time, CPU time, peak RSS):
china.csv.gz into the empty tree of a just-migrated database (the fresh load); the same file
again (a re-run: nothing changes); after emptying the tree, jiangxi.csv, then china.csv.gz on
top of it (adds 641,317 codes to an existing tree and renumbers Jiangxi's 23,959).

Pages, as an administrator (who sees the whole country), through django.test.Client: the
tree's children endpoint of a province and the detail page of a province, a county and a
township, p50/p95 over --requests requests and the queries of one request (the session's
read and save included): the country's largest province, county and township and /regions/
(the 31 provinces) with the country loaded, and Jiangxi's 江西省, 于都县 and 贡江镇 with only
Jiangxi loaded (23,959 rows) and with the country (665,276 rows): the same pages should cost
the same whatever the size of the tree.

    .venv/bin/python bench/regions.py                  # throwaway SQLite database under /tmp
    .venv/bin/python bench/regions.py --database-url postgres://postgres@127.0.0.1:5432/bench

The PostgreSQL database's region table is emptied: give a throwaway database.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchline import bench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = Path(os.environ.get("REGION_DATA", "/work/shared/data/regions"))
JIANGXI, CHINA = DATA / "jiangxi.csv", DATA / "china.csv.gz"
# 江西省, 于都县, 贡江镇: the same pages with 23,959 and with 665,276 regions loaded.
JIANGXI_PAGES = ("36", "360731", "360731100")
BENCH_USER = "bench_regions_admin"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="",
        help="a throwaway PostgreSQL database; default: SQLite under /tmp",
    )
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite directory")
    args, _ = parser.parse_known_args()  # bench/run.py passes every script the same options
    return args


def configure(args, var_dir: Path) -> dict:
    """Production settings (DEBUG off: no query log, cached templates, manifest static)."""
    env = {
        "VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "static"),
        "DATABASE_URL": args.database_url or f"sqlite:///{var_dir / 'db.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret",
        "SECURE_COOKIES": "0",
        "SMS_BACKEND": "poverty_system.core.sms.LocmemBackend",
        "DJANGO_SETTINGS_MODULE": "poverty_system.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    return dict(os.environ)


# --- loads ---------------------------------------------------------------------------------


def run_load(env: dict, path: Path) -> dict:
    """`manage.py load_regions path` in a child process: wall time and its own rusage."""
    from django.db import connection

    connection.close()  # no open connection of ours while the child writes
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "load_regions", str(path)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode().strip()
    if child.returncode:
        sys.exit(f"load_regions {path.name} failed:\n{output}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "output": output.splitlines()[-1],
    }


def empty_tree() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # no dead rows left behind for the next load
            cursor.execute("TRUNCATE villages_region CASCADE")
        else:
            cursor.execute("DELETE FROM villages_region")


def region_count() -> int:
    from villages.models import Region

    return Region.objects.count()


# --- pages ---------------------------------------------------------------------------------


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_page(client, url: str, requests: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm-up
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return {
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "queries": len(captured.captured_queries),
    }


def largest(level: str):
    from django.db.models import F

    from villages.models import Region

    return Region.objects.filter(level=level).order_by(F("lft") - F("rght"), "code").first()


def measure_pages(client, regions, requests: int, tree_rows: int, root=False) -> list[dict]:
    from django.urls import reverse

    pages = []
    if root:
        pages.append(("/regions/ (31 provinces)", reverse("villages:region_root")))
    for region in regions:
        label = f"{region.get_level_display()} {region.name} {region.code}"
        if region.level == "province":
            pages.append(
                (f"{label} children (JSON)", reverse("villages:region_children", args=[region.pk]))
            )
        pages.append((label, reverse("villages:region", args=[region.pk])))
    rows = []
    for label, url in pages:
        rows.append({"page": label, "tree": tree_rows, **time_page(client, url, requests)})
    return rows


def admin_client():
    from django.test import Client

    from poverty_system.core.roles import Role
    from villages.models import User

    admin, _ = User.objects.get_or_create(
        username=BENCH_USER, defaults={"role": Role.ADMIN, "must_change_password": False}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    return client


def refuse_a_real_database() -> None:
    from django.db import connection

    from villages.models import User

    if User._meta.db_table not in connection.introspection.table_names():
        return
    others = User.objects.exclude(username=BENCH_USER)
    if others.exists():
        sys.exit(
            f"The database has accounts ({others.count()}); this benchmark empties the "
            "region table. Give it a throwaway database."
        )


def vacuum() -> str:
    """On PostgreSQL, what autovacuum would do after the load (this server has it off)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE villages_region")
    return " (after VACUUM ANALYZE)"


# --- report --------------------------------------------------------------------------------


def machine() -> str:
    from django.db import connection

    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.split("\n")
    total = memory[1].split()[1] if len(memory) > 1 else "?"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    return (
        f"{os.cpu_count()} cores (nproc), {total} RAM, Python {platform.python_version()},"
        f" {database}; load average at the start {os.getloadavg()[0]:.2f}"
    )


def print_tables(info: str, loads: list[dict], pages: list[dict]) -> None:
    print(f"\n{info}\n")
    print("| load (`manage.py load_regions FILE`) | regions after | wall s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for row in loads:
        print(
            f"| {row['label']} | {row['regions']:,} | {row['wall']:.1f} | {row['cpu']:.1f} |"
            f" {row['rss_mb']:,.0f} |"
        )
        bench(f"load_regions {row['label']}", row["wall"] * 1000, peak=row["rss_mb"])
    print("\n| page (administrator) | regions loaded | p50 ms | p95 ms | queries |")
    print("|---|---:|---:|---:|---:|")
    for row in pages:
        print(
            f"| {row['page']} | {row['tree']:,} | {row['p50']:.1f} | {row['p95']:.1f} |"
            f" {row['queries']} |"
        )
        bench(
            f"区划 {row['page']}（{row['tree']:,} 个区划）",
            row["p50"],
            p95_ms=row["p95"],
            queries=row["queries"],
        )
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


def main():
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-regions-"))
    try:
        env = configure(args, var_dir)
        from django.core.management import call_command

        from villages.models import Region

        refuse_a_real_database()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        info = machine()
        print(info, flush=True)
        loads, pages = [], []

        def load(label, path):
            result = run_load(env, path)
            loads.append({"label": label, "regions": region_count(), **result})
            print(
                f"  {label}: {result['wall']:.1f} s, {result['rss_mb']:,.0f} MB —"
                f" {result['output']}",
                flush=True,
            )

        load("china.csv.gz, empty tree (fresh)", CHINA)
        load("china.csv.gz again (re-run, no change)", CHINA)
        note = vacuum()
        client = admin_client()
        country = region_count()
        jiangxi_at_scale = measure_pages(
            client,
            [Region.objects.get(code=code) for code in JIANGXI_PAGES],
            args.requests,
            country,
        )
        biggest = [largest(level) for level in ("province", "county", "township")]
        pages += measure_pages(client, biggest, args.requests, country, root=True)
        empty_tree()
        load("jiangxi.csv, empty tree", JIANGXI)
        vacuum()
        pages += measure_pages(
            client,
            [Region.objects.get(code=code) for code in JIANGXI_PAGES],
            args.requests,
            region_count(),
        )
        pages += jiangxi_at_scale
        load("china.csv.gz on top of jiangxi.csv (incremental)", CHINA)
        print_tables(info + note, loads, pages)
    finally:
        if args.keep and not args.database_url:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""The load test (`make load`): locust, headless, against the served product (scripts/serve:
gunicorn with WEB_CONCURRENCY=4 workers and the task worker, DEBUG off) on loopback.

1. Builds the data, resumably: the Ganzhou tree, the demo accounts, --households households
   over 赣州市 plus --township-households in 贡江镇 (the township account's 脱贫 batches), the
   county's exit criteria relaxed so that every household may pass, QR tokens for the public
   page. A second run only tops the households up.
2. The mix (bench/locustfile.py): --users concurrent users (county office: lists with
   filters, deep pages, household pages, the region page; township office: 贫困户脱贫情况 and
   脱贫 of 50; anonymous visitors: the public QR page) for --seconds.
3. The list page alone (ListOnly, no waiting) for --seconds: requests per second.
4. Counts: StatusChange rows written during the run == households the 脱贫结果 pages
   acknowledged, and no household lifted twice (nothing lost, nothing duplicated).
5. Writes the results between the markers of docs/PERFORMANCE.md (--no-write: print only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/poverty_w14bench .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --households 300000 --seconds 120     # the issue's scale

The database must be a throwaway one (households are lifted and stay lifted; it is created
when missing). Without DATABASE_URL a SQLite file under var/load/ is used.
"""

import argparse
import csv
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = ROOT / "var" / "load"
CITY, COUNTY, TOWNSHIP = "3607", "360731", "360731100"
PERFORMANCE = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--township-households", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--sessions",
        choices=["cache", "db"],
        default="cache",
        help="cache: the product's sessions and rate limits in a redis-server of its own "
        "(CACHE_URL, SESSION_STORE=cache, as several app servers run); db: in the database",
    )
    args, _ = parser.parse_known_args()
    return args


def product_env(args) -> dict[str, str]:
    WORK.mkdir(parents=True, exist_ok=True)
    key = WORK / "secret_key"
    if not key.exists():
        key.write_text(secrets.token_urlsafe(50))
        key.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        {
            "DEBUG": "",
            "SECRET_KEY_FILE": str(key),
            "SECURE_COOKIES": "0",
            # The village cadres' SMS step reads its codes from the outbox file.
            "SMS_BACKEND": "poverty_system.core.sms.FileBackend",
            "SMS_FILE_PATH": str(WORK / "sms"),
            "VAR_DIR": str(WORK / "var"),
            "STATIC_ROOT": str(WORK / "static"),
            "DATABASE_URL": args.database_url or f"sqlite:///{WORK / 'db.sqlite3'}",
            "DB_CONN_MAX_AGE": "60",
            "WEB_CONCURRENCY": str(args.workers),
            "PYTHON": sys.executable,
            # Every simulated visitor comes from 127.0.0.1: one address's budget would refuse
            # them after 60 lookups a minute. The budget itself is tested in tests/.
            "QR_RATE_LIMIT": "1000000",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(result.stdout + result.stderr)
    return result.stdout


PREPARE = """
import json, sys
from decimal import Decimal
from django.utils import timezone
from assessment.models import ExitCriteria
from households.models import Household
from portal.demo.seeding import seed_households
from archives.tokens import ensure_tokens, active_token
from portal.demo.accounts import DEMO_PASSWORD
from poverty_system.core.dates import current_year
from django.db.models import Exists, OuterRef
from households.models import Claim
from poverty_system.core.actor import Actor
from villages.accounts import add_village_phone
from villages.models import Region, User

VILLAGE, PHONES, UNCLAIMED = "360731100201", 12, 600

households, township_households = int(sys.argv[1]), int(sys.argv[2])
city, county, township = (Region.objects.get(code=c) for c in ("3607", "360731", "360731100"))
have = Household.objects.count()
in_township = Household.objects.filter(village_code__startswith="360731100").count()
if in_township < township_households:
    seed_households(township, township_households - in_township, seed=have + 7)
have = Household.objects.count()
if have < households + township_households:
    seed_households(city, households + township_households - have, seed=have + 11)
# 仓前村委会's cadres: a phone each (the SMS step), and households left to claim.
village = Region.objects.get(code=VILLAGE)
account = User.objects.get(username="cangqian_village")
registrar = Actor.system(User.objects.get(username="gongjiang_town"))
phones = []
for i in range(1, PHONES + 1):
    number = f"139{i:08d}"
    phone = account.phones.active().filter(phone=number).first()
    if phone is None:
        phone = add_village_phone(registrar, account, phone=number, holder=f"压测干部{i}")
    phones.append(phone.pk)
claimed = Claim.objects.active().filter(household=OuterRef("pk"))
unclaimed = Household.objects.filter(village_code=VILLAGE).filter(~Exists(claimed)).count()
if unclaimed < UNCLAIMED:
    seed_households(village, UNCLAIMED - unclaimed, seed=have + 13)
ExitCriteria.objects.update_or_create(
    year=current_year(), region=county,
    defaults={"region_code": county.code, "income_line": Decimal("0"),
              "check_food_clothing": False, "check_school": False, "check_medical": False,
              "check_housing": False, "check_water": False},
)
in_county = Household.objects.filter(village_code__startswith="360731")
ids = list(in_county.order_by("?").values_list("pk", flat=True)[:500])
ensure_tokens(ids[:200])
tokens = [active_token(Household.objects.get(pk=pk)).token for pk in ids[:200]]
names = list(in_county.exclude(head_name="").values_list("head_name", flat=True)[:50])
liftable = Household.objects.filter(
    village_code__startswith="360731100", status__in=["poor", "returned"]).count()
# Freshly seeded tables have no visibility map: without VACUUM every count of a slice is a
# sequential scan instead of an index-only scan (the county list: 130 ms -> 27 ms). A served
# database has autovacuum for this; a benchmark must not wait for it.
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
print(json.dumps({
    "county_households": ids, "tokens": tokens, "head_names": names or ["张"],
    "county_region": county.pk, "county_pages": max(2, min(200, in_county.count() // 20)),
    "lift_pages": max(1, liftable // 100), "households": Household.objects.count(),
    "liftable": liftable, "password": DEMO_PASSWORD,
    "phones": phones, "village_region": village.pk,
}))
"""

# The last row of each table the mix writes: the counts after the run start there.
LAST_ROWS = """
import json
from django.db.models import Max
from exchange.models import Job
from households.models import Claim, Household, StatusChange
def last(model, field="pk"):
    return model.objects.aggregate(m=Max(field))["m"] or 0
print(json.dumps({"change": last(StatusChange), "claim": last(Claim), "job": last(Job),
                  "history": last(Household.history.model, "history_id")}))
"""

# Every write the pages acknowledged is in the database once; nothing else was written.
COUNT_WRITES = """
import json, sys
from django.db.models import Count
from exchange.models import Job, JobKind, JobStatus
from households.models import Claim, Household, StatusChange
since = json.loads(sys.argv[1])
rows = StatusChange.objects.filter(pk__gt=since["change"], to_status="lifted")
twice = rows.values("household").annotate(n=Count("pk")).filter(n__gt=1).count()
claims = Claim.objects.filter(pk__gt=since["claim"])
claimed_twice = claims.values("household").annotate(n=Count("pk")).filter(n__gt=1).count()
edits = Household.history.model.objects.filter(
    history_id__gt=since["history"], history_type="~", history_phone__startswith="139"
)
exports = Job.objects.filter(pk__gt=since["job"], kind=JobKind.EXPORT)
print(json.dumps({"written": rows.count(), "twice": twice, "claims": claims.count(),
                  "claimed_twice": claimed_twice, "edits": edits.count(),
                  "exports": exports.count(),
                  "exports_done": exports.filter(status=JobStatus.DONE).count(),
                  "exports_failed": exports.filter(status=JobStatus.FAILED).count()}))
"""


def shell(env, code: str, *argv: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code, *argv],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "poverty_system.settings"},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(result.stderr)
    return result.stdout.strip().splitlines()[-1]


def prepare(args, env) -> dict:
    ensure_database(env["DATABASE_URL"])
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(env, "load_regions", str(ROOT / "fixtures" / "regions" / "ganzhou.csv"))
    manage(env, "seed_demo")
    data = json.loads(shell(env, PREPARE, str(args.households), str(args.township_households)))
    data["prepare_seconds"] = round(time.monotonic() - started)
    print(
        f"data ready in {data['prepare_seconds']} s: {data['households']:,} households, "
        f"{data['liftable']:,} liftable in 贡江镇",
        flush=True,
    )
    return data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def shared_cache(env, args):
    """A redis-server on a free port for the served product's sessions and budgets."""
    if args.sessions != "cache":
        return None, env
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(WORK),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit("redis-server did not start (make redis installs it)")
            time.sleep(0.1)
    return server, {**env, "CACHE_URL": f"redis://127.0.0.1:{port}/0", "SESSION_STORE": "cache"}


def serve(env, port):
    log = open(WORK / "serve.log", "w", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "serve"), f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).read()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit((WORK / "serve.log").read_text())
            time.sleep(0.5)


def locust(env, port, users, seconds, classes, prefix) -> list[dict]:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 5)),
        "-t",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--reset-stats",
        "--stop-timeout",
        "30",
        *classes,
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    (WORK / f"{prefix.name}.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def table(rows: list[dict], seconds: int) -> str:
    lines = [
        "| request | requests | failures | median ms | p95 ms | p99 ms | max ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = "**all**" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Median Response Time']):.0f} | {row['95%']} | {row['99%']} | "
            f"{float(row['Max Response Time']):.0f} | {float(row['Requests/s']):.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    args = parse_args()
    env = product_env(args)
    data = prepare(args, env)
    data_file = WORK / "data.json"
    data_file.write_text(json.dumps(data), encoding="utf-8")
    acks_file = WORK / "acks.json"
    env = {**env, "LOAD_DATA": str(data_file), "LOAD_ACKS": str(acks_file)}
    since = shell(env, LAST_ROWS)
    load_before = os.getloadavg()[0]
    cache, env = shared_cache(env, args)
    port = free_port()
    server = serve(env, port)
    try:
        mix = locust(
            env,
            port,
            args.users,
            args.seconds,
            ["LoadCounty", "LoadTownship", "LoadVillage", "LoadCity", "LoadVisitor"],
            WORK / "mix",
        )
        acks = json.loads(acks_file.read_text(encoding="utf-8"))
        only = locust(env, port, args.users, args.seconds, ["ListOnly"], WORK / "list")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=60)
        if cache is not None:
            cache.terminate()
            cache.wait(timeout=10)
    load_after = os.getloadavg()[0]
    counts = json.loads(shell(env, COUNT_WRITES, since))
    vendor = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    # Logging in (PBKDF2 on purpose, once per simulated user at its start) is not a page.
    pages = [
        r
        for r in mix
        if r["Name"] != "Aggregated" and r["Type"] == "GET" and not r["Name"].startswith("/login")
    ]
    worst_p95 = max(float(r["95%"]) for r in pages)
    total = next(r for r in mix if r["Name"] == "Aggregated")
    list_rate = float(next(r for r in only if r["Name"] == "Aggregated")["Requests/s"])
    same = {
        "lifts": counts["written"] == acks["lifted"],
        "claims": counts["claims"] == acks["claims"],
        "edits": counts["edits"] == acks["edits"],
        "exports": counts["exports"] == acks["exports"],
    }
    twice = counts["twice"] + counts["claimed_twice"]
    consistent = all(same.values()) and twice == 0 and counts["exports_failed"] == 0
    met = {True: "met", False: "NOT met"}
    equal = {True: "equal to", False: "DIFFERENT from"}
    checks = "\n".join(
        [
            "| check | result |",
            "|---|---|",
            f"| pages p95 ≤ 300 ms (worst GET row, login excluded) | {worst_p95:.0f} ms: "
            f"{met[worst_p95 <= 300]} |",
            f"| errors | {total['Failure Count']} of {total['Request Count']} requests |",
            f"| 脱贫 batches acknowledged | {acks['lift_batches']} (households changed "
            f"{acks['lifted']}, refused {acks['refused']}) |",
            f"| StatusChange rows written during the run | {counts['written']}: "
            f"{equal[same['lifts']]} the acknowledged count |",
            f"| households lifted twice | {counts['twice']} |",
            f"| 认领 acknowledged / refused (told so) | {acks['claims']} / "
            f"{acks['claims_refused']} |",
            f"| Claim rows written during the run | {counts['claims']}: "
            f"{equal[same['claims']]} the acknowledged count; households claimed twice "
            f"{counts['claimed_twice']} |",
            f"| 家庭生产情况 edits acknowledged / refused (told so) | {acks['edits']} / "
            f"{acks['edits_refused']} |",
            f"| change-log rows of those edits | {counts['edits']}: "
            f"{equal[same['edits']]} the acknowledged count |",
            f"| 导出 (one village, Excel) started / export jobs written | {acks['exports']} / "
            f"{counts['exports']}: {equal[same['exports']]} it; finished "
            f"{counts['exports_done']}, failed {counts['exports_failed']}, downloaded before the "
            f"run ended {acks['downloads']} |",
            f"| list page ≥ 300 requests/s | {list_rate:.0f}/s: {met[list_rate >= 300]} |",
        ]
    )
    report = f"""{BEGIN}
Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {vendor}, {data["households"]:,} households
(Ganzhou tree), `scripts/serve` with {args.workers} gunicorn workers and the task worker on
127.0.0.1, sessions {"in a redis-server (SESSION_STORE=cache)" if cache else "in the database"},
{args.users} concurrent users for {args.seconds} s each run, on this 2-core machine
shared with other work (locust itself runs on the same cores; load average
{load_before:.1f} before the runs, {load_after:.1f} after). Command:
`{" ".join(["make load"] if not sys.argv[1:] else ["bench/load.py", *sys.argv[1:]])}`.

The mix (county office 5 : township office 1 : village cadres 2 : city office 1 : public
visitor 2, waits of 0.5–3 s). Statistics restart once every user has started
(`--reset-stats`): logging in is PBKDF2 on purpose and happens once per user.

{table(mix, args.seconds)}

The household list alone (`ListOnly`, no waiting): **{list_rate:.0f} requests/s**.

{table(only, args.seconds)}

{checks}
{END}"""
    print(report)
    if not args.no_write:
        text = PERFORMANCE.read_text(encoding="utf-8")
        if BEGIN in text:
            text = re.sub(
                re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: report, text, flags=re.S
            )
        else:
            text += "\n## Load test (make load)\n\n" + report + "\n"
        PERFORMANCE.write_text(text, encoding="utf-8")
    return 0 if consistent and int(total["Failure Count"]) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

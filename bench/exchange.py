#!/usr/bin/env python
"""Benchmark of 导出 and 数据导入 (issue 09).

Seeds --households households (default 100,000, ~3.7 members each) in 于都县 with
portal.demo.seeding, then, each in a fresh forked process so that its peak memory is
its own:

- export: the county office exports them all, masked, through the action
  (exchange.services.start_export: counts, the audit entry, the workbook of both sheets);
  wall time, CPU time, peak RSS, queries, file size;
- floor: a bare openpyxl write-only workbook of the same cells (the same rows and sheets,
  the values replayed from a sample of the exported rows), so export / floor is the cost of
  everything that is ours (reading, masking, labels);
- import: a file of --import-rows person rows (~2.7 members a household, every column of
  the template filled) for 贡江镇's villages, imported by the township office through
  exchange.services.start_import in the request: checked with one bad row at its end
  (validation only: nothing written), then valid (checked and written), then again (nothing
  to write); time, CPU, peak RSS, queries and queries per batch.

    .venv/bin/python bench/exchange.py                      # throwaway SQLite under /tmp
    .venv/bin/python bench/exchange.py --households 20000 --import-rows 2000
    .venv/bin/python bench/exchange.py --database-url postgres://postgres@127.0.0.1:5432/bench

On a loaded machine read the CPU columns: wall time then includes waiting for the cores.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY, TOWNSHIP = "360731", "360731100"  # 于都县, 贡江镇
PASSWORD = "Bench#2026pass"
TARGETS = {"export_s": 20.0, "export_mb": 150.0, "import_s": 30.0}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--var-dir", default="", help="SQLite directory to use and keep")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the seeded households")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    args.params = [
        r for r in rest if not r.startswith("--")
    ]  # bench/run.py passes every script the same options
    return args


def configure(args) -> None:
    if not args.var_dir:
        args.var_dir = tempfile.mkdtemp(prefix="bench-exchange-")
    else:
        args.keep = True
    os.environ["VAR_DIR"] = args.var_dir
    os.environ["STATIC_ROOT"] = str(Path(args.var_dir) / "static")
    os.environ["EXCHANGE_DIR"] = str(Path(args.var_dir) / "exchange")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SMS_BACKEND", "poverty_system.core.sms.LocmemBackend")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    # Everything in the measured process, no task worker.
    os.environ["EXCHANGE_EXPORT_INLINE_MAX"] = str(10**9)
    os.environ["EXCHANGE_IMPORT_INLINE_BYTES"] = str(10**12)
    os.environ["XLSX_MAX_BYTES"] = str(200 * 1024 * 1024)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty_system.settings")
    import django

    django.setup()


def prepare(args) -> None:
    from django.core.management import call_command
    from django.db import connection

    from households.models import Household
    from portal.demo.seeding import seed_households
    from villages.models import Region
    from villages.regions import load_regions

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=TOWNSHIP).exists():
        load_regions(ROOT / "fixtures" / "regions" / "ganzhou.csv")
    missing = args.households - Household.objects.filter(village_code__startswith=COUNTY).count()
    if missing > 0:
        print(f"seeding {missing:,} households in 于都县 …", flush=True)
        started = time.monotonic()
        seed_households(Region.objects.get(code=COUNTY), missing, seed=args.seed, batch=10_000)
        print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM ANALYZE households_household")
                cursor.execute("VACUUM ANALYZE households_member")
            else:
                cursor.execute("ANALYZE")


def accounts() -> dict:
    from poverty_system.core.actor import Actor
    from poverty_system.core.roles import Role
    from villages.accounts import create_account
    from villages.models import Region, User

    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY, "must_change_password": False}
    )
    users = {}
    for key, role, code in (("county", Role.COUNTY, COUNTY), ("township", Role.TOWNSHIP, TOWNSHIP)):
        user = User.objects.filter(username=f"bench_x_{key}").first()
        if user is None:
            user, _ = create_account(
                Actor.system(admin if key == "county" else users["county"]),
                username=f"bench_x_{key}",
                role=role,
                regions=[Region.objects.get(code=code)],
                full_name=f"bench {key}",
                password=PASSWORD,
                must_change_password=False,
            )
        users[key] = user
    return users


def in_child(args, job: str, *params: object) -> tuple[dict, float, float, float]:
    """Run one job in a fresh process (this script with --child): (its result, wall s, CPU
    s, peak RSS MB of that process alone)."""
    command = [sys.executable, __file__, "--child", job, "--var-dir", args.var_dir]
    if args.database_url:
        command += ["--database-url", args.database_url]
    command += [str(p) for p in params]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {job} failed:\n{output}")
    result = json.loads(output.strip().splitlines()[-1])
    return result, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def child(job: str, params: list[str]) -> None:
    """The body of a --child process (Django is set up by configure)."""
    if job == "export":
        result = export_all(int(params[0]))
    elif job == "bare":
        result = bare_write(params[0], int(params[1]), int(params[2]))
    else:
        result = run_import(int(params[0]), params[1])
    print(json.dumps(result, default=str), flush=True)


def counted(action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        value = action()
    return value, len(captured)


# --- export -------------------------------------------------------------------------------


def export_all(county_id: int) -> dict:
    from exchange import files
    from exchange.services import start_export
    from poverty_system.core.actor import Actor
    from villages.models import User

    county = User.objects.get(pk=county_id)
    started, cpu = time.perf_counter(), time.process_time()
    job, queries = counted(lambda: start_export(Actor.system(county, via="command"), {}))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert job.status == "done", job.error
    return {
        "households": job.summary["households"],
        "persons": job.summary["persons"],
        "file_mb": job.file_size / 1048576,
        "path": str(files.folder() / job.file_path),
        "queries": queries,
        "wall_s": wall,
        "cpu_s": cpu,
    }


SAMPLE = 5000


def bare_write(path: str, persons: int, households: int) -> dict:
    """The floor: the same cells written by openpyxl write-only and nothing else. The values
    are replayed from the first rows of the export (read before the clock starts)."""
    from openpyxl import Workbook, load_workbook

    book = load_workbook(path, read_only=True)
    samples = {}
    for name in book.sheetnames:
        rows = book[name].iter_rows(values_only=True)
        samples[name] = [r for _, r in zip(range(SAMPLE + 3), rows, strict=False)]
    book.close()
    started = time.perf_counter()
    cpu = time.process_time()
    out = Workbook(write_only=True)
    for name, count in zip(samples, (persons, households), strict=True):
        sheet = out.create_sheet(name)
        head, body = samples[name][:3], samples[name][3:] or [()]
        for row in head:
            sheet.append(row)
        for i in range(count):
            sheet.append(body[i % len(body)])
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
        out.save(target.name)
    return {"write_s": time.perf_counter() - started, "write_cpu_s": time.process_time() - cpu}


# --- import -------------------------------------------------------------------------------


# The household and person columns every generated row fills (the per-row ones are added).
HOUSEHOLD = {
    "贫困户属性": "一般贫困户",
    "识别标准": "国家标准",
    "其他致贫原因": "缺资金",
    "危房户": "否",
    "饮水安全": "是",
    "饮水困难": "否",
    "联系电话": "13912345678",
    "开户银行名称": "于都县农村信用社",
    "银行卡号": "6228480012345678",
    "入户路类型": "砂石路",
    "是否通生产用电": "是",
    "是否通生活用电": "是",
    "有无卫生厕所": "否",
    "主要燃料类型": "柴草",
    "是否加入农民专业合作社": "否",
    "耕地面积（亩）": 2.5,
    "有效灌溉面积（亩）": 1,
    "林地面积（亩）": 5,
    "退耕还林面积（亩）": 0,
    "牧草地面积（亩）": 0,
    "水面面积（亩）": 0,
    "与村主干路距离（公里）": 1.2,
    "住房面积（平方米）": 90,
    "生产经营性收入": 1000,
    "财产性收入": 0,
    "计划生育金": 0,
    "低保金": 0,
    "五保金": 0,
    "养老保险金": 0,
    "生态补偿金": 0,
    "其他转移性收入": 0,
    "生产经营性支出": 500,
}
PERSON = {
    "民族": "汉族",
    "文化程度": "初中",
    "在校生状况": "非在校生",
    "健康状况": "健康",
    "劳动技能": "普通劳动力",
    "务工状况": "县外省内务工",
    "务工时间（月）": 6,
    "参加大病医疗": "是",
    "是否参加新农合": "是",
    "是否参加新型养老保险": "否",
}


def fresh_ids(rng: random.Random, count: int) -> list[str]:
    """count valid ID numbers of 于都县 that no member holds (one query per round)."""
    from stdnum.cn import ric

    from households.models import Member

    numbers: list[str] = []
    while len(numbers) < count:
        fresh: set[str] = set()
        while len(fresh) < count - len(numbers):
            born = datetime.date(1950, 1, 1) + datetime.timedelta(rng.randrange(365 * 70))
            body = f"{COUNTY}{born:%Y%m%d}{rng.randrange(1000):03d}"
            fresh.add(body + ric.calc_check_digit(body + "0"))
        fresh -= set(numbers)
        held = set(Member.objects.filter(id_number__in=fresh).values_list("id_number", flat=True))
        numbers += sorted(fresh - held)
    return numbers


def import_rows(count: int, seed: int) -> list[dict]:
    """count person rows of new households for 贡江镇's villages, every template column
    filled, with ID numbers nobody holds."""
    from villages.models import Region

    rng = random.Random(seed)
    villages = list(
        Region.objects.filter(level="village", code__startswith=TOWNSHIP).values_list(
            "name", flat=True
        )
    )
    numbers = fresh_ids(rng, count)
    rows: list[dict] = []
    key = 0
    while len(rows) < count:
        key += 1
        size = min(rng.choice([1, 2, 3, 3, 4]), count - len(rows))
        common = {
            **HOUSEHOLD,
            "户编号": f"B{key}",
            "行政村": rng.choice(villages),
            "自然村": f"第{rng.randint(1, 9)}组",
            "人数": size,
            "主要致贫原因": rng.choice(["因病", "因残", "因学", "缺技术"]),
            "工资性收入": rng.randrange(3000, 20000, 100),
        }
        for relation in ["户主", "配偶", "之子", "之女"][:size]:
            name = "刘" + rng.choice("春华明秀英金生")
            rows.append({**common, **PERSON, "姓名": name, "证件号码": numbers[len(rows)]})
            rows[-1]["与户主关系"] = relation
    return rows


def write_file(rows: list[dict], path: Path, *, bad_last: bool = False) -> None:
    from openpyxl import Workbook

    from exchange.template import header_columns

    headers = [c.name for c in header_columns()]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("贫困人口花名册")
    sheet.append(["贫困人口花名册（导入模板）"])
    sheet.append(["bench"])
    sheet.append(headers)
    for i, row in enumerate(rows):
        values = [row.get(h.lstrip("*"), "") for h in headers]
        if bad_last and i == len(rows) - 1:
            values[headers.index("*与户主关系")] = "表哥"
        sheet.append(values)
    book.save(path)


def run_import(township_id: int, path: str) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exchange.services import start_import
    from poverty_system.core.actor import Actor
    from villages.models import User

    township = User.objects.get(pk=township_id)
    data = Path(path).read_bytes()
    started, cpu = time.perf_counter(), time.process_time()
    job, queries = counted(
        lambda: start_import(
            Actor.system(township, via="command"), SimpleUploadedFile("b.xlsx", data)
        )
    )
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "status": job.status,
        "rows": job.total,
        "households": job.summary.get("households", 0),
        "problems": job.problem_count,
        "queries": queries,
    }


# --- the report -------------------------------------------------------------------------------


def bench_line(**row) -> None:
    print("BENCH " + json.dumps(row, ensure_ascii=False), flush=True)


def main() -> int:
    args = parse_args()
    configure(args)
    if args.child:
        child(args.child, args.params)
        return 0
    try:
        prepare(args)
        users = accounts()
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        failed = []

        result, _, _, peak = in_child(args, "export", users["county"].pk)
        wall, cpu = result["wall_s"], result["cpu_s"]
        floor, _, _, floor_peak = in_child(
            args, "bare", result["path"], result["persons"], result["households"]
        )
        print("\n| export | households | person rows | wall (s) | CPU (s) | peak RSS (MB) |")
        print("|---|---:|---:|---:|---:|---:|")
        print(
            f"| ours (start_export, {result['queries']} queries, {result['file_mb']:.1f} MB) "
            f"| {result['households']:,} | {result['persons']:,} | {wall:.1f} | {cpu:.1f} "
            f"| {peak:.0f} |"
        )
        print(
            f"| bare openpyxl, same cells | | | {floor['write_s']:.1f} "
            f"| {floor['write_cpu_s']:.1f} | {floor_peak:.0f} |"
        )
        print(
            f"\nexport / bare: wall {wall / floor['write_s']:.2f}×, "
            f"CPU {cpu / floor['write_cpu_s']:.2f}×",
            flush=True,
        )
        bench_line(
            name=f"export {result['households']:,} households / {result['persons']:,} rows (wall)",
            median_ms=wall * 1000,
            queries=result["queries"],
            peak_mb=peak,
            floor="bare openpyxl",
            floor_ms=floor["write_s"] * 1000,
        )
        bench_line(
            name="export, CPU time",
            median_ms=cpu * 1000,
            peak_mb=peak,
            floor="bare openpyxl CPU",
            floor_ms=floor["write_cpu_s"] * 1000,
        )
        if wall > TARGETS["export_s"]:
            failed.append(f"export {wall:.1f} s > {TARGETS['export_s']} s")
        if peak > TARGETS["export_mb"]:
            failed.append(f"export peak {peak:.0f} MB > {TARGETS['export_mb']} MB")

        rows = import_rows(args.import_rows, args.seed)
        folder = Path(args.var_dir)
        bad, good = folder / "import-bad.xlsx", folder / "import.xlsx"
        write_file(rows, bad, bad_last=True)
        write_file(rows, good)
        print(
            "\n| import of "
            f"{len(rows):,} rows | result | wall (s) | CPU (s) | peak RSS (MB) | queries "
            "| queries per batch |\n|---|---|---:|---:|---:|---:|---:|"
        )
        for label, path, expected in (
            ("one bad row: checked, nothing written", bad, "invalid"),
            ("valid: checked and written", good, "done"),
            ("the same file again: nothing to write", good, "unchanged"),
        ):
            out, _, _, peak = in_child(args, "import", users["township"].pk, path)
            wall, cpu = out["wall_s"], out["cpu_s"]
            assert out["status"] == expected, out
            batches = max(1, -(-out["households"] // 500))
            print(
                f"| {label} | {out['status']} | {wall:.1f} | {cpu:.1f} | {peak:.0f} "
                f"| {out['queries']} | {out['queries'] / batches:.0f} |",
                flush=True,
            )
            bench_line(
                name=f"import {out['rows']:,} rows: {label}",
                median_ms=wall * 1000,
                queries=out["queries"],
                peak_mb=peak,
            )
            if wall > TARGETS["import_s"]:
                failed.append(f"import ({label}) {wall:.1f} s > {TARGETS['import_s']} s")
        for line in failed:
            print(f"over target: {line}")
        return 0
    finally:
        if not args.keep and not args.database_url:
            shutil.rmtree(args.var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

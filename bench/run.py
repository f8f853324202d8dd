#!/usr/bin/env python
"""Run the benchmarks (`make bench`) and write one table into docs/PERFORMANCE.md.

Each script in SCRIPTS runs in turn with this script's arguments, on SQLite and, when
DATABASE_URL (or --database-url) is set, on that PostgreSQL database too (a throwaway one:
the scripts seed and empty it). A script builds its own data and keeps it where it says so
(--var-dir / --keep), so a second run resumes instead of seeding again.

A script reports measurements by printing lines

    BENCH {"name": "...", "median_ms": 1.2, "p95_ms": 2.0, "queries": 5,
           "floor": "bare SQL", "floor_ms": 0.4}

(every key but "name" optional); the table gets one row per line, with the ratio to the
floor (median / floor_ms). A script that prints none gets one row: its wall time. Peak
memory is the script process's maximum resident size (wait4). The scripts' own Markdown
tables are kept in var/bench/<script>.<database>.md.

    make bench                                   # SQLite (and PostgreSQL with DATABASE_URL)
    .venv/bin/python bench/run.py --households 20000 --requests 5      # a smaller run
    .venv/bin/python bench/run.py --only households.py --no-write
    .venv/bin/python bench/run.py --scale province      # the Jiangxi tree, 1,000,000 households

`--scale province` is passed through like every option: the scripts that seed over the city
(bench/households.py's `prepare`: households, stats, monitoring) load the Jiangxi tree
(REGION_DATA, default ../shared/data/regions/jiangxi.csv) and seed 1,000,000 households over
江西省 (or --households); the seeding is resumable (each batch its own transaction, a re-run
tops up), so keep the data (--var-dir for SQLite, --keep) and run again after a stop.
Two passes side by side (each saves its results under var/bench/ as it goes), then the
table from both:

    env -u DATABASE_URL .venv/bin/python bench/run.py --no-write --households 30000 &
    .venv/bin/python bench/run.py --skip-sqlite --no-write --households 30000 &
    wait; .venv/bin/python bench/run.py --from-saved

Scripts print their rows with bench/benchline.py's `bench`. A new benchmark plugs in with one
line in SCRIPTS.
"""

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PERFORMANCE = ROOT / "docs" / "PERFORMANCE.md"
LOGS = ROOT / "var" / "bench"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
SCRIPTS = [
    "regions.py",  # load the whole country; region pages at scale
    "households.py",  # 300,000 households: seeding, the household list at depth
    "qr.py",  # 导出二维码信息: 100 / 1,000 / 3,000 households, against the QR-only floor
    "assessment.py",  # 脱贫 of 1,000 households in one batch; the exit list page
    "units.py",  # assigning households to a cadre; the yearly reset of a county
    "stats.py",  # 统计 and the city home over 300,000 households; the 数据质量检查 rule pack
    "identification.py",  # 县级比对 of 500 new households against the city's households
    "projects.py",  # 2,000 projects, 50,000 movements: library list, fund summary, Excel list
    "reports.py",  # 贫困户信息对照表 of a village of 500 households in one .docx
    "exchange.py",  # 导出 of 100,000 households against bare openpyxl; 数据导入 of 10,000 rows
    "leads.py",  # the 监测线索 inbox of a county over 10,000 open leads
    "monitoring.py",  # 部门数据比对 of 100,000 rows against 1.1 million members
]
LINE = re.compile(r"^BENCH (\{.*\})\s*$")


def split_args(argv: list[str]) -> tuple[list[str], dict]:
    """Our own options out of the arguments passed on to every script."""
    own = {
        "only": [],
        "no_write": False,
        "database_url": os.environ.get("DATABASE_URL", ""),
        "skip_sqlite": False,
        "from_saved": False,
    }
    rest, it = [], iter(argv)
    for arg in it:
        if arg == "--only":
            own["only"].append(next(it))
        elif arg == "--skip-sqlite":  # the PostgreSQL pass alone (e.g. beside a SQLite one)
            own["skip_sqlite"] = True
        elif arg == "--from-saved":  # the table from the last saved pass of each database
            own["from_saved"] = True
        elif arg == "--no-write":
            own["no_write"] = True
        elif arg == "--database-url":
            own["database_url"] = next(it)
        elif arg.startswith("--database-url="):
            own["database_url"] = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return rest, own


def run_script(script: str, args: list[str], database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    command = [sys.executable, str(BENCH / script), *args]
    if database_url:
        command += ["--database-url", database_url]
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = []
    for line in child.stdout:
        print(line, end="", flush=True)
        output.append(line)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    rows = [json.loads(m.group(1)) for line in output if (m := LINE.match(line))]
    return {
        "script": script,
        "database": "PostgreSQL" if database_url.startswith("postgres") else "SQLite",
        "seconds": time.monotonic() - started,
        "peak_mb": usage.ru_maxrss / 1024,
        "ok": child.returncode == 0,
        "code": child.returncode,
        "rows": rows,
        "output": "".join(output),
    }


def number(value, digits=1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(results: list[dict]) -> str:
    lines = [
        "| benchmark | database | median ms | p95 ms | queries | peak MB | floor | ratio |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for result in results:
        where = f"{result['script']}"
        if result.get("missing"):
            lines.append(f"| {where}: not run in this pass | {result['database']} |" + " — |" * 6)
            continue
        if not result["ok"]:  # a missed target or an error; the rows it measured still show
            lines.append(
                f"| {where}: **failed** (exit {result['code']}, after "
                f"{result['seconds']:,.0f} s) | {result['database']} | — | — | — | "
                f"{number(result['peak_mb'], 0)} | — | — |"
            )
        elif not result["rows"]:
            lines.append(
                f"| {where} (whole script) | {result['database']} | "
                f"{number(result['seconds'] * 1000, 0)} | — | — | "
                f"{number(result['peak_mb'], 0)} | — | — |"
            )
        for row in result["rows"]:
            median, floor = row.get("median_ms"), row.get("floor_ms")
            ratio = f"{median / floor:.1f}×" if median and floor else "—"
            lines.append(
                f"| {where}: {row['name']} | {result['database']} | {number(median)} | "
                f"{number(row.get('p95_ms'))} | {row.get('queries', '—')} | "
                f"{number(row.get('peak_mb', result['peak_mb']), 0)} | "
                f"{row['floor'] + ' ' + number(floor) if floor else '—'} | {ratio} |"
            )
    return "\n".join(lines)


def write(results: list[dict], args: list[str], started: tuple[datetime, float]) -> None:
    command = " ".join(["make bench", *args]) if args else "make bench"
    minutes = sum(r.get("seconds", 0) for r in results) / 60
    report = (
        f"{BEGIN}\nRun {started[0]:%Y-%m-%d %H:%M} UTC, `{command}`, {minutes:.0f} min of "
        f"scripts; load "
        f"average {started[1]:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (2 cores "
        f"shared with other work). Each script's own tables: `var/bench/`.\n\n"
        f"{table(results)}\n{END}"
    )
    text = PERFORMANCE.read_text(encoding="utf-8")
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: report, text, flags=re.S)
    else:
        text = text.replace("\n## ", "\n## All benchmarks (make bench)\n\n" + report + "\n\n## ", 1)
    PERFORMANCE.write_text(text, encoding="utf-8")


def saved(database: str) -> Path:
    return LOGS / f"results.{database.lower()}.json"


def from_saved() -> int:
    """The table from the last saved pass of each database (every pass saves its results in
    var/bench/results.<database>.json as it goes), written into PERFORMANCE.md."""
    passes = [json.loads(saved(d).read_text()) for d in DATABASES if saved(d).exists()]
    if not passes:
        print("no saved results under var/bench/", file=sys.stderr)
        return 1
    results = []
    for kept in passes:
        results += kept["results"]
        database = kept["results"][0]["database"] if kept["results"] else ""
        ran = {r["script"] for r in kept["results"]}
        results += [  # a pass stopped before its end (or not run yet) says so
            {"script": s, "database": database, "missing": True} for s in SCRIPTS if s not in ran
        ]
    first = min(passes, key=lambda p: p["started"])
    started = (datetime.fromisoformat(first["started"]), first["load"])
    write(results, first["args"], started)
    print(table(results))
    return 0


DATABASES = ("SQLite", "PostgreSQL")


def save(result: dict, started: tuple[datetime, float], args: list[str]) -> None:
    """Keep a script's result in its database's saved pass (replacing the script's earlier
    one: a script re-run with --only updates its rows)."""
    path = saved(result["database"])
    kept = json.loads(path.read_text()) if path.exists() else {}
    if kept.get("args") != args:  # another size: a new pass
        kept = {"started": started[0].isoformat(), "load": started[1], "args": args}
    rows = {r["script"]: r for r in kept.get("results", [])}
    rows[result["script"]] = {k: v for k, v in result.items() if k != "output"}
    order = {name: i for i, name in enumerate(SCRIPTS)}
    kept["results"] = sorted(rows.values(), key=lambda r: order.get(r["script"], len(order)))
    path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")


def main() -> int:
    args, own = split_args(sys.argv[1:])
    if own["from_saved"]:
        return from_saved()
    started = (datetime.now(UTC), os.getloadavg()[0])
    databases = ([] if own["skip_sqlite"] else [""]) + (
        [own["database_url"]] if own["database_url"] else []
    )
    scripts = own["only"] or SCRIPTS
    LOGS.mkdir(parents=True, exist_ok=True)
    results = []
    for database_url in databases:
        for script in scripts:
            print(f"\n## bench/{script} ({database_url or 'SQLite'})\n", flush=True)
            result = run_script(script, args, database_url)
            results.append(result)
            log = LOGS / f"{Path(script).stem}.{result['database'].lower()}.md"
            log.write_text(result["output"], encoding="utf-8")
            save(result, started, args)
    print("\n" + table(results))
    if not own["no_write"]:
        write(results, args, started)
    failed = [f"{r['script']} ({r['database']})" for r in results if not r["ok"]]
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

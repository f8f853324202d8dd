#!/usr/bin/env python
"""Benchmark of seeding households (portal.demo.seeding.seed_households) with their
baseline change-log rows: --households households (default 30,000) over 赣州市 into a
fresh database, wall time and process CPU, then the rows written.

    .venv/bin/python bench/seeding.py                  # throwaway SQLite database under /tmp
    .venv/bin/python bench/seeding.py --database-url postgres://postgres@127.0.0.1:5432/bench

A PostgreSQL database given to it must be a throwaway one: its household tables are emptied
before and after.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchline import bench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CITY = "3607"  # 赣州市


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--without-history",
        action="store_true",
        help="skip the baseline history rows (the seeding as it was before them), to compare",
    )
    args, _ = parser.parse_known_args()
    var_dir = tempfile.mkdtemp(prefix="bench-seeding-")
    os.environ["VAR_DIR"] = var_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SMS_BACKEND", "poverty_system.core.sms.LocmemBackend")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty_system.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from households.models import Claim, Household, Member, StatusChange
    from portal.demo.seeding import seed_households
    from portal.demo.seeding.writer import Writer
    from villages.models import Region
    from villages.regions import load_regions

    def empty():
        for model in (Claim, StatusChange, Member.history.model, Household.history.model):
            model.objects.all().delete()
        Member.objects.all().delete()
        Household.objects.all().delete()

    try:
        call_command("migrate", verbosity=0)
        if not Region.objects.filter(code=CITY).exists():
            load_regions(ROOT / "fixtures" / "regions" / "ganzhou.csv")
        empty()
        spent = [0.0]
        if args.without_history:
            Writer.write_baselines = lambda self, ids: None
        else:
            write_baselines = Writer.write_baselines

            def timed(self, ids):
                start = time.perf_counter()
                write_baselines(self, ids)
                spent[0] += time.perf_counter() - start

            Writer.write_baselines = timed
        cpu = time.process_time()
        wall = time.perf_counter()
        result = seed_households(
            Region.objects.get(code=CITY), args.households, seed=args.seed, batch=args.batch
        )
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        print(
            "| database | households | members | history rows | wall s | CPU s "
            "| of which history s | households/s |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        history = Household.history.count() + Member.history.count()
        print(
            f"| {connection.vendor} | {result.households:,} | {result.members:,} | {history:,} "
            f"| {wall:.1f} | {cpu:.1f} | {spent[0]:.1f} | {result.households / wall:,.0f} |"
        )
        bench(
            f"seeding {result.households:,} households ({result.members:,} members)",
            wall * 1000,
            queries=None,
        )
        if connection.vendor == "postgresql":
            empty()
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

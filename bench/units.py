#!/usr/bin/env python
"""Benchmark of the units actions at county scale.

Seeds --households households in 于都县 (portal.demo.seeding), then, through the real
actions, a unit linked to every village of the county and cadres; the households are linked to the
unit (bulk rows for the set-up: the village action needs one verified phone per village)
and claimed, then assigned to cadres in batches of 500 by `assign_households`.

Measured:
1. 分配 › 确定: assigning N households to a cadre in one action, for several N: time and
   queries (the query count must not grow with N).
2. The yearly reset of the county (all claims, unit↔village links, household links and
   assignments): first a reset refused at the end (the confirm screen's counts no longer
   hold) to show nothing changes, then the real one: time and rows ended.

    .venv/bin/python bench/units.py                 # throwaway SQLite database under /tmp
    .venv/bin/python bench/units.py --database-url postgres://postgres@127.0.0.1:5432/bench
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchline import bench

from poverty_system.core.actor import Actor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY = "360731"  # 于都县
PASSWORD = "Bench#2026pass"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--county-households", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=5)
    args, _ = parser.parse_known_args()
    return args


def configure(args) -> None:
    if not args.var_dir:
        args.var_dir = tempfile.mkdtemp(prefix="bench-units-")
        args.cleanup = True
    else:
        args.cleanup = False
    os.environ["VAR_DIR"] = args.var_dir
    os.environ["STATIC_ROOT"] = str(Path(args.var_dir) / "static")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SMS_BACKEND", "poverty_system.core.sms.LocmemBackend")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poverty_system.settings")
    import django

    django.setup()


def timed(label, fn):
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.1f} s", flush=True)
    return value, seconds


def prepare(args) -> dict:
    from django.core.management import call_command

    from households.models import Household
    from portal.demo.seeding import seed_households
    from villages.models import Region
    from villages.regions import load_regions

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code=COUNTY).exists():
        load_regions(ROOT / "fixtures" / "regions" / "ganzhou.csv")
    county = Region.objects.get(code=COUNTY)
    lo, hi = county.code_range
    have = Household.objects.filter(village_code__gte=lo, village_code__lt=hi).count()
    if have < args.county_households:
        timed(
            f"seed {args.county_households - have:,} households in 于都县",
            lambda: seed_households(
                county, args.county_households - have, seed=args.seed, batch=10_000
            ),
        )
    return {"county": county}


def pairings(county) -> dict:
    """Accounts, a unit on every village, links, claims and assignments for the county."""
    from households.models import Claim, Household
    from poverty_system.core.roles import Role
    from units import services
    from units.models import Cadre, HouseholdLink
    from villages.accounts import add_village_phone, create_account
    from villages.models import Level, Region, User

    # Accounts of this run's own (a PostgreSQL database that other scripts used has theirs).
    tag = int(time.time()) % 100_000_000
    admin, _ = User.objects.get_or_create(
        username="bench_security", defaults={"role": Role.SECURITY, "must_change_password": False}
    )
    office, _ = create_account(
        Actor.system(admin),
        username=f"bench_units_county{tag}",
        role=Role.COUNTY,
        regions=[county],
        full_name="bench county",
        password=PASSWORD,
    )
    township = Region.objects.filter(parent=county).order_by("code").first()
    village = Region.objects.filter(parent=township, level=Level.VILLAGE).order_by("code").first()
    town_office, _ = create_account(
        Actor.system(office),
        username=f"bench_units_town{tag}",
        role=Role.TOWNSHIP,
        regions=[township],
        full_name="bench town",
        password=PASSWORD,
    )
    village_account, _ = create_account(
        Actor.system(office),
        username=f"bench_units_village{tag}",
        role=Role.VILLAGE,
        regions=[village],
        full_name="bench village",
        password=PASSWORD,
    )
    phone = add_village_phone(
        Actor.system(town_office), village_account, phone=f"137{tag:08d}", holder="bench"
    )
    unit, unit_account, _ = services.create_unit(
        Actor.system(office), name=f"bench 工作队{tag}", region=county, username=f"bench_unit{tag}"
    )
    actor = Actor.system(unit_account)
    lo, hi = county.code_range
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__gte=lo, code__lt=hi).order_by("code")
    )
    timed(
        f"link the unit to {len(villages)} villages (link_village each)",
        lambda: [services.link_village(actor, unit, v) for v in villages],
    )
    households = list(
        Household.objects.filter(village_code__gte=lo, village_code__lt=hi).values_list(
            "pk", "village_code"
        )
    )

    def links_and_claims():
        HouseholdLink.objects.bulk_create(
            [
                HouseholdLink(household_id=pk, unit=unit, village_code=code, year=2026)
                for pk, code in households
            ],
            batch_size=5000,
        )
        Claim.objects.bulk_create(
            [Claim(household_id=pk, account=village_account, phone=phone) for pk, _ in households],
            batch_size=5000,
        )

    timed(f"link and claim {len(households):,} households (bulk set-up rows)", links_and_claims)
    cadres = []
    for i in range(len(households) // 500 + 10):
        cadres.append(services.add_cadre(actor, unit, {"name": f"干部{i:03d}"}))
    return {
        "unit": unit,
        "unit_actor": actor,
        "office": office,
        "cadres": cadres,
        "households": [pk for pk, _ in households],
        "Cadre": Cadre,
    }


def bench_assign(ctx) -> list[tuple]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from units import services

    results = []
    ids = ctx["households"]
    cadres = iter(ctx["cadres"])
    start = 0
    for n in (50, 500, 500, 2000):
        chosen = ids[start : start + n]
        start += n
        cadre = next(cadres)
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            services.assign_households(ctx["unit_actor"], cadre, chosen)
            ms = (time.perf_counter() - t0) * 1000
        results.append((n, ms, len(captured.captured_queries)))
    # The rest of the county, 500 per cadre, so the reset has a full county of assignments.
    rest = ids[start:]

    def assign_rest():
        for i in range(0, len(rest), 500):
            services.assign_households(ctx["unit_actor"], next(cadres), rest[i : i + 500])

    timed(f"assign the other {len(rest):,} households, 500 per action", assign_rest)
    return results


def bench_reset(ctx, county) -> dict:
    from units import services
    from units.models import Assignment, HouseholdLink

    actor = Actor.system(ctx["office"])
    counts = services.reset_counts(actor, county)
    wrong = {**counts, "claims": counts["claims"] + 1}
    t0 = time.perf_counter()
    try:
        services.yearly_reset(actor, county, expected=wrong)
        refused = False
    except services.UnitError:
        refused = True
    refused_s = time.perf_counter() - t0
    untouched = (
        Assignment.objects.filter(ended_at__isnull=True).count() == counts["assignments"]
        and HouseholdLink.objects.filter(ended_at__isnull=True).count() == counts["household_links"]
    )
    t0 = time.perf_counter()
    done = services.yearly_reset(actor, county, expected=counts)
    reset_s = time.perf_counter() - t0
    left = Assignment.objects.filter(ended_at__isnull=True).count()
    return {
        "counts": done.counts,
        "refused": refused,
        "refused_s": refused_s,
        "untouched": untouched,
        "reset_s": reset_s,
        "left": left,
    }


def main() -> int:
    args = parse_args()
    configure(args)
    from django.db import connection

    try:
        info = prepare(args)
        print(f"database: {connection.vendor}", flush=True)
        ctx = pairings(info["county"])
        assign = bench_assign(ctx)
        reset = bench_reset(ctx, info["county"])
    finally:
        if args.cleanup:
            shutil.rmtree(args.var_dir, ignore_errors=True)
    print("\n### 分配 › 确定: households assigned to one cadre in one action\n")
    print("| households | time (ms) | queries |")
    print("|---:|---:|---:|")
    for n, ms, queries in assign:
        print(f"| {n:,} | {ms:.0f} | {queries} |")
        bench(f"分配 › 确定 {n:,} 户", ms, queries=queries)
    per = statistics.mean(ms / n for n, ms, _ in assign)
    constant = len({q for *_, q in assign}) == 1
    print(f"\nmean {per:.2f} ms per household; queries constant: {constant}")
    print(f"\n### Yearly reset of 于都县 ({args.county_households:,} households)\n")
    print("| rows ended | count |")
    print("|---|---:|")
    for key, value in reset["counts"].items():
        print(f"| {key} | {value:,} |")
    print(
        f"\nrefused at the end (counts changed): {reset['refused']}, "
        f"{reset['refused_s']:.1f} s, nothing changed: {reset['untouched']}"
    )
    print(f"reset: {reset['reset_s']:.1f} s; active assignments left: {reset['left']}")
    bench(f"年度结对重置 于都县 {len(ctx['households']):,} 户", reset["reset_s"] * 1000)
    bench("年度结对重置 refused at the end (counts changed)", reset["refused_s"] * 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())

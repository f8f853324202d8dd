"""Running the rule pack, reading its problems, and switching rules off per county.

On request (the page): `counts` and `problem_households` evaluate the rules over the slice,
so a fixed record drops out at once. Kept (`run_pack`, nightly and on demand): the open
problems (Problem), cleared when a later run no longer finds them, and per-day counts per
county and rule (DailyCount) for the trend. Every step is set-based: one statement per rule
to clear, one INSERT … SELECT per rule to record what is new, one GROUP BY for the counts.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from households.models import Household
from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from villages.models import Level, Region, code_range

from . import rules as pack
from .access import RUN_CHECKS, SWITCH_RULES
from .models import DailyCount, Found, Problem, RuleSwitch, Run


class QualityError(ActionError):
    """A refused 数据质量 action (switching a rule, running the pack)."""


def in_range(queryset: QuerySet[Any], code: str, field: str = "village_code") -> QuerySet[Any]:
    lo, hi = code_range(code)
    return queryset.filter(**{f"{field}__gte": lo, f"{field}__lt": hi})


def switched_off(rule_code: str) -> list[str]:
    return list(RuleSwitch.objects.filter(rule=rule_code).values_list("county_code", flat=True))


def switches() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for rule_code, county_code in RuleSwitch.objects.values_list("rule", "county_code"):
        found.setdefault(rule_code, []).append(county_code)
    return found


def effective(
    rule: pack.Rule, households: QuerySet[Any], ctx: pack.Context, off: dict[str, list[str]]
) -> QuerySet[Any]:
    """The rule's households, without the counties that switched it off."""
    found = rule.households(households, ctx)
    for county_code in off.get(rule.code, []):
        lo, hi = code_range(county_code)
        found = found.exclude(village_code__gte=lo, village_code__lt=hi)
    return found


# --- on request ---------------------------------------------------------------------------


@dataclass
class RuleCount:
    rule: pack.Rule
    count: int
    switched_off: bool


def counts(
    households: QuerySet[Any], ctx: pack.Context, *, county_code: str = ""
) -> list[RuleCount]:
    """Every rule's count over `households` (one COUNT per rule)."""
    off = switches()
    result = []
    for rule in pack.all_rules():
        n = effective(rule, households, ctx, off).order_by().count()
        is_off = bool(county_code) and county_code in off.get(rule.code, [])
        result.append(RuleCount(rule, n, is_off))
    return result


def by_village(
    rule: pack.Rule, households: QuerySet[Any], ctx: pack.Context
) -> list[dict[str, Any]]:
    """The rule's problems per village: [{'village_code', 'n'}] in code order."""
    found = effective(rule, households, ctx, switches())
    return list(
        found.order_by().values("village_code").annotate(n=Count("pk")).order_by("village_code")
    )


# --- kept: runs ---------------------------------------------------------------------------


ANALYZE_OVER = 1000  # scratch rows of a rule over which PostgreSQL gets fresh statistics


def _record(
    run: Run, rule_code: str, found: QuerySet[Any], problems: QuerySet[Any], today: datetime.date
) -> None:
    """Evaluate the rule once into the scratch table, then clear the open problems it no
    longer finds and open the ones it finds new: three set statements."""
    rows = found.order_by().values(hid=F("pk"), vcode=F("village_code"))
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Found._meta.db_table} (run_id, rule, household_id, village_code) "  # noqa: S608
            f"SELECT %s, %s, sub.hid, sub.vcode FROM ({sql}) sub",
            [run.pk, rule_code, *params],
        )
        if connection.vendor == "postgresql" and cursor.rowcount > ANALYZE_OVER:
            # The scratch rows are new: without statistics PostgreSQL plans the two anti-joins
            # below as nested loops over an "empty" table (27 s for 40,000 problems).
            cursor.execute(f"ANALYZE {Found._meta.db_table}")
    scratch = Found.objects.filter(run=run, rule=rule_code)
    open_problems = problems.filter(rule=rule_code, cleared_on__isnull=True)
    # NOT EXISTS, not NOT IN: PostgreSQL rescans a large NOT IN subquery for every row.
    still = scratch.filter(household_id=OuterRef("household_id"))
    open_problems.filter(~Exists(still)).update(cleared_on=today)
    known = open_problems.filter(household_id=OuterRef("household_id"))
    new = scratch.filter(~Exists(known)).values("household_id", "village_code")
    sql, params = new.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Problem._meta.db_table} "  # noqa: S608
            f"(rule, household_id, village_code, first_seen) "
            f"SELECT %s, sub.household_id, sub.village_code, %s FROM ({sql}) sub",
            [rule_code, today, *params],
        )
        if connection.vendor == "postgresql" and cursor.rowcount > ANALYZE_OVER:
            cursor.execute(f"ANALYZE {Problem._meta.db_table}")  # the next rules' anti-joins
    scratch.delete()


SYSTEM_VIAS = ("command", "task")


def run_pack(actor: Actor, region: Region | None = None, *, via: str = "page") -> Run:
    """Run every rule over the region (all households when None): clear the problems no
    longer found, record the new ones, and keep today's counts per county and rule."""
    if actor.via not in SYSTEM_VIAS:  # a person: a region of the slice holding RUN_CHECKS
        if region is None:
            raise QualityError("请选择要检查的区域。")
        access.check_region_perm(actor.user, RUN_CHECKS, region)
    if region is not None and region.level not in (Level.PROVINCE, Level.CITY, Level.COUNTY):
        raise QualityError("检查按县（或市）运行。")
    started = time.monotonic()
    ctx = pack.Context.now()
    today = ctx.today
    code = region.code if region is not None else ""
    households: QuerySet[Any] = Household.objects.all()
    problems: QuerySet[Any] = Problem.objects.all()
    if code:
        households = in_range(households, code)
        problems = in_range(problems, code)
    off = switches()
    with transaction.atomic(durable=True):
        run = Run.objects.create(region_code=code, via=via)
        for rule in pack.all_rules():
            _record(run, rule.code, effective(rule, households, ctx, off), problems, today)
        _keep_counts(problems, code, today)
        run.finished_at = timezone.now()
        run.seconds = round(time.monotonic() - started, 3)
        run.save(update_fields=["finished_at", "seconds"])
    return run


def _keep_counts(problems: QuerySet[Any], code: str, today: datetime.date) -> None:
    """Today's DailyCount rows of the counties under `code`: open, new today, cleared today."""
    _counties(DailyCount.objects.filter(day=today), code).delete()
    grouped = (
        problems.filter(Q(cleared_on__isnull=True) | Q(cleared_on=today))
        .annotate(county=Substr("village_code", 1, 6))
        .values("county", "rule")
        .annotate(
            open=Count("pk", filter=Q(cleared_on__isnull=True)),
            new=Count("pk", filter=Q(first_seen=today, cleared_on__isnull=True)),
            cleared=Count("pk", filter=Q(cleared_on=today)),
        )
    )
    DailyCount.objects.bulk_create(
        [
            DailyCount(
                day=today,
                county_code=row["county"],
                rule=row["rule"],
                open=row["open"],
                new=row["new"],
                cleared=row["cleared"],
            )
            for row in grouped
        ],
        batch_size=1000,
    )


def _counties(rows: QuerySet[Any], code: str) -> QuerySet[Any]:
    """Rows of the counties under `code` (a county's own code, or a city's or province's)."""
    if not code:
        return rows
    if len(code) >= 6:
        return rows.filter(county_code=code[:6])
    return rows.filter(county_code__gte=code, county_code__lt=code_range(code)[1])


def trend(code: str, days: int = 30) -> list[dict[str, Any]]:
    """Per day of the kept runs: open, new and cleared problems under `code` (a county or
    larger; a township reads its county's)."""
    rows = _counties(DailyCount.objects.all(), code[:6])
    return list(
        rows.values("day")
        .annotate(open=Sum("open"), new=Sum("new"), cleared=Sum("cleared"))
        .order_by("-day")[:days]
    )


def open_counts_by(prefix_digits: int, households_code_q: Q | None) -> dict[str, int]:
    """Open kept problems grouped by the first `prefix_digits` of the village code."""
    problems = Problem.objects.filter(cleared_on__isnull=True)
    if households_code_q is not None:
        problems = problems.filter(households_code_q)
    return {
        row["prefix"]: row["n"]
        for row in problems.annotate(prefix=Substr("village_code", 1, prefix_digits))
        .values("prefix")
        .annotate(n=Count("pk"))
    }


# --- switches -----------------------------------------------------------------------------


def _county_of(actor: Actor, county: Region) -> None:
    if county.level != Level.COUNTY:
        raise QualityError("只能按县停用检查规则。")
    access.check_region_perm(actor.user, SWITCH_RULES, county)


def switch_off(actor: Actor, county: Region, rule_code: str, reason: str) -> RuleSwitch:
    _county_of(actor, county)
    rule = pack.get(rule_code)
    if rule is None:
        raise QualityError("没有这条检查规则。", "rule")
    reason = (reason or "").strip()
    if not reason:
        raise QualityError("请填写停用原因。", "reason")
    if len(reason) > 200:
        raise QualityError("停用原因不能超过 200 字。", "reason")
    with transaction.atomic(durable=True):
        switch, created = RuleSwitch.objects.select_for_update().get_or_create(
            county=county,
            rule=rule.code,
            defaults={"county_code": county.code, "reason": reason, "by": actor.account},
        )
        if not created:
            raise QualityError(f"规则 {rule.code} 已在本县停用。", "rule")
        audit.record(
            actor,
            audit.RULE_OFF,
            obj=switch,
            region_code=county.code,
            detail={"rule": rule.code, "reason": reason},
        )
    return switch


def switch_on(actor: Actor, county: Region, rule_code: str) -> None:
    _county_of(actor, county)
    with transaction.atomic(durable=True):
        switch = (
            RuleSwitch.objects.select_for_update().filter(county=county, rule=rule_code).first()
        )
        if switch is None:
            raise QualityError(f"规则 {rule_code} 未在本县停用。", "rule")
        audit.record(
            actor,
            audit.RULE_ON,
            obj=switch,
            region_code=county.code,
            detail={"rule": rule_code, "reason": switch.reason},
        )
        switch.delete()

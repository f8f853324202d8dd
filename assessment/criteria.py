"""The exit check (脱贫标准): per-capita net income above the year's line and 两不愁三保障.

`exit_check(households, year)` evaluates any number of households in two queries (the year's
criteria rows, the active members of all of them) and returns, per household, every failing
criterion, not just the first.

The criteria are data (ExitCriteria): per year and region, the nearest ancestor's row applies
(region codes are prefixes of their descendants' codes, so it is the longest code that starts
the household's village code); a row without a region is the default for the whole tree.

No field of the registration form records 不愁吃、不愁穿 directly; like the national system's
exit check it is judged from income (per-capita net income above the line). It is its own
check so that a county can switch it off and the refusal names it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from households.choices import HouseDanger, SchoolStatus
from households.models import Household, Member
from poverty_system.core.dates import current_year

from .models import ExitCriteria

COMPULSORY_AGES = (6, 15)
OUT_OF_SCHOOL = (SchoolStatus.NOT_IN_SCHOOL, SchoolStatus.DROPPED_OUT)
UNSAFE_HOUSES = (HouseDanger.GRADE_C, HouseDanger.GRADE_D)

# (flag on ExitCriteria, short name shown in lists)
CHECKS = (
    ("check_food_clothing", "不愁吃穿"),
    ("check_school", "义务教育"),
    ("check_medical", "基本医疗"),
    ("check_housing", "住房安全"),
    ("check_water", "饮水安全"),
)


@dataclass
class ExitResult:
    household_id: int
    income: Decimal
    line: Decimal | None
    criteria: ExitCriteria | None
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def reason(self) -> str:
        return "；".join(self.failures)


def criteria_rows(year: int) -> list[ExitCriteria]:
    return list(ExitCriteria.objects.filter(year=year).select_related("region"))


def nearest(rows: Sequence[ExitCriteria], code: str) -> ExitCriteria | None:
    """The row of the nearest region containing `code` (its own, a parent's, ... the default)."""
    best = None
    for row in rows:
        if code.startswith(row.region_code) and (
            best is None or len(row.region_code) > len(best.region_code)
        ):
            best = row
    return best


def criteria_for(code: str, year: int) -> ExitCriteria | None:
    return nearest(criteria_rows(year), code)


def reference_date(year: int) -> datetime.date:
    today = timezone.localdate()
    return today if year >= today.year else datetime.date(year, 12, 31)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def exit_check(households: Iterable[Household], year: int | None = None) -> dict[int, ExitResult]:
    """household pk -> ExitResult, for households already loaded (two queries in all)."""
    households = list(households)
    year = year or current_year()
    rows = criteria_rows(year)
    day = reference_date(year)
    dropouts: dict[int, list[str]] = defaultdict(list)
    uninsured: dict[int, list[str]] = defaultdict(list)
    members = Member.objects.filter(household__in=[h.pk for h in households], active=True)
    for hid, name, birth, school, medical in members.values_list(
        "household_id", "name", "birth_date", "school_status", "has_basic_medical"
    ).order_by("pk"):
        age = age_on(birth, day)
        if COMPULSORY_AGES[0] <= age <= COMPULSORY_AGES[1] and school in OUT_OF_SCHOOL:
            dropouts[hid].append(f"{name}（{age}岁）")
        if not medical:
            uninsured[hid].append(name)
    results = {}
    for h in households:
        c = nearest(rows, h.village_code)
        result = ExitResult(h.pk, h.net_income_per_capita, c.income_line if c else None, c)
        if c is None:
            result.failures.append(f"未设置{year}年度的脱贫标准，请联系县扶贫办")
            results[h.pk] = result
            continue
        if h.net_income_per_capita <= c.income_line:
            result.failures.append(
                f"人均纯收入 {h.net_income_per_capita} 元未超过标准线 {c.income_line} 元"
            )
        if c.check_food_clothing and h.net_income_per_capita <= c.income_line:
            result.failures.append("不愁吃、不愁穿未达到（收入未稳定超过标准线）")
        if c.check_school and dropouts.get(h.pk):
            result.failures.append("义务教育阶段有辍学：" + "、".join(dropouts[h.pk]))
        if c.check_medical and uninsured.get(h.pk):
            result.failures.append("未参加基本医疗保险：" + "、".join(uninsured[h.pk]))
        if c.check_housing and h.house_danger in UNSAFE_HOUSES:
            result.failures.append(f"住房不安全（{HouseDanger(h.house_danger).label}）")
        if c.check_water and not h.drinking_water_safe:
            result.failures.append("饮水不安全")
        results[h.pk] = result
    return results

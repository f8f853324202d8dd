"""The rule pack of 数据质量检查 (问题清单): named checks with stable codes.

Each rule is a function over a queryset of households that returns the households breaking
it, as one query (filters, EXISTS subqueries and aggregates: set-based SQL, never a loop over
households in Python). The page counts and lists them on request, so a fixed record drops out
at once; the nightly run keeps per-day counts (quality.models) for the trend.

A rule's code never changes once published (the kept counts and the per-county switches name
it); a retired rule keeps its code unused.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class Context:
    """What a run of the pack is measured against: the year and the day of the check."""

    year: int
    today: datetime.date

    @classmethod
    def now(cls) -> Context:
        today = timezone.localdate()
        return cls(today.year, today)

    def born_before(self, years: int) -> datetime.date:
        """The latest birth date of someone at least `years` old today."""
        try:
            return self.today.replace(year=self.today.year - years)
        except ValueError:  # 29 February
            return self.today.replace(year=self.today.year - years, day=28)

    @cached_property
    def year_start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)


RuleFunc = Callable[[QuerySet, Context], QuerySet]


@dataclass(frozen=True)
class Rule:
    code: str
    group: str
    title: str  # the problem as the list names it (问题描述)
    func: RuleFunc
    fix: str = "detail"  # where the record is fixed: the household page or a registration part

    def households(self, queryset: QuerySet, ctx: Context) -> QuerySet:
        return self.func(queryset, ctx)


RULES: dict[str, Rule] = {}


def rule(
    code: str, group: str, title: str, *, fix: str = "detail"
) -> Callable[[RuleFunc], RuleFunc]:
    def register(func: RuleFunc) -> RuleFunc:
        if code in RULES:
            raise ValueError(f"rule code {code} used twice")
        RULES[code] = Rule(code, group, title, func, fix)
        return func

    return register


# Thresholds of the national lists, named once.
PHONE_SHARED_BY = 5  # a phone shared by this many households or more is suspicious
INCOME_ABSURD = Decimal("100000")  # yuan per head and year
ROAD_ABSURD_KM = Decimal("50")
HOUSING_ABSURD = Decimal("1000")  # m²
DRAFT_DAYS = 30


def all_rules() -> list[Rule]:
    _load()
    return [RULES[code] for code in sorted(RULES)]


def get(code: str) -> Rule | None:
    _load()
    return RULES.get(code)


def _load() -> None:
    from . import basics, causes, exits, identity, income, members, pairing  # noqa: F401

"""The registry of the rule pack: what a rule is, the context it is measured against, the
`rule` decorator that registers it by code, and the thresholds the rules share. The rule
modules import it; the package (quality.rules) imports them, never the reverse."""

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

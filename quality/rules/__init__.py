"""The rule pack of 数据质量检查 (问题清单): named checks with stable codes.

Each rule is a function over a queryset of households that returns the households breaking
it, as one query (filters, EXISTS subqueries and aggregates: set-based SQL, never a loop over
households in Python). The page counts and lists them on request, so a fixed record drops out
at once; the nightly run keeps per-day counts (quality.models) for the trend.

A rule's code never changes once published (the kept counts and the per-county switches name
it); a retired rule keeps its code unused.
"""

from __future__ import annotations

from .registry import (
    DRAFT_DAYS,
    HOUSING_ABSURD,
    INCOME_ABSURD,
    PHONE_SHARED_BY,
    ROAD_ABSURD_KM,
    RULES,
    Context,
    Rule,
    RuleFunc,
    rule,
)

__all__ = [
    "DRAFT_DAYS",
    "HOUSING_ABSURD",
    "INCOME_ABSURD",
    "PHONE_SHARED_BY",
    "ROAD_ABSURD_KM",
    "RULES",
    "Context",
    "Rule",
    "RuleFunc",
    "all_rules",
    "get",
    "rule",
]


def all_rules() -> list[Rule]:
    _load()
    return [RULES[code] for code in sorted(RULES)]


def get(code: str) -> Rule | None:
    _load()
    return RULES.get(code)


def _load() -> None:
    from . import basics, causes, exits, identity, income, members, monitoring, pairing  # noqa: F401

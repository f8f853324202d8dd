"""Balances of the fund ledger: sums of movements, never stored.

可安排 (account) = 到账 − 退回 − 安排; per project and account: 待拨 = 安排 − 拨付, 未支出 =
拨付 − 支出, 未报账 = 支出 − 报账. 支出进度 = 支出 ÷ 到账. 结余 = 到账 − 退回 − 支出, aged first in
first out: the age of the oldest receipt not yet used up, flagged at 24 months.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from . import clock
from .choices import MovementKind as M
from .models import FundMovement

ZERO = Decimal("0")


def _sums(queryset) -> dict[str, Decimal]:
    totals = {k: ZERO for k in M.values}
    for kind, amount in queryset.values_list("kind").annotate(s=Sum("amount")).order_by():
        totals[kind] = amount or ZERO
    return totals


def account_totals(account: Any) -> dict[str, Decimal]:
    totals = _sums(FundMovement.objects.filter(account=account))
    totals["available"] = totals[M.RECEIVED] - totals[M.RETURNED] - totals[M.ARRANGED]
    return totals


def project_account_totals(account: Any, project: Any) -> dict[str, Decimal]:
    return _sums(FundMovement.objects.filter(account=account, project=project))


def project_totals(project: Any) -> dict[str, Decimal]:
    t = _sums(FundMovement.objects.filter(project=project))
    return {
        "arranged": t[M.ARRANGED],
        "disbursed": t[M.DISBURSED],
        "spent": t[M.SPENT],
        "settled": t[M.SETTLED],
        "to_disburse": t[M.ARRANGED] - t[M.DISBURSED],
        "progress": progress(t[M.SPENT], t[M.ARRANGED]),
    }


def progress(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


def violations(account_t: dict[str, Decimal], project_t: dict[str, Decimal] | None) -> list[str]:
    """The balances a set of totals would make negative, as messages."""
    found = []
    available = account_t[M.RECEIVED] - account_t[M.RETURNED] - account_t[M.ARRANGED]
    if available < 0:
        found.append(f"可安排资金不足（到账 − 退回 − 安排 将为 {available} 元）")
    if project_t is not None:
        for upper, lower, label in (
            (M.ARRANGED, M.DISBURSED, "待拨资金不足（安排 − 拨付"),
            (M.DISBURSED, M.SPENT, "已拨付资金不足（拨付 − 支出"),
            (M.SPENT, M.SETTLED, "报账金额超过支出（支出 − 报账"),
        ):
            rest = project_t[upper] - project_t[lower]
            if rest < 0:
                found.append(f"{label} 将为 {rest} 元）")
    return found


def summary(movements, group: str) -> list[dict[str, Any]]:
    """汇总 of a movement queryset grouped by `group` (a column or annotation): one row per
    value with each kind's sum, 可安排, 待拨 and 支出进度."""
    kinds = {k: Coalesce(Sum("amount", filter=Q(kind=k)), ZERO) for k in M.values}
    rows = []
    for row in movements.values(group).annotate(**kinds).order_by(group):
        row["available"] = row[M.RECEIVED] - row[M.RETURNED] - row[M.ARRANGED]
        row["to_disburse"] = row[M.ARRANGED] - row[M.DISBURSED]
        row["progress"] = progress(row[M.SPENT], row[M.RECEIVED] or row[M.ARRANGED])
        rows.append(row)
    return rows


def idle_age(account: Any, today: datetime.date) -> tuple[Decimal, int | None]:
    """(结余, age in months of its oldest receipt) of an account, first in first out."""
    t = account_totals(account)
    used = t[M.RETURNED] + t[M.SPENT]
    balance = t[M.RECEIVED] - used
    if balance <= 0:
        return balance, None
    running = ZERO
    receipts = FundMovement.objects.filter(account=account, kind=M.RECEIVED).order_by("date", "pk")
    for date, amount in receipts.values_list("date", "amount"):
        running += amount
        if running > used:
            return balance, clock.months_between(date, today)
    return balance, None

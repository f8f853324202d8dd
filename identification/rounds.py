"""年度动态管理: the actions on a county's yearly round (开启, 修改截止日期, 封存, 重新开启).

The county office opens the round of a year with a deadline per step; sealing closes it and
seals the county's year (households.seals: the year's status changes refused from then on,
its year-end read as of the seal); reopening, with a reason, lifts the seal. Each action is
one transaction with a RoundEvent and an audit entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from households.models import YearSeal
from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.ids import id_or_404
from poverty_system.core.roles import MANAGE_ROUNDS
from poverty_system.core.text import clean_reason
from poverty_system.core.versioning import bump, check_version
from villages.models import Region, code_range

from .access import filter_rounds
from .errors import IdentificationError
from .models import Case, Round, RoundEvent

STEP_LABELS = {
    "scale_due": "第一步 设置规模",
    "manage_due": "第二步 动态管理农户（脱贫、更新信息）",
    "exit_review_due": "第三步 区县审核脱贫农户信息",
    "new_due": "第四步 新增农户（导入、逐条录入）",
    "new_review_due": "第五步 区县审核新增农户信息",
}


def _check_deadlines(deadlines: Mapping[str, datetime.date | None], year: int) -> None:
    """Every step has a date, in the order of the steps, from the round's year on."""
    previous: datetime.date | None = None
    for name in Round.DEADLINES:
        due = deadlines.get(name)
        if due is None:
            raise IdentificationError(f"请填写{STEP_LABELS[name]}的截止日期。", name)
        if not year <= due.year <= year + 1:
            raise IdentificationError(f"截止日期须在 {year} 年或 {year + 1} 年内。", name)
        if previous is not None and due < previous:
            raise IdentificationError("截止日期不能早于上一步的截止日期。", name)
        previous = due


def _event(actor: Actor, locked: Round, kind: str, reason: str = "") -> None:
    RoundEvent.objects.create(round=locked, kind=kind, reason=reason, actor=actor.account)
    audit.record(
        actor,
        audit.YEARLY_ROUND,
        obj=locked,
        region_code=locked.county_code,
        detail={"year": locked.year, "kind": kind},
    )


def open_round(
    actor: Actor, county: Region, year: int, deadlines: Mapping[str, datetime.date | None]
) -> Round:
    """开启 the round of `year` (this year or the next) for the county office's county."""
    if county.level != "county":
        raise IdentificationError("年度动态管理按县（区）开启。")
    access.check_region_perm(actor.user, MANAGE_ROUNDS, county)
    if year not in (current_year(), current_year() + 1):
        raise IdentificationError(
            f"只能开启 {current_year()} 或 {current_year() + 1} 年度。", "year"
        )
    _check_deadlines(deadlines, year)
    try:
        with transaction.atomic(durable=True):
            locked = Round(
                county=county, county_code=county.code, year=year, opened_by=actor.account
            )
            for name in Round.DEADLINES:
                setattr(locked, name, deadlines[name])
            bump(locked)
            locked.save()
            _event(actor, locked, RoundEvent.Kind.OPENED)
    except IntegrityError:
        raise IdentificationError(f"{county.name}{year}年度动态管理已开启。", "year") from None
    return locked


def _locked(actor: Actor, round_pk: Any, version: Any) -> Round:
    """The round, locked, in the slice (404), the county office's (403), not changed since."""
    try:
        locked = filter_rounds(Round.objects.select_for_update(), actor.user).get(
            pk=id_or_404(round_pk)
        )
    except Round.DoesNotExist:
        raise Http404 from None
    access.check_region_perm(actor.user, MANAGE_ROUNDS, locked.county)
    check_version(locked, version, what="该年度动态管理")
    return locked


def change_deadlines(
    actor: Actor, round_pk: Any, deadlines: Mapping[str, datetime.date | None], *, version: Any
) -> Round:
    with transaction.atomic(durable=True):
        locked = _locked(actor, round_pk, version)
        if locked.state == Round.State.SEALED:
            raise IdentificationError("该年度已封存，请先重新开启再修改截止日期。")
        _check_deadlines(deadlines, locked.year)
        for name in Round.DEADLINES:
            setattr(locked, name, deadlines[name])
        bump(locked)
        locked.save()
        _event(actor, locked, RoundEvent.Kind.DEADLINES)
    return locked


def seal(actor: Actor, round_pk: Any, *, version: Any) -> Round:
    """封存: refused while a household of the county is still in an identification chain of the
    year (finish or return it first)."""
    with transaction.atomic(durable=True):
        locked = _locked(actor, round_pk, version)
        if locked.state == Round.State.SEALED:
            raise IdentificationError("该年度已封存。")
        lo, hi = code_range(locked.county_code)  # an index range, never LIKE 'x%'
        waiting = Case.objects.filter(
            state=Case.State.OPEN, year=locked.year, village_code__gte=lo, village_code__lt=hi
        ).count()
        if waiting:
            raise IdentificationError(
                f"本县仍有 {waiting} 户的识别或退出程序未办结，请办结或退回后再封存。"
            )
        YearSeal.objects.create(
            county_code=locked.county_code,
            year=locked.year,
            sealed_at=timezone.now(),
            sealed_by=actor.account,
        )
        locked.state = Round.State.SEALED
        bump(locked)
        locked.save()
        _event(actor, locked, RoundEvent.Kind.SEALED)
    return locked


def reopen(actor: Actor, round_pk: Any, reason: str, *, version: Any) -> Round:
    """重新开启 a sealed year: the seal goes, the reason stays in the round's events."""
    reason = clean_reason(reason, "重新开启原因", error=IdentificationError)
    with transaction.atomic(durable=True):
        locked = _locked(actor, round_pk, version)
        if locked.state != Round.State.SEALED:
            raise IdentificationError("该年度未封存，无需重新开启。")
        YearSeal.objects.filter(county_code=locked.county_code, year=locked.year).delete()
        locked.state = Round.State.OPEN
        bump(locked)
        locked.save()
        _event(actor, locked, RoundEvent.Kind.REOPENED, reason)
    return locked

"""扶贫资金: the county records movements (到账, 安排, 拨付, 支出, 报账, 退回); a correction is a
reversing movement. A movement is refused when it would make a balance negative; the fund
account's row is locked first, so concurrent movements are checked one after the other."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.roles import VIEW
from villages.models import Region

from .. import clock
from ..access import RECORD_FUNDS, may
from ..choices import MovementKind as M
from ..choices import Source
from ..errors import ProjectError
from ..ledger import account_totals, project_account_totals, violations
from ..models import FundAccount, FundMovement, Project

PROJECT_KINDS = (M.ARRANGED, M.DISBURSED, M.SPENT, M.SETTLED)
# A project takes money only between its approval and its settlement.
FUNDED_STATES = (
    "approved",
    "announced",
    "implementing",
    "adjusting",
    "accepted",
    "settled",
    "result_announced",
    "handed_over",
    "evaluated",
)
MAX_AMOUNT = Decimal("100000000000")


def _account(county: Region, source: str) -> FundAccount:
    try:
        with transaction.atomic():
            account, _ = FundAccount.objects.get_or_create(
                county=county, source=source, defaults={"county_code": county.code}
            )
    except IntegrityError:  # created meanwhile by a concurrent movement
        account = FundAccount.objects.get(county=county, source=source)
    return FundAccount.objects.select_for_update().get(pk=account.pk)


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ProjectError("请填写正确的金额。", "amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ProjectError("金额须大于 0。", "amount")
    if amount >= MAX_AMOUNT:
        raise ProjectError("金额过大，请核对。", "amount")
    return amount


def _check(account: FundAccount, project: Project | None, kind: str, delta: Decimal) -> None:
    account_t = account_totals(account)
    project_t = project_account_totals(account, project) if project is not None else None
    account_t[kind] += delta
    if project_t is not None:
        project_t[kind] += delta
    problems = violations(account_t, project_t)
    if problems:
        raise ProjectError("；".join(problems) + "。本次未记录。", "amount")


def record(
    actor: Actor,
    county: Region,
    *,
    kind: str,
    source: str,
    amount: Any,
    date: datetime.date | None,
    doc_number: str,
    note: str = "",
    project: Project | None = None,
) -> FundMovement:
    with transaction.atomic(durable=True):
        return enter_movement(
            actor,
            county,
            kind=kind,
            source=source,
            amount=amount,
            date=date,
            doc_number=doc_number,
            note=note,
            project=project,
        )


def enter_movement(
    actor: Actor,
    county: Region,
    *,
    kind: str,
    source: str,
    amount: Any,
    date: datetime.date | None,
    doc_number: str,
    note: str = "",
    project: Project | None = None,
    unique: bool = False,
) -> FundMovement:
    """One movement, checked and written inside the caller's transaction (record, and each
    row of 资金导入). `unique`: refuse a movement the ledger already holds (the same kind,
    source, project, amount, date and 文号), so a file imported twice is not counted twice."""
    access.check_region_perm(actor.user, VIEW, county)
    if not may(actor.user, RECORD_FUNDS, county.code):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您的账号不能录入资金。")
    if county.level != "county":
        raise ProjectError("资金按县记账。", "county")
    if kind not in M.values:
        raise ProjectError("请选择资金类型。", "kind")
    if source not in Source.values:
        raise ProjectError("请选择资金来源。", "source")
    amount = _amount(amount)
    if date is None:
        raise ProjectError("请填写日期。", "date")
    today = timezone.localdate()
    if date > today:
        raise ProjectError("日期不能晚于今天。", "date")
    doc_number = (doc_number or "").strip()
    if not doc_number:
        raise ProjectError("请填写文号或凭证号。", "doc_number")
    if kind in PROJECT_KINDS and project is None:
        raise ProjectError(f"{M(kind).label}须选择项目。", "project")
    if kind not in PROJECT_KINDS:
        project = None
    account = _account(county, source)
    if project is not None:
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.county_code != county.code:
            raise ProjectError("项目不在本县。", "project")
        if project.state not in FUNDED_STATES:
            raise ProjectError(
                f"项目“{project.get_state_display()}”，批复后才能{M(kind).label}。", "project"
            )
    if unique and _recorded(account, project, kind, amount, date, doc_number):
        raise ProjectError("与已记录的资金重复（类型、资金来源、项目、金额、日期和文号都相同）。")
    _check(account, project, kind, amount)
    movement = FundMovement.objects.create(
        account=account,
        project=project,
        region_code=project.region_code if project else county.code,
        county_code=county.code,
        kind=kind,
        amount=amount,
        date=date,
        year=project.year if project else date.year,
        doc_number=doc_number[:60],
        note=(note or "").strip()[:200],
        late=today > clock.entry_due(date),
        actor=actor.account,
    )
    audit.record(
        actor,
        audit.FUND_MOVEMENT,
        obj=movement,
        region_code=movement.region_code,
        detail={"kind": kind, "amount": str(amount), "source": source},
    )
    return movement


def _recorded(
    account: FundAccount,
    project: Project | None,
    kind: str,
    amount: Decimal,
    date: datetime.date,
    doc_number: str,
) -> bool:
    same = FundMovement.objects.filter(
        account=account, project=project, kind=kind, amount=amount, date=date
    )
    return same.filter(doc_number=doc_number[:60], reverses__isnull=True).exists()


def reverse(actor: Actor, pk: Any, note: str) -> FundMovement:
    """冲正: a movement of the same kind and the opposite amount."""
    with transaction.atomic(durable=True):
        original = _movement_for(actor, pk)  # 404 / 403 before anything else
        note = (note or "").strip()
        if not note:
            raise ProjectError("请填写冲正原因。", "note")
        account = FundAccount.objects.select_for_update().get(pk=original.account_id)
        if original.reverses_id or FundMovement.objects.filter(reverses=original).exists():
            raise ProjectError("这条记录已冲正或本身是冲正记录，不能再冲正。")
        project = None
        if original.project_id:
            project = Project.objects.select_for_update().get(pk=original.project_id)
        _check(account, project, original.kind, -original.amount)
        movement = FundMovement.objects.create(
            account=account,
            project=project,
            region_code=original.region_code,
            county_code=original.county_code,
            kind=original.kind,
            amount=-original.amount,
            date=timezone.localdate(),
            year=original.year,
            doc_number=original.doc_number,
            note=f"冲正：{note}"[:200],
            reverses=original,
            actor=actor.account,
        )
        audit.record(
            actor,
            audit.FUND_MOVEMENT,
            obj=movement,
            region_code=movement.region_code,
            detail={
                "kind": original.kind,
                "amount": str(-original.amount),
                "reverses": original.pk,
            },
        )
    return movement


def _movement_for(actor: Actor, pk: Any) -> FundMovement:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from ..access import READ_FUNDS, filter_by_slice

    try:
        movement = filter_by_slice(
            FundMovement.objects.all(), actor.user, READ_FUNDS, "region_code"
        ).get(pk=pk)
    except (FundMovement.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not may(actor.user, RECORD_FUNDS, movement.county_code):
        raise PermissionDenied
    return movement

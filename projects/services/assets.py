"""扶贫项目资产: the county corrects an asset's record (versioned) and records its yearly
income; the households' share follows their status month by month: a 贫困户, 返贫户 or 脱贫户
shares in each month it held that status, so a household that leaves it (稳定脱贫不再享受政策,
清退) stops receiving from the next month."""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from households.choices import HouseholdStatus as HS
from households.models import Household, StatusChange
from poverty_system.core import audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.versioning import bump, check_version

from ..access import MANAGE_ASSETS, READ_PROJECTS, filter_by_slice, may
from ..errors import ProjectError
from ..models import Asset, AssetIncome, IncomeShare

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

SHARING = frozenset({HS.POOR, HS.RETURNED, HS.LIFTED})
FIELDS = ("name", "kind", "value", "owner", "owner_name", "manager", "location", "condition")
CENT = Decimal("0.01")


def get_asset(user: AnyUser, pk: Any, perm: str | None = None, *, lock: bool = False) -> Asset:
    queryset = Asset.objects.select_for_update() if lock else Asset.objects.all()
    try:
        asset = filter_by_slice(queryset, user, READ_PROJECTS).get(pk=pk)
    except (Asset.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm is not None and not may(user, perm, asset.region_code):
        raise PermissionDenied
    return asset


def edit(actor: Actor, pk: Any, data: dict[str, Any], version: Any) -> Asset:
    with transaction.atomic(durable=True):
        asset = get_asset(actor.user, pk, MANAGE_ASSETS, lock=True)
        check_version(asset, version, what="该资产")
        if (data.get("value") or 0) < 0:
            raise ProjectError("资产价值不能为负数。", "value")
        for name in FIELDS:
            if name in data:
                setattr(asset, name, data[name])
        bump(asset)
        changelog.save(actor, asset, reason="修改资产信息")
        audit.record(actor, audit.ASSET, obj=asset, region_code=asset.region_code)
    return asset


def months_sharing(household_ids: list[int], year: int) -> dict[int, int]:
    """Months of `year` in which each household held a sharing status (at any time in the
    month), from the status events; the current status where it has none."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    current = dict(Household.objects.filter(pk__in=household_ids).values_list("pk", "status"))
    changes: dict[int, list[tuple[datetime.datetime, str, str]]] = {}
    rows = StatusChange.objects.filter(household_id__in=household_ids, at__lt=end).order_by(
        "at", "pk"
    )
    for hid, at, old, new in rows.values_list("household_id", "at", "from_status", "to_status"):
        changes.setdefault(hid, []).append((at, old, new))
    result = {}
    for hid in household_ids:
        events = changes.get(hid, [])
        before = [e for e in events if e[0] < start]
        inside = [e for e in events if e[0] >= start]
        if before:
            status = before[-1][2]
        elif inside:
            status = inside[0][1]
        else:
            status = current.get(hid, "")
        months = set()
        month_status = status
        for month in range(1, 13):
            m_start = datetime.datetime(year, month, 1, tzinfo=tz)
            m_end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
            held = {month_status}
            for at, _old, new in inside:
                if m_start <= at < m_end:
                    held.add(new)
                    month_status = new
            if held & SHARING:
                months.add(month)
        result[hid] = len(months)
    return result


def record_income(actor: Actor, pk: Any, year: int, amount: Any, shared: Any) -> AssetIncome:
    """收益分配: `shared` of the year's `amount` goes to the project's beneficiary households
    by the months each was sharing (cents left over stay undistributed)."""
    try:
        amount, shared = Decimal(str(amount)).quantize(CENT), Decimal(str(shared)).quantize(CENT)
    except ArithmeticError:
        raise ProjectError("请填写正确的金额。", "amount") from None
    if amount < 0 or shared < 0:
        raise ProjectError("金额不能为负数。", "amount")
    if shared > amount:
        raise ProjectError("分配给农户的金额不能超过年收益。", "shared")
    if not 2014 <= int(year) <= current_year():
        raise ProjectError("请填写正确的年度。", "year")
    with transaction.atomic(durable=True):
        asset = get_asset(actor.user, pk, MANAGE_ASSETS, lock=True)
        if asset.kind != Asset.Kind.OPERATING:
            raise ProjectError("只有经营性资产登记收益。")
        ids = list(asset.project.beneficiaries.values_list("household_id", flat=True))
        months = months_sharing(ids, int(year))
        total_months = sum(months.values())
        try:
            with transaction.atomic():
                income = AssetIncome.objects.create(
                    asset=asset, year=year, amount=amount, shared=shared, actor=actor.account
                )
        except IntegrityError:
            raise ProjectError(f"{year}年的收益已登记。", "year") from None
        if total_months and shared:
            per_month = shared / total_months
            IncomeShare.objects.bulk_create(
                [
                    IncomeShare(
                        income=income,
                        household_id=hid,
                        months=n,
                        amount=(per_month * n).quantize(CENT, ROUND_DOWN),
                    )
                    for hid, n in months.items()
                    if n
                ]
            )
        audit.record(
            actor,
            audit.ASSET,
            obj=asset,
            region_code=asset.region_code,
            detail={"year": int(year), "amount": str(amount), "shared": str(shared)},
        )
    return income

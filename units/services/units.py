"""单位信息管理 (county office): create a unit with its account; merge and split units
(procedure 9): the new unit is created, cadres are seconded to it and village links may move,
all in one transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from poverty_system.core import access, audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.roles import MANAGE_UNITS, SLICE, Role
from villages import accounts
from villages.models import Level, Region, User

from .. import access as unit_access
from ..models import Cadre, EndKind, HouseholdLink, TransferKind, Unit, UnitVillage
from .base import UnitError

UNIT_FIELDS = ("name", "unit_type", "address", "contact_person", "contact_phone")


def _check_unit_data(region: Region, name: str, *, exclude_pk: int | None = None) -> str:
    """The unit's name, unique in its region (checked beside the constraint, with a message
    next to the field); the region a county or township."""
    if region.level not in (Level.COUNTY, Level.TOWNSHIP):
        raise UnitError("帮扶单位须设在县（区）或乡镇一级。", "region")
    name = (name or "").strip()
    same = Unit.objects.filter(region=region, name=name)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise UnitError("该区域已有同名单位。", "name")
    return name


def _new_unit(
    actor: Actor,
    *,
    name: str,
    region: Region,
    username: str,
    password: str | None,
    must_change_password: bool,
    details: dict[str, Any],
) -> tuple[Unit, User, str]:
    name = _check_unit_data(region, name)
    access.check_region_perm(actor.user, MANAGE_UNITS, region)
    unit = Unit(name=name, region=region, created_by=actor.account_or_none)
    for field in ("unit_type", "address", "contact_person", "contact_phone"):
        value = details.get(field)
        if value:
            setattr(unit, field, value.strip() if isinstance(value, str) else value)
    changelog.save(actor, unit, reason="创建单位")
    account, password = accounts.new_user(
        actor,
        username=username,
        role=Role.UNIT,
        full_name=name,
        password=password,
        must_change_password=must_change_password,
    )
    assign_perm(f"units.{SLICE}", account, unit)
    access.forget_grants(account)
    audit.record(
        actor,
        audit.GRANT,
        obj=unit,
        region_code=region.code,
        detail={"unit": unit.name, "account": account.username},
    )
    return unit, account, password


def create_unit(
    actor: Actor,
    *,
    name: str,
    region: Region,
    username: str,
    password: str | None = None,
    must_change_password: bool = True,
    **details: Any,
) -> tuple[Unit, User, str]:
    """County office creates a unit (单位信息管理) and its unit account (添加系统用户)."""
    with transaction.atomic(durable=True):
        return _new_unit(
            actor,
            name=name,
            region=region,
            username=username,
            password=password,
            must_change_password=must_change_password,
            details=details,
        )


def update_unit(actor: Actor, unit: Unit, data: dict[str, Any], *, version: object) -> Unit:
    """The county office or the unit itself corrects the unit's details."""
    from poverty_system.core import versioning

    with transaction.atomic(durable=True):
        locked = unit_access.get_unit_for_user(
            actor.user, unit.pk, queryset=Unit.objects.select_for_update().select_related("region")
        )
        own = locked.pk in unit_access.unit_ids(actor.user)
        if not own and not unit_access.can_manage_units_in(actor.user, locked.region):
            raise PermissionDenied
        versioning.check_version(locked, version, what="该单位")
        data = dict(data)
        data["name"] = _check_unit_data(locked.region, data.get("name", ""), exclude_pk=locked.pk)
        changed = [f for f in UNIT_FIELDS if f in data and getattr(locked, f) != data[f]]
        for field in changed:
            setattr(locked, field, data[field])
        versioning.bump(locked)
        changelog.save(actor, locked, reason="修改单位信息", update_fields=[*changed, "version"])
    return locked


def reorganize_units(
    actor: Actor,
    *,
    mode: str,
    sources: list[Unit],
    cadres: list[Cadre] | None,
    villages: list[UnitVillage] | None = None,
    name: str,
    region: Region,
    username: str,
    date: datetime.date | None = None,
    password: str | None = None,
    must_change_password: bool = True,
    **details: Any,
) -> tuple[Unit, User, str, dict[str, Any]]:
    """Merge (合并: every serving cadre of every source unit) or split (拆分: the chosen
    cadres of one unit) into a new unit created with its account. Cadres are seconded with a
    Transfer row each; the chosen active village links of the sources (with the households
    linked to the sources in those villages) move to the new unit. All or nothing."""
    user = actor.user
    if mode not in ("merge", "split"):
        raise UnitError("请选择合并或拆分。", "mode")
    if not sources:
        raise UnitError("请选择原单位。", "sources")
    if mode == "merge" and len(sources) < 2:
        raise UnitError("合并须选择至少两个原单位。", "sources")
    if mode == "split" and len(sources) != 1:
        raise UnitError("拆分只能选择一个原单位。", "sources")
    date = date or timezone.localdate()
    if date > timezone.localdate():  # the cadres move at once: a later date would be false
        raise UnitError("日期不能晚于今天。", "date")
    with transaction.atomic(durable=True):
        locked = [
            unit_access.get_office_unit_for_user(
                user, s.pk, queryset=Unit.objects.select_for_update().select_related("region")
            )
            for s in sources
        ]
        serving = Cadre.objects.select_for_update().filter(unit__in=locked, left_at__isnull=True)
        if mode == "merge":
            moving = list(serving)
        else:
            chosen = {c.pk for c in cadres or []}
            moving = [c for c in serving if c.pk in chosen]
            if not moving or len(moving) != len(chosen):
                raise UnitError("请选择原单位在岗的干部。", "cadres")
        new_unit, account, password = _new_unit(
            actor,
            name=name,
            region=region,
            username=username,
            password=password,
            must_change_password=must_change_password,
            details=details,
        )
        from .moves import move_cadres

        # Village and household links move first: a seconded cadre then keeps the households
        # the new unit now assists.
        moved_links = _move_links(actor, locked, new_unit, villages) if villages else 0
        kind = TransferKind.MERGE if mode == "merge" else TransferKind.SPLIT
        move_cadres(actor, moving, new_unit, kind=kind, date=date, note=str(kind.label))
        summary = {
            "mode": mode,
            "sources": [u.name for u in locked],
            "cadres": len(moving),
            "village_links": moved_links,
        }
        audit.record(actor, audit.TRANSFER, obj=new_unit, region_code=region.code, detail=summary)
    return new_unit, account, password, summary


def _move_links(
    actor: Actor, sources: list[Unit], new_unit: Unit, villages: list[UnitVillage]
) -> int:
    """End the chosen active village links of the sources and open the same links (with
    their plans) for the new unit; the sources' household links in those villages move too."""
    now = timezone.now()
    user = actor.account_or_none
    chosen = {v.pk for v in villages}
    links = list(
        UnitVillage.objects.select_for_update().filter(
            unit__in=sources, ended_at__isnull=True, pk__in=chosen
        )
    )
    if len(links) != len(chosen):
        raise UnitError("所选帮扶村不属于原单位或已不再帮扶。", "villages")
    kept: set[int] = set()
    new_links = []
    for link in links:
        link.end(actor, f"转入{new_unit.name}", at=now, kind=EndKind.REORGANIZED)
        if link.village_id in kept:
            continue
        kept.add(link.village_id)
        new_links.append(
            UnitVillage(
                unit=new_unit,
                village_id=link.village_id,
                village_code=link.village_code,
                plan=link.plan,
                year=current_year(),
                started_at=now,
                started_by=user,
            )
        )
    changelog.bulk_update(actor, links, UnitVillage.END_FIELDS, reason="单位合并/拆分")
    changelog.bulk_create(actor, new_links, reason="单位合并/拆分")
    codes = {link.village_code for link in links}
    old_household_links = list(
        HouseholdLink.objects.select_for_update().filter(
            unit__in=sources, ended_at__isnull=True, village_code__in=codes
        )
    )
    for hl in old_household_links:
        hl.end(actor, f"转入{new_unit.name}", at=now, kind=EndKind.REORGANIZED)
    HouseholdLink.objects.bulk_update(old_household_links, list(HouseholdLink.END_FIELDS))
    HouseholdLink.objects.bulk_create(
        [
            HouseholdLink(
                household_id=hl.household_id,
                unit=new_unit,
                village_code=hl.village_code,
                year=current_year(),
                started_at=now,
                started_by=user,
            )
            for hl in old_household_links
        ]
    )
    return len(new_links)

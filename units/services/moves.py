"""Cadre transfer (调离/借调/借调回) and departure (离开), procedure 8 of the manual."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from poverty_system.core import audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year

from .. import access as unit_access
from ..models import Assignment, Cadre, EndKind, HouseholdLink, Transfer, TransferKind, Unit
from .base import UnitError


def _check_date(date: datetime.date | None, what: str) -> None:
    """A move takes effect now (assignments end, the login stops): its date cannot be later."""
    if date is not None and date > timezone.localdate():
        raise UnitError(f"{what}不能晚于今天。", "date")


def move_cadres(
    actor: Actor,
    cadres: list[Cadre],
    to_unit: Unit,
    *,
    kind: str,
    date: datetime.date,
    note: str = "",
) -> dict[str, int]:
    """Inside a transaction, cadres rows locked: each cadre moves to `to_unit` with a
    Transfer row. Active assignments end, except for households `to_unit` also assists (an
    active household link): those continue as new assignment periods under `to_unit`."""
    if not cadres:
        return {"ended": 0, "kept": 0}
    user = actor.account_or_none
    now = timezone.now()
    Transfer.objects.bulk_create(
        [
            Transfer(
                cadre=c,
                from_unit_id=c.unit_id,
                to_unit=to_unit,
                kind=kind,
                date=date,
                note=note[:200],
                by=user,
            )
            for c in cadres
        ]
    )
    for cadre in cadres:
        cadre.unit = to_unit
    changelog.bulk_update(actor, cadres, ["unit"], reason=f"{TransferKind(kind).label}")
    assignments = list(
        Assignment.objects.select_for_update()
        .filter(cadre__in=cadres, ended_at__isnull=True)
        .order_by("pk")
    )
    assisted = set(
        HouseholdLink.objects.filter(
            unit=to_unit,
            ended_at__isnull=True,
            household_id__in=[a.household_id for a in assignments],
        ).values_list("household_id", flat=True)
    )
    for a in assignments:
        a.end(actor, f"{TransferKind(kind).label}至{to_unit.name}", at=now, kind=EndKind.TRANSFER)
    Assignment.objects.bulk_update(assignments, list(Assignment.END_FIELDS))
    continued = [
        Assignment(
            cadre_id=a.cadre_id,
            household_id=a.household_id,
            unit=to_unit,
            village_code=a.village_code,
            year=current_year(),
            started_at=now,
            started_by=user,
        )
        for a in assignments
        if a.household_id in assisted
    ]
    Assignment.objects.bulk_create(continued)
    return {"ended": len(assignments) - len(continued), "kept": len(continued)}


def transfer_cadre(
    actor: Actor,
    cadre: Cadre,
    to_unit: Unit,
    *,
    kind: str,
    date: datetime.date,
    note: str = "",
) -> Transfer:
    """The cadre's unit moves a serving cadre to another unit (chosen from the list; the
    form, units.forms.TransferForm, has checked the kind and that a date is given)."""
    _check_date(date, "调动日期")
    with transaction.atomic(durable=True):
        locked = unit_access.get_cadre_for_user(
            actor.user, cadre.pk, manage=True, queryset=Cadre.objects.select_for_update()
        )
        if not locked.serving:
            raise UnitError("该干部已离开，不能调动。")
        try:
            target = Unit.objects.select_related("region").get(pk=to_unit.pk)
        except (Unit.DoesNotExist, ValueError, TypeError):
            raise UnitError("请选择调入单位。", "to_unit") from None
        if target.pk == locked.unit_id:
            raise UnitError("调入单位不能是干部当前所在单位。", "to_unit")
        from_unit = locked.unit
        result = move_cadres(actor, [locked], target, kind=kind, date=date, note=note)
        transfer = locked.transfers.order_by("-pk")[0]
        audit.record(
            actor,
            audit.TRANSFER,
            obj=locked,
            region_code=from_unit.region.code,
            detail={
                "cadre": locked.name,
                "from": from_unit.name,
                "to": target.name,
                "kind": kind,
                "date": date.isoformat(),
                **result,
            },
        )
    cadre.unit = target
    # What happened to the cadre's households, for the page to say it.
    transfer.ended, transfer.kept = result["ended"], result["kept"]
    return transfer


def depart_cadre(actor: Actor, cadre: Cadre, *, date: datetime.date | None = None) -> Cadre:
    """离开: irreversible. The login is disabled, active assignments end; record and history
    stay."""
    _check_date(date, "离开日期")
    with transaction.atomic(durable=True):
        locked = unit_access.get_cadre_for_user(
            actor.user,
            cadre.pk,
            manage=True,
            queryset=Cadre.objects.select_for_update(of=("self",)).select_related(
                "unit__region", "user"
            ),
        )
        if not locked.serving:
            raise UnitError("该干部已离开。")
        now = timezone.now()
        locked.left_at = now
        changelog.save(actor, locked, reason="干部离开", update_fields=["left_at"])
        assignments = list(
            Assignment.objects.select_for_update().filter(cadre=locked, ended_at__isnull=True)
        )
        for a in assignments:
            a.end(actor, "干部离开", at=now, kind=EndKind.DEPARTURE)
        Assignment.objects.bulk_update(assignments, list(Assignment.END_FIELDS))
        if locked.user is not None:
            locked.user.is_active = False
            locked.user.save(update_fields=["is_active"])
        audit.record(
            actor,
            audit.DEPART,
            obj=locked,
            region_code=locked.unit.region.code,
            detail={
                "cadre": locked.name,
                "unit": locked.unit.name,
                "ended_assignments": len(assignments),
                "account": locked.user.username if locked.user else "",
                "date": (date or timezone.localdate()).isoformat(),
            },
        )
    cadre.left_at = locked.left_at
    return locked

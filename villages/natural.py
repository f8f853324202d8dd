"""自然村（村民小组）actions: add, edit (version-checked), delete or deactivate, reactivate.

The village account and the township office of the village keep the list
(MANAGE_NATURAL_VILLAGES). Every write leaves a change-log row stamped from the Actor. A group
that a household names in its 村民小组 is deactivated (停用) instead of deleted: the household
keeps the name, and the household form offers only active groups.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from poverty_system.core import access, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import MANAGE_NATURAL_VILLAGES
from poverty_system.core.versioning import bump, check_version

from .access import get_natural_village_for_user
from .models import Level, NaturalVillage, Region

FIELDS = ("name", "households", "population", "has_road", "has_water", "has_power")


class NaturalVillageError(ActionError):
    """A refused 自然村 action, with the Chinese message and its form field."""


def _fill(record: NaturalVillage, data: dict[str, Any]) -> None:
    for name in FIELDS:
        if name in data:
            setattr(record, name, data[name])
    record.name = record.name.strip()
    if not record.name:
        raise NaturalVillageError("请填写自然村（村民小组）名称。", "name")


def _taken(record: NaturalVillage) -> NaturalVillageError:
    return NaturalVillageError(f"本村已有名为“{record.name}”的自然村（村民小组）。", "name")


def add_natural_village(actor: Actor, village: Region, data: dict[str, Any]) -> NaturalVillage:
    access.check_region_perm(actor.user, MANAGE_NATURAL_VILLAGES, village)
    if village.level != Level.VILLAGE:
        raise NaturalVillageError("请选择村。", "village")
    record = NaturalVillage(village=village, village_code=village.code, created_by=actor.account)
    _fill(record, data)
    try:
        with transaction.atomic(durable=True):
            changelog.save(actor, record, reason="添加自然村（村民小组）")
    except IntegrityError:
        raise _taken(record) from None
    return record


def _locked(actor: Actor, pk: Any, version: Any) -> NaturalVillage:
    record = get_natural_village_for_user(actor.user, pk, MANAGE_NATURAL_VILLAGES)
    locked = NaturalVillage.objects.select_for_update().get(pk=record.pk)
    check_version(locked, version, what="该自然村（村民小组）信息")
    return locked


def edit_natural_village(
    actor: Actor, pk: Any, data: dict[str, Any], version: Any
) -> NaturalVillage:
    """Save the form's fields; a rename of a group that households name is refused (they
    would lose their group): add the new name and deactivate the old one instead."""
    try:
        with transaction.atomic(durable=True):
            record = _locked(actor, pk, version)
            old_name = record.name
            _fill(record, data)
            if record.name != old_name and is_referenced(record.village, old_name):
                raise NaturalVillageError(
                    f"已有贫困户填写了村民小组“{old_name}”，不能改名；"
                    "请添加新的自然村（村民小组）后停用原来的。",
                    "name",
                )
            bump(record)
            changelog.save(actor, record, reason="修改自然村（村民小组）")
    except IntegrityError:
        raise _taken(record) from None
    return record


def is_referenced(village: Region, name: str) -> bool:
    """Whether a household of the village names this group (households by reverse relation)."""
    return bool(village.households.filter(group=name).exists())


def remove_natural_village(actor: Actor, pk: Any, version: Any) -> bool:
    """删除: delete a group no household names; deactivate (停用) one that households name.
    Returns True when the record was deleted."""
    with transaction.atomic(durable=True):
        record = _locked(actor, pk, version)
        if not is_referenced(record.village, record.name):
            changelog.write(actor, [record], created=False, reason="删除自然村（村民小组）")
            record.delete()
            return True
        if record.active:
            record.active = False
            bump(record)
            changelog.save(actor, record, reason="停用自然村（村民小组）")
        return False


def reactivate_natural_village(actor: Actor, pk: Any, version: Any) -> NaturalVillage:
    """启用 a deactivated group again."""
    with transaction.atomic(durable=True):
        record = _locked(actor, pk, version)
        if not record.active:
            record.active = True
            bump(record)
            changelog.save(actor, record, reason="启用自然村（村民小组）")
    return record


def active_groups(villages: Any) -> dict[int, list[str]]:
    """village id -> names of its active groups in the order they were entered (一组, 二组, …),
    in one query (the household form)."""
    found: dict[int, list[str]] = {}
    rows = NaturalVillage.objects.filter(village__in=villages, active=True).order_by("pk")
    for village_id, name in rows.values_list("village_id", "name"):
        found.setdefault(village_id, []).append(name)
    return found

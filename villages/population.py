"""农村人口 of a village (the denominator of 统计's 贫困发生率): read in the slice, set by the
township or county office as one versioned, logged action."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404

from poverty_system.core import changelog
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import EDIT_POPULATION
from poverty_system.core.versioning import bump, check_version, parse_version

from .access import get_region_for_user
from .models import Level, Region, VillagePopulation

MAX_POPULATION = 1_000_000


def village_for(user: Any, pk: Any, perm: str | None = None) -> Region:
    """A village of the slice (404 outside it or when not a village; 403 without perm)."""
    region = get_region_for_user(user, pk, perm) if perm else get_region_for_user(user, pk)
    if region.level != Level.VILLAGE:
        raise Http404
    return region


def set_rural_population(actor: Actor, village_pk: Any, value: Any, version: Any) -> Any:
    """Fill in or change a village's 农村人口; refused when the form is older than the record
    (version) or the number is out of range."""
    with transaction.atomic(durable=True):
        village = village_for(actor.user, village_pk, EDIT_POPULATION)
        record = VillagePopulation.objects.select_for_update().filter(village=village).first()
        if record is None:
            if parse_version(version) is not None:  # a form of a record that never existed
                raise ActionError("保存失败：该村农村人口记录不存在，请刷新后重新填写。")
            record = VillagePopulation(village=village, village_code=village.code, version=0)
        else:
            check_version(record, version, what="该村农村人口")
        if not isinstance(value, int) or not 1 <= value <= MAX_POPULATION:
            raise ActionError(f"农村人口须为 1 至 {MAX_POPULATION:,} 之间的整数。")
        old = record.rural_population if record.pk else None
        record.rural_population = value
        bump(record)
        reason = "填写农村人口" if old is None else f"修改农村人口（{old} → {value}）"
        changelog.save(actor, record, reason=reason)
    return record

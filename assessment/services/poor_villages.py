"""贫困村信息 (procedure 10): the township enters a record for a village of its slice and
submits it; the county approves or returns it; the city sees approved records; the county
marks an approved village as exited (出列) when its poverty incidence is below the threshold.
Poor households and poor population come from the household data; the incidence is computed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from households.choices import HouseholdStatus as S
from households.models import Household
from poverty_system.core import access, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.roles import SUBMIT_POOR_VILLAGES
from poverty_system.core.versioning import bump, check_version

from .. import poor_village_states as states
from ..access import get_scoped
from ..models import PoorVillage
from .base import AssessmentError

State = PoorVillage.State
POOR = (S.POOR, S.RETURNED)
FIELDS = (
    "households",
    "population",
    "collective_income",
    "has_hardened_road",
    "has_safe_water",
    "has_power",
    "has_broadband",
    "has_clinic",
    "has_school",
    "note",
)


def exit_threshold() -> Decimal:
    """出列 threshold of the poverty incidence in percent (settings, default 2%)."""
    return Decimal(str(getattr(settings, "POOR_VILLAGE_EXIT_THRESHOLD", "2")))


def poor_counts(village_code: str) -> tuple[int, int]:
    """(poor households, poor population) of a village from the household data."""
    found = Household.objects.filter(village_code=village_code, status__in=POOR).aggregate(
        n=Count("pk"), people=Coalesce(Sum("size"), 0)
    )
    return found["n"], found["people"]


def _compute(record: PoorVillage) -> None:
    record.poor_households, record.poor_population = poor_counts(record.village_code)
    if record.population < record.poor_population:
        raise AssessmentError(
            f"总人口不能少于贫困人口（{record.poor_population} 人）。", "population"
        )
    if record.households < record.poor_households:
        raise AssessmentError(
            f"总户数不能少于贫困户数（{record.poor_households} 户）。", "households"
        )
    if record.population:
        share = Decimal(record.poor_population) * 100 / Decimal(record.population)
        record.incidence = share.quantize(Decimal("0.01"), ROUND_HALF_UP)
    else:
        record.incidence = Decimal("0")


def add_poor_village(actor: Actor, village: Any, year: int, data: dict[str, Any]) -> PoorVillage:
    access.check_region_perm(actor.user, SUBMIT_POOR_VILLAGES, village)
    if village.level != "village":
        raise AssessmentError("请选择村。", "village")
    record = PoorVillage(
        village=village, village_code=village.code, year=year, created_by=actor.account
    )
    for name in FIELDS:
        if name in data:
            setattr(record, name, data[name])
    _compute(record)
    try:
        with transaction.atomic(durable=True):
            changelog.save(actor, record, reason="添加贫困村信息")
    except IntegrityError:
        raise AssessmentError(f"{village.name}{year}年度已有贫困村信息。", "village") from None
    return record


def _locked(actor: Actor, pk: Any, perm: str) -> PoorVillage:
    record: PoorVillage = get_scoped(
        PoorVillage.objects.select_for_update().select_related("village"),
        actor.user,
        pk,
        "village_code",
        perm,
    )
    return record


def edit_poor_village(actor: Actor, pk: Any, data: dict[str, Any], version: Any) -> PoorVillage:
    """Edit a draft or returned record (version-checked)."""
    with transaction.atomic(durable=True):
        record = _locked(actor, pk, SUBMIT_POOR_VILLAGES)
        check_version(record, version, what="该贫困村信息")
        if record.state not in states.EDITABLE:
            raise AssessmentError(f"状态为“{State(record.state).label}”的贫困村信息不能修改。")
        for name in FIELDS:
            if name in data:
                setattr(record, name, data[name])
        _compute(record)
        bump(record)
        changelog.save(actor, record, reason="修改贫困村信息")
    return record


def change_state(actor: Actor, pk: Any, to_state: str, reason: str = "") -> PoorVillage:
    """上报 / 审核通过 / 退回 / 出列, with the counts recomputed from the data at that moment."""
    with transaction.atomic(durable=True):
        record = _locked(actor, pk, states.TARGET_PERMS.get(to_state, SUBMIT_POOR_VILLAGES))
        _compute(record)
        if to_state == State.EXITED and record.state == State.APPROVED:
            threshold = exit_threshold()
            if record.incidence >= threshold:
                raise AssessmentError(
                    f"不能出列：贫困发生率为 {record.incidence}%，未低于 {threshold}%"
                    f"（贫困人口 {record.poor_population} 人，总人口 {record.population} 人）。"
                )
        states.transition(actor, record, to_state, reason)
    return record

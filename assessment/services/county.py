"""贫困县信息 (procedure 11): the county office of a poor county enters and edits its record;
the city office reads it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from households.choices import HouseholdStatus as S
from households.models import Household
from poverty_system.core import access, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.roles import MANAGE_POOR_COUNTY
from poverty_system.core.versioning import bump, check_version, parse_version
from villages.models import code_range

from ..models import PoorCounty, PoorVillage
from .base import AssessmentError

FIELDS = (
    "category",
    "population",
    "rural_population",
    "farmer_income_per_capita",
    "fiscal_revenue",
    "planned_exit_year",
    "note",
)


def save_poor_county(actor: Actor, county: Any, data: dict[str, Any], version: Any) -> PoorCounty:
    access.check_region_perm(actor.user, MANAGE_POOR_COUNTY, county)
    if county.level != "county":
        raise AssessmentError("贫困县信息只能录入到县。")
    if data.get("rural_population", 0) > data.get("population", 0):
        raise AssessmentError("农业人口不能多于总人口。", "rural_population")
    with transaction.atomic(durable=True):
        record = PoorCounty.objects.select_for_update().filter(county=county).first()
        if record is None:
            if parse_version(version) is not None:
                check_version(PoorCounty(version=0), version, what="贫困县信息")
            record = PoorCounty(county=county, county_code=county.code)
            reason = "录入贫困县信息"
        else:
            check_version(record, version, what="贫困县信息")
            bump(record)
            reason = "修改贫困县信息"
        for name in FIELDS:
            if name in data:
                setattr(record, name, data[name])
        changelog.save(actor, record, reason=reason)
    return record


def county_figures(code: str) -> dict[str, int]:
    """Poor households and population (from the household data) and approved poor villages
    of a county."""
    lo, hi = code_range(code)
    poor = Household.objects.filter(
        village_code__gte=lo, village_code__lt=hi, status__in=(S.POOR, S.RETURNED)
    ).aggregate(n=Count("pk"), people=Coalesce(Sum("size"), 0))
    villages = PoorVillage.objects.filter(
        village_code__gte=lo,
        village_code__lt=hi,
        state__in=(PoorVillage.State.APPROVED, PoorVillage.State.EXITED),
    )
    return {
        "poor_households": poor["n"],
        "poor_population": poor["people"],
        "poor_villages": villages.exclude(state=PoorVillage.State.EXITED).count(),
        "exited_villages": villages.filter(state=PoorVillage.State.EXITED).count(),
    }

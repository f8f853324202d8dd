"""脱贫标准: a county office sets the year's income line and checks for its county (the row
then applies to the county's whole subtree instead of the default)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from poverty_system.core import access, audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.roles import EDIT_EXIT_CRITERIA
from poverty_system.core.versioning import bump, check_version, parse_version

from ..criteria import CHECKS
from ..models import ExitCriteria
from .base import AssessmentError

FIELDS = ("income_line", *(name for name, _ in CHECKS), "note")
YEARS = range(2014, 2031)


def save_criteria(
    actor: Actor, region: Any, year: int, data: dict[str, Any], version: Any
) -> ExitCriteria:
    """Create or edit the region's row for `year`. `version` is the one the form was opened
    with (0 when the region had no row of its own)."""
    access.check_region_perm(actor.user, EDIT_EXIT_CRITERIA, region)
    if year not in YEARS:
        raise AssessmentError(f"年度须在 {YEARS[0]}–{YEARS[-1]} 之间。", "year")
    line = data.get("income_line")
    if line is None or line <= Decimal("0"):
        raise AssessmentError("请填写大于 0 的标准线。", "income_line")
    with transaction.atomic(durable=True):
        row = ExitCriteria.objects.select_for_update().filter(year=year, region=region).first()
        if row is None:
            # A form opened on an own row that no longer exists (never deleted: a wrong year)
            if parse_version(version) is not None:
                check_version(ExitCriteria(version=0), version, what="该标准")
            row = ExitCriteria(year=year, region=region, region_code=region.code)
        else:
            check_version(row, version, what="该标准")
            bump(row)
        for name in FIELDS:
            if name in data:
                setattr(row, name, data[name])
        changelog.save(actor, row, reason=f"{year}年脱贫标准")
        audit.record(
            actor,
            audit.EXIT_CRITERIA,
            obj=row,
            region_code=region.code,
            detail={"year": year, "income_line": str(row.income_line)},
        )
    return row

"""脱贫规模 (scale plans): per region and year, last year's poor population (computed from the
status history), planned exits and planned new (set by the office one level up), planned
population = last − exits + new (computed). The children's sums may not exceed the parent's
plan, checked both when the children are set and when the parent is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Substr

from households.choices import HouseholdStatus as S
from households.models import Household, StatusChange
from poverty_system.core import access, audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.roles import SET_SCALE_PLANS
from poverty_system.core.versioning import StaleEdit, bump, check_version, parse_version
from villages.models import Region, code_range

from ..models import ScalePlan
from .base import AssessmentError

# People in one plan: more than a province holds (and within a database integer).
MAX_PEOPLE = 100_000_000

POOR = (S.POOR, S.RETURNED)
LIFTED = (S.LIFTED, S.LIFTED_NO_SUPPORT)
PLANNING_LEVELS = ("province", "city", "county")  # their children get plans


@dataclass
class PlanRow:
    region: Region
    plan: ScalePlan | None
    last_year_poor: int
    actual_exits: int

    @property
    def planned_exits(self) -> int:
        return self.plan.planned_exits if self.plan else 0

    @property
    def planned_new(self) -> int:
        return self.plan.planned_new if self.plan else 0

    @property
    def planned_population(self) -> int:
        return self.last_year_poor - self.planned_exits + self.planned_new

    @property
    def progress(self) -> int | None:
        """Actual exits as a percentage of planned exits."""
        if not self.plan or not self.plan.planned_exits:
            return None
        return round(self.actual_exits * 100 / self.plan.planned_exits)


def _by_prefix(rows: Iterable[dict[str, Any]], length: int) -> dict[str, int]:
    return {r["prefix"]: r["people"] or 0 for r in rows}


def poor_population_at_start(parent: Region, year: int, length: int) -> dict[str, int]:
    """People in households poor or returned at the end of year − 1, by code prefix."""
    lo, hi = code_range(parent.code)
    last = StatusChange.objects.filter(household=OuterRef("pk"), year__lt=year).order_by(
        "-at", "-pk"
    )
    rows = (
        Household.objects.filter(village_code__gte=lo, village_code__lt=hi)
        .annotate(last_status=Subquery(last.values("to_status")[:1]))
        .filter(last_status__in=POOR)
        .annotate(prefix=Substr("village_code", 1, length))
        .values("prefix")
        .annotate(people=Sum("size"))
        .order_by()
    )
    return _by_prefix(rows, length)


def exits_in_year(parent: Region, year: int, length: int) -> dict[str, int]:
    """People lifted in `year` (changes not rolled back), by code prefix."""
    lo, hi = code_range(parent.code)
    rows = (
        StatusChange.objects.filter(
            year=year,
            kind=StatusChange.Kind.CHANGE,
            to_status__in=LIFTED,
            from_status__in=POOR,
            reverted_by__isnull=True,
            household__village_code__gte=lo,
            household__village_code__lt=hi,
        )
        .annotate(prefix=Substr("household__village_code", 1, length))
        .values("prefix")
        .annotate(people=Sum("household__size"))
        .order_by()
    )
    return _by_prefix(rows, length)


def plan_rows(parent: Region, year: int) -> tuple[PlanRow, list[PlanRow]]:
    """The parent's own row and its children's rows."""
    children = list(Region.objects.filter(parent=parent).order_by("code"))
    length = len(children[0].code) if children else len(parent.code)
    plans = {
        p.region_id: p for p in ScalePlan.objects.filter(year=year, region__in=[parent, *children])
    }
    poor = poor_population_at_start(parent, year, length)
    exits = exits_in_year(parent, year, length)
    rows = [
        PlanRow(c, plans.get(c.pk), poor.get(c.code, 0), exits.get(c.code, 0)) for c in children
    ]
    own = PlanRow(
        parent,
        plans.get(parent.pk),
        sum(r.last_year_poor for r in rows),
        sum(r.actual_exits for r in rows),
    )
    return own, rows


def save_children_plans(
    actor: Actor, parent: Region, year: int, entries: dict[int, tuple[int, int, Any]]
) -> list[ScalePlan]:
    """Set the plans of `parent`'s children: child pk -> (planned exits, planned new, version
    the form was opened with; 0 for a child without a plan). All or nothing."""
    access.check_region_perm(actor.user, SET_SCALE_PLANS, parent)
    if parent.level not in PLANNING_LEVELS:
        raise AssessmentError("只能为下一级区域设置脱贫规模。")
    if not 2014 <= year <= 2030:
        raise AssessmentError("年度须在 2014–2030 之间。", "year")
    children = {c.pk: c for c in Region.objects.filter(parent=parent, pk__in=list(entries))}
    if len(children) != len(entries):
        raise AssessmentError("请选择下一级区域。")
    with transaction.atomic(durable=True):
        locked = {
            p.region_id: p
            for p in ScalePlan.objects.select_for_update().filter(year=year, region__parent=parent)
        }
        parent_plan = ScalePlan.objects.filter(year=year, region=parent).first()
        saved = []
        for pk, (exits, new, version) in entries.items():
            if exits < 0 or new < 0:
                raise AssessmentError(f"{children[pk].name}：人数不能为负数。")
            if exits > MAX_PEOPLE or new > MAX_PEOPLE:  # beyond it the database fails: a 500
                raise AssessmentError(f"{children[pk].name}：人数不能超过 {MAX_PEOPLE} 人。")
            plan = locked.get(pk)
            if plan is None and (exits, new) == (0, 0):
                continue  # nothing planned for this child: no empty plan row
            if plan is None:
                if parse_version(version) is not None:
                    check_version(ScalePlan(version=0), version, what=children[pk].name)
                plan = ScalePlan(region=children[pk], region_code=children[pk].code, year=year)
                locked[pk] = plan
            else:
                check_version(plan, version, what=f"{children[pk].name}的脱贫规模")
                if (plan.planned_exits, plan.planned_new) == (exits, new):
                    continue
                bump(plan)
            plan.planned_exits, plan.planned_new = exits, new
            saved.append(plan)
        if parent_plan is not None:
            total_exits = sum(p.planned_exits for p in locked.values())
            total_new = sum(p.planned_new for p in locked.values())
            if total_exits > parent_plan.planned_exits:
                raise AssessmentError(
                    f"下级计划脱贫人口合计 {total_exits} 人，超过{parent.name}的计划 "
                    f"{parent_plan.planned_exits} 人。"
                )
            if total_new > parent_plan.planned_new:
                raise AssessmentError(
                    f"下级计划新识别人口合计 {total_new} 人，超过{parent.name}的计划 "
                    f"{parent_plan.planned_new} 人。"
                )
        _check_grandchildren(year, saved)
        for plan in saved:
            changelog.save(actor, plan, reason=f"{year}年脱贫规模")
        audit.record(
            actor,
            audit.SCALE_PLAN,
            obj=parent,
            region_code=parent.code,
            detail={"year": year, "regions": [p.region_code for p in saved]},
        )
    return saved


def _check_grandchildren(year: int, saved: list[ScalePlan]) -> None:
    """A child's plan may not fall below what its own children already plan."""
    if not saved:
        return
    sums = (
        ScalePlan.objects.filter(year=year, region__parent__in=[p.region for p in saved])
        .values("region__parent")
        .annotate(exits=Sum("planned_exits"), new=Sum("planned_new"))
        .order_by()
    )
    by_parent = {row["region__parent"]: row for row in sums}
    for plan in saved:
        row = by_parent.get(plan.region_id)
        if row and (row["exits"] > plan.planned_exits or row["new"] > plan.planned_new):
            raise AssessmentError(
                f"{plan.region.name}的下级已计划脱贫 {row['exits']} 人、新识别 {row['new']} 人，"
                f"不能调低到脱贫 {plan.planned_exits} 人、新识别 {plan.planned_new} 人。"
            )


__all__ = ["PlanRow", "StaleEdit", "plan_rows", "save_children_plans"]

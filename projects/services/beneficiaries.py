"""受益村 and 受益户: households chosen from the villages of the project's places (by list,
search or an Excel list of 户编号), with the 联农带农 way each. Whether a beneficiary is a
贫困户 or 脱贫户 is read from the household table at query time, never typed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from households.choices import HouseholdStatus as HS
from households.models import Household
from poverty_system.core import audit
from poverty_system.core.actor import Actor

from ..access import EDIT_BENEFICIARIES, get_project
from ..errors import ProjectError
from ..models import Beneficiary, Project

# Households that may benefit: registered and not removed.
ELIGIBLE = (HS.POOR, HS.LIFTED, HS.LIFTED_NO_SUPPORT, HS.RETURNED)


def village_codes(project: Project) -> list[str]:
    """受益村: the project's place and its other places (villages)."""
    codes = {project.region_code}
    codes.update(r.code for r in project.places.all() if r.level == "village")
    return sorted(codes)


def candidates(project: Project) -> QuerySet[Household]:
    return Household.objects.filter(village_code__in=village_codes(project), status__in=ELIGIBLE)


def counts(project: Project) -> dict[str, int]:
    """Beneficiary households by kind, from the household table."""
    found = Household.objects.filter(project_benefits__project=project).aggregate(
        total=Count("pk"),
        poor=Count("pk", filter=Q(status__in=(HS.POOR, HS.RETURNED))),
        lifted=Count("pk", filter=Q(status__in=(HS.LIFTED, HS.LIFTED_NO_SUPPORT))),
        people=Coalesce(Sum("size"), 0),
    )
    found["villages"] = len(village_codes(project))
    return found


def _way(way: str) -> str:
    if way not in Beneficiary.Way.values:
        raise ProjectError("请选择联农带农方式。", "way")
    return way


def add(actor: Actor, project_pk: Any, household_ids: list[Any], way: str) -> int:
    """Add the ticked households (ids outside the project's villages change nothing)."""
    way = _way(way)
    ids = {int(i) for i in household_ids if str(i).isdecimal() and len(str(i)) < 12}
    with transaction.atomic(durable=True):
        project = get_project(
            actor.user, project_pk, EDIT_BENEFICIARIES, queryset=Project.objects.select_for_update()
        )
        found = list(candidates(project).filter(pk__in=ids).values_list("pk", flat=True))
        if not found:
            raise ProjectError("请勾选项目受益村的农户。", "households")
        return _insert(actor, project, found, way)


def _insert(actor: Actor, project: Project, household_ids: list[int], way: str) -> int:
    existing = set(
        Beneficiary.objects.filter(project=project, household_id__in=household_ids).values_list(
            "household_id", flat=True
        )
    )
    rows = [
        Beneficiary(project=project, household_id=pk, way=way, added_by=actor.account)
        for pk in household_ids
        if pk not in existing
    ]
    Beneficiary.objects.bulk_create(rows, batch_size=2000)
    audit.record(
        actor,
        audit.BENEFICIARIES,
        obj=project,
        region_code=project.region_code,
        detail={"added": len(rows), "way": way},
    )
    return len(rows)


def read_numbers(upload: Any) -> list[tuple[int, str]]:
    """(Excel row, 户编号) of the 户编号 column, read by the core's safe reader (size and
    zip-bomb checks before parsing, row limits, formulas refused)."""
    from poverty_system.core.xlsx import XlsxError, read_table

    try:
        table = read_table(upload, ["户编号"])
    except XlsxError as exc:
        raise ProjectError(exc.message, "file") from None
    column = table.index("户编号")
    numbers = [(row.number, row.get(column)) for row in table.rows if row.get(column)]
    if not numbers:
        raise ProjectError("Excel 的“户编号”列没有户编号。", "file")
    return numbers


def add_by_numbers(actor: Actor, project_pk: Any, numbers: list[tuple[int, str]], way: str) -> int:
    """All or nothing: every 户编号 must be a household of the project's villages; otherwise
    nothing is added and the report names each bad row."""
    way = _way(way)
    with transaction.atomic(durable=True):
        project = get_project(
            actor.user, project_pk, EDIT_BENEFICIARIES, queryset=Project.objects.select_for_update()
        )
        wanted = {number for _, number in numbers}
        found: dict[str, int] = {}
        chunk = list(wanted)
        allowed = candidates(project)
        for start in range(0, len(chunk), 900):
            found.update(
                allowed.filter(number__in=chunk[start : start + 900]).values_list("number", "pk")
            )
        errors = [
            f"第 {row} 行：户编号 {number} 不是本项目受益村的农户。"
            for row, number in numbers
            if number not in found
        ]
        if errors:
            raise ProjectError(
                "；".join(errors[:20]) + ("……" if len(errors) > 20 else "") + "。未导入任何农户。",
                "file",
            )
        return _insert(actor, project, sorted(set(found.values())), way)


def remove(actor: Actor, project_pk: Any, beneficiary_pk: Any) -> None:
    with transaction.atomic(durable=True):
        project = get_project(
            actor.user, project_pk, EDIT_BENEFICIARIES, queryset=Project.objects.select_for_update()
        )
        deleted, _ = Beneficiary.objects.filter(project=project, pk=beneficiary_pk).delete()
        if not deleted:
            raise ProjectError("没有这个受益户。")
        audit.record(
            actor,
            audit.BENEFICIARIES,
            obj=project,
            region_code=project.region_code,
            detail={"removed": 1},
        )

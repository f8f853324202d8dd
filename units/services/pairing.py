"""Pairings: a unit assists villages with plans (procedure 1), a village links its households
to a unit (procedure 3), a unit assigns households to its cadres (procedure 4).

Every pairing is a period row; "at most one active" is the database's partial unique index,
so two actions at the same moment cannot both win.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Field, QuerySet
from django.db.models.options import Options
from django.utils import timezone

from households import access as hh_access
from households.choices import HouseholdStatus
from households.models import Claim, Household
from households.services.members import mask_name
from poverty_system.core import access, audit, changelog, versioning
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.ids import ids_or_404
from poverty_system.core.roles import LINK_UNITS, UNLINK_UNITS
from villages.models import Level, Region, User

from .. import access as unit_access
from ..models import AnnualPlan, Assignment, Cadre, EndKind, HouseholdLink, Unit, UnitVillage
from .base import UnitError, clean_reason

# --- 帮扶情况登记表: units and villages ----------------------------------------------------


def linkable_villages(unit: Unit) -> QuerySet[Region]:
    """Villages a unit may assist: those of its county."""
    lo, hi = unit.county.code_range
    villages: QuerySet[Region] = Region.objects.filter(
        level=Level.VILLAGE, code__gte=lo, code__lt=hi
    )
    return villages


def link_village(actor: Actor, unit: Unit, village: Region, *, plan: str = "") -> UnitVillage:
    with transaction.atomic(durable=True):
        unit = unit_access.get_unit_for_user(
            actor.user, unit.pk, manage=True, queryset=Unit.objects.select_related("region")
        )
        if not linkable_villages(unit).filter(pk=village.pk).exists():
            raise UnitError("只能选择本单位所在县（区）的村。", "village")
        if UnitVillage.objects.filter(unit=unit, village=village, ended_at__isnull=True).exists():
            raise UnitError(f"本单位已在帮扶“{village.name}”。", "village")
        link = UnitVillage(
            unit=unit,
            village=village,
            village_code=village.code,
            plan=(plan or "").strip(),
            year=current_year(),
            started_by=actor.account,
        )
        changelog.save(actor, link, reason="登记帮扶村")
        audit.record(
            actor,
            audit.LINK,
            obj=link,
            region_code=village.code,
            detail={"unit": unit.name, "village": village.name},
        )
    return link


def save_village_plans(
    actor: Actor,
    link: UnitVillage,
    *,
    plan: str,
    year: int,
    annual_plan: str,
    version: object,
    plan_version: object,
) -> UnitVillage:
    """帮扶规划 of the link and 年度帮扶计划 of one year, each with its version (the form,
    units.forms.PlansForm, has checked the year)."""
    with transaction.atomic(durable=True):
        found = unit_access.get_village_link_for_user(actor.user, link.pk, manage=True)
        locked: UnitVillage = UnitVillage.objects.select_for_update().get(pk=found.pk)
        if not locked.active:
            raise UnitError("该帮扶关系已结束，不能再修改。")
        versioning.check_version(locked, version, what="该帮扶规划")
        plan = (plan or "").strip()
        if plan != locked.plan:
            locked.plan = plan
            versioning.bump(locked)
            changelog.save(actor, locked, reason="修改帮扶规划", update_fields=["plan", "version"])
        annual_plan = (annual_plan or "").strip()
        if annual_plan:
            existing = AnnualPlan.objects.select_for_update().filter(link=locked, year=year).first()
            if existing is None:
                changelog.save(
                    actor,
                    AnnualPlan(link=locked, year=year, content=annual_plan),
                    reason="填写年度帮扶计划",
                )
            elif existing.content != annual_plan:
                versioning.check_version(existing, plan_version, what=f"{year}年度帮扶计划")
                existing.content = annual_plan
                versioning.bump(existing)
                changelog.save(
                    actor, existing, reason="修改年度帮扶计划", update_fields=["content", "version"]
                )
    return locked


def end_village_link(actor: Actor, link: UnitVillage, reason: str) -> UnitVillage:
    """The unit stops assisting a village; refused while households of the village are still
    linked to it."""
    reason = clean_reason(reason)
    with transaction.atomic(durable=True):
        found = unit_access.get_village_link_for_user(actor.user, link.pk, manage=True)
        locked: UnitVillage = UnitVillage.objects.select_for_update().get(pk=found.pk)
        if not locked.active:
            raise UnitError("该帮扶关系已结束。")
        if HouseholdLink.objects.filter(
            unit_id=locked.unit_id, village_code=locked.village_code, ended_at__isnull=True
        ).exists():
            raise UnitError("该村仍有贫困户关联本单位，请先由乡镇扶贫办取消关联。")
        locked.end(actor, reason, kind=EndKind.UNLINKED)
        changelog.save(
            actor, locked, reason="取消帮扶村", update_fields=list(UnitVillage.END_FIELDS)
        )
        audit.record(actor, audit.UNLINK, obj=locked, region_code=locked.village_code)
    return locked


# --- 关联单位 / 取消关联: households and units --------------------------------------------


def units_of_village(village_code: str) -> QuerySet[Unit]:
    """Units actively assisting a village."""
    return Unit.objects.filter(
        village_links__village_code=village_code, village_links__ended_at__isnull=True
    ).distinct()


def link_households(actor: Actor, households: list[Household], unit: Unit) -> list[HouseholdLink]:
    """The village account links households claimed under its verified phone to one of the
    units linked to its village. All or nothing."""
    user = actor.user
    if not households:
        raise UnitError("请选择要关联的贫困户。", "households")
    access.check_role_allows(user, LINK_UNITS)
    phone = actor.phone
    if phone is None or phone.account_id != user.pk or not phone.active:
        raise UnitError("请用本村登记的手机号验证登录后再操作。")
    phone_id = phone.pk
    with transaction.atomic(durable=True):
        ids = [h.pk for h in households]
        found = {
            h.pk: h
            for h in hh_access.filter_households(
                Household.objects.select_for_update().filter(pk__in=ids), user, LINK_UNITS
            )
        }
        if len(found) != len(set(ids)):
            raise UnitError("所选贫困户不在本村。", "households")
        claimed = set(
            Claim.objects.active()
            .filter(household_id__in=ids, phone_id=phone_id)
            .values_list("household_id", flat=True)
        )
        linked = set(
            HouseholdLink.objects.filter(household_id__in=ids, ended_at__isnull=True).values_list(
                "household_id", flat=True
            )
        )
        links = []
        for pk in ids:
            household = found[pk]
            if household.status == HouseholdStatus.REMOVED:
                raise UnitError(f"{household}已清退，不能关联单位。", "households")
            if pk not in claimed:
                raise UnitError(
                    f"{household}不是本手机号认领的户，只能关联本手机号认领的贫困户。", "households"
                )
            if pk in linked:
                raise UnitError(f"{household}已关联单位，如需更换请先由乡镇扶贫办取消关联。")
            if not UnitVillage.objects.filter(
                unit_id=getattr(unit, "pk", unit),
                village_code=household.village_code,
                ended_at__isnull=True,
            ).exists():
                raise UnitError("所选单位不是本村的帮扶单位。", "unit")
            links.append(
                HouseholdLink(
                    household=household,
                    unit_id=unit.pk,
                    village_code=household.village_code,
                    year=current_year(),
                    started_by=user,
                )
            )
        try:
            with transaction.atomic():
                HouseholdLink.objects.bulk_create(links)
        except IntegrityError:
            raise UnitError("关联未成功：有贫困户刚被关联，请刷新后重试。") from None
        for link in links:
            audit.record(
                actor,
                audit.LINK,
                obj=link.household,
                detail={"unit": unit.name, "household": link.household.number},
            )
    return links


def cancel_household_link(actor: Actor, link: HouseholdLink, reason: str) -> HouseholdLink:
    """The township office cancels a link with a reason; refused while the household is
    still assigned to a cadre (the deletion order of procedure 2)."""
    user = actor.user
    link = unit_access.get_household_link_for_user(user, link.pk, UNLINK_UNITS)
    reason = clean_reason(reason, "取消关联的原因")
    with transaction.atomic(durable=True):
        locked: HouseholdLink = HouseholdLink.objects.select_for_update().get(pk=link.pk)
        if not locked.active:
            raise UnitError("该关联已取消。")
        if Assignment.objects.filter(
            household_id=locked.household_id, ended_at__isnull=True
        ).exists():
            raise UnitError(
                "该户仍分配给帮扶干部，请先由帮扶单位解除该户与帮扶干部的关联"
                "（帮扶干部信息管理 › 分配）。"
            )
        locked.end(actor, reason, kind=EndKind.CANCELLED)
        locked.save(update_fields=list(HouseholdLink.END_FIELDS))
        audit.record(
            actor,
            audit.UNLINK,
            obj=link.household,
            detail={"unit": link.unit.name, "household": link.household.number, "reason": reason},
        )
    return locked


# --- 分配: households to cadres ----------------------------------------------------------


def why_not_assignable(unit: Unit, query: str) -> list[tuple[Household | None, str]]:
    """For 分配 › 添加: households matching `query` (户编号 or 户主姓名) that the unit cannot
    assign, each with the reason (and `head_shown`: the head's name, masked unless the
    household is linked to the unit); a query matching nothing is "not registered yet"."""
    query = (query or "").strip()
    if not query:
        return []
    lo, hi = unit.county.code_range
    in_county = Household.objects.filter(village_code__gte=lo, village_code__lt=hi).exclude(
        status=HouseholdStatus.REMOVED
    )
    found = in_county.filter(number=query) if query.isdigit() else in_county.filter(head_name=query)
    matches = list(found.select_related("village")[:20])
    if not matches:
        return [(None, f"未找到“{query}”：该户尚未登记（或已清退），请先由村级账号登记。")]
    active_links = {
        link.household_id: link
        for link in HouseholdLink.objects.filter(
            household__in=matches, ended_at__isnull=True
        ).select_related("unit")
    }
    active_assignments = {
        a.household_id: a
        for a in Assignment.objects.filter(
            household__in=matches, ended_at__isnull=True
        ).select_related("cadre")
    }
    out: list[tuple[Household | None, str]] = []
    for household in matches:
        link = active_links.get(household.pk)
        # The head's name only for the unit's own households: the others lie outside its
        # slice (a search by 户编号 must not list the names of the county's households).
        mine = link is not None and link.unit_id == unit.pk
        # The template reads head_shown: set on this row only, not a field of the model.
        household.head_shown = (  # type: ignore[attr-defined]
            household.head_name if mine else mask_name(household.head_name)
        )
        if link is None:
            reason = "该户尚未关联帮扶单位，请村级账号先在【关联单位】中关联本单位。"
        elif link.unit_id != unit.pk:
            reason = "该户关联的是其他帮扶单位，不能分配给本单位干部。"
        elif household.pk in active_assignments:
            reason = f"该户已分配给干部{active_assignments[household.pk].cadre.name}。"
        else:
            reason = ""
        out.append((household, reason))
    return out


# Household ids per INSERT … SELECT: far below SQLite's 32,766 parameters, and one statement
# for any selection a page offers (a page lists at most 200 households).
ASSIGN_CHUNK = 10_000


def assign_households(actor: Actor, cadre: Cadre, household_ids: list[int]) -> int:
    """分配 › 添加 › 确定: households linked to the cadre's unit and not yet assigned go to the
    cadre, all or nothing, with the reason. The rows are written by one INSERT … SELECT from
    the household links (no per-household statement, and no batch split by the parameter
    limit as bulk_create has on SQLite), so the queries do not grow with the number of
    households. Returns the number assigned."""
    user = actor.user
    ids = ids_or_404(household_ids)
    if not ids:
        raise UnitError("请选择要分配的贫困户。", "households")
    with transaction.atomic(durable=True):
        locked = unit_access.get_cadre_for_user(
            user,
            cadre.pk,
            manage=True,
            queryset=Cadre.objects.select_for_update(of=("self",)).select_related("unit__region"),
        )
        if not locked.serving:
            raise UnitError("该干部已离开，不能再分配贫困户。")
        linked = HouseholdLink.objects.filter(
            household_id__in=ids, unit_id=locked.unit_id, ended_at__isnull=True
        ).count()
        if linked != len(ids):
            raise UnitError(
                f"有 {len(ids) - linked} 户未关联本单位（或尚未登记），不能分配。", "households"
            )
        taken = Assignment.objects.filter(household_id__in=ids, ended_at__isnull=True).count()
        if taken:
            raise UnitError(f"有 {taken} 户已分配给干部，请先解除原分配。", "households")
        try:
            with transaction.atomic():
                for start in range(0, len(ids), ASSIGN_CHUNK):
                    _insert_assignments(locked, actor.account, ids[start : start + ASSIGN_CHUNK])
        except IntegrityError:
            raise UnitError("分配未成功：有贫困户刚被分配，请刷新后重试。") from None
        audit.record(
            actor,
            audit.ASSIGN,
            obj=locked,
            region_code=locked.unit.region.code,
            detail={"cadre": locked.name, "households": len(ids)},
        )
    return len(ids)


def _insert_assignments(cadre: Cadre, user: User | None, ids: list[int]) -> None:
    """INSERT INTO assignment … SELECT … FROM the unit's active household links."""
    a, hl = Assignment._meta, HouseholdLink._meta
    q = connection.ops.quote_name

    def col(meta: Options[Any], name: str) -> str:
        return q(str(cast("Field[Any, Any]", meta.get_field(name)).column))

    columns = ["cadre", "household", "unit", "village_code", "year", "started_at"]
    columns += ["started_by", "end_kind", "end_reason"]
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"INSERT INTO {q(a.db_table)} ({', '.join(col(a, c) for c in columns)}) "  # noqa: S608
        f"SELECT %s, {col(hl, 'household')}, {col(hl, 'unit')}, {col(hl, 'village_code')}, "
        f"%s, %s, %s, '', '' FROM {q(hl.db_table)} "
        f"WHERE {col(hl, 'unit')} = %s AND {col(hl, 'ended_at')} IS NULL "
        f"AND {col(hl, 'household')} IN ({placeholders})"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [cadre.pk, current_year(), now, getattr(user, "pk", None), cadre.unit_id, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def unassign(actor: Actor, cadre: Cadre, household_ids: list[int]) -> int:
    """Remove assignments of the cadre (解除分配); the periods stay as history."""
    ids = set(ids_or_404(household_ids))
    if not ids:
        raise UnitError("请选择要解除分配的贫困户。", "households")
    with transaction.atomic(durable=True):
        locked = unit_access.get_cadre_for_user(
            actor.user, cadre.pk, manage=True, queryset=Cadre.objects.select_for_update()
        )
        rows = list(
            Assignment.objects.select_for_update().filter(
                cadre=locked, household_id__in=ids, ended_at__isnull=True
            )
        )
        if len(rows) != len(ids):
            raise UnitError("所选贫困户未分配给该干部。", "households")
        now = timezone.now()
        for row in rows:
            row.end(actor, "解除分配", at=now, kind=EndKind.UNASSIGNED)
        Assignment.objects.bulk_update(rows, list(Assignment.END_FIELDS))
        audit.record(
            actor,
            audit.UNASSIGN,
            obj=locked,
            region_code=locked.unit.region.code,
            detail={"cadre": locked.name, "households": len(rows)},
        )
    return len(rows)

"""分户: members other than the head move to a new household of the same village, in one
transaction. Their rows in the old household stay (greyed, 分户迁出) and new rows are
written in the new one, so both households' histories show the move."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from poverty_system.core import audit, changelog
from poverty_system.core.actor import Actor

from .. import lifecycle
from ..choices import HouseholdStatus, MemberChange, Relation
from ..models import INCOME_FIELDS, Claim, Household
from .base import HouseholdError, lock_for_edit, refresh_counts, require_phone, save_household
from .members import MEMBER_FIELDS, new_member
from .registration import next_number

# Fields the new household does not inherit: identity, contact, bank, money and progress.
NOT_INHERITED = {
    "id",
    "number",
    "village",
    "village_code",
    "phone",
    "bank_name",
    "bank_account",
    "head_name",
    "size",
    *INCOME_FIELDS,  # the new household states its own income (part 3)
    "net_income_per_capita",
    "registered_at",
    "created_at",
    "created_by",
    "status",
    "version",
}


def split_household(
    actor: Actor,
    household: Household,
    moves: dict[int, str],
    new_head_pk: int,
    *,
    month: datetime.date | None,
    version: Any = None,
) -> Household:
    """moves: member pk → relation to the new head (ignored for the new head itself)."""
    if not moves:
        raise HouseholdError("请选择要分出的成员。", "members")
    if new_head_pk not in moves:
        raise HouseholdError("新户主须是分出的成员之一。", "new_head")
    if month is None or month > timezone.localdate():
        raise HouseholdError("请填写不晚于本月的分户年月。", "change_month")
    try:
        with transaction.atomic(durable=True):
            source = lock_for_edit(actor, household, version)
            if source.status == HouseholdStatus.REGISTERING:
                raise HouseholdError("该户尚未完成登记，不能分户。")
            members = {m.pk: m for m in source.members.filter(active=True, pk__in=moves)}
            if set(members) != set(moves):
                raise HouseholdError("请选择该户的在册成员。", "members")
            if any(m.relation == Relation.HEAD for m in members.values()):
                raise HouseholdError("户主不能分出；分出的成员中另选一人为新户主。", "members")
            for pk, relation in moves.items():
                if pk != new_head_pk and relation in ("", Relation.HEAD):
                    raise HouseholdError(f"请选择{members[pk].name}与新户主的关系。", "members")

            target = Household(
                **{
                    f.attname: getattr(source, f.attname)
                    for f in Household._meta.concrete_fields
                    if f.name not in NOT_INHERITED
                }
            )
            target.village_id, target.village_code = source.village_id, source.village_code
            target.number = next_number(source.village)
            target.created_by, target.registered_at = actor.account, timezone.now()
            target.head_name = members[new_head_pk].name
            target.size = len(members)
            target.recompute_income()
            target.status = source.status
            changelog.save(actor, target, reason=f"由户 {source.number} 分户")
            Claim.objects.create(
                household=target, account=actor.account, phone=require_phone(actor)
            )
            audit.record(actor, audit.CLAIM, obj=target, detail={"split_from": source.number})
            lifecycle.inherit_status(
                actor, target, source.status, f"由户 {source.number} 分户，沿用原户状态。"
            )

            for member in members.values():
                member.active, member.change = False, MemberChange.SPLIT
                member.change_month = month
                member.change_note = f"分户至 {target.number}"
                changelog.save(actor, member, reason=f"分户至 {target.number}")
            # The new head first: the other rows then join a household that has its head.
            for pk in sorted(members, key=lambda pk: pk != new_head_pk):
                member = members[pk]
                data = {name: getattr(member, name) for name in MEMBER_FIELDS}
                data["relation"] = Relation.HEAD if pk == new_head_pk else moves[pk]
                new_member(
                    target,
                    data,
                    actor,
                    f"由户 {source.number} 分户迁入",
                    change_month=month,
                    change_note=f"由户 {source.number} 分户迁入",
                )
            refresh_counts(source)
            save_household(actor, source, reason=f"分户：{len(members)} 人分至 {target.number}")
    except IntegrityError as exc:
        raise HouseholdError("分户未成功：数据已被他人修改，请刷新页面后重试。") from exc
    return target

"""扶贫对象登记表 (procedure 5): a village account enters a new household part by part. The
household is numbered and claimed by the session's verified phone when part 1 is saved. The
last part leaves it 登记中: it becomes 贫困户 only at the 公告 of its identification
(两公示一比对一公告, the identification app, which fills the 审批表 part from its steps)."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from poverty_system.core import access, audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.roles import REGISTER_HOUSEHOLDS
from villages.models import Level, Region

from .. import parts
from ..choices import HouseholdStatus, Relation
from ..models import Claim, Household
from .base import (
    HouseholdError,
    MemberRows,
    Row,
    assign,
    lock_for_edit,
    refresh_counts,
    require_phone,
    save_household,
)
from .members import check_member_rows, normalize_ids, raise_for_id_race, save_member_rows

SEQUENCE_DIGITS = 4


def next_number(village: Region) -> str:
    """户编号 = the village's 12-digit code + a 4-digit sequence. Call inside the transaction:
    the village row is locked so two registrations in one village never take one number."""
    Region.objects.select_for_update().filter(pk=village.pk).first()
    prefix = village.full_code
    last = Household.objects.filter(
        number__gte=prefix + "0" * SEQUENCE_DIGITS, number__lte=prefix + "9" * SEQUENCE_DIGITS
    ).aggregate(last=Max("number"))["last"]
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    if sequence >= 10**SEQUENCE_DIGITS:
        raise HouseholdError("本村户编号已用完，请联系县扶贫办。")
    return f"{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


def start_registration(
    actor: Actor, village: Region | None, basic: Row, rows: list[Row]
) -> Household:
    """Save part 1 of a new household: numbered, claimed by the verified phone."""
    phone = require_phone(actor)
    if village is None or village.level != Level.VILLAGE:
        raise HouseholdError("请选择村（居委会）。", "village")
    access.check_region_perm(actor.user, REGISTER_HOUSEHOLDS, village)
    member_rows: MemberRows = [(None, data) for data in rows]
    check_member_rows(actor, None, member_rows)
    numbers = [(i, data["id_number"]) for i, data in enumerate(rows)]
    head = next(data for data in rows if data["relation"] == Relation.HEAD)
    try:
        with transaction.atomic(durable=True):
            household = Household(
                village=village,
                village_code=village.code,
                number=next_number(village),
                created_by=actor.account,
                head_name=head["name"],
                size=len(rows),
                parts_done=1,
                **basic,
            )
            household.recompute_income()
            changelog.save(actor, household, reason="登记新户")
            Claim.objects.create(household=household, account=actor.account, phone=phone)
            audit.record(actor, audit.CLAIM, obj=household, detail={"new": True})
            save_member_rows(actor, household, member_rows)
    except IntegrityError as exc:
        raise_for_id_race(actor, numbers, (), exc)
    return household


def save_basic(
    actor: Actor,
    household: Household,
    basic: Row,
    rows: MemberRows,
    *,
    version: Any = None,
) -> Household:
    """Save part 1 again: household fields and the members' rows. New members may be added
    here only while registering; afterwards they come through 人口自然变更 with a reason."""
    normalize_ids([data for _, data in rows])
    numbers = [(i, data["id_number"]) for i, (_, data) in enumerate(rows)]
    exclude = [m.pk for m, _ in rows if m is not None]
    try:
        with transaction.atomic(durable=True):
            locked = lock_for_edit(actor, household, version)
            if locked.status != HouseholdStatus.REGISTERING and any(m is None for m, _ in rows):
                raise HouseholdError("登记完成后新增家庭成员请使用【人口自然变更】。")
            check_member_rows(actor, locked, rows)
            save_member_rows(actor, locked, rows)
            changed = assign(locked, basic)
            before = (locked.size, locked.head_name, locked.net_income_per_capita)
            refresh_counts(locked)
            changed += ["parts_done"] if locked.parts_done < 1 else []
            locked.parts_done = max(locked.parts_done, 1)
            counts_changed = before != (locked.size, locked.head_name, locked.net_income_per_capita)
            save_household(actor, locked, changed=bool(changed) or counts_changed)
    except IntegrityError as exc:
        raise_for_id_race(actor, numbers, exclude, exc)
    return locked


def save_part(
    actor: Actor,
    household: Household,
    number: int,
    data: Row,
    *,
    version: Any = None,
    confirm_negative_income: bool = False,
) -> Household:
    """Save part 2–7. A part opens only when the one before it is saved; the household stays
    登记中 until its identification is announced. Part 3 with costs
    above income (a negative 人均纯收入) is saved only with `confirm_negative_income`."""
    part = parts.BY_NUMBER.get(number)
    if part is None or number == 1:
        raise HouseholdError("没有这一部分。")
    with transaction.atomic(durable=True):
        locked = lock_for_edit(actor, household, version)
        if not parts.is_open(locked.parts_done, number):
            previous = parts.BY_NUMBER[locked.parts_done + 1]
            raise HouseholdError(f"请先填写并保存【{previous.label}】。")
        changed = assign(locked, data)
        if number == 3:
            before = locked.net_income_per_capita
            locked.recompute_income()
            changed += ["net_income_per_capita"] if before != locked.net_income_per_capita else []
            if locked.net_income_per_capita < 0 and not confirm_negative_income:
                raise HouseholdError(
                    "生产经营性支出大于收入，人均纯收入为负数，须确认后才能保存。",
                    "confirm_negative_income",
                )
        if locked.parts_done < number:
            locked.parts_done = number
            changed.append("parts_done")
        save_household(actor, locked, changed=bool(changed))
    return locked

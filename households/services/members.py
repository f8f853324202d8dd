"""Members: the ID-number rules, saving the members of the basic part, natural changes
(人口自然变更: add and remove with a reason and month)."""

import datetime
from collections.abc import Iterable
from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from django.utils import timezone

from poverty_system.core import changelog
from poverty_system.core.actor import Actor

from .. import idnumbers
from ..access import filter_households
from ..choices import ADD_CHANGES, REMOVE_CHANGES, MemberChange, Relation
from ..models import Household, Member
from .base import (
    HouseholdError,
    IdNumbers,
    MemberRows,
    Row,
    lock_for_edit,
    refresh_counts,
    save_household,
)

MEMBER_FIELDS = [
    "name",
    "id_number",
    "relation",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "labour",
    "work_status",
    "months_away",
    "has_basic_medical",
    "has_serious_illness",
    "has_pension",
]


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "*"


def holder_message(actor: Actor, holder: Member) -> str:
    """Names the household that holds an ID number; its head masked outside the slice."""
    visible = filter_households(
        Household.objects.filter(pk=holder.household_id), actor.user
    ).exists()
    return holder_text(holder, visible=visible)


def holder_text(holder: Member, *, visible: bool) -> str:
    """holder_message for a caller that knows whether the holding household lies in the
    actor's scope (an import checks a batch of holders in one query); `holder` comes with
    its household, village and township."""
    household = holder.household
    village = household.village
    place = f"{village.parent.name if village.parent else ''}{village.name}"
    head = household.head_name if visible else mask_name(household.head_name)
    return (
        f"该身份证号码已是 {place} 户编号 {household.number}（户主 {head}）的在册成员，"
        "同一身份证号码只能在一个户中在册。"
    )


def normalize_ids(rows: list[Row], *, single: bool = False) -> None:
    """Each row's ID number in its canonical 18-digit form, or the refusal for its row."""
    for index, data in enumerate(rows):
        try:
            data["id_number"] = idnumbers.normalize(data["id_number"])
        except idnumbers.InvalidIdNumber as exc:
            raise HouseholdError(str(exc), "id_number", None if single else index) from None


def check_ids_free(
    actor: Actor, numbers: IdNumbers, exclude_pks: Iterable[int | None] = ()
) -> None:
    """Refuse ID numbers repeated in one submission or held by another active member.
    numbers: (row, id_number) with row the formset row (None for a single form)."""
    seen: dict[str, int | None] = {}
    for row, number in numbers:
        if number in seen:
            first = seen[number]
            where = f"第 {first + 1} 行" if first is not None else "另一成员"
            raise HouseholdError(f"与{where}成员的身份证号码重复。", "id_number", row)
        seen[number] = row
    holders = (
        Member.objects.filter(active=True, id_number__in=list(seen))
        .exclude(pk__in=[pk for pk in exclude_pks if pk])
        .select_related("household__village__parent")
    )
    for holder in holders:
        raise HouseholdError(holder_message(actor, holder), "id_number", seen[holder.id_number])


def raise_for_id_race(
    actor: Actor, numbers: IdNumbers, exclude_pks: Iterable[int | None], exc: IntegrityError
) -> NoReturn:
    """A concurrent save took an ID number after our check: name the holder now."""
    check_ids_free(actor, numbers, exclude_pks)
    raise HouseholdError("保存失败：数据已被他人修改，请刷新页面后重试。") from exc


def new_member(
    household: Household, data: Row, actor: Actor, reason: str = "", **extra: Any
) -> Member:
    member = Member(
        household=household, **{k: data[k] for k in MEMBER_FIELDS if k in data}, **extra
    )
    member.fill_from_id_number()
    changelog.save(actor, member, reason=reason)
    return member


def save_member_rows(actor: Actor, household: Household, rows: MemberRows) -> None:
    """Update existing members, then add new ones in the order given; the updates are
    ordered so that the one-active-head constraint holds after every statement (demotions
    before the promotion)."""

    def order(item: tuple[Member | None, Row]) -> tuple[bool, bool]:
        member, data = item
        return member is None, member is not None and data["relation"] == Relation.HEAD

    for member, data in sorted(rows, key=order):
        if member is None:
            new_member(household, data, actor)
            continue
        changed = False
        for name in MEMBER_FIELDS:
            if getattr(member, name) != data[name]:
                setattr(member, name, data[name])
                changed = True
        if changed:
            member.fill_from_id_number()
            changelog.save(actor, member)


def check_member_rows(actor: Actor, household: Household | None, rows: MemberRows) -> None:
    """The basic part's members: at least the head, exactly one head, IDs free."""
    if not rows:
        raise HouseholdError("请至少填写户主的信息。")
    normalize_ids([data for _, data in rows])
    heads = [i for i, (_, data) in enumerate(rows) if data["relation"] == Relation.HEAD]
    if len(heads) != 1:
        raise HouseholdError(
            "家庭成员中须有且只有一名户主。"
            if heads
            else "请在家庭成员中指定一名户主（与户主关系选“户主”）。",
            "relation",
            heads[1] if len(heads) > 1 else 0,
        )
    if household is not None:
        # Compare with the rows as saved (a bound form has already changed its instance).
        saved = {m.pk: m for m in household.members.filter(active=True)}
        if {m.pk for m, _ in rows if m is not None} != set(saved):
            raise HouseholdError("成员数据已变化，请刷新页面后重试。")
        rows[:] = [(saved[m.pk] if m is not None else None, data) for m, data in rows]
    numbers = [(i, data["id_number"]) for i, (_, data) in enumerate(rows)]
    check_ids_free(actor, numbers, [m.pk for m, _ in rows if m is not None])


# --- 人口自然变更 --------------------------------------------------------------------------


def _check_month(month: datetime.date | None) -> None:
    if month is None:
        raise HouseholdError("请填写变更年月。", "change_month")
    if month > timezone.localdate():
        raise HouseholdError("变更年月不能晚于本月。", "change_month")


def add_member(
    actor: Actor,
    household: Household,
    data: Row,
    *,
    change: str,
    month: datetime.date | None,
    note: str = "",
    version: Any = None,
) -> Member:
    """Natural increase: birth, marriage in, moving in, release, adoption, return, other."""
    if change not in ADD_CHANGES:
        raise HouseholdError("请选择新增原因。", "change")
    _check_month(month)
    normalize_ids([data], single=True)
    numbers = [(None, data["id_number"])]
    try:
        with transaction.atomic(durable=True):
            locked = lock_for_edit(actor, household, version)
            active = list(locked.members.filter(active=True))
            has_head = any(m.relation == Relation.HEAD for m in active)
            if data["relation"] == Relation.HEAD and has_head:
                raise HouseholdError(
                    "该户已有户主。如需更换户主，请在【家庭基本情况】中修改成员与户主的关系。",
                    "relation",
                )
            if data["relation"] != Relation.HEAD and not has_head:
                raise HouseholdError("该户当前没有在册户主，新增成员须为户主。", "relation")
            check_ids_free(actor, numbers)
            reason = f"新增成员（{MemberChange(change).label}）"
            member = new_member(
                locked,
                data,
                actor,
                reason,
                change=change,
                change_month=month,
                change_note=note.strip(),
            )
            _refresh(locked, actor, reason)
    except IntegrityError as exc:
        raise_for_id_race(actor, numbers, (), exc)
    return member


def remove_member(
    actor: Actor,
    household: Household,
    member: Member,
    *,
    change: str,
    month: datetime.date | None,
    note: str = "",
    new_head: Member | None = None,
    version: Any = None,
) -> Member:
    """Natural decrease. The member stays (greyed) and no longer counts. The head may leave
    only if nobody remains or another member becomes head in the same action."""
    if change not in REMOVE_CHANGES:
        raise HouseholdError("请选择减少原因。", "change")
    _check_month(month)
    with transaction.atomic(durable=True):
        locked = lock_for_edit(actor, household, version)
        found = locked.members.filter(pk=member.pk, active=True).first()
        if found is None:
            raise HouseholdError("请选择该户的在册成员。", "member")
        member = found
        others = list(locked.members.filter(active=True).exclude(pk=member.pk))
        successor = None
        if member.relation == Relation.HEAD and others:
            successor = next((m for m in others if new_head and m.pk == new_head.pk), None)
            if successor is None:
                raise HouseholdError(
                    "户主不能直接减少：该户还有其他在册成员，请同时指定一名成员为新户主。",
                    "new_head",
                )
        member.active = False
        member.change, member.change_month, member.change_note = change, month, note.strip()
        changelog.save(actor, member, reason=f"减少成员（{MemberChange(change).label}）")
        if successor is not None:
            successor.relation = Relation.HEAD
            changelog.save(actor, successor, reason="成为户主")
        _refresh(locked, actor, f"减少成员（{MemberChange(change).label}）")
    return member


def _refresh(household: Household, actor: Actor, reason: str) -> None:
    before = (household.size, household.head_name, household.net_income_per_capita)
    refresh_counts(household)
    changed = (household.size, household.head_name, household.net_income_per_capita) != before
    save_household(actor, household, reason=reason, changed=changed)

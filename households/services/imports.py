"""导入 (数据导入): the action that writes the households of a checked import file, all or
nothing, in one transaction.

The exchange app reads and checks the file and hands over what each household becomes
(`ImportHousehold`): new households are registered as by 扶贫对象登记表 (numbered in their
village, 登记中, claimed by the session's verified phone when a village account imports,
unclaimed when a township office does), saved ones are updated as by its parts and the
members' rows (new members of a registered household as natural increases with their reason
and month). The rules are the forms' and the actions' (households.services): one head, ID
numbers free, only the claiming phone edits a claimed household, a removed one not at all;
every household and member gets its change-log row with the reason 导入 and the file's name,
and the import one audit entry with its counts.

Batches are written set-based (bulk inserts and updates with their history rows): the
statements per batch are constant, whatever the number of households in it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from poverty_system.core import access, audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.roles import CLAIM_HOUSEHOLDS, IMPORT_HOUSEHOLDS
from poverty_system.core.versioning import bump
from villages.models import LEVEL_DIGITS

from ..choices import HouseholdStatus, MemberChange, Relation
from ..models import Claim, Household, Member
from .base import HouseholdError, Row, edit_refusal, require_phone
from .members import MEMBER_FIELDS
from .registration import SEQUENCE_DIGITS, next_number

if TYPE_CHECKING:
    from villages.models import Region

BATCH = 500  # households per batch of statements
# Written on a member beside MEMBER_FIELDS: derived from the ID number.
MEMBER_WRITE_FIELDS = [*MEMBER_FIELDS, "gender", "birth_date"]


@dataclass
class ImportMember:
    data: Row  # every field of MEMBER_FIELDS, as it will be
    member: Member | None = None  # the saved member it updates
    change: str = ""  # a new member of a registered household: 新增原因 and month
    change_month: datetime.date | None = None


@dataclass
class ImportHousehold:
    row: int  # the household's first row in the file, for messages
    village: Region
    fields: Row  # household fields to set (new: all of them)
    members: list[ImportMember]
    household: Household | None = None  # the saved household it updates, as checked
    number: str = (
        ""  # the file's 户编号: a new household keeps it when it is free and its village's
    )
    parts_done: int = 1


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)  # numbers of the new households
    updated: int = 0
    unchanged: int = 0
    members_added: int = 0
    members_changed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def import_refusal(actor: Actor, household: Household, claim: Claim | None) -> str | None:
    """Why this import may not change a saved household, or None. A village account edits
    what its verified phone claimed (as on the forms); a township office, which claims
    nothing, only what no village phone has claimed yet. `claim`: the active one, with its
    phone."""
    if household.status == HouseholdStatus.REMOVED:
        return "该户已清退，不能再修改。"
    if access.role_allows(actor.user, CLAIM_HOUSEHOLDS):
        return edit_refusal(actor, household, claim)
    if claim is not None:
        return (
            f"该户已由手机号 {claim.phone.masked}（{claim.phone.holder}）认领，"
            "只能由该手机号验证登录的村级账号修改。"
        )
    return None


def reason_for(file_name: str) -> str:
    return f"导入：{file_name}"


def import_households(
    actor: Actor,
    plan: Sequence[ImportHousehold],
    *,
    file_name: str,
    rows: int,
    unchanged: int = 0,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write a checked import: everything or nothing. `rows` is the file's data rows (for
    the audit entry), `unchanged` the households of the file that needed no change;
    `progress(rows_written)` after each batch. An empty plan writes only the audit entry (a
    file imported twice)."""
    villages = {h.village.pk: h.village for h in plan}
    for village in villages.values():
        access.check_region_perm(actor.user, IMPORT_HOUSEHOLDS, village)
    if not plan:
        access.check_role_allows(actor.user, IMPORT_HOUSEHOLDS)
    phone = require_phone(actor) if access.role_allows(actor.user, CLAIM_HOUSEHOLDS) else None
    reason = reason_for(file_name)
    result = ImportResult(unchanged=unchanged)
    try:
        with transaction.atomic(durable=True):
            numbers = _Numbers([h for h in plan if h.household is None])
            written = 0
            for start in range(0, len(plan), BATCH):
                chunk = plan[start : start + BATCH]
                _write(actor, chunk, reason, phone, numbers, result)
                written += sum(len(h.members) for h in chunk)
                if progress is not None:
                    progress(written)
            audit.record(
                actor,
                audit.IMPORT,
                region_code=_common_code([v.code for v in villages.values()])
                or _common_code([r.code for r in access.slice_roots(actor.user)]),
                detail={
                    "kind": "households",
                    "file": file_name[:100],
                    "rows": rows,
                    "created": len(result.created),
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "members_added": result.members_added,
                    "members_changed": result.members_changed,
                },
            )
    except IntegrityError as exc:
        raise HouseholdError(
            "保存失败：导入期间有人修改了相关的户或成员（如同一证件号码被登记），"
            "没有写入任何数据，请重新导入。"
        ) from exc
    return result


def _common_code(codes: list[str]) -> str:
    """The code of the smallest region holding all the codes."""
    if not codes:
        return ""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    levels = sorted(LEVEL_DIGITS.values())
    fitting = [d for d in levels if d <= len(prefix)]
    return prefix[: fitting[-1]] if fitting else ""


class _Numbers:
    """户编号 of the new households: the file's own when it is its village's form and free
    (a file exported here and imported into an emptied village keeps its numbers), the
    village's next numbers for the others. The villages are locked (registration.next_number)
    so that a registration at the same moment never takes the same number."""

    def __init__(self, new: Sequence[ImportHousehold]):
        self.next: dict[int, int] = {}
        self.kept: set[str] = set()
        wanted = {
            h.number
            for h in new
            if len(h.number) == len(h.village.full_code) + SEQUENCE_DIGITS
            and h.number.startswith(h.village.full_code)
            and h.number[-SEQUENCE_DIGITS:].isdigit()
        }
        taken = set(Household.objects.filter(number__in=wanted).values_list("number", flat=True))
        self.kept = wanted - taken
        for village in {h.village.pk: h.village for h in new}.values():
            first = next_number(village)  # locks the village row
            self.next[village.pk] = int(first[-SEQUENCE_DIGITS:])
        self._used: set[str] = set()

    def take(self, household: ImportHousehold) -> str:
        if household.number in self.kept and household.number not in self._used:
            self._used.add(household.number)
            return household.number
        village = household.village
        while True:
            sequence = self.next[village.pk]
            if sequence >= 10**SEQUENCE_DIGITS:
                raise HouseholdError(f"{village.name}的户编号已用完，请联系县扶贫办。")
            self.next[village.pk] = sequence + 1
            number = f"{village.full_code}{sequence:0{SEQUENCE_DIGITS}d}"
            if number not in self.kept:
                return number


def _write(
    actor: Actor,
    chunk: Sequence[ImportHousehold],
    reason: str,
    phone: Any,
    numbers: _Numbers,
    result: ImportResult,
) -> None:
    updates = [h for h in chunk if h.household is not None]
    new = [h for h in chunk if h.household is None]
    locked = _lock(actor, updates)
    households: list[tuple[ImportHousehold, Household]] = []
    for item in new:
        household = Household(
            village=item.village,
            village_code=item.village.code,
            number=numbers.take(item),
            created_by=actor.account,
            parts_done=item.parts_done,
            **item.fields,
        )
        _counts(household, item.members)
        households.append((item, household))
    changelog.bulk_create(actor, [h for _, h in households], reason=reason, batch_size=None)
    result.created += [h.number for _, h in households]
    if phone is not None:
        Claim.objects.bulk_create(
            [Claim(household=h, account=actor.account, phone=phone) for _, h in households]
        )
    changed_rows: list[Household] = []
    for item in updates:
        household = locked[item.household.pk]  # type: ignore[union-attr]
        fields_changed = False
        for name, value in item.fields.items():
            if getattr(household, name) != value:
                setattr(household, name, value)
                fields_changed = True
        if item.parts_done > household.parts_done:
            household.parts_done = item.parts_done
            fields_changed = True
        before = (household.size, household.head_name, household.net_income_per_capita)
        _counts(household, item.members)
        fields_changed |= before != (
            household.size,
            household.head_name,
            household.net_income_per_capita,
        )
        bump(household)
        households.append((item, household))
        if fields_changed:
            changed_rows.append(household)
    result.updated += len(updates)
    _write_members(actor, households, reason, result)
    if changed_rows:
        names = sorted({n for h in updates for n in h.fields} | COUNT_FIELDS)
        changelog.bulk_update(actor, changed_rows, names, reason=reason, batch_size=None)
    logged = {h.pk for h in changed_rows}
    plain = [h for item, h in households if item.household is not None and h.pk not in logged]
    if plain:
        Household.objects.bulk_update(plain, ["version"])


COUNT_FIELDS = {"size", "head_name", "net_income_per_capita", "parts_done", "version"}


def _lock(actor: Actor, updates: Sequence[ImportHousehold]) -> dict[int, Household]:
    """The saved households re-read under a lock, unchanged since the file was checked, and
    still the import's to change."""
    if not updates:
        return {}
    pks = [h.household.pk for h in updates]  # type: ignore[union-attr]
    found = {
        h.pk: h
        for h in Household.objects.select_for_update(of=("self",))
        .select_related("village")
        .filter(pk__in=pks)
    }
    claims = {
        c.household_id: c
        for c in Claim.objects.active().filter(household_id__in=pks).select_related("phone")
    }
    for item in updates:
        checked = item.household
        assert checked is not None
        household = found.get(checked.pk)
        if household is None or not access.has_code_perm(
            actor.user, IMPORT_HOUSEHOLDS, household.village_code
        ):
            raise HouseholdError(f"第 {item.row} 行：找不到该户。", row=item.row)
        if household.version != checked.version:
            raise HouseholdError(
                f"第 {item.row} 行：户编号 {household.number} 在检查文件后已被修改，"
                "没有写入任何数据，请重新导入。",
                row=item.row,
            )
        refusal = import_refusal(actor, household, claims.get(household.pk))
        if refusal:
            raise HouseholdError(f"第 {item.row} 行：{refusal}", row=item.row)
    return found


def _counts(household: Household, members: Sequence[ImportMember]) -> None:
    """Size, head and per-capita income from the members the household will have (the
    active ones: an import never removes a member, refresh_counts' rule in memory)."""
    household.size = len(members)
    head = next((m for m in members if m.data["relation"] == Relation.HEAD), None)
    if head is not None:
        household.head_name = head.data["name"]
    household.recompute_income()


def _write_members(
    actor: Actor,
    households: Sequence[tuple[ImportHousehold, Household]],
    reason: str,
    result: ImportResult,
) -> None:
    new: list[Member] = []
    demoted: list[Member] = []
    changed: list[Member] = []
    for item, household in households:
        for row in item.members:
            if row.member is None:
                member = Member(
                    household=household,
                    **{k: row.data[k] for k in MEMBER_FIELDS},
                    change=row.change,
                    change_month=row.change_month,
                )
                member.fill_from_id_number()
                new.append(member)
                continue
            member = row.member
            was_head = member.relation == Relation.HEAD
            differs = [k for k in MEMBER_FIELDS if getattr(member, k) != row.data[k]]
            if not differs:
                continue
            for k in differs:
                setattr(member, k, row.data[k])
            member.fill_from_id_number()
            # Demotions first: one active head per household holds after every statement.
            (demoted if was_head and member.relation != Relation.HEAD else changed).append(member)
    for group in (demoted, changed):
        if group:
            changelog.bulk_update(actor, group, MEMBER_WRITE_FIELDS, reason=reason, batch_size=None)
    if new:
        # A registered household's new member is a natural increase (人口自然变更).
        by_change: dict[str, list[Member]] = {}
        for member in new:
            by_change.setdefault(member.change, []).append(member)
        for change, members in by_change.items():
            label = f"{reason}（新增成员：{MemberChange(change).label}）" if change else reason
            changelog.bulk_create(actor, members, reason=label, batch_size=None)
    result.members_added += len(new)
    result.members_changed += len(demoted) + len(changed)

"""What each household of a checked file becomes: matched with the saved households (on
户编号, else on its members' ID numbers), compared field by field, and turned into the
action's plan (households.services.imports.ImportHousehold); or the problems that stop the
import, per row and column: an ID number held by another household (named, its head masked
outside the slice), a household of another village or of another phone, a member missing
from the file, a new member without its natural change, a masked value that cannot be
kept.

The database is read per batch of households in a constant number of queries (households
by number, ID holders and their scope, members and claims of the matched households).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import models

from households import idnumbers
from households.access import filter_households
from households.choices import HouseDanger, HouseholdStatus
from households.models import Claim, Household, Member
from households.services import MEMBER_FIELDS, holder_text
from households.services.imports import ImportHousehold, ImportMember, import_refusal
from poverty_system.core.actor import Actor
from poverty_system.core.formatting import mask_account, mask_phone

from .layout import BY_NAME, COLUMNS, HOUSEHOLD, PART_FIELDS
from .reader import DangerYes, Group, Masked, Parsed, Person

BATCH = 500  # households read together

MASKS: dict[str, Callable[[str], str]] = {"phone": mask_phone, "bank_account": mask_account}
HOUSEHOLD_FIELDS = [c.name for c in COLUMNS if c.level == HOUSEHOLD and c.kind != "size"]


@dataclass
class Plan:
    households: list[ImportHousehold] = field(default_factory=list)
    unchanged: int = 0
    new: int = 0
    updated: int = 0


def _default(model: type[Household] | type[Member], name: str) -> Any:
    return cast(models.Field, model._meta.get_field(name)).get_default()  # type: ignore[type-arg]


def plan_import(
    actor: Actor, parsed: Parsed, progress: Callable[[int], None] | None = None
) -> Plan:
    """The plan of a file whose cells passed; problems go into parsed.report."""
    plan = Plan()
    groups = [g for g in parsed.groups if g.village is not None]
    checked = 0
    for start in range(0, len(groups), BATCH):
        batch = groups[start : start + BATCH]
        _Batch(actor, parsed, batch).run(plan)
        checked += sum(len(g.people) for g in batch)
        if progress is not None:
            progress(checked)
    return plan


def parts_of(parsed: Parsed, values: dict[str, Any]) -> int:
    """The parts of 扶贫对象登记表 a file fills: 家庭基本情况, then each of 家庭生产情况,
    家庭收入情况 and 致贫原因调查 whose columns are all in the file (the last with a main
    cause), in order."""
    done = 1
    for part in (2, 3, 4):
        if not all(parsed.mapping.has(name) for name in PART_FIELDS[part]):
            break
        if part == 4 and not values.get("main_cause"):
            break
        done = part
    return done


class _Batch:
    def __init__(self, actor: Actor, parsed: Parsed, groups: Sequence[Group]):
        self.actor, self.parsed, self.groups = actor, parsed, groups
        self.report = parsed.report
        user = actor.user
        keys = [g.key for g in groups]
        by_number = Household.objects.filter(number__in=keys).select_related("village")
        self.numbered = {h.number: h for h in by_number}
        ids = [p.id_number for g in groups for p in g.people if p.id_number]
        self.holders = {
            m.id_number: m
            for m in Member.objects.filter(active=True, id_number__in=ids).select_related(
                "household__village__parent"
            )
        }
        candidates = {h.pk for h in self.numbered.values()} | {
            m.household_id for m in self.holders.values()
        }
        self.visible = set(
            filter_households(Household.objects.filter(pk__in=candidates), user).values_list(
                "pk", flat=True
            )
        )
        self.targets = {g.key: self._target(g) for g in groups}
        matched = {h.pk: h for h in self.targets.values() if h is not None}
        self.members: dict[int, list[Member]] = {pk: [] for pk in matched}
        for member in Member.objects.filter(household_id__in=list(matched), active=True).order_by(
            "pk"
        ):
            self.members[member.household_id].append(member)
        self.claims = {
            c.household_id: c
            for c in Claim.objects.active()
            .filter(household_id__in=list(matched))
            .select_related("phone")
        }
        self.claimed: set[int] = set()  # saved households already matched by a group

    # --- which saved household ---------------------------------------------------------

    def _target(self, group: Group) -> Household | None:
        """The saved household the group is: by 户编号, else by the ID numbers its members
        hold; None for a new household (problems reported)."""
        household = self.numbered.get(group.key)
        if household is not None and household.pk not in self.visible:
            self.report.add(
                group.first_row,
                self.parsed.header("number"),
                f"户编号 {group.key} 已是其他辖区的户的编号，请核对。",
            )
            group.bad = True
            return None
        if household is None:
            held = {
                self.holders[p.id_number].household_id
                for p in group.people
                if p.id_number in self.holders
            }
            if len(held) == 1:
                pk = held.pop()
                holder = next(m for m in self.holders.values() if m.household_id == pk)
                if pk in self.visible and holder.household.village_id == group.village.pk:  # type: ignore[union-attr]
                    household = holder.household
        return household

    # --- the plan ----------------------------------------------------------------------

    def run(self, plan: Plan) -> None:
        for group in self.groups:
            household = self.targets[group.key]
            self._check_holders(group, household)
            if household is None:
                item = self._new(group)
                if item is not None and not group.bad:
                    plan.households.append(item)
                    plan.new += 1
                continue
            if household.pk in self.claimed:
                self.report.add(
                    group.first_row,
                    self.parsed.header("number"),
                    f"与文件中另一户编号的户是同一户（户编号 {household.number}），"
                    "请合并为一个户编号。",
                )
                group.bad = True
                continue
            self.claimed.add(household.pk)
            item = self._update(group, household)
            if group.bad:
                continue
            if item is None:
                plan.unchanged += 1
            else:
                plan.households.append(item)
                plan.updated += 1

    def _check_holders(self, group: Group, household: Household | None) -> None:
        for person in group.people:
            holder = self.holders.get(person.id_number)
            if holder is None or (household is not None and holder.household_id == household.pk):
                continue
            message = holder_text(holder, visible=holder.household_id in self.visible)
            self.report.add(person.row, self.parsed.header("id_number"), message)
            group.bad = True

    def _household_values(self, group: Group, household: Household | None) -> dict[str, Any]:
        """The household fields as they will be: masked values kept, 危房 是 as graded."""
        values: dict[str, Any] = {}
        for name, value in group.values.items():
            if isinstance(value, Masked):
                current = getattr(household, name) if household is not None else ""
                if current and MASKS[name](current) == value.text:
                    continue  # unchanged
                label = BY_NAME[name].header
                self._add(
                    group,
                    name,
                    f"{label}是脱敏的号码（{value.text}），"
                    + ("与系统中的不一致，" if current else "")
                    + "请填写完整号码。",
                )
                continue
            if isinstance(value, DangerYes):
                current = household.house_danger if household is not None else HouseDanger.NONE
                value = current if current != HouseDanger.NONE else HouseDanger.GRADE_C
            values[name] = value
        return values

    def _add(self, group: Group, name: str, message: str, row: int | None = None) -> None:
        column = self.parsed.header(name)
        self.report.add(row or group.sources.get(name, group.first_row), column, message)
        group.bad = True

    def _new(self, group: Group) -> ImportHousehold | None:
        values = {n: _default(Household, n) for n in HOUSEHOLD_FIELDS}
        values.update(self._household_values(group, None))
        members = []
        for person in group.people:
            if person.id_masked:
                self._add(
                    group, "id_number", "证件号码是脱敏的号码，新增成员须填写完整号码。", person.row
                )
                continue
            data = {n: _default(Member, n) for n in MEMBER_FIELDS}
            data.update(person.values)
            data["id_number"] = person.id_number
            members.append(ImportMember(data))
        assert group.village is not None
        return ImportHousehold(
            row=group.first_row,
            village=group.village,
            fields=values,
            members=members,
            number=group.key,
            parts_done=parts_of(self.parsed, values),
        )

    def _update(self, group: Group, household: Household) -> ImportHousehold | None:
        assert group.village is not None
        if household.village_id != group.village.pk:
            self._add(
                group,
                "village" if self.parsed.mapping.has("village") else "number",
                f"户编号 {household.number} 的户在{household.village.name}，与文件中的村不符。",
            )
            return None
        values = self._household_values(group, household)
        changed = {n: v for n, v in values.items() if getattr(household, n) != v}
        members, members_changed = self._members(group, household)
        if group.bad or not (changed or members_changed):
            return None
        refusal = import_refusal(self.actor, household, self.claims.get(household.pk))
        if refusal:
            self._add(group, "number", refusal, group.first_row)
            return None
        return ImportHousehold(
            row=group.first_row,
            village=group.village,
            fields=changed,
            members=members,
            household=household,
            parts_done=household.parts_done,  # the registration's progress is the forms'
        )

    def _members(self, group: Group, household: Household) -> tuple[list[ImportMember], bool]:
        saved = self.members.get(household.pk, [])
        by_id = {m.id_number: m for m in saved}
        taken: set[int] = set()
        rows: list[ImportMember] = []
        changed = False
        for person in group.people:
            member = self._match(group, person, saved, by_id)
            if member is not None and member.pk in taken:
                self._add(group, "id_number", "与本户另一行是同一名成员。", person.row)
                continue
            if member is None:
                row = self._new_member(group, household, person)
                if row is not None:
                    rows.append(row)
                    changed = True
                continue
            taken.add(member.pk)
            data = {n: getattr(member, n) for n in MEMBER_FIELDS}
            data.update(person.values)
            changed |= any(getattr(member, n) != data[n] for n in MEMBER_FIELDS)
            rows.append(ImportMember(data, member=member))
        for member in saved:
            if member.pk not in taken and not group.bad:
                self._add(
                    group,
                    "name",
                    f"系统中该户的在册成员{member.name}（{idnumbers.mask(member.id_number)}）"
                    "不在文件中。减少成员请在系统中使用【人口自然变更】。",
                    group.first_row,
                )
        return rows, changed

    def _match(
        self, group: Group, person: Person, saved: list[Member], by_id: dict[str, Member]
    ) -> Member | None:
        if person.id_number:
            return by_id.get(person.id_number)
        if not person.id_masked:
            return None  # the number was refused already
        name = person.values.get("name")
        found = [
            m
            for m in saved
            if idnumbers.mask(m.id_number) == person.id_masked and (name is None or m.name == name)
        ]
        if len(found) == 1:
            return found[0]
        self._add(
            group,
            "id_number",
            "证件号码是脱敏的号码，对应不到该户的在册成员：请填写完整号码。",
            person.row,
        )
        return None

    def _new_member(
        self, group: Group, household: Household, person: Person
    ) -> ImportMember | None:
        if not person.id_number:
            return None  # masked (reported by _match) or refused
        registering = household.status == HouseholdStatus.REGISTERING
        if not registering and not (person.change and person.change_month):
            self._add(
                group,
                "change" if self.parsed.mapping.has("change") else "name",
                "该户已完成登记：新增成员须填写“新增原因”和“变更年月”（人口自然变更）。",
                person.row,
            )
            return None
        data = {n: _default(Member, n) for n in MEMBER_FIELDS}
        data.update(person.values)
        data["id_number"] = person.id_number
        if registering:
            return ImportMember(data)
        return ImportMember(data, change=person.change, change_month=person.change_month)

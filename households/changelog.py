"""修改日志: the field-by-field changes of a household and its members, read from the
django-simple-history tables (who, which verified phone, when, field, old → new)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone

from poverty_system.core.formatting import amount, mask_account, yuan
from villages.models import VillagePhone, mask_phone

from . import idnumbers
from .choices import Cause, MemberChange
from .models import MONEY_FIELDS, Household, Member

# Bookkeeping columns that are not changes anyone made.
HIDDEN = {
    "id",
    "parts_done",
    "village",
    "village_code",
    "number",
    "created_by",
    "household",
    "registered_at",
    "version",
}


@dataclass
class Change:
    at: datetime.datetime
    user: str
    phone: str
    subject: str
    field: str
    old: str
    new: str
    reason: str


# Personal data shown masked unless the reader asked to reveal it (an audited reveal).
SENSITIVE = {"id_number": idnumbers.mask, "phone": mask_phone, "bank_account": mask_account}


def mask_value(name: str, value: str) -> str:
    return SENSITIVE[name](value)


def display(field: models.Field, value, *, reveal: bool = False) -> str:
    """A value as the forms show it: choice labels, 是/否, dates, cause lists, amounts;
    ID numbers, phones and bank accounts masked unless `reveal`."""
    if value is None or value == "" or value == []:
        return "（空）"
    if field.name in SENSITIVE and not reveal:
        return mask_value(field.name, str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.JSONField) and isinstance(value, list):
        labels = dict(Cause.choices)
        return "、".join(str(labels.get(v, v)) for v in value)
    if isinstance(field, models.DateTimeField):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if field.name == "change_month":
        return value.strftime("%Y-%m")
    if isinstance(field, models.DateField):
        return value.isoformat()
    if field.name in MONEY_FIELDS:
        return yuan(value)
    if isinstance(value, Decimal):
        return amount(value)
    return str(value)


def _fields(model, history_model) -> list[models.Field]:
    tracked = {f.name for f in history_model._meta.fields}
    return [f for f in model._meta.concrete_fields if f.name in tracked and f.name not in HIDDEN]


def _diff(rows: list, fields, subject_of, created, stamp_of, reveal=False) -> list[Change]:
    changes, previous = [], {}
    for row in rows:
        key = row.id
        before = previous.get(key)
        who, phone, reason = stamp_of(row)
        if before is None:
            changes.append(
                Change(row.history_date, who, phone, subject_of(row), created(row), "", "", reason)
            )
        else:
            for field in fields:
                old, new = getattr(before, field.attname), getattr(row, field.attname)
                if old != new:
                    changes.append(
                        Change(
                            row.history_date,
                            who,
                            phone,
                            subject_of(row),
                            str(field.verbose_name),
                            display(field, old, reveal=reveal),
                            display(field, new, reveal=reveal),
                            reason,
                        )
                    )
        previous[key] = row
    return changes


def household_log(household: Household, *, reveal: bool = False) -> list[Change]:
    """All changes of the household and of its members, newest first (three queries)."""
    rows = list(
        household.history.select_related("history_user").order_by("history_date", "history_id")
    )
    member_rows = list(
        Member.history.filter(household_id=household.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    holders = _holders({r.history_phone for r in rows + member_rows if r.history_phone})

    def stamp_of(row):
        phone = row.history_phone
        shown = f"{holders.get(phone, '')} {mask_phone(phone)}".strip() if phone else ""
        return str(row.history_user or "系统"), shown, row.history_change_reason or ""

    def member_created(row):
        change = MemberChange(row.change).label if row.change else ""
        return f"新增成员（{row.get_relation_display()}{'，' + change if change else ''}）"

    changes = _diff(
        rows,
        _fields(Household, Household.history.model),
        lambda row: "户信息",
        lambda row: "登记新户",
        stamp_of,
        reveal,
    )
    changes += _diff(
        member_rows,
        _fields(Member, Member.history.model),
        lambda row: f"成员 {row.name}",
        member_created,
        stamp_of,
        reveal,
    )
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def _holders(phones: set[str]) -> dict[str, str]:
    if not phones:
        return {}
    # The first pair wins: a number's active registration over a deactivated one.
    holders: dict[str, str] = {}
    rows = VillagePhone.objects.filter(phone__in=phones).active_first("pk")
    for phone, holder in rows.values_list("phone", "holder"):
        holders.setdefault(phone, holder)
    return holders


def changes_since(household: Household, version: int) -> list[Change]:
    """What changed after the household was at `version` (a stale form shows these)."""
    base = (
        household.history.filter(version__lte=version)
        .order_by("-history_date", "-history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    changes = household_log(household)
    return changes if base is None else [c for c in changes if c.at > base]

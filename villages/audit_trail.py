"""安全审计 › 审计日志: reading the audit trail (the auditor's alone) and exporting it.

The trail an auditor reads is its slice's (poverty_system.core.access.filter_audit_entries:
the entries whose region code lies in its region; on the province, the root of the tree, also
the entries of no region). The filters are the time range (days, local time), the account,
the action and the object; the list is newest first. The export writes the filtered trail
through the core's xlsx writer and is itself audited with its row count.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.dates import QUERY_DATE_BOUNDS, QUERY_DATE_MESSAGE
from poverty_system.core.errors import ActionError
from poverty_system.core.formatting import mask_phone
from poverty_system.core.models import AuditEntry
from poverty_system.core.roles import Role
from poverty_system.core.xlsx import Column, XlsxWriter

from .models import Region

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

ROLE_LABELS = dict(Role.choices)
OUTCOMES = {audit.OK: "成功", audit.FAILED: "失败", audit.DENIED: "拒绝"}
EXPORT_KIND = "audit_trail"


class AuditExportError(ActionError):
    """A refused export of the audit trail, with the Chinese message."""


def object_type_choices() -> list[tuple[str, str]]:
    """The kinds of object an entry may name (a model of the project), by Chinese name."""
    names = {
        model._meta.label_lower: str(model._meta.verbose_name)
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
    }
    return sorted(names.items(), key=lambda item: (item[1], item[0]))


def filterable_object_types() -> list[tuple[str, str]]:
    """The 对象类型 an auditor picks from: the records people work on, by their Chinese
    names; not the change-log copies (historical …) nor internal tables without one."""
    return [
        (label, name)
        for label, name in object_type_choices()
        if CHINESE.search(name) and not label.split(".", 1)[1].startswith("historical")
    ]


CHINESE = re.compile(r"[\u4e00-\u9fff]")


PROJECT_APPS = {
    "villages",
    "households",
    "units",
    "archives",
    "assessment",
    "identification",
    "monitoring",
    "projects",
    "exchange",
    "reports",
    "quality",
    "stats",
    "poverty_system",
}


class TrailFilterForm(forms.Form):
    """The filters of 日志查询 and 导出 (all optional)."""

    start = forms.DateField(label="开始日期", required=False)
    end = forms.DateField(label="结束日期", required=False)
    username = forms.CharField(label="账号", max_length=150, required=False)
    action = forms.ChoiceField(label="操作", required=False)
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象编号", max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(audit.LABELS.items(), key=lambda item: item[1])
        self.fields["action"].choices = [("", "全部"), *actions]
        self.fields["object_type"].choices = [("", "全部"), *filterable_object_types()]
        for name in ("start", "end"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            self.fields[name].error_messages["invalid"] = "请按“年-月-日”填写日期。"
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.error_messages["invalid_choice"] = "请从列表中选择。"
            if isinstance(field, forms.CharField):
                field.error_messages["max_length"] = f"不能超过 {field.max_length} 字。"

    def clean_start(self) -> dt.date | None:
        return _bounded(self.cleaned_data.get("start"))

    def clean_end(self) -> dt.date | None:
        return _bounded(self.cleaned_data.get("end"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期。")
        return data


def described(form: TrailFilterForm, filters: dict[str, Any]) -> list[tuple[str, str]]:
    """The filters an export will use, as the page states them next to its button."""
    shown = []
    for name, field in form.fields.items():
        value = filters.get(name)
        if not value:
            continue
        if isinstance(field, forms.ChoiceField):
            value = dict(field.choices).get(value, value)  # type: ignore[arg-type]
        elif isinstance(value, dt.date):
            value = f"{value:%Y-%m-%d}"
        shown.append((str(field.label), str(value)))
    return shown


def _bounded(day: dt.date | None) -> dt.date | None:
    if day is not None and not QUERY_DATE_BOUNDS[0] <= day <= QUERY_DATE_BOUNDS[1]:
        raise forms.ValidationError(QUERY_DATE_MESSAGE)
    return day


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def trail(user: AnyUser, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    """The entries of the account's slice matching the (cleaned) filters, newest first; none
    for an account that is not an auditor."""
    found = access.filter_audit_entries(AuditEntry.objects.all(), user)
    if filters.get("start"):
        found = found.filter(at__gte=_day_start(filters["start"]))
    if filters.get("end"):
        found = found.filter(at__lt=_day_start(filters["end"] + dt.timedelta(days=1)))
    if filters.get("username"):
        found = found.filter(username=filters["username"].strip())
    if filters.get("action"):
        found = found.filter(action=filters["action"])
    if filters.get("object_type"):
        found = found.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        found = found.filter(object_id=filters["object_id"].strip())
    return found.order_by("-at", "-pk")


@dataclass
class Row:
    """One entry as shown and exported."""

    entry: AuditEntry
    role: str
    phone: str  # the verified login phone, masked like every phone in a list or export
    action: str
    object_type: str
    region: str
    outcome: str
    detail: str


def rows(entries: list[AuditEntry]) -> list[Row]:
    """The entries with their labels; the region names in one query."""
    codes = {e.region_code for e in entries if e.region_code}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    types = dict(object_type_choices())
    return [
        Row(
            entry=e,
            role=ROLE_LABELS.get(e.role, e.role),
            phone=mask_phone(e.phone),
            action=audit.LABELS.get(e.action, e.action),
            object_type=types.get(e.object_type, e.object_type),
            region=names.get(e.region_code, e.region_code),
            outcome=OUTCOMES.get(e.outcome, e.outcome),
            detail=json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else "",
        )
        for e in entries
    ]


COLUMNS = [
    Column("时间", 20),
    Column("账号", 16),
    Column("角色", 12),
    Column("验证手机", 14, text=True),
    Column("IP 地址", 16, text=True),
    Column("操作", 18),
    Column("对象类型", 16),
    Column("对象编号", 12, text=True),
    Column("区划代码", 14, text=True),
    Column("区划", 14),
    Column("结果", 8),
    Column("请求编号", 34, text=True),
    Column("详情", 60),
]
CHUNK = 2000


def _export_values(row: Row) -> list[Any]:
    e = row.entry
    at = timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S")
    return [
        at,
        e.username,
        row.role,
        row.phone,
        e.ip,
        row.action,
        row.object_type,
        e.object_id,
        e.region_code,
        row.region,
        row.outcome,
        e.request_id,
        row.detail,
    ]


def export_trail(actor: Actor, filters: dict[str, Any]) -> tuple[bytes, int]:
    """导出: the filtered trail of the auditor's slice as one sheet; audited (导出, with the
    row count and the filters) in the same transaction. Refused above
    AUDIT_EXPORT_MAX_ROWS rows (narrow the time range)."""
    with transaction.atomic(durable=True):
        access.check_reads_audit(actor.user)
        found = trail(actor.user, filters)
        limit = settings.AUDIT_EXPORT_MAX_ROWS
        if found[limit : limit + 1].exists():
            raise AuditExportError(
                f"筛选结果超过 {limit} 条，请缩小时间范围或增加筛选条件后再导出。"
            )
        book = XlsxWriter()
        sheet = book.add_sheet("审计日志", COLUMNS)
        sheet.append_header()
        count = 0
        chunk: list[AuditEntry] = []
        for entry in found.iterator(chunk_size=CHUNK):
            chunk.append(entry)
            if len(chunk) == CHUNK:
                count += _write(sheet, chunk)
                chunk = []
        count += _write(sheet, chunk)
        out = io.BytesIO()
        book.save(out)
        roots = access.slice_roots(actor.user)
        audit.record(
            actor,
            audit.EXPORT,
            region_code=roots[0].code if roots else "",
            detail={"kind": EXPORT_KIND, "count": count, "filters": _shown(filters)},
        )
    return out.getvalue(), count


def _write(sheet: Any, chunk: list[AuditEntry]) -> int:
    for row in rows(chunk):
        sheet.append(_export_values(row))
    return len(chunk)


def _shown(filters: dict[str, Any]) -> dict[str, str]:
    """The filters as the export's entry records them (dates as text, empty ones left out)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in filters.items() if v}

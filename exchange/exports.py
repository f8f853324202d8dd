"""导出 from 管理贫困户信息: the households of the list's current filters, within the slice,
as one workbook of two sheets: 贫困人口花名册 (our canonical layout, one row per person, the
file that imports back unchanged) and 贫困户 (one row per household).

ID numbers, phones and bank accounts are masked unless the job is a full export (a county
office, with its reason audited when it started). Every text that a spreadsheet would run
as a formula is stored as text (poverty_system.core.xlsx). The file is streamed with
openpyxl's write-only mode, households read in chunks by key with their members, so memory
holds one chunk whatever the export's size.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from households import idnumbers
from households.access import filter_households
from households.choices import ADD_CHANGES, HouseholdStatus
from households.filters import HouseholdFilterForm, apply_filters, parse_filters, phones_for
from households.listing import scoped_households
from households.models import Household, Member, StatusChange
from poverty_system.core import access, jobfiles
from poverty_system.core.formatting import mask_account, mask_phone
from poverty_system.core.roles import EXPORT_HOUSEHOLDS
from poverty_system.core.xlsx import Column, XlsxWriter
from villages.access import get_region_for_user
from villages.models import Region

from . import files
from . import labels as L
from .layout import (
    BOOL,
    COLUMNS,
    DANGER,
    HEALTH,
    HOUSEHOLD,
    LABEL,
    LABELS,
    MEMBER,
    Col,
)
from .models import Job, JobStatus

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

logger = logging.getLogger(__name__)


def chunk_size() -> int:
    """Households read (and progress written) together: EXCHANGE_EXPORT_CHUNK."""
    return max(1, settings.EXCHANGE_EXPORT_CHUNK)


PERSON_SHEET = "贫困人口花名册"
HOUSEHOLD_SHEET = "贫困户"

# 脱贫属性 as the national files write it, for our statuses.
STATUS_LABELS = {
    HouseholdStatus.REGISTERING: "登记中",
    HouseholdStatus.POOR: "未脱贫",
    HouseholdStatus.LIFTED: "已脱贫",
    HouseholdStatus.LIFTED_NO_SUPPORT: "稳定脱贫（不再享受政策）",
    HouseholdStatus.RETURNED: "返贫",
    HouseholdStatus.REMOVED: "已清退",
}
LIFTED = (HouseholdStatus.LIFTED, HouseholdStatus.LIFTED_NO_SUPPORT)
ADDED = {c.value for c in ADD_CHANGES}

HOUSEHOLD_FIELDS = [
    "pk",
    "number",
    "village_id",
    "group",
    "size",
    "status",
    "net_income_per_capita",
    *(c.name for c in COLUMNS if c.level == HOUSEHOLD and c.name not in ("group", "size")),
]
MEMBER_FIELDS = list(
    dict.fromkeys(
        ["household_id", "name", "id_number", "gender", "change", "change_month"]
        + [c.name for c in COLUMNS if c.level == MEMBER]
    )
)

# The household sheet: where, who, then the household columns of the layout.
HEAD_NAME = Col("户主姓名", "text", "head_name", width=10)
HEAD_ID = Col("户主证件号码", "text", "head_id", width=21, text=True)
HOUSEHOLD_COLUMNS: tuple[Col, ...] = (
    *(
        c
        for c in COLUMNS
        if c.name in ("serial", "county", "township", "village", "group", "number")
    ),
    HEAD_NAME,
    HEAD_ID,
    next(c for c in COLUMNS if c.name == "size"),
    *(c for c in COLUMNS if c.name in ("status", "lifted_year", "net_income_per_capita")),
    *(c for c in COLUMNS if c.level == HOUSEHOLD and c.name not in ("group", "size")),
)


# --- which households ---------------------------------------------------------------------


def export_queryset(
    user: AnyUser, params: dict[str, Any]
) -> tuple[QuerySet[Household], Region | None]:
    """The households of the list's filters (its URL parameters) within the account's slice
    where it may export; 404 for a region outside the slice. `params["pks"]`: the households
    of a search by ID number, resolved in the request (the number itself is never stored)."""
    query = dict(params.get("query") or {})
    region = None
    if query.get("region"):
        region = get_region_for_user(user, query["region"], EXPORT_HOUSEHOLDS)
    _, filters = parse_filters(query, phones=phones_for(user))
    households = apply_filters(scoped_households(user, region), filters, user)
    households = filter_households(households, user, EXPORT_HOUSEHOLDS)
    if "pks" in params:
        households = households.filter(pk__in=params["pks"])
    return households, region


def describe(query: dict[str, Any]) -> str:
    """The filters in words, for the title row of the file and the export page."""
    form = HouseholdFilterForm(query, phones=None)
    form.is_valid()
    parts = []
    for name, value in query.items():
        if name in ("region", "page", "sort", "s") or not value or name not in form.fields:
            continue
        field = form.fields[name]
        choices = dict((str(k), v) for k, v in getattr(field, "choices", []) or [])
        parts.append(f"{field.label}：{choices.get(str(value), value)}")
    return "；".join(parts) or "无"


# --- cells --------------------------------------------------------------------------------


def _label(col: Col, value: Any) -> str:
    if col.table is None or value in ("", None):
        return ""
    return col.table.label(value)


class Cells:
    """The values of one household's rows, masked unless `full`."""

    def __init__(self, full: bool):
        self.full = full
        self.places: dict[int, tuple[str, str, str]] = {}
        self.person_names = [c.name for c in COLUMNS]
        explicit = {
            "person",
            "name",
            "id_number",
            "gender",
            "change",
            "change_month",
            "months_away",
        }
        self.member_columns = [c for c in COLUMNS if c.level == MEMBER and c.name not in explicit]
        self.household_names = [c.name for c in HOUSEHOLD_COLUMNS]

    def id_number(self, value: str) -> str:
        return value if self.full else idnumbers.mask(value)

    def household(self, h: dict[str, Any], head: dict[str, Any] | None) -> dict[str, Any]:
        county, township, village = self.places[h["village_id"]]
        values: dict[str, Any] = {
            "county": county,
            "township": township,
            "village": village,
            "group": h["group"],
            "number": h["number"],
            "size": h["size"],
            "status": STATUS_LABELS.get(h["status"], h["status"]),
            "lifted_year": h.get("lifted_year") or "",
            "net_income_per_capita": h["net_income_per_capita"],
            "head_name": head["name"] if head else "",
            "head_id": self.id_number(head["id_number"]) if head else "",
        }
        for col in COLUMNS:
            if col.level != HOUSEHOLD or col.name in values:
                continue
            value = h[col.name]
            if col.kind in (LABEL, DANGER):
                values[col.name] = _label(col, value)
            elif col.kind == LABELS:
                values[col.name] = ",".join(_label(col, v) for v in value or [])
            elif col.kind == BOOL:
                values[col.name] = L.bool_label(value)
            elif col.name == "phone":
                values[col.name] = value if self.full or not value else mask_phone(value)
            elif col.name == "bank_account":
                values[col.name] = value if self.full or not value else mask_account(value)
            else:
                values[col.name] = value
        return values

    def member(self, m: dict[str, Any], number: str, index: int) -> dict[str, Any]:
        added = m["change"] in ADDED
        values: dict[str, Any] = {
            "person": f"{number}{index:02d}",
            "name": m["name"],
            "id_number": self.id_number(m["id_number"]),
            "gender": "男" if m["gender"] == "male" else "女",
            "change": L.ADD_CHANGE.label(m["change"]) if added else "",
            "change_month": m["change_month"].strftime("%Y%m")
            if added and m["change_month"]
            else "",
            "months_away": m["months_away"],
        }
        for col in self.member_columns:
            value = m[col.name]
            if col.kind in (LABEL, HEALTH):
                values[col.name] = _label(col, value)
            elif col.kind == BOOL:
                values[col.name] = L.bool_label(value)
            else:
                values[col.name] = value
        return values


# --- the workbook ---------------------------------------------------------------------------


def person_columns() -> list[Column]:
    return [Column(c.title, width=c.width, text=c.text) for c in COLUMNS]


def household_columns() -> list[Column]:
    return [Column(c.title, width=c.width, text=c.text) for c in HOUSEHOLD_COLUMNS]


def chunks(households: QuerySet[Household]) -> Iterator[list[dict[str, Any]]]:
    """The households in number order (the village code leads every number), CHUNK at a time
    by key: each chunk is one indexed range, whatever the depth."""
    lifted = StatusChange.objects.filter(household=OuterRef("pk"), to_status__in=LIFTED).order_by(
        "-at", "-pk"
    )
    rows = households.annotate(lifted_year=Subquery(lifted.values("year")[:1])).order_by("number")
    last = ""
    while True:
        chunk = list(
            rows.filter(number__gt=last).values(*HOUSEHOLD_FIELDS, "lifted_year")[: chunk_size()]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1]["number"]


def write_workbook(
    target: Any,
    households: QuerySet[Household],
    *,
    full: bool,
    titles: Sequence[str],
    progress: Any = None,
) -> tuple[int, int]:
    """Write the export; (households, person rows) written."""
    book = XlsxWriter()
    people = book.add_sheet(PERSON_SHEET, person_columns())
    rows_sheet = book.add_sheet(HOUSEHOLD_SHEET, household_columns())
    for sheet in (people, rows_sheet):
        for title in titles:
            sheet.append_raw([title])
        sheet.append_header()
    cells = Cells(full)
    person_names, household_names = cells.person_names, cells.household_names
    member_slots = [
        (i, c.name) for i, c in enumerate(COLUMNS) if c.level == MEMBER or c.name == "person"
    ]
    assert person_names[0] == "serial"
    done = persons = 0
    for chunk in chunks(households):
        _places(cells, {h["village_id"] for h in chunk})
        members: dict[int, list[dict[str, Any]]] = {h["pk"]: [] for h in chunk}
        for m in (
            Member.objects.filter(household_id__in=list(members), active=True)
            .order_by("household_id", "pk")
            .values(*MEMBER_FIELDS)
        ):
            members[m["household_id"]].append(m)
        for h in chunk:
            own = members[h["pk"]]
            own.sort(key=lambda m: m["relation"] != "head")  # the head first
            head = own[0] if own and own[0]["relation"] == "head" else None
            values = cells.household(h, head)
            done += 1
            values["serial"] = done
            rows_sheet.append([values[n] for n in household_names])
            # The household's part of its person rows once; each member fills its own cells.
            base = [values.get(n) for n in person_names]
            for index, m in enumerate(own, 1):
                persons += 1
                row = base.copy()
                own_values = cells.member(m, h["number"], index)
                for position, name in member_slots:
                    row[position] = own_values[name]
                row[0] = persons
                people.append(row)
        if progress is not None:
            progress(done)
    book.save(target)
    return done, persons


def _places(cells: Cells, village_ids: set[int]) -> None:
    missing = village_ids - set(cells.places)
    if not missing:
        return
    for village in Region.objects.filter(pk__in=missing).select_related("parent__parent"):
        township = village.parent
        county = township.parent if township else None
        cells.places[village.pk] = (
            county.name if county else "",
            township.name if township else "",
            village.name,
        )


# --- the job ----------------------------------------------------------------------------


def scope_name(region: Region | None, user: AnyUser) -> str:
    if region is not None:
        return str(region.name)
    roots = access.slice_roots(user)
    return "、".join(str(getattr(r, "name", "")) for r in roots) or "本辖区"


def file_name(scope: str) -> str:
    return f"贫困户信息_{scope}_{timezone.localdate():%Y%m%d}.xlsx"[:120]


def build(job_id: int) -> None:
    """Write an export job's file (in the request or the task worker) and mark it done: the
    file is written under a temporary name and moved into place only when complete, so a
    killed worker or a full disk never leaves a half-written file offered for download."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.BUILDING, updated_at=now, heartbeat_at=now
    )
    name = files.new_name(job, ".xlsx")
    path = files.folder() / name
    try:
        with files.heartbeat(job):
            count, persons, scope = _write(job, path)
            size = files.publish(path)
        done = Job.objects.filter(pk=job.pk, status=JobStatus.BUILDING).update(
            status=JobStatus.DONE,
            written=count,
            total=max(job.total, count),
            file_path=name,
            file_name=file_name(scope),
            file_size=size,
            summary={"households": count, "persons": persons},
            finished_at=timezone.now(),
            expires_at=files.keep_until(),
            updated_at=timezone.now(),
        )
        if not done:  # failed by the stale-job sweep meanwhile: its file is not offered
            files.remove(name)
    except Exception as exc:
        logger.exception("household export %s failed", job.pk)
        path.unlink(missing_ok=True)
        message = jobfiles.DISK_FULL if jobfiles.is_disk_full(exc) else "导出失败，请稍后重新执行。"
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=message,
            finished_at=timezone.now(),
            expires_at=files.keep_until(),
            updated_at=timezone.now(),
        )


def _write(job: Job, path: Path) -> tuple[int, int, str]:
    households, region = export_queryset(job.owner, job.params)
    scope = scope_name(region, job.owner)
    masked = "含完整证件号码和联系电话" if job.full else "证件号码、联系电话和银行卡号已脱敏"
    titles = [
        "贫困人口花名册",
        f"导出范围：{scope}　筛选条件：{describe(job.params.get('query') or {})}　"
        f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}　{masked}",
    ]

    def progress(done: int) -> None:
        Job.objects.filter(pk=job.pk).update(written=done, updated_at=timezone.now())
        jobfiles.pause()

    with jobfiles.writing(path) as temporary, open(temporary, "wb") as out:
        count, persons = write_workbook(
            out, households, full=job.full, titles=titles, progress=progress
        )
    return count, persons, scope

"""The actions of the reports app: every Excel file of a query and every printed sheet is
an export, checked against the account's permission and written to the audit trail (who,
what, the filters, the number of rows or households; never a name or an ID number)."""

from __future__ import annotations

import io
import tempfile
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from households.access import filter_households, get_household_for_user
from households.asof import REGISTERED
from households.models import Household
from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.errors import ActionError
from poverty_system.core.ids import parse_ids
from poverty_system.core.roles import PRINT_SHEETS, QUERY_CHANGES
from poverty_system.core.xlsx import Column, XlsxWriter
from villages.access import get_region_for_user
from villages.models import Region

from . import natural, queries, records, sheets, village

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

SELECTED_MAX = 500  # ticked households printed in one file


class ReportError(ActionError):
    pass


# kind -> (title, writes the file); 对照表 compares with 31 December of last year.
SHEETS = {
    "info": "贫困户信息表",
    "compare": "贫困户信息对照表",
}

CHANGE_COLUMNS = [
    Column("变更时间", width=18),
    Column("变更类型", width=14),
    Column("户编号", width=18, text=True),
    Column("户主姓名", width=10),
    Column("所属村", width=14),
    Column("变更内容", width=40),
    Column("年度", width=8),
    Column("原因/说明", width=30),
    Column("操作人", width=14),
    Column("验证手机", width=14, text=True),
    Column("已被回退", width=10),
]
REMOVAL_COLUMNS = [
    Column("销户日期", width=12),
    Column("销户类型", width=18),
    Column("户编号", width=18, text=True),
    Column("户主姓名", width=10),
    Column("户主证件号码", width=22, text=True),
    Column("所属村", width=14),
    Column("家庭人口", width=10),
    Column("销户原因", width=40),
    Column("操作人", width=14),
]


def _check(actor: Actor) -> None:
    if not access.role_allows(actor.user, QUERY_CHANGES):
        raise PermissionDenied


def _workbook(title: str, columns: list[Column], rows: Any) -> tuple[bytes, int]:
    book = XlsxWriter()
    sheet = book.add_sheet(title, columns)
    sheet.append_raw([title])
    sheet.append_header()
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count


def _record(actor: Actor, what: str, query: queries.Query, kinds: Any, rows: int) -> None:
    with transaction.atomic(durable=True):
        audit.record(
            actor,
            audit.EXPORT,
            region_code=query.region.code if query.region else "",
            detail={"what": what, **query.describe(kinds), "rows": rows},
        )


def export_changes(actor: Actor, query: queries.Query) -> bytes:
    """贫困户变更查询 as an Excel file, with the page's filters; audited."""
    _check(actor)
    data, count = _workbook(
        "贫困户变更查询",
        CHANGE_COLUMNS,
        (
            [
                queries.local_time(r.at),
                r.kind,
                r.number,
                r.head_name,
                r.village,
                r.content,
                r.year,
                r.reason,
                r.actor,
                r.phone_masked,
                "是" if r.reverted else "",
            ]
            for r in queries.change_rows_all(actor.user, query)
        ),
    )
    _record(actor, "贫困户变更查询", query, queries.CHANGE_KINDS, count)
    return data


def export_removals(actor: Actor, query: queries.Query) -> bytes:
    """贫困户销户查询 as an Excel file, with the page's filters; audited."""
    _check(actor)
    data, count = _workbook(
        "贫困户销户查询",
        REMOVAL_COLUMNS,
        (
            [
                r.on.isoformat() if r.on else "",
                r.kind,
                r.number,
                r.head_name,
                r.head_id_masked,
                r.village,
                r.size_before,
                r.reason,
                r.actor,
            ]
            for r in queries.removal_rows_all(actor.user, query)
        ),
    )
    _record(actor, "贫困户销户查询", query, queries.REMOVAL_KINDS, count)
    return data


# --- printable sheets ----------------------------------------------------------------------


def _write(kind: str, target: Any, ids: list[int]) -> int:
    if kind == "compare":
        year = current_year() - 1
        return sheets.write_comparison(target, records.batches(ids, compare_year=year), year)
    return sheets.write_info(target, records.batches(ids))


def _record_print(actor: Actor, kind: str, obj: Any, count: int) -> None:
    with transaction.atomic(durable=True):
        audit.record(
            actor, audit.EXPORT, obj=obj, detail={"what": SHEETS[kind], "households": count}
        )


def print_household(actor: Actor, pk: Any, kind: str) -> tuple[bytes, str]:
    """One household's 信息表 or 对照表 (.docx bytes, file name): 404 outside the account's
    scope, 403 inside it without PRINT_SHEETS; audited."""
    if kind not in SHEETS:
        raise Http404
    household = get_household_for_user(actor.user, pk, PRINT_SHEETS)
    out = io.BytesIO()
    _write(kind, out, [household.pk])
    _record_print(actor, kind, household, 1)
    return out.getvalue(), f"{SHEETS[kind]}-{household.number}"


def village_households(user: AnyUser, village: Region) -> list[int]:
    """Ids of the village's registered households (贫困户, 返贫, 脱贫) in the account's
    scope, in the order of the printed file (村民小组, 户编号)."""
    found = filter_households(
        Household.objects.filter(village_code=village.code, status__in=REGISTERED),
        user,
        PRINT_SHEETS,
    )
    return list(found.order_by("group", "number").values_list("pk", flat=True))


def printable_village(user: AnyUser, pk: Any) -> Region:
    """A village of the account's slice where it may print: 404 outside it (and for a
    region that is not a village), 403 inside it without PRINT_SHEETS."""
    region = get_region_for_user(user, pk, PRINT_SHEETS)
    if region.level != "village":
        raise Http404
    return region


def print_village(actor: Actor, pk: Any, kind: str) -> tuple[IO[bytes], str]:
    """Every registered household of a village in one .docx (a temporary file, read from
    its start), BATCH households at a time; audited with the count."""
    if kind not in SHEETS:
        raise Http404
    village = printable_village(actor.user, pk)
    ids = village_households(actor.user, village)
    target = tempfile.TemporaryFile()
    try:
        count = _write(kind, target, ids)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    _record_print(actor, kind, village, count)
    return target, f"{SHEETS[kind]}-{village.name}"


def print_village_sheet(actor: Actor, pk: Any) -> tuple[bytes, str]:
    """贫困村信息表 of a village (.docx bytes, file name); audited."""
    region = printable_village(actor.user, pk)
    out = io.BytesIO()
    village.write(out, village.village_facts(actor.user, region))
    with transaction.atomic(durable=True):
        audit.record(actor, audit.EXPORT, obj=region, detail={"what": "贫困村信息表"})
    return out.getvalue(), f"贫困村信息表-{region.name}"


def print_natural_sheet(actor: Actor, pk: Any) -> tuple[bytes, str]:
    """自然村信息表 of a village (.docx bytes, file name); audited."""
    region = printable_village(actor.user, pk)
    out = io.BytesIO()
    facts = natural.natural_facts(actor.user, region)
    natural.write(out, facts)
    with transaction.atomic(durable=True):
        audit.record(
            actor,
            audit.EXPORT,
            obj=region,
            detail={"what": "自然村信息表", "rows": len(facts.rows)},
        )
    return out.getvalue(), f"自然村信息表-{region.name}"


def print_selected(actor: Actor, ticked: Any, kind: str) -> tuple[IO[bytes], str]:
    """The ticked households (可选择多户) in one .docx: only those of the account's scope
    where it may print, registered ones, at most SELECTED_MAX; audited with the count."""
    if kind not in SHEETS:
        raise Http404
    if not access.role_allows(actor.user, PRINT_SHEETS):
        raise PermissionDenied
    ids = parse_ids(ticked)
    if len(ids) > SELECTED_MAX:
        raise ReportError(f"一次最多打印 {SELECTED_MAX} 户，请分批勾选。")
    found = filter_households(
        Household.objects.filter(pk__in=ids, status__in=REGISTERED), actor.user, PRINT_SHEETS
    ).order_by("village_code", "group", "number")
    rows = list(found.values_list("pk", "village_code"))
    if not rows:
        raise ReportError("请勾选要打印的贫困户。")
    target = tempfile.TemporaryFile()
    try:
        count = _write(kind, target, [pk for pk, _ in rows])
    except BaseException:
        target.close()
        raise
    target.seek(0)
    with transaction.atomic(durable=True):
        audit.record(
            actor,
            audit.EXPORT,
            region_code=rows[0][1],
            detail={"what": SHEETS[kind], "households": count, "ticked": True},
        )
    return target, f"{SHEETS[kind]}-{count}户"

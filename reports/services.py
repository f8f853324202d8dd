"""The actions of the reports app: every Excel file of a query and every printed sheet is
an export, checked against the account's permission and written to the audit trail (who,
what, the filters, the number of rows or households; never a name or an ID number)."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.roles import QUERY_CHANGES
from poverty_system.core.xlsx import Column, XlsxWriter

from . import queries

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

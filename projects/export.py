"""Excel exports of the project library, the fund queries, the ledgers and the assets: the
core's streaming writer (poverty_system.core.xlsx.XlsxWriter), so that a text a spreadsheet
would run as a formula is stored as text and reads back unchanged."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.xlsx import XLSX_CONTENT_TYPE, Column, XlsxWriter


def workbook(title: str, header: Sequence[str | Column], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet: the header (texts or Columns), then the rows."""
    book = XlsxWriter()
    columns = [c if isinstance(c, Column) else Column(c, width=14) for c in header]
    sheet = book.add_sheet(title, columns)
    sheet.append_header()
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(
    filename: str, title: str, header: Sequence[str | Column], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    response = HttpResponse(workbook(title, header, rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def audited_xlsx_response(
    actor: Actor,
    detail: dict[str, Any],
    filename: str,
    title: str,
    header: Sequence[str | Column],
    rows: Iterable[Sequence[Any]],
) -> HttpResponse:
    """导出 of a list: the workbook, and its audit entry (导出) with what was exported, the
    filters and the row count, scoped to the account's region (its auditor reads it)."""
    rows = list(rows)
    response = xlsx_response(filename, title, header, rows)
    roots = access.slice_roots(actor.user)
    audit.record(
        actor,
        audit.EXPORT,
        region_code=roots[0].code if len(roots) == 1 else "",
        detail={**detail, "rows": len(rows)},
    )
    return response

"""Excel exports of the project library, the fund queries, the ledgers and the assets: the
core's streaming writer (poverty_system.core.xlsx.XlsxWriter), so that a text a spreadsheet
would run as a formula is stored as text and reads back unchanged."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

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

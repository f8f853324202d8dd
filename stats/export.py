"""Every statistics table as an Excel file, through the core's streaming writer (which
stores a text a spreadsheet would run as a formula as plain text)."""

from __future__ import annotations

import io
from typing import Any

from poverty_system.core.xlsx import Column, XlsxWriter


def workbook(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    book = XlsxWriter()
    sheet = book.add_sheet(title, [Column(header[0], width=18), *(Column(h) for h in header[1:])])
    sheet.append_raw([title])
    sheet.append_header()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

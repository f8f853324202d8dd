"""Every statistics table as an Excel file (openpyxl's write-only workbook).

Cells that a spreadsheet would read as a formula (= + - @ at the start) are written as text
with a leading apostrophe; region names are the only text here, but the rule is kept.
TODO(w09): switch to the core writer poverty_system/core/xlsx.py once it is on main.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@")


def safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def workbook(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([safe(title)])
    sheet.append([safe(h) for h in header])
    for row in rows:
        sheet.append([safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

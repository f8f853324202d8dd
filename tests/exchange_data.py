"""Import files for the tests of 数据导入 and 导出, written with openpyxl as an official would
fill them (the template's layout, or the national 花名册 with title rows and its own column
order), and helpers to upload them and read back what the system exported."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook, load_workbook

from exchange.models import Job

from .households_data import make_id


def template_headers() -> list[str]:
    """The template's headers as the user sees them (row 3; required ones with *)."""
    from exchange.template import header_columns

    return [c.name for c in header_columns()]


def person(
    number: str,
    name: str,
    relation: str = "户主",
    id_number: str | None = None,
    **extra: str | int,
) -> dict[str, object]:
    """One member row of the template: the required columns and what the test adds."""
    row: dict[str, object] = {
        "户编号": number,
        "姓名": name,
        "证件号码": id_number or make_id(),
        "与户主关系": relation,
        "行政村": "仓前村",
        "民族": "汉族",
        "文化程度": "初中",
        "健康状况": "健康",
        "劳动技能": "普通劳动力",
        "贫困户属性": "一般贫困户",
        "主要致贫原因": "因病",
        "联系电话": "13812345678",
        "耕地面积（亩）": 3.5,
        "工资性收入": 6000,
    }
    row.update(extra)
    return row


def workbook(
    rows: Sequence[dict[str, object]],
    headers: Sequence[str] | None = None,
    *,
    titles: Sequence[str] = ("贫困人口花名册（导入模板）", "说明见“说明”工作表"),
    text_ids: bool = True,
) -> bytes:
    """An .xlsx with title rows, then the header, then one row per dict (missing keys empty).
    Headers default to the keys used, in the template's order."""
    if headers is None:
        wanted = {k for r in rows for k in r}
        headers = [h for h in template_headers() if h.lstrip("*") in wanted]
        headers += [k for r in rows for k in r if k not in {h.lstrip("*") for h in headers}]
        headers = list(dict.fromkeys(headers))
    book = Workbook()
    sheet = book.active
    sheet.title = "贫困人口花名册"
    for title in titles:
        sheet.append([title])
    sheet.append(list(headers))
    for row in rows:
        values = [row.get(h.lstrip("*"), "") for h in headers]
        sheet.append(values)
        if text_ids:
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.isdigit():
                    cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "导入.xlsx"):
    """POST the file to 数据导入; (job or None, response)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/exchange/import/upload/",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
    )
    job = None
    if response.status_code == 302 and "/exchange/imports/" in response.url:
        job = Job.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    return job, response


def sheet_rows(data: bytes, sheet: str | None = None) -> list[list[object]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    ws = book[sheet] if sheet else book.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    book.close()
    return rows


def as_dicts(data: bytes, sheet: str | None = None, header_row: int = 3) -> list[dict[str, object]]:
    rows = sheet_rows(data, sheet)
    header = [str(h or "").lstrip("*") for h in rows[header_row - 1]]
    return [dict(zip(header, r, strict=False)) for r in rows[header_row:] if any(r)]

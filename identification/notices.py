"""村内公示, 乡镇公示 and 公告 of a village: generated from a list of allowed fields only.

A notice row is built field by field from NOTICE_FIELDS; nothing else of the household is
read, so an ID number, a phone, a bank account, an income or a health detail can never be on
the printed page or in the Word file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone

from poverty_system.core.dates import current_year
from villages.models import Region

from .chains import KIND_LABELS, NEW, RETURN, chain_of
from .models import CaseEvent
from .states import rules_for

STAGES = {
    "village_publicity": ("村内公示", ("village_publicity",)),
    "township_publicity": ("乡镇公示", ("township_publicity",)),
    "announcement": ("公告", ("announcement", "exit_announcement")),
}
# The only household fields a notice may show.
NOTICE_FIELDS = ("group", "head_name", "size")
COLUMNS = ("序号", "村民小组", "户主姓名", "家庭人口", "类别", "开始日期", "结束日期")


@dataclass
class Notice:
    village: Region
    title: str
    year: int
    rows: list[tuple[str, ...]]
    township_phone: str
    county_phone: str


def _kind(kind: str) -> str:
    return KIND_LABELS[kind] if kind in (NEW, RETURN) else chain_of(kind).label


def build(
    village: Region,
    stage: str,
    year: int | None = None,
    *,
    stages: dict[str, tuple[str, tuple[str, ...]]] | None = None,
    subject: str = "扶贫对象",
) -> Notice:
    """The notice of a village: `stages` (a higher app's own, e.g. monitoring's) name the
    step codes read; the rows are always NOTICE_FIELDS only."""
    label, codes = (stages or STAGES)[stage]
    year = year or current_year()
    latest: dict[int, CaseEvent] = {}
    events = (
        CaseEvent.objects.filter(case__household__village=village, case__year=year, step__in=codes)
        .select_related("case")
        .order_by("at", "pk")
    )
    for event in events:
        latest[event.case_id] = event
    households = {}
    if latest:
        from households.models import Household

        households = {
            h["pk"]: h
            for h in Household.objects.filter(
                pk__in=[e.case.household_id for e in latest.values()]
            ).values("pk", *NOTICE_FIELDS)
        }
    rows = []
    for i, event in enumerate(sorted(latest.values(), key=lambda e: (e.case.kind, e.pk)), 1):
        h = households[event.case.household_id]
        rows.append(
            (
                str(i),
                h["group"] or "—",
                h["head_name"],
                f"{h['size']} 人",
                _kind(event.case.kind),
                f"{event.start_date:%Y-%m-%d}" if event.start_date else "",
                f"{event.end_date:%Y-%m-%d}" if event.end_date else "",
            )
        )
    rules = rules_for(village.code)
    township = village.parent.name if village.parent else ""
    return Notice(
        village=village,
        title=f"{township}{village.name}{year}年度{subject}{label}",
        year=year,
        rows=rows,
        township_phone=rules.township_phone or "（未设置）",
        county_phone=rules.county_phone or "（未设置）",
    )


def docx_bytes(notice: Notice) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(notice.title, level=1)
    document.add_paragraph(
        "根据扶贫对象识别和退出程序，经农户申请（或民主评议）、村两委和驻村工作队核实，"
        "现将以下户予以公示（公告），如有异议，请在公示期内向村委会或监督电话反映。"
    )
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = text
    for row in notice.rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    document.add_paragraph(f"乡镇监督电话：{notice.township_phone}")
    document.add_paragraph(f"县级监督电话：{notice.county_phone}")
    document.add_paragraph(
        f"{notice.village.name}村民委员会    {timezone.localdate():%Y年%m月%d日}"
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

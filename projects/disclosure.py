"""公告公示: what a notice shows, from a list of allowed fields only, and its board document
(Word, A4) with a QR code to the public page. Nothing of a household is ever shown; free
text of the project passes through privacy.redact."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.urls import reverse

from .choices import BUDGET_FIELDS, Source
from .ledger import project_totals
from .models import Notice
from .privacy import redact

# Between the national hotline 12317 and the county's own supervision phone on a notice.
HOTLINE_SEPARATOR = "、"

# The project fields a notice may show (name, place, 实施单位 and responsible person, period,
# content, subsidy standard, fund source and amount, 绩效目标, 联农带农).
ALLOWED_FIELDS = (
    "number",
    "year",
    "name",
    "category",
    "nature",
    "content",
    "scale",
    "planned_start",
    "planned_end",
    "responsible_unit",
    "responsible_person",
    "subsidy_standard",
    "link_mechanism",
    "goal_people",
    "goal_acceptance_rate",
    "goal_satisfaction",
    "approval_number",
    "approval_date",
    "state",
)


def public_url(notice: Notice) -> str:
    return settings.SITE_URL + reverse("project_notice_public", args=[notice.token])


def _text(value: Any) -> str:
    return redact(str(value)) if value not in (None, "") else "—"


def facts(notice: Notice) -> dict[str, Any]:
    """The notice's content as (label, text) rows and money rows."""
    p = notice.project
    period = f"{p.planned_start or '—'} 至 {p.planned_end or '—'}"
    rows = [
        ("项目编号", p.number),
        ("项目名称", _text(p.name)),
        ("年度", str(p.year)),
        ("项目类别", p.get_category_display()),
        ("建设性质", p.get_nature_display()),
        ("实施地点", p.region.name),
        ("建设内容", _text(p.content)),
        ("建设规模", _text(p.scale)),
        ("实施期限", period),
        ("责任单位", _text(p.responsible_unit)),
        ("实施单位", _text(p.implementing_unit.name if p.implementing_unit else "")),
        ("项目负责人", _text(p.responsible_person)),
        ("补助标准", _text(p.subsidy_standard)),
        ("联农带农机制", _text(p.link_mechanism)),
        (
            "绩效目标",
            f"受益脱贫(监测)人口 {p.goal_people} 人；验收合格率 {p.goal_acceptance_rate}%；"
            f"满意度 {p.goal_satisfaction}%",
        ),
        ("批复文号", _text(p.approval_number)),
        ("项目状态", p.get_state_display()),
    ]
    money = [
        (Source(source).label, getattr(p, field))
        for source, field in BUDGET_FIELDS.items()
        if getattr(p, field)
    ]
    totals = project_totals(p)
    return {
        "title": f"{notice.get_kind_display()}：{_text(p.name)}",
        "rows": rows,
        "money": money,
        "budget_total": p.budget_total,
        "disbursed": totals["disbursed"],
        "spent": totals["spent"],
        "progress": totals["progress"],
        "published_on": notice.published_on,
        "board_until": notice.board_until,
        "hotline": notice.hotline,
        "phones": notice.hotline.split(HOTLINE_SEPARATOR),  # each dialled on its own
        "url": public_url(notice),
    }


def board_document(notice: Notice) -> bytes:
    """The board document: A4, the notice's facts, the hotline and the QR code."""
    from docx import Document
    from docx.shared import Mm, Pt

    from archives.qr import make_png
    from poverty_system.core.formatting import yuan

    content = facts(notice)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    doc.add_heading(content["title"], level=1)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in content["rows"]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, str(value)
    for label, amount in content["money"]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = f"资金来源：{label}", yuan(amount)
    cells = table.add_row().cells
    cells[0].text, cells[1].text = "资金总额", yuan(content["budget_total"])
    para = doc.add_paragraph(
        f"公示期：{content['published_on']:%Y-%m-%d} 至 {content['board_until']:%Y-%m-%d}。"
        f"如有异议，请在公示期内向县乡村振兴局反映。监督电话：{content['hotline']}。"
    )
    para.runs[0].font.size = Pt(11)
    doc.add_paragraph("扫描二维码查看项目进展、资金使用情况并在线反馈：")
    doc.add_picture(io.BytesIO(make_png(content["url"])), width=Mm(40))
    doc.add_paragraph(content["url"])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

"""The printable sheets as WordprocessingML, written through the core's streaming writer
(poverty_system.core.word: A4, 宋体, page numbers): 贫困户信息表 (the whole record) and
贫困户信息对照表 (last year's value beside today's, changes marked ★ and shaded, an empty
column for what the home visit finds), one household after the other, each on its own page.

ID numbers, phones and bank accounts are printed masked, as the lists show them
(households.changelog.display). Values are shown as the forms show them: choice labels,
是/否, amounts in 元.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from households.changelog import display, mask_value
from households.choices import MemberChange
from households.forms import PART_FORMS
from households.models import Household, Member
from poverty_system.core.formatting import yuan
from poverty_system.core.word import (
    StreamDocument,
    body_width,
    cell,
    heading,
    para,
    row,
    run,
    spacer,
    table,
)

from .records import Record

W = body_width()
SHADE = "D9D9D9"  # a changed value: grey, so that it shows on a black-and-white printer
HEAD = "F2F2F2"
MARK = "★"

# Fields of the household, part by part (the registration form's order), with the two
# the member actions keep (户主姓名, 家庭人口) and the computed 人均纯收入.
SECTIONS: list[tuple[str, list[str]]] = [
    ("家庭基本情况", ["status", "head_name", "size", *PART_FORMS[1]._meta.fields]),
    ("生产生活条件", list(PART_FORMS[2]._meta.fields)),
    ("家庭收入情况", [*PART_FORMS[3]._meta.fields, "net_income_per_capita"]),
    ("致贫原因", list(PART_FORMS[4]._meta.fields)),
]
MEMBER_FIELDS = [
    "relation",
    "id_number",
    "education",
    "school_status",
    "health",
    "labour",
    "work_status",
    "months_away",
    "has_basic_medical",
    "has_serious_illness",
    "has_pension",
]
MEMBER_LABELS = {
    "relation": "与户主关系",
    "id_number": "证件号码",
    "education": "文化程度",
    "school_status": "在校生状况",
    "health": "健康状况",
    "labour": "劳动能力",
    "work_status": "务工状况",
    "months_away": "务工月数",
    "has_basic_medical": "基本医疗保险",
    "has_serious_illness": "大病保险",
    "has_pension": "养老保险",
}


def _field(model: Any, name: str) -> Any:
    return model._meta.get_field(name)


def _value(model: Any, name: str, obj: Any) -> str:
    if obj is None:
        return ""
    value = getattr(obj, name)
    if name == "size":
        return f"{value} 人"
    text = display(_field(model, name), value)
    return "" if text == "（空）" else text


def _label(model: Any, name: str) -> str:
    return str(_field(model, name).verbose_name)


def _place(h: Household) -> str:
    village = h.village
    township = village.parent
    county = township.parent if township else None
    names = [r.name for r in (county, township, village) if r is not None]
    return " ".join(names) + (f" {h.group}" if h.group else "")


def _title_block(title: str, h: Household, note: str, *, first: bool) -> str:
    return (
        heading(title, page_break=not first)
        + para(
            run(f"{_place(h)}    户编号：{h.number}    户主：{h.head_name or '（未填）'}", size=20),
            after=40,
            align="center",
        )
        + para(run(note, size=18), after=80, align="center")
    )


def _section(title: str) -> str:
    return para(run(title, size=22, bold=True), after=40, extra='<w:keepNext w:val="1"/>')


def _kv_table(pairs: list[tuple[str, str]]) -> str:
    """Label/value pairs two by two across the page."""
    widths = [W * 18 // 100, W * 32 // 100, W * 18 // 100, W - W * 68 // 100]
    rows = []
    for i in range(0, len(pairs), 2):
        cells = []
        for label, value in pairs[i : i + 2]:
            cells += [cell(label, widths[0], shade=HEAD), cell(value, widths[1])]
        if len(pairs[i : i + 2]) == 1:
            cells += [cell("", widths[0], shade=HEAD), cell("", widths[1])]
        rows.append(row(cells))
    return table(widths, rows) + spacer()


def _grid(headers: list[str], widths: list[int], lines: Iterable[list[str]], size=16) -> str:
    rows = [
        row(
            [
                cell(t, w, size=size, bold=True, shade=HEAD)
                for t, w in zip(headers, widths, strict=True)
            ],
            header=True,
        )
    ]
    for line in lines:
        rows.append(row([cell(t, w, size=size) for t, w in zip(line, widths, strict=True)]))
    if len(rows) == 1:
        rows.append(row([cell("无", sum(widths), size=size, span=len(widths))]))
    return table(widths, rows) + spacer()


def _member_change(m: Member) -> str:
    if not m.change:
        return ""
    label = dict(MemberChange.choices).get(m.change, m.change)
    month = f" {m.change_month:%Y-%m}" if m.change_month else ""
    return f"{label}{month}"


def _signatures(*labels: str) -> str:
    text = "        ".join(f"{label}：____________" for label in labels)
    return para(run(text, size=20), after=0, extra='<w:spacing w:before="240" w:after="0"/>')


def _printed_on() -> str:
    return f"打印日期：{timezone.localdate():%Y年%m月%d日}"


# --- 贫困户信息表 -----------------------------------------------------------------------------

MEMBER_GRID = [1100, 700, 1700, 850, 950, 950, 900, 950, 500, 1400]


def info_sheet(record: Record, *, first: bool) -> str:
    h = record.household
    out = [_title_block("贫困户信息表", h, _printed_on(), first=first)]
    for number, (title, names) in enumerate(SECTIONS[:1], 1):
        out.append(_section(f"{number}. {title}"))
        out.append(_kv_table([(_label(Household, n), _value(Household, n, h)) for n in names]))
    out.append(_section("2. 家庭成员"))
    widths = _scaled(MEMBER_GRID)
    headers = [
        "姓名",
        "与户主关系",
        "证件号码",
        "文化程度",
        "在校生状况",
        "健康状况",
        "劳动能力",
        "务工状况",
        "务工月数",
        "参保情况（医疗/大病/养老）",
    ]
    lines = []
    for m in record.members:
        insured = "/".join(
            "是" if getattr(m, f) else "否"
            for f in ("has_basic_medical", "has_serious_illness", "has_pension")
        )
        name = m.name if m.active else f"{m.name}（已减少：{_member_change(m)}）"
        lines.append(
            [name]
            + [_value(Member, f, m) for f in MEMBER_FIELDS[:7]]
            + [str(m.months_away), insured]
        )
    out.append(_grid(headers, widths, lines))
    for number, (title, names) in enumerate(SECTIONS[1:], 3):
        out.append(_section(f"{number}. {title}"))
        pairs = [(_label(Household, n), _value(Household, n, h)) for n in names]
        if title == "家庭收入情况":
            pairs += [("转移性收入", yuan(h.transfer_income)), ("家庭总收入", yuan(h.total_income))]
        out.append(_kv_table(pairs))
    out.append(_section("6. 帮扶责任人和帮扶单位"))
    p = record.pairing
    out.append(
        _kv_table(
            [
                ("帮扶责任人", p.cadre or "（待分配）"),
                ("联系电话", mask_value("phone", p.cadre_phone) if p.cadre_phone else ""),
                ("帮扶单位", p.unit or "（待分配）"),
                ("计划脱贫年度", str(record.survey.exit_year or "") if record.survey else ""),
            ]
        )
    )
    out.append(_section(f"7. 帮扶措施（{timezone.localdate().year}年）"))
    if record.survey is not None and record.survey.wishes:
        out.append(para(run(f"发展意愿：{record.survey.wishes}", size=18)))
    widths = _scaled([1500, 4800, 1400, 1200])
    out.append(
        _grid(
            ["措施类型", "措施内容", "金额", "落实情况"],
            widths,
            (
                [m.get_kind_display(), m.description, yuan(m.amount), m.get_status_display()]
                for m in record.measures
            ),
        )
    )
    out.append(_section("8. 状态变更记录"))
    widths = _scaled([1300, 700, 2600, 4300])
    out.append(
        _grid(
            ["日期", "年度", "状态变更", "意见/原因"],
            widths,
            (
                [
                    f"{timezone.localtime(c.at):%Y-%m-%d}",
                    str(c.year),
                    f"{c.get_from_status_display() or '—'} → {c.get_to_status_display()}",
                    c.reason,
                ]
                for c in record.changes
            ),
        )
    )
    out.append(_signatures("户主（签字）", "填表人", "日期"))
    return "".join(out)


def _scaled(widths: list[int]) -> list[int]:
    total = sum(widths)
    scaled = [w * W // total for w in widths]
    scaled[-1] += W - sum(scaled)
    return scaled


# --- 贫困户信息对照表 ---------------------------------------------------------------------------


def _compare_cells(last: str, now: str, changed: bool, widths: list[int]) -> list[str]:
    return [
        cell(last, widths[1]),
        cell((MARK + " " if changed else "") + now, widths[2], shade=SHADE if changed else ""),
        cell(MARK if changed else "", widths[3], align="center", bold=True),
        cell("", widths[4]),
    ]


def comparison_sheet(record: Record, year: int, *, first: bool) -> str:
    """对照表 of one household: `year` is last year, whose 31 December the values are taken at."""
    h, last = record.household, record.last
    end = datetime.date(year, 12, 31)
    note = (
        f"上年底：{end:%Y年%m月%d日}    当前：{timezone.localdate():%Y年%m月%d日}    "
        f"标 {MARK} 的项目上年底以来已有变化"
    )
    out = [_title_block(f"贫困户信息对照表（{year + 1}年）", h, note, first=first)]
    if last is None:
        out.append(
            para(
                run(
                    f"本户在 {end:%Y年%m月%d日} 尚未登记（本年新识别或新录入），上年底一栏为空；"
                    "新识别户请使用《贫困户信息采集表》采集。",
                    size=18,
                ),
                after=60,
            )
        )
    out.append(
        para(
            run(
                "请入户逐项核实：有变化的，在“入户核实情况”栏填写变化后的情况；无变化的，打“√”。",
                size=18,
            ),
            after=60,
        )
    )
    widths = _scaled([2300, 2600, 2600, 500, 2600])
    header = row(
        [
            cell(t, w, bold=True, shade=HEAD, size=18)
            for t, w in zip(
                ["项目", f"上年底（{end:%Y-%m-%d}）", "当前", "变化", "入户核实情况"],
                widths,
                strict=True,
            )
        ],
        header=True,
    )
    for number, (title, names) in enumerate(SECTIONS, 1):
        out.append(_section(f"{number}. {title}"))
        rows = [header]
        for name in names:
            before = _value(Household, name, last) if last is not None else ""
            now = _value(Household, name, h)
            changed = last is not None and getattr(last, name) != getattr(h, name)
            rows.append(
                row(
                    [
                        cell(_label(Household, name), widths[0]),
                        *_compare_cells(before, now, changed, widths),
                    ]
                )
            )
        out.append(table(widths, rows) + spacer())
    out.append(_section(f"{len(SECTIONS) + 1}. 家庭成员"))
    out.append(_member_comparison(record))
    out.append(_signatures("调查人（签字）", "户主（签字）", "调查日期"))
    return "".join(out)


MEMBER_COMPARE_GRID = [1000, 620, 760, 1650, 700, 820, 760, 820, 900, 430, 450, 450, 450]


def _member_comparison(record: Record) -> str:
    """Each member in three rows: 上年底, 当前 (changes ★ and shaded) and 核实 (empty)."""
    widths = _scaled(MEMBER_COMPARE_GRID)
    headers = ["姓名", "时点"] + [MEMBER_LABELS[f] for f in MEMBER_FIELDS]
    size = 15
    rows = [
        row(
            [
                cell(t, w, size=size, bold=True, shade=HEAD)
                for t, w in zip(headers, widths, strict=True)
            ],
            header=True,
        )
    ]
    lasts = record.last_members
    shown = [m for m in record.members if m.active or (m.pk in lasts and lasts[m.pk].active)]
    for m in shown:
        before = lasts.get(m.pk)
        if before is not None and not before.active:
            before = None
        name = m.name + ("（本年新增）" if before is None else "")
        if before is not None:
            last_cells = [
                cell(_value(Member, f, before), w, size=size)
                for f, w in zip(MEMBER_FIELDS, widths[2:], strict=True)
            ]
        else:
            last_cells = [cell("—", sum(widths[2:]), size=size, span=len(MEMBER_FIELDS))]
        if m.active:
            now_cells = []
            for f, w in zip(MEMBER_FIELDS, widths[2:], strict=True):
                changed = before is not None and getattr(before, f) != getattr(m, f)
                text = (MARK if changed else "") + _value(Member, f, m)
                now_cells.append(cell(text, w, size=size, shade=SHADE if changed else ""))
        else:
            now_cells = [
                cell(
                    f"{MARK} 已减少：{_member_change(m)}",
                    sum(widths[2:]),
                    size=size,
                    shade=SHADE,
                    span=len(MEMBER_FIELDS),
                )
            ]
        name_cell = cell(name, widths[0], size=size, bold=True)
        rows.append(row([name_cell, cell("上年底", widths[1], size=size), *last_cells]))
        rows.append(
            row([cell("", widths[0], size=size), cell("当前", widths[1], size=size), *now_cells])
        )
        rows.append(
            row(
                [cell("", widths[0], size=size), cell("核实", widths[1], size=size)]
                + [cell("", w, size=size) for w in widths[2:]],
                height=400,
            )
        )
    rows.append(
        row(
            [cell("新增成员", widths[0], size=size, bold=True), cell("核实", widths[1], size=size)]
            + [cell("", w, size=size) for w in widths[2:]],
            height=400,
        )
    )
    return table(widths, rows) + spacer()


# --- files -------------------------------------------------------------------------------


def write_info(target: Any, batches: Iterable[list[Record]]) -> int:
    """贫困户信息表 of every household of the batches into one .docx; returns the count."""
    count = 0
    with StreamDocument(target) as document:
        for batch in batches:
            for record in batch:
                document.write(info_sheet(record, first=count == 0))
                count += 1
        if not count:
            document.write(para(run("没有可打印的贫困户。")))
    return count


def write_comparison(target: Any, batches: Iterable[list[Record]], year: int) -> int:
    """贫困户信息对照表 of every household of the batches into one .docx."""
    count = 0
    with StreamDocument(target) as document:
        for batch in batches:
            for record in batch:
                document.write(comparison_sheet(record, year, first=count == 0))
                count += 1
        if not count:
            document.write(para(run("没有可打印的贫困户。")))
    return count

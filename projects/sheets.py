"""The project library and the fund ledger in Excel: the columns of the export and of the
import template (the same headers, so that the reader maps a column by its text wherever it
stands), the templates with their drop-downs and 说明 sheet, and the whole-file check of an
upload, row by row, before any action runs (projects.services.imports).

A library row becomes a project at 村级录入 in its village; a ledger row becomes one movement
through the ledger's own action, so the balances are checked exactly as when typed in."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone

from poverty_system.core.xlsx import Column, Report, Table, XlsxWriter
from villages.models import Region

from .choices import BUDGET_FIELDS, Category, Nature, Source
from .choices import MovementKind as M
from .models import FundMovement, Project

TEMPLATE_ROWS = 1000  # rows that carry the drop-downs


@dataclass(frozen=True)
class Col:
    header: str
    name: str  # the Project field (or a name of the file: township, village, number ...)
    kind: str = "text"  # text, year, int, money, date, or "choice" (labels in `choices`)
    required: bool = False
    choices: tuple[str, ...] = ()
    width: float = 14
    note: str = ""
    max_length: int = 0  # of a text column that is not a Project field


def _f(name: str) -> Any:
    return Project._meta.get_field(name)


def _labels(choices: Any) -> tuple[str, ...]:
    return tuple(str(label) for _, label in choices.choices)


# --- the project library ----------------------------------------------------------------

LIBRARY: tuple[Col, ...] = (
    Col("项目编号", "number", note="新项目不填，由系统生成；填写已在项目库中的编号的行不能导入。"),
    Col("年度", "year", "year", True, width=8, note="2014 至 2035。"),
    Col("项目名称", "name", required=True, width=30),
    Col("项目类别", "category", "choice", True, _labels(Category)),
    Col("项目子类", "subcategory"),
    Col("建设性质", "nature", "choice", False, _labels(Nature), note="不填为“新建”。"),
    Col("乡镇", "township", note="本县有同名的村时必填。"),
    Col("实施地点（村）", "village", required=True, note="本县的村（村委会、居委会）全称。"),
    Col("建设内容", "content", required=True, width=30),
    Col("建设规模", "scale"),
    Col("计划开工日期", "planned_start", "date", note="如 2026-03-01。"),
    Col("计划完工日期", "planned_end", "date", note="不能早于计划开工日期。"),
    Col("责任单位", "responsible_unit"),
    Col("项目负责人", "responsible_person"),
    *(
        Col(str(_f(f).verbose_name), f, "money", note="不填为 0；各项资金至少一项大于 0。")
        for f in BUDGET_FIELDS.values()
    ),
    Col("补助标准", "subsidy_standard"),
    Col("联农带农机制", "link_mechanism", width=24),
    Col("受益脱贫(监测)人口数（人）", "goal_people", "int"),
)
# Written by the export after the columns of the template; not read back.
LIBRARY_EXTRA = ("资金规模合计（元）", "实施单位", "状态", "办理期限")
LIBRARY_MARKS = ("项目名称", "实施地点（村）")


def library_columns(template: bool = False) -> list[Column]:
    cols = [
        Column(
            ("*" if c.required and template else "") + c.header, width=c.width, choices=c.choices
        )
        for c in LIBRARY
    ]
    return cols if template else cols + [Column(h, width=14) for h in LIBRARY_EXTRA]


def library_rows(found: QuerySet[Project]) -> Iterator[list[Any]]:
    for p in found.select_related("region__parent", "implementing_unit").iterator(2000):
        values = {c.name: getattr(p, c.name, "") for c in LIBRARY}
        values.update(
            category=p.get_category_display(),
            nature=p.get_nature_display(),
            township=p.region.parent.name if p.region.parent else "",
            village=p.region.name,
        )
        due = f"{p.due_label} {p.due_on:%Y-%m-%d}" if p.due_on else ""
        unit = p.implementing_unit.name if p.implementing_unit else ""
        yield [
            *(values[c.name] for c in LIBRARY),
            p.budget_total,
            unit,
            p.get_state_display(),
            due,
        ]


# --- the fund ledger ----------------------------------------------------------------------

KIND_LABELS = {**{str(label): value for value, label in M.choices}, "下拨": M.DISBURSED}
LEDGER: tuple[Col, ...] = (
    Col("日期", "date", "date", True, note="如 2026-03-01，不能晚于今天。"),
    Col("类型", "kind", "choice", True, _labels(M), width=8, note="“下拨”同“拨付”。"),
    Col("资金来源", "source", "choice", True, _labels(Source), width=18),
    Col("项目编号", "number", width=20, note="安排、拨付、支出、报账必填：本县已批复的项目。"),
    Col("项目名称", "project_name", width=30, note="导入时不读取。"),
    Col("金额（元）", "amount", "money", True, note="大于 0；冲正请在系统中操作。"),
    Col("文号/凭证号", "doc_number", required=True, width=20, max_length=60),
    Col("摘要", "note", width=30, max_length=200),
)
LEDGER_MARKS = ("类型", "金额（元）")


def ledger_columns(template: bool = False) -> list[Column]:
    return [
        Column(
            ("*" if c.required and template else "") + c.header, width=c.width, choices=c.choices
        )
        for c in LEDGER
    ]


def ledger_rows(found: QuerySet[FundMovement]) -> Iterator[list[Any]]:
    for m in found.select_related("account", "project").order_by("date", "pk").iterator(2000):
        yield [
            m.date,
            m.get_kind_display(),
            m.account.get_source_display(),
            m.project.number if m.project else "",
            m.project.name if m.project else "",
            m.amount,
            m.doc_number,
            m.note,
        ]


# --- the templates -----------------------------------------------------------------------

GENERAL = (
    "导入说明",
    "1. 系统按表头文字识别各列，列的顺序可以调整；带 * 的列必须填写。"
    "本系统导出的文件也可按此格式导入。",
    "2. 导入前系统先检查整个文件：只要有一行有错误，就不写入任何数据，"
    "并在页面上列出每行每列的问题；改正后重新导入。",
    "3. 单元格不能是公式；日期写作 2026-03-01。",
)
LIBRARY_GENERAL = (
    "4. 每行一个项目，导入后为“村级录入”状态，由项目所在村上传会议记录和公示照片后申报，"
    "再经乡镇审核、县级论证入库。",
)
LEDGER_GENERAL = (
    "4. 每行一笔资金，按行的顺序逐笔记账，与在系统中逐笔录入的检查相同：任何一行使可安排、"
    "待拨、已拨付资金为负数，或报账超过支出，整个文件都不写入。",
    "5. 与已记录的资金完全相同（类型、资金来源、项目、金额、日期和文号都相同）的行不能导入，"
    "同一文件不会重复记账。",
)


def write_template(target: IO[bytes], kind: str) -> None:
    cols, columns, title, general = (
        (LIBRARY, library_columns(True), "项目库（导入模板）", LIBRARY_GENERAL)
        if kind == "library"
        else (LEDGER, ledger_columns(True), "扶贫资金（导入模板）", LEDGER_GENERAL)
    )
    book = XlsxWriter()
    sheet = book.add_sheet(title.split("（")[0], columns)
    sheet.append_raw([title])
    sheet.append_header()
    sheet.add_choices(TEMPLATE_ROWS + sheet.rows)
    notes = book.add_sheet(
        "说明", [Column("列名", width=24), Column("必填", width=6), Column("说明", width=70)]
    )
    for line in GENERAL + general:
        notes.append_raw([line])
    notes.append_raw([])
    notes.append_header()
    for c in cols:
        accepted = f"可填写：{'、'.join(c.choices)}。" if c.choices else ""
        notes.append([c.header, "是" if c.required else "", (c.note + accepted).strip()])
    book.save(target)


# --- reading a file ---------------------------------------------------------------------

DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?: .*)?$")


def parse_date(text: str) -> datetime.date:
    match = DATE_RE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if match is None:
        raise ValueError("日期格式不正确，请写作 2026-03-01。")
    try:
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError("不是有效的日期。") from None


def parse_money(text: str) -> Decimal:
    try:
        amount = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError("请填写数字（元）。") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("金额不能为负数。")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("金额最多两位小数。")
    if amount >= Decimal("100000000000"):
        raise ValueError("金额过大，请核对。")
    return amount


def _int(text: str, lo: int, hi: int) -> int:
    try:
        number = int(text)
    except ValueError:
        raise ValueError("请填写整数。") from None
    if not lo <= number <= hi:
        raise ValueError(f"须在 {lo} 至 {hi} 之间。")
    return number


PARSERS: dict[str, Callable[[str], Any]] = {
    "year": lambda t: _int(t, 2014, 2035),
    "int": lambda t: _int(t, 0, 10_000_000),
    "money": parse_money,
    "date": parse_date,
}


@dataclass
class Parsed:
    """The rows that passed the file's checks (each for the action), and every problem."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    columns: dict[str, str] = field(default_factory=dict)  # field name -> header shown

    def column(self, name: str | None) -> str:
        return self.columns.get(name or "", "")


def _cells(table: Table, cols: tuple[Col, ...], parsed: Parsed) -> Iterator[tuple[int, dict]]:
    """Each row's values by column name, converted; a bad cell is a problem of its row."""
    index = {c.name: table.index(c.header) for c in cols}
    parsed.columns = {c.name: c.header for c in cols}
    parsed.columns.update(project="项目编号", region="实施地点（村）")
    for c in cols:
        if c.required and index[c.name] is None:
            parsed.report.add(table.header_row, c.header, f"缺少“{c.header}”列。")
    if not parsed.report.ok:
        return
    for row in table.rows:
        values: dict[str, Any] = {}
        bad = False
        for c in cols:
            text = row.get(index[c.name])
            if not text:
                if c.required:
                    parsed.report.add(row.number, c.header, f"请填写{c.header}。")
                    bad = True
                values[c.name] = None
                continue
            try:
                values[c.name] = _convert(c, text)
            except ValueError as exc:
                parsed.report.add(row.number, c.header, str(exc))
                bad = True
        if not bad:
            yield row.number, values


def _convert(c: Col, text: str) -> Any:
    if c.kind == "choice":
        if text not in c.choices and not (c.name == "kind" and text in KIND_LABELS):
            raise ValueError(f"“{text}”不是可选的值，可填写：{'、'.join(c.choices)}。")
        return text
    if c.kind in PARSERS:
        return PARSERS[c.kind](text)
    limit = c.max_length or getattr(_field_or_none(c.name), "max_length", None) or 2000
    if len(text) > limit:
        raise ValueError(f"不能超过 {limit} 个字（现为 {len(text)} 个字）。")
    return text


def _field_or_none(name: str) -> Any:
    try:
        return _f(name)
    except Exception:  # a column of the file, not of the project
        return None


CATEGORY = {str(label): value for value, label in Category.choices}
NATURE = {str(label): value for value, label in Nature.choices}
SOURCE = {str(label): value for value, label in Source.choices}
TEXT_FIELDS = ("name", "subcategory", "content", "scale", "responsible_unit")
TEXT_FIELDS += ("responsible_person", "subsidy_standard", "link_mechanism")


class Villages:
    """The villages of one county by name (and township name, for a name used twice)."""

    def __init__(self, county: Region):
        lo, hi = county.code_range
        found = Region.objects.filter(level="village", code__gte=lo, code__lt=hi)
        self.by_name: dict[str, list[Region]] = {}
        for village in found.select_related("parent"):
            self.by_name.setdefault(village.name, []).append(village)
        self.county = county

    def find(self, name: str, township: str | None) -> Region:
        found = self.by_name.get(name, [])
        if township:
            found = [v for v in found if v.parent and v.parent.name == township]
        if not found:
            where = f"{township}" if township else self.county.name
            raise ValueError(f"{where}没有名为“{name}”的村。")
        if len(found) > 1:
            raise ValueError(f"{self.county.name}有 {len(found)} 个“{name}”，请填写乡镇。")
        return found[0]


def parse_library(table: Table, county: Region) -> Parsed:
    """Every row checked: cells, the village in the county, a 项目编号 already in the library;
    each good row as the data of library.enter_project (region under "region")."""
    parsed = Parsed()
    cells = list(_cells(table, LIBRARY, parsed))
    villages = Villages(county)
    numbers = {v["number"] for _, v in cells if v["number"]}
    known = set(Project.objects.filter(number__in=numbers).values_list("number", flat=True))
    for number, values in cells:
        if values["number"] in known:
            parsed.report.add(number, "项目编号", f"项目 {values['number']} 已在项目库中。")
            continue
        try:
            region = villages.find(values["village"], values["township"])
        except ValueError as exc:
            parsed.report.add(number, "实施地点（村）", str(exc))
            continue
        data = {f: values[f] for f in BUDGET_FIELDS.values()}
        data = {f: v if v is not None else Decimal("0") for f, v in data.items()}
        data.update({f: values[f] or "" for f in TEXT_FIELDS})
        data.update(
            year=values["year"],
            category=CATEGORY[values["category"]],
            nature=NATURE.get(values["nature"] or "", Nature.NEW),
            planned_start=values["planned_start"],
            planned_end=values["planned_end"],
            goal_people=values["goal_people"] or 0,
            region=region,
        )
        parsed.rows.append((number, data))
    return parsed


def parse_ledger(table: Table, county: Region) -> Parsed:
    """Every row checked: cells, the project number a project of the county; each good row
    as the arguments of funds.enter_movement."""
    parsed = Parsed()
    cells = list(_cells(table, LEDGER, parsed))
    numbers = {v["number"] for _, v in cells if v["number"]}
    projects = {
        p.number: p for p in Project.objects.filter(county_code=county.code, number__in=numbers)
    }
    today = timezone.localdate()
    for number, values in cells:
        project = projects.get(values["number"] or "")
        if values["number"] and project is None:
            parsed.report.add(number, "项目编号", f"{values['number']} 不是本县的项目。")
            continue
        if values["date"] > today:
            parsed.report.add(number, "日期", "日期不能晚于今天。")
            continue
        parsed.rows.append(
            (
                number,
                {
                    "kind": KIND_LABELS[values["kind"]],
                    "source": SOURCE[values["source"]],
                    "amount": values["amount"],
                    "date": values["date"],
                    "doc_number": values["doc_number"],
                    "note": values["note"] or "",
                    "project": project,
                },
            )
        )
    return parsed

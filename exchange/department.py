"""部门数据比对 (部门筛查预警): a county office uploads a department's list (医保 合规自付,
教育 辍学/学籍, 民政 低保/特困, 残联, 住建 危房, 应急 受灾); every row is checked on its own (the
ID number, the amount), matched on the ID number with the county's active members, compared
with this year's threshold of the county (monitoring.clocks.rules_for), and each hit becomes
a lead of its village through monitoring.leads.receive_many (a second hit of the same family
joins its open lead; a chunk's leads, sources and audit entries are written in bulk). Bad
rows and rows of nobody in the county are reported per row, the rest is written: a
department's list is never clean, and its good rows must not wait for the bad.

The file is known by its SHA-256 per county and department: the same file twice makes no new
leads. A person already warned by an earlier file of the same department and year, for the
same reason, is not reported again (a corrected file re-uploaded only adds its new rows).

Memory stays bounded by the file: the rows are read once (poverty_system.core.xlsx), the
members are matched 500 ID numbers a query, and the result workbook is written streaming.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from households import idnumbers
from households.choices import HouseholdStatus
from households.models import Household, Member
from monitoring import clocks
from monitoring.choices import Channel, Department, RiskKind
from monitoring.clocks import rules_for
from monitoring.errors import MonitoringError
from monitoring.leads import Report as LeadReport
from monitoring.leads import receive_many
from monitoring.models import DepartmentFile, DepartmentRow, MonitoringRules
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.xlsx import (
    Column,
    Problem,
    Row,
    Table,
    XlsxError,
    XlsxWriter,
    normalise_header,
)
from villages.models import Region, code_range

# Households whose members count as 脱贫人口 / 贫困人口 for the medical threshold.
POOR_OR_LIFTED = (
    HouseholdStatus.POOR,
    HouseholdStatus.RETURNED,
    HouseholdStatus.LIFTED,
    HouseholdStatus.LIFTED_NO_SUPPORT,
)
MATCH_CHUNK = 500  # ID numbers per query of the members
AMOUNT_MAX = Decimal("9999999999.99")
SHOWN_PROBLEMS = 500  # rows listed on the page; the result workbook has every row

TEXT, ID, AMOUNT, CHOICE = "text", "id", "amount", "choice"


@dataclass(frozen=True)
class Field:
    name: str
    header: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    max_length: int = 100

    def headers(self) -> list[str]:
        return [normalise_header(h) for h in (self.header, *self.aliases)]


NAME = Field("name", "姓名", required=True, max_length=50)
ID_NUMBER = Field(
    "id_number", "身份证号码", ID, True, aliases=("证件号码", "身份证号", "公民身份号码")
)


@dataclass(frozen=True)
class Kind:
    """One department's list: its columns, the column compared with a threshold (if any), the
    risk its leads name, and the reason a hit gives."""

    code: str
    title: str
    fields: tuple[Field, ...]
    risk: str
    what: str  # the reason's opening words
    amount: str = ""  # the field compared with the threshold ("" : every row is a hit)
    detail: tuple[str, ...] = ()  # fields named in the reason

    @property
    def file_name(self) -> str:
        return f"部门数据比对模板_{self.title.split('（')[0]}.xlsx"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


KINDS: dict[str, Kind] = {
    Department.MEDICAL: Kind(
        Department.MEDICAL,
        Department.MEDICAL.label,
        (
            NAME,
            ID_NUMBER,
            Field(
                "amount",
                "合规自付费用（元）",
                AMOUNT,
                True,
                aliases=("合规自付费用", "个人自付费用（元）", "自付费用"),
            ),
            Field("hospital", "就诊机构"),
            Field("illness", "疾病名称"),
            Field("period", "结算期间", aliases=("结算日期",)),
        ),
        RiskKind.ILLNESS,
        "医保部门：年度合规自付医疗费用",
        amount="amount",
        detail=("illness",),
    ),
    Department.EDUCATION: Kind(
        Department.EDUCATION,
        Department.EDUCATION.label,
        (
            NAME,
            ID_NUMBER,
            Field(
                "status",
                "学籍状态",
                CHOICE,
                True,
                choices=("辍学", "失学", "休学", "未入学", "无学籍"),
            ),
            Field("school", "学校"),
            Field("grade", "年级"),
            Field("note", "说明", max_length=200),
        ),
        RiskKind.SCHOOLING,
        "教育部门：",
        detail=("status", "school"),
    ),
    Department.CIVIL: Kind(
        Department.CIVIL,
        Department.CIVIL.label,
        (
            NAME,
            ID_NUMBER,
            Field(
                "category",
                "救助类别",
                CHOICE,
                True,
                choices=("低保", "特困", "低保边缘", "临时救助"),
            ),
            Field("amount", "救助金额（元）", AMOUNT, aliases=("月保障金额（元）",)),
            Field("since", "起始年月"),
        ),
        RiskKind.OTHER,
        "民政部门：",
        detail=("category",),
    ),
    Department.DISABILITY: Kind(
        Department.DISABILITY,
        Department.DISABILITY.label,
        (
            NAME,
            ID_NUMBER,
            Field(
                "category",
                "残疾类别",
                CHOICE,
                True,
                choices=("视力", "听力", "言语", "肢体", "智力", "精神", "多重"),
            ),
            Field("grade", "残疾等级", CHOICE, True, choices=("一级", "二级", "三级", "四级")),
            Field("card", "残疾证号", max_length=30),
        ),
        RiskKind.DISABILITY,
        "残联：",
        detail=("category", "grade"),
    ),
    Department.HOUSING: Kind(
        Department.HOUSING,
        Department.HOUSING.label,
        (
            NAME,
            ID_NUMBER,
            Field(
                "grade",
                "房屋鉴定等级",
                CHOICE,
                True,
                choices=("C级", "D级", "无房"),
                aliases=("鉴定等级",),
            ),
            Field("address", "房屋地址", max_length=200),
        ),
        RiskKind.HOUSING,
        "住建部门：住房",
        detail=("grade",),
    ),
    Department.EMERGENCY: Kind(
        Department.EMERGENCY,
        Department.EMERGENCY.label,
        (
            NAME,
            ID_NUMBER,
            Field(
                "disaster",
                "灾害类型",
                CHOICE,
                True,
                choices=(
                    "洪涝",
                    "干旱",
                    "台风",
                    "地震",
                    "地质灾害",
                    "火灾",
                    "冰雹",
                    "低温冷冻",
                    "其他",
                ),
            ),
            Field("amount", "损失金额（元）", AMOUNT, True, aliases=("直接经济损失（元）",)),
            Field("date", "受灾日期"),
        ),
        RiskKind.DISASTER,
        "应急部门：受灾",
        amount="amount",
        detail=("disaster",),
    ),
}


def kind_of(code: str) -> Kind:
    kind = KINDS.get(code)
    if kind is None:
        raise MonitoringError("请选择部门数据的类别。", "department")
    return kind


# --- the template ------------------------------------------------------------------------


def write_template(target: Any, kind: Kind) -> None:
    """The kind's columns (required ones marked *), with the choices as drop-down lists, and
    a 说明 sheet."""
    book = XlsxWriter()
    columns = [
        Column(("*" if f.required else "") + f.header, width=22 if f.kind == ID else 14)
        for f in kind.fields
    ]
    sheet = book.add_sheet(kind.title.split("（")[0] + "数据", columns)
    sheet.append_header()
    notes = book.add_sheet("说明", [Column("列", width=22), Column("填写说明", width=70)])
    notes.append_header()
    for f in kind.fields:
        if f.kind == ID:
            text = "18 位身份证号码（不能脱敏），按号码与本县农户成员比对。"
        elif f.kind == AMOUNT:
            text = "金额（元），最多两位小数。" + (
                "必填，与本年度预警线比较。" if f.name == kind.amount else ""
            )
        elif f.kind == CHOICE:
            text = "可填：" + "、".join(f.choices)
        else:
            text = "必填。" if f.required else "选填。"
        notes.append_raw([f.header, text])
    notes.append_raw(["", "同一人有多行时，金额合计后与预警线比较（如医保的多次结算）。"])
    book.save(target)


# --- reading -----------------------------------------------------------------------------


@dataclass
class Line:
    """One person of the file (the rows of the same ID number together)."""

    row: int
    id_number: str
    name: str
    values: dict[str, str]
    amount: Decimal | None = None
    rows: list[int] = field(default_factory=list)


@dataclass
class Outcome:
    """What the comparison found, per row and in total."""

    rows: int = 0
    matched: int = 0
    hits: int = 0
    new_leads: int = 0
    merged: int = 0
    already: int = 0
    below: int = 0
    unmatched: int = 0
    bad: int = 0
    problems: list[Problem] = field(default_factory=list)
    results: dict[int, str] = field(default_factory=dict)  # Excel row -> 比对结果

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "hits": self.hits,
            "new_leads": self.new_leads,
            "merged": self.merged,
            "already": self.already,
            "below": self.below,
            "unmatched": self.unmatched,
            "bad": self.bad,
        }


def marks(kind: Kind) -> tuple[str, ...]:
    """The header text that finds the header row (the other columns may have other names)."""
    return (NAME.header,)


def _mapping(table: Table, kind: Kind) -> dict[str, int]:
    index: dict[str, int] = {}
    for f in kind.fields:
        for header in f.headers():
            if header in table.headers:
                index[f.name] = table.headers.index(header)
                break
    missing = [f.header for f in kind.fields if f.required and f.name not in index]
    if missing:
        names = "、".join(f"“{h}”" for h in missing)
        raise XlsxError(
            f"文件缺少{kind.title}的必需列 {names}。请使用本页下载的{kind.title}模板，"
            "或在表头中补上这些列。"
        )
    return index


def parse_amount(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("，", "").replace("元", "").strip())
    except InvalidOperation:
        raise ValueError(f"“{text}”不是金额。") from None
    if not value.is_finite():
        raise ValueError(f"“{text}”不是金额。")
    if value < 0:
        raise ValueError("金额不能为负数。")
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if abs(rounded - value) > Decimal("0.000001"):
        raise ValueError("金额最多保留两位小数。")
    if rounded > AMOUNT_MAX:
        raise ValueError("金额过大，请核对。")
    return rounded


def read_lines(table: Table, kind: Kind, outcome: Outcome) -> list[Line]:
    """Each row checked; the good ones grouped by ID number (in file order)."""
    index = _mapping(table, kind)
    people: dict[str, Line] = {}
    outcome.rows = len(table.rows)
    for row in table.rows:
        line = _read_row(table, kind, index, row, outcome)
        if line is None:
            continue
        first = people.get(line.id_number)
        if first is None:
            line.rows = [row.number]
            people[line.id_number] = line
            continue
        first.rows.append(row.number)
        if line.amount is not None:
            first.amount = (first.amount or Decimal(0)) + line.amount
        outcome.results[row.number] = f"与第 {first.row} 行为同一人，合并比对"
    return list(people.values())


def _read_row(
    table: Table, kind: Kind, index: dict[str, int], row: Row, outcome: Outcome
) -> Line | None:
    problems: list[Problem] = []

    def bad(f: Field, message: str) -> None:
        problems.append(Problem(row.number, table.shown(index[f.name]), message))

    values: dict[str, str] = {}
    number = ""
    amount: Decimal | None = None
    for f in kind.fields:
        if f.name not in index:
            continue
        text = row.get(index[f.name])
        if not text:
            if f.required:
                bad(f, f"请填写{f.header}。")
            continue
        if f.kind == ID:
            if "*" in text:
                bad(f, "证件号码不能脱敏（请使用部门导出的完整号码）。")
                continue
            try:
                number = idnumbers.normalize(text)
            except idnumbers.InvalidIdNumber as exc:
                bad(f, str(exc))
        elif f.kind == AMOUNT:
            try:
                value = parse_amount(text)
            except ValueError as exc:
                bad(f, str(exc))
            else:
                if f.name == kind.amount:
                    amount = value
                values[f.name] = f"{value}"
        elif f.kind == CHOICE:
            found = text if text in f.choices else next((c for c in f.choices if c in text), None)
            if found is None:
                bad(f, f"“{text}”不是可选的{f.header}（可填：{'、'.join(f.choices)}）。")
            else:
                values[f.name] = found
        else:
            if len(text) > f.max_length:
                bad(f, f"不能超过 {f.max_length} 个字。")
            else:
                values[f.name] = text
    if problems:
        outcome.bad += 1
        outcome.problems.extend(problems)
        outcome.results[row.number] = "错误：" + "；".join(
            f"{p.column}：{p.message}" for p in problems
        )
        return None
    return Line(row.number, number, values.get("name", ""), values, amount)


# --- matching ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    member_id: int
    household_id: int
    village_id: int
    village_code: str
    status: str


def _chunks(items: list[Line], size: int) -> Iterator[list[Line]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def match_members(county_code: str, numbers: Iterable[str]) -> dict[str, Match]:
    """The county's active member of each ID number (one query for the chunk)."""
    lo, hi = code_range(county_code)
    rows = (
        Member.objects.filter(
            id_number__in=list(numbers),
            active=True,
            household__village_code__gte=lo,
            household__village_code__lt=hi,
        )
        .order_by("pk")
        .values_list(
            "id_number",
            "pk",
            "household_id",
            "household__village_id",
            "household__village_code",
            "household__status",
        )
    )
    found: dict[str, Match] = {}
    for number, member_id, household_id, village_id, village_code, status in rows:
        found.setdefault(number, Match(member_id, household_id, village_id, village_code, status))
    return found


def threshold(kind: Kind, rules: MonitoringRules, status: str) -> Decimal | None:
    """The amount a hit must reach (None: every listed row is a hit)."""
    if kind.code == Department.MEDICAL:
        lifted = status in POOR_OR_LIFTED
        return rules.medical_threshold_lifted if lifted else rules.medical_threshold_other
    if kind.code == Department.EMERGENCY:
        return rules.emergency_loss_threshold
    return None


def reason_of(kind: Kind, line: Line, limit: Decimal | None) -> str:
    parts = [line.values[n] for n in kind.detail if line.values.get(n)]
    if kind.amount and line.amount is not None:
        text = f"{kind.what} {line.amount:,.2f} 元"
        if limit is not None:
            text += f"（预警线 {limit:,.0f} 元）"
        if parts:
            text += "，" + "、".join(parts)
    else:
        text = kind.what + "、".join(parts)
    return text[:200]


# --- the whole file ----------------------------------------------------------------------


def sha256_of(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def seen_before(county_code: str, kind: Kind, sha: str) -> DepartmentFile | None:
    return (
        DepartmentFile.objects.filter(county_code=county_code, department=kind.code, sha256=sha)
        .select_related("uploaded_by")
        .first()
    )


def already_message(previous: DepartmentFile) -> str:
    at = timezone.localtime(previous.uploaded_at)
    return (
        f"该文件已于 {at:%Y-%m-%d %H:%M} 由{previous.uploaded_by.full_name or previous.uploaded_by}"
        f"上传比对过（{previous.rows} 行，新增线索 {previous.leads} 条），"
        "同一文件再次上传不会生成新的线索。"
    )


def compare(
    actor: Actor,
    county: Region,
    kind: Kind,
    table: Table,
    *,
    file_name: str,
    sha: str,
    year: int | None = None,
    progress: Callable[[int], None] | None = None,
    before_commit: Callable[[Outcome], None] | None = None,
) -> tuple[DepartmentFile, Outcome]:
    """Check, match and write one department file (one transaction): the file's record, a
    DepartmentRow and a lead (new or joined) per hit, the audit entry with the counts.
    `before_commit(outcome)` runs last inside the transaction (the job writes its result
    workbook there: if that fails, nothing is written and the file can be compared again)."""
    year = year or timezone.localdate().year
    outcome = Outcome()
    lines = read_lines(table, kind, outcome)
    rules = rules_for(county.code, year)
    with transaction.atomic(durable=True), clocks.batch():  # one clock read for the file
        previous = seen_before(county.code, kind, sha)
        if previous is not None:
            raise MonitoringError(already_message(previous), "file")
        try:
            with transaction.atomic():
                record = DepartmentFile.objects.create(
                    county_code=county.code,
                    department=kind.code,
                    year=year,
                    name=file_name[:200],
                    sha256=sha,
                    rows=outcome.rows,
                    uploaded_by=actor.account,
                )
        except IntegrityError:
            raise MonitoringError(
                "该文件刚刚已上传比对过，同一文件不会生成新的线索。", "file"
            ) from None
        villages: dict[int, Region] = {}
        done = 0
        for chunk in _chunks(lines, MATCH_CHUNK):
            matches = match_members(county.code, (line.id_number for line in chunk))
            hits = _hits(kind, rules, chunk, matches, outcome)
            warned = _warned(county.code, kind, year, hits)
            households = Household.objects.in_bulk([m.household_id for _, m, _, _ in hits])
            _villages(villages, [m.village_id for _, m, _, _ in hits])
            fresh = []
            for line, match, reason, _limit in hits:
                if (line.id_number, reason) in warned:
                    outcome.already += 1
                    outcome.results[line.row] = "已由本年度之前的部门数据预警，未重复生成线索"
                    continue
                fresh.append((line, match, reason))
            rows = DepartmentRow.objects.bulk_create(  # one statement a chunk
                DepartmentRow(
                    file=record,
                    row=line.row,
                    id_number=line.id_number,
                    member_id=match.member_id,
                    village_code=match.village_code,
                    amount=line.amount,
                    reason=reason,
                )
                for line, match, reason in fresh
            )
            filed = receive_many(  # the chunk's leads, sources and audit entries in bulk
                actor,
                [
                    LeadReport(
                        villages[match.village_id],
                        Channel.DEPARTMENT,
                        reason,
                        name=line.name,
                        id_number=line.id_number,
                        household=households[match.household_id],
                        risks=(kind.risk,),
                        department_row=row,
                    )
                    for (line, match, reason), row in zip(fresh, rows, strict=True)
                ],
            )
            for (line, _, _), (source, created) in zip(fresh, filed, strict=True):
                number = source.lead.number
                if created:
                    outcome.new_leads += 1
                    outcome.results[line.row] = f"预警：已生成线索 {number}，推送至所在村"
                else:
                    outcome.merged += 1
                    outcome.results[line.row] = f"预警：并入该户未办结的线索 {number}"
            done += len(chunk)
            if progress is not None:
                progress(done)
        DepartmentFile.objects.filter(pk=record.pk).update(
            matched=outcome.matched,
            hits=outcome.hits,
            leads=outcome.new_leads,
            unmatched=outcome.unmatched,
            bad=outcome.bad,
        )
        audit.record(
            actor,
            audit.IMPORT,
            obj=record,
            region_code=county.code,
            detail={
                "what": "部门数据比对",
                "department": kind.code,
                "file": file_name,
                "year": year,
                **outcome.summary(),
            },
        )
        if before_commit is not None:
            before_commit(outcome)
    record.refresh_from_db()
    return record, outcome


def _hits(
    kind: Kind,
    rules: MonitoringRules,
    chunk: list[Line],
    matches: dict[str, Match],
    outcome: Outcome,
) -> list[tuple[Line, Match, str, Decimal | None]]:
    hits = []
    for line in chunk:
        match = matches.get(line.id_number)
        if match is None:
            outcome.unmatched += 1
            outcome.problems.append(
                Problem(line.row, "", "未在本县农户的家庭成员中找到该证件号码（未匹配）。")
            )
            outcome.results[line.row] = "未匹配：本县农户中没有该证件号码"
            continue
        outcome.matched += 1
        limit = threshold(kind, rules, match.status)
        if limit is not None and (line.amount or Decimal(0)) < limit:
            outcome.below += 1
            outcome.results[line.row] = f"已匹配，低于预警线 {limit:,.0f} 元"
            continue
        outcome.hits += 1
        hits.append((line, match, reason_of(kind, line, limit), limit))
    return hits


def _warned(
    county_code: str, kind: Kind, year: int, hits: list[tuple[Line, Match, str, Any]]
) -> set[tuple[str, str]]:
    """(ID number, reason) pairs an earlier file of the department and year reported."""
    if not hits:
        return set()
    rows = DepartmentRow.objects.filter(
        file__county_code=county_code,
        file__department=kind.code,
        file__year=year,
        id_number__in=[line.id_number for line, _, _, _ in hits],
    ).values_list("id_number", "reason")
    return set(rows)


def _villages(cache: dict[int, Region], ids: list[int]) -> None:
    wanted = [i for i in set(ids) if i not in cache]
    if wanted:
        cache.update(Region.objects.in_bulk(wanted))


def write_result(target: Any, table: Table, outcome: Outcome) -> None:
    """The file as read with a 比对结果 column for every row (streaming)."""
    book = XlsxWriter()
    width = max(len(table.headers), 1)
    columns = [Column(table.shown(i) or f"列{i + 1}") for i in range(len(table.headers))]
    sheet = book.add_sheet("比对结果", [*columns, Column("比对结果", width=60)])
    sheet.append_header()
    for row in table.rows:
        result = outcome.results.get(row.number, "")
        cells = list(row.cells) + [""] * (width - len(row.cells))
        marked = {width} if result.startswith(("错误", "未匹配")) else set()
        sheet.append([*cells[:width], result], marked=marked)
    book.save(target)

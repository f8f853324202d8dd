"""Reading an import file: every cell checked on its own (labels, numbers, ID numbers,
months), the rows grouped into households by 户编号 and each household checked as a whole
(one head, 人数, the household fields alike on its rows, its village in the account's
slice), ID numbers repeated in the file. Nothing here reads households from the database:
that is exchange.matching, on the groups this module returns.

Every problem goes into the core's `Report` under the file's own header text, so the marked
workbook marks the cell the user typed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from households import idnumbers
from households.choices import Relation
from households.forms import BANK_ACCOUNT_RE, PHONE_RE
from households.models import Household, Member
from poverty_system.core import access
from poverty_system.core.roles import IMPORT_HOUSEHOLDS
from poverty_system.core.xlsx import Report, Row, Table, XlsxError
from villages.models import Level, Region

from . import labels as L
from .layout import (
    BANK,
    BOOL,
    BY_NAME,
    COLUMNS,
    DANGER,
    DECIMAL,
    GENDER,
    HEALTH,
    HOUSEHOLD,
    ID,
    INT,
    LABEL,
    LABELS,
    MEMBER,
    MONTH,
    NAME,
    PHONE,
    REQUIRED,
    SIZE,
    TEXT,
    Col,
    Mapping,
    map_headers,
)

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

NOT_GIVEN = object()  # an empty 是/否 or number cell: keep the value (a new record: default)


@dataclass(frozen=True)
class Masked:
    """A value an export masked (138****5678, 360731********1234): it means 'unchanged'."""

    text: str


@dataclass(frozen=True)
class DangerYes:
    """危房户 是: the grade already recorded, else C级危房."""


@dataclass
class Person:
    row: int
    values: dict[str, Any]  # member fields whose cells were given
    id_number: str = ""  # the canonical number ("" when masked or invalid)
    id_masked: str = ""
    gender: str = ""
    change: str = ""
    change_month: datetime.date | None = None
    refused: set[str] = field(default_factory=set)  # fields whose cell was refused


@dataclass
class Group:
    """The rows of one 户编号 in the file."""

    key: str
    first_row: int
    rows: list[int] = field(default_factory=list)
    village: Region | None = None
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)  # field -> the row it came from
    size: int | None = None
    people: list[Person] = field(default_factory=list)
    bad: bool = False  # some row of it has a problem


@dataclass
class Parsed:
    table: Table
    mapping: Mapping
    groups: list[Group]
    report: Report
    file_rows: int

    def header(self, name: str) -> str:
        """The file's header text of one of our columns (for the report)."""
        return self.mapping.header(name, self.table)


class CellError(ValueError):
    pass


# --- one cell ---------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})\s*(?:[-/.年]\s*)?(\d{1,2})(?:\s*月)?(?:[-/.]\d{1,2}(?:\s.*)?)?$")


def _decimal(text: str, col: Col) -> Any:
    if not text:
        return NOT_GIVEN
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise CellError(f"“{text}”不是数字。") from None
    if not value.is_finite():
        raise CellError(f"“{text}”不是数字。")
    model_field = cast(models.DecimalField, Household._meta.get_field(col.name))  # type: ignore[type-arg]
    places = Decimal(1).scaleb(-model_field.decimal_places)
    rounded = value.quantize(places, rounding=ROUND_HALF_UP)
    if abs(rounded - value) > Decimal("0.000001"):  # beyond float noise of a spreadsheet
        raise CellError(f"最多保留 {model_field.decimal_places} 位小数。")
    if rounded < 0:
        raise CellError("不能为负数。")
    try:
        model_field.run_validators(rounded)
    except ValidationError as exc:
        raise CellError("".join(exc.messages)) from None
    return rounded


def _int(text: str, low: int, high: int, what: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"“{text}”不是整数。") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise CellError(f"“{text}”不是整数。")
    number = int(value)
    if not low <= number <= high:
        raise CellError(f"{what}应在 {low}–{high} 之间。")
    return number


def parse_month(text: str) -> datetime.date:
    """YYYYMM (the national files), also 2023-05, 2023年5月 or a date."""
    found = _MONTH.match(text.strip())
    if not found:
        raise CellError(f"“{text}”不是年月，请按 YYYYMM 填写（如 202305）。")
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise CellError(f"“{text}”不是有效的年月。")
    value = datetime.date(year, month, 1)
    if value > timezone.localdate().replace(day=1):
        raise CellError("变更年月不能晚于本月。")
    return value


def _text(text: str, col: Col, model: type[Household] | type[Member]) -> str:
    limit = model._meta.get_field(col.name).max_length  # type: ignore[union-attr]
    if limit and len(text) > limit:
        raise CellError(f"不能超过 {limit} 个字（现有 {len(text)} 个）。")
    return text


def parse_cell(col: Col, text: str) -> Any:
    """One cell's value for our field, NOT_GIVEN, a Masked value, or CellError."""
    kind = col.kind
    model = Household if col.level == HOUSEHOLD else Member
    if kind in (TEXT, NAME):
        if kind == NAME and not text:
            raise CellError("请填写姓名。")
        return _text(text, col, model)
    if kind in (LABEL, GENDER):
        assert col.table is not None
        try:
            return col.table.parse(text)
        except L.LabelError as exc:
            raise CellError(str(exc)) from None
    if kind in (LABELS, HEALTH):
        assert col.table is not None
        try:
            values = col.table.parse_many(text)
        except L.LabelError as exc:
            raise CellError(str(exc)) from None
        if kind == LABELS:
            return values
        for choice in L.HEALTH_PRIORITY:  # one 健康状况 per person: the most serious
            if choice in values:
                return choice
        return L.HEALTH.blank
    if kind == DANGER:
        if L.key(text) in L.HOUSE_DANGER_YES:
            return DangerYes()
        assert col.table is not None
        try:
            return col.table.parse(text)
        except L.LabelError as exc:
            raise CellError(str(exc) + "也可填写“是”或“否”。") from None
    if kind == BOOL:
        if not text:
            return NOT_GIVEN
        try:
            return L.parse_bool(text, col.header, col.default)
        except L.LabelError as exc:
            raise CellError(str(exc)) from None
    if kind == DECIMAL:
        return _decimal(text, col)
    if kind == INT:
        return NOT_GIVEN if not text else _int(text, 0, 12, "务工时间（月）")
    if kind == SIZE:
        return NOT_GIVEN if not text else _int(text, 1, 99, "人数")
    if kind == MONTH:
        return NOT_GIVEN if not text else parse_month(text)
    if kind == PHONE:
        compact = re.sub(r"[\s]", "", text)
        if "*" in compact:
            return Masked(compact)
        if compact and not PHONE_RE.match(compact):
            raise CellError("请填写 11 位手机号码或带区号的固定电话。")
        return compact
    if kind == BANK:
        compact = re.sub(r"[\s-]", "", text)
        if "*" in compact:
            return Masked(compact)
        if compact and not BANK_ACCOUNT_RE.match(compact):
            raise CellError("银行账号应为 8–30 位数字。")
        return compact
    raise AssertionError(kind)


def parse_id(text: str) -> tuple[str, str]:
    """(canonical number, "") or ("", masked text); CellError for a wrong number."""
    if not text:
        raise CellError("请填写证件号码。")
    if "*" in text:
        return "", text.strip()
    try:
        return idnumbers.normalize(text), ""
    except idnumbers.InvalidIdNumber as exc:
        raise CellError(str(exc)) from None


# --- villages ---------------------------------------------------------------------------

_VILLAGE_SUFFIX = re.compile(r"(社区居民委员会|村民委员会|居民委员会|村委会|居委会|社区|村|居)$")
_TOWNSHIP_SUFFIX = re.compile(r"(街道办事处|民族乡|街道|镇|乡)$")
_COUNTY_SUFFIX = re.compile(r"(自治县|县|区|市|旗)$")


def _short(name: str, suffix: re.Pattern[str]) -> str:
    name = L.key(name)
    return suffix.sub("", name) or name


class Villages:
    """The villages the account may import into (one query), found by the names a file
    gives: 行政村 with or without 村委会/居委会, 乡(镇) and 县 to tell namesakes apart."""

    def __init__(self, user: AnyUser) -> None:
        q = access.region_filter(user, IMPORT_HOUSEHOLDS)
        villages = Region.objects.filter(level=Level.VILLAGE).select_related("parent__parent")
        self.villages = list(villages.filter(q)) if q is not None else []
        if not access.role_allows(user, IMPORT_HOUSEHOLDS):
            self.villages = []
        self._cache: dict[tuple[str, str, str], tuple[Region | None, str]] = {}

    def names(self) -> str:
        shown = "、".join(v.name for v in self.villages[:10])
        return shown + ("等" if len(self.villages) > 10 else "")

    def find(self, county: str, township: str, village: str) -> tuple[Region | None, str]:
        """(village, "") or (None, the message)."""
        wanted = (county, township, village)
        if wanted not in self._cache:
            self._cache[wanted] = self._find(county, township, village)
        return self._cache[wanted]

    def _find(self, county: str, township: str, village: str) -> tuple[Region | None, str]:
        if not village:
            if len(self.villages) == 1:
                return self.villages[0], ""
            return None, "请填写行政村。"
        # The full name first (贡江镇 has 古田居委会 and 古田村委会), then without its suffix.
        found = [v for v in self.villages if L.key(v.name) == L.key(village)]
        if not found:
            name = _short(village, _VILLAGE_SUFFIX)
            found = [v for v in self.villages if _short(v.name, _VILLAGE_SUFFIX) == name]
        if township:
            short = _short(township, _TOWNSHIP_SUFFIX)
            found = [
                v for v in found if v.parent and _short(v.parent.name, _TOWNSHIP_SUFFIX) == short
            ]
        if county:
            short = _short(county, _COUNTY_SUFFIX)
            found = [
                v
                for v in found
                if v.parent
                and v.parent.parent
                and _short(v.parent.parent.name, _COUNTY_SUFFIX) == short
            ]
        if len(found) == 1:
            return found[0], ""
        if found:
            names = "、".join(
                sorted({f"{v.parent.name if v.parent else ''}{v.name}" for v in found})
            )
            return None, f"“{village}”可以是{names}，请填写完整的村名或乡(镇)。"
        place = "".join(p for p in (county, township, village) if p)
        return None, f"“{place}”不在本账号可导入的辖区内（可导入：{self.names()}）。"


# --- the whole file ---------------------------------------------------------------------


def check_columns(mapping: Mapping) -> None:
    missing = [h for h in REQUIRED if not mapping.has(_name_of(h))]
    if missing:
        names = "、".join(f"“{h}”" for h in missing)
        raise XlsxError(f"文件缺少必需的列 {names}。请使用本系统的导入模板，或在表头中补上这些列。")


def _name_of(header: str) -> str:
    return next(c.name for c in COLUMNS if c.header == header)


def parse_table(table: Table, villages: Villages) -> Parsed:
    """Every row of the table checked and grouped; the problems in the report."""
    mapping = map_headers(table.headers)
    check_columns(mapping)
    report = Report()
    parsed = Parsed(table, mapping, [], report, len(table.rows))
    groups: dict[str, Group] = {}
    for row in table.rows:
        _read_row(parsed, row, groups, villages)
    parsed.groups = list(groups.values())
    for group in parsed.groups:
        _check_group(parsed, group)
    _check_repeats(parsed)
    return parsed


def _cell(parsed: Parsed, row: Row, name: str) -> str:
    index = parsed.mapping.index.get(name)
    return row.get(index) if index is not None else ""


def _read_row(parsed: Parsed, row: Row, groups: dict[str, Group], villages: Villages) -> None:
    report, n = parsed.report, row.number
    key = _cell(parsed, row, "number")
    if not key:
        report.add(n, parsed.header("number"), "请填写户编号（新户可填写临时编号，同户成员相同）。")
        return
    group = groups.get(key)
    if group is None:
        group = groups[key] = Group(key=key, first_row=n)
    group.rows.append(n)
    problems_before = len(report)
    place = [_cell(parsed, row, name) for name in ("county", "township", "village")]
    village, message = villages.find(*place)
    if village is None:
        column = "village" if parsed.mapping.has("village") else "number"
        report.add(n, parsed.header(column), message)
    elif group.village is None:
        group.village = village
    elif group.village.pk != village.pk:
        report.add(
            n,
            parsed.header("village"),
            f"同一户编号的成员应在同一个村（第 {group.first_row} 行为{group.village.name}）。",
        )
    person = Person(row=n, values={})
    try:
        person.id_number, person.id_masked = parse_id(_cell(parsed, row, "id_number"))
    except CellError as exc:
        report.add(n, parsed.header("id_number"), str(exc))
    for col in COLUMNS:
        if col.level not in (MEMBER, HOUSEHOLD) or col.kind == ID:
            continue
        if not parsed.mapping.has(col.name):
            continue
        text = _cell(parsed, row, col.name)
        try:
            value = parse_cell(col, text)
        except CellError as exc:
            report.add(n, parsed.header(col.name), str(exc))
            person.refused.add(col.name)
            continue
        if col.level == MEMBER:
            _member_value(person, col, value)
        elif col.kind == SIZE:
            _household_value(parsed, group, n, "size", value, text)
        else:
            _household_value(parsed, group, n, col.name, value, text)
    group.people.append(person)
    if len(report) > problems_before:
        group.bad = True


def _member_value(person: Person, col: Col, value: Any) -> None:
    if value is NOT_GIVEN:
        return
    if col.kind == GENDER:
        person.gender = value
    elif col.name == "change":
        person.change = value
    elif col.name == "change_month":
        person.change_month = value
    else:
        person.values[col.name] = value


def _household_value(
    parsed: Parsed, group: Group, row: int, name: str, value: Any, text: str
) -> None:
    """A household field: given on any of the household's rows (the head's is enough), alike
    where given on several."""
    if value is NOT_GIVEN or text == "":
        return  # an empty cell says nothing: the household's other rows may give it
    if name == "size":
        if group.size is not None and group.size != value:
            parsed.report.add(
                row, parsed.header("size"), f"与本户第 {group.sources['size']} 行的人数不一致。"
            )
        elif group.size is None:
            group.size, group.sources["size"] = value, row
        return
    if name in group.values:
        if group.values[name] != value:
            first = group.sources[name]
            parsed.report.add(
                row,
                parsed.header(name),
                f"与本户第 {first} 行不一致（同一户的户信息应相同）。",
            )
        return
    group.values[name], group.sources[name] = value, row


def _check_group(parsed: Parsed, group: Group) -> None:
    report = parsed.report
    for col in COLUMNS:  # a household column left empty on every row: its blank value
        if col.level == HOUSEHOLD and col.kind != SIZE and col.name not in group.values:
            if parsed.mapping.has(col.name):
                value = parse_cell(col, "")
                if value is not NOT_GIVEN:
                    group.values[col.name] = value
    relation = parsed.header("relation")
    heads = [p for p in group.people if p.values.get("relation") == Relation.HEAD]
    labelled = all("relation" in p.values for p in group.people)
    if not heads and labelled:
        for person in group.people:
            report.add(
                person.row,
                relation,
                f"户编号 {group.key} 的户没有户主（与户主关系须有一行为“户主”）。",
            )
        group.bad = True
    for extra in heads[1:]:
        report.add(
            extra.row, relation, f"户编号 {group.key} 的户有两名户主（另见第 {heads[0].row} 行）。"
        )
        group.bad = True
    if group.size is not None and group.size != len(group.people):
        report.add(
            group.sources["size"],
            parsed.header("size"),
            f"人数为 {group.size}，但文件中该户有 {len(group.people)} 行成员。",
        )
        group.bad = True
    for person in group.people:
        if (
            person.gender
            and person.id_number
            and person.gender != idnumbers.gender(person.id_number)
        ):
            shown = "男" if idnumbers.gender(person.id_number) == "male" else "女"
            report.add(
                person.row, parsed.header("gender"), f"性别与证件号码不符（号码为{shown}性）。"
            )
            group.bad = True
        pair = {"change", "change_month"}
        if bool(person.change) != bool(person.change_month) and not pair & person.refused:
            name = "change_month" if person.change else "change"
            report.add(person.row, parsed.header(name), "“新增原因”和“变更年月”须一起填写。")
            group.bad = True
    _check_household_rules(parsed, group)


def _check_household_rules(parsed: Parsed, group: Group) -> None:
    """The rules the registration forms check across fields."""
    values, report = group.values, parsed.report

    def add(name: str, message: str) -> None:
        report.add(group.sources.get(name, group.first_row), parsed.header(name), message)
        group.bad = True

    arable, irrigated = values.get("arable_area"), values.get("irrigated_area")
    if arable is not None and irrigated is not None and irrigated > arable:
        add("irrigated_area", "有效灌溉面积不能大于耕地面积。")
    main, others = values.get("main_cause"), values.get("other_causes") or []
    if main and main in others:
        add("other_causes", "其他致贫原因不能与主要致贫原因相同。")
    if parsed.mapping.has("cause_note") and "other" in [main, *others]:
        if not values.get("cause_note"):
            add("cause_note", "致贫原因选“其他”时请填写致贫原因说明。")
    if all(parsed.mapping.has(n) for n in BY_NAME_INCOME):
        total = sum(
            (values.get(n) or Decimal(0)) for n in BY_NAME_INCOME if n != "production_costs"
        )
        if (values.get("production_costs") or Decimal(0)) > total:
            add(
                "production_costs",
                "生产经营性支出大于收入，人均纯收入将为负数：请核对；确实如此请导入后在登记表中确认。",
            )


BY_NAME_INCOME = tuple(c.name for c in COLUMNS if c.level == HOUSEHOLD and c.part == 3)
assert all(BY_NAME[n].kind == DECIMAL for n in BY_NAME_INCOME)


def _check_repeats(parsed: Parsed) -> None:
    """An ID number twice in the file."""
    seen: dict[str, int] = {}
    for group in parsed.groups:
        for person in group.people:
            number = person.id_number
            if not number:
                continue
            if number in seen:
                parsed.report.add(
                    person.row,
                    parsed.header("id_number"),
                    f"证件号码与第 {seen[number]} 行重复（同一人只能填写一行）。",
                )
                group.bad = True
            else:
                seen[number] = person.row


def id_numbers(groups: Iterable[Group]) -> list[str]:
    return [p.id_number for g in groups for p in g.people if p.id_number]

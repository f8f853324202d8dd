"""The canonical layout of 贫困人口花名册: one row per person, household fields repeated on
every member row, in the national order (A…AB of 2014–2020), then the 2017 variant's
columns, then the household fields of the national collection form that the 花名册 lacks.

An import maps columns by header text (or one of its other spellings), never by position,
so a national export with its columns shuffled or chosen (自定义导出) reads as well as ours.
Columns it does not know are ignored and listed on the result page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from poverty_system.core.xlsx import normalise_header

from . import labels as L
from .labels import LabelTable

# Kinds of column. "info" columns are written by the export and not read back (序号, 人编号,
# 人均纯收入 is computed, 脱贫属性 and 脱贫年度 follow the status machine).
INFO, PLACE, KEY = "info", "place", "key"
TEXT, NAME, ID, PHONE, BANK = "text", "name", "id", "phone", "bank"
LABEL, LABELS, HEALTH, DANGER, GENDER = "label", "labels", "health", "danger", "gender"
BOOL, DECIMAL, INT, MONTH, SIZE = "bool", "decimal", "int", "month", "size"

MEMBER, HOUSEHOLD = "member", "household"


@dataclass(frozen=True)
class Col:
    header: str
    kind: str
    name: str = ""  # model field (or the place level) it carries
    level: str = MEMBER
    table: LabelTable | None = None
    aliases: tuple[str, ...] = ()
    width: float = 10
    text: bool = False  # a text-formatted column (long numbers stay text)
    part: int = 0  # the part of 扶贫对象登记表 the household field belongs to
    default: bool = False  # a 是/否 column's value for an empty cell of a new record

    @property
    def title(self) -> str:
        """The header as written, with the full-width brackets of the national forms."""
        return self.header.replace("(", "（").replace(")", "）")

    @property
    def spellings(self) -> tuple[str, ...]:
        return tuple(normalise_header(h) for h in (self.header, *self.aliases))

    @property
    def choices(self) -> Sequence[str]:
        if self.table is not None:
            return self.table.choices
        if self.kind == BOOL:
            return ("是", "否")
        return ()


def _bool(header: str, name: str, level: str, default: bool, part: int = 0, **kw: Any) -> Col:
    return Col(header, BOOL, name, level, part=part, default=default, width=9, **kw)


def _money(header: str, name: str) -> Col:
    return Col(header, DECIMAL, name, HOUSEHOLD, part=3, width=11)


def _area(header: str, name: str, **kw: Any) -> Col:
    return Col(header, DECIMAL, name, HOUSEHOLD, part=2, width=11, **kw)


COLUMNS: tuple[Col, ...] = (
    # --- 贫困人口花名册 2014–2020 (A…AB) ---
    Col("序号", INFO, "serial", width=6, level=INFO),
    Col("县(市、区、旗)", PLACE, "county", level=PLACE, aliases=("县", "县(市、区)"), width=12),
    Col("乡(镇)", PLACE, "township", level=PLACE, aliases=("乡镇", "乡(镇、街道)"), width=12),
    Col("行政村", PLACE, "village", level=PLACE, aliases=("村",), width=14),
    Col("自然村", TEXT, "group", HOUSEHOLD, aliases=("村民小组", "自然村(组)"), part=1, width=10),
    Col("户编号", KEY, "number", level=KEY, width=20, text=True),
    Col("人编号", INFO, "person", width=22, text=True, level=INFO),
    Col("姓名", NAME, "name", width=10),
    Col("证件号码", ID, "id_number", aliases=("身份证号码", "身份证号"), width=21, text=True),
    Col("人数", SIZE, "size", HOUSEHOLD, aliases=("家庭人口", "家庭人口数"), width=6),
    Col("与户主关系", LABEL, "relation", table=L.RELATION, width=10),
    Col("民族", LABEL, "ethnicity", table=L.ETHNICITY, width=8),
    Col("文化程度", LABEL, "education", table=L.EDUCATION, width=12),
    Col("在校生状况", LABEL, "school_status", table=L.SCHOOL_STATUS, width=12),
    Col("健康状况", HEALTH, "health", table=L.HEALTH, width=12),
    Col("劳动技能", LABEL, "labour", table=L.LABOUR, aliases=("劳动能力",), width=11),
    Col("务工状况", LABEL, "work_status", table=L.WORK_STATUS, aliases=("务工情况",), width=16),
    Col("务工时间(月)", INT, "months_away", aliases=("务工时间",), width=9),
    _bool("参加大病医疗", "has_serious_illness", MEMBER, False, aliases=("是否参加大病保险",)),
    Col("脱贫属性", INFO, "status", width=12, level=INFO),
    Col("脱贫年度", INFO, "lifted_year", width=8, level=INFO),
    Col("贫困户属性", LABEL, "attribute", HOUSEHOLD, table=L.ATTRIBUTE, part=1, width=12),
    Col("主要致贫原因", LABEL, "main_cause", HOUSEHOLD, table=L.CAUSE, part=4, width=12),
    Col("危房户", DANGER, "house_danger", HOUSEHOLD, table=L.HOUSE_DANGER, part=2, width=9),
    _bool("饮水安全", "drinking_water_safe", HOUSEHOLD, True, 2, aliases=("饮水是否安全",)),
    _bool("饮水困难", "drinking_water_difficult", HOUSEHOLD, False, 2, aliases=("饮水是否困难",)),
    Col("人均纯收入", INFO, "net_income_per_capita", width=11, level=INFO),
    Col("联系电话", PHONE, "phone", HOUSEHOLD, part=1, width=14, text=True),
    # --- the 2017 variant ---
    Col("性别", GENDER, "gender", table=L.GENDER, width=6),
    _bool(
        "是否参加新农合",
        "has_basic_medical",
        MEMBER,
        True,
        aliases=("是否参加城乡居民基本医疗保险", "是否参加新型农村合作医疗"),
    ),
    _bool(
        "是否参加新型养老保险",
        "has_pension",
        MEMBER,
        False,
        aliases=("是否参加城乡居民基本养老保险", "是否参加新型农村社会养老保险"),
    ),
    Col("开户银行名称", TEXT, "bank_name", HOUSEHOLD, aliases=("开户银行",), part=1, width=16),
    Col(
        "银行卡号",
        BANK,
        "bank_account",
        HOUSEHOLD,
        aliases=("银行账号",),
        part=1,
        width=22,
        text=True,
    ),
    # --- household fields of the collection form (扶贫对象登记表) ---
    Col("识别标准", LABEL, "standard", HOUSEHOLD, table=L.STANDARD, part=1, width=10),
    Col("其他致贫原因", LABELS, "other_causes", HOUSEHOLD, table=L.CAUSE, part=4, width=14),
    Col("致贫原因说明", TEXT, "cause_note", HOUSEHOLD, part=4, width=16),
    _area("耕地面积(亩)", "arable_area"),
    _area("有效灌溉面积(亩)", "irrigated_area"),
    _area("林地面积(亩)", "forest_area"),
    _area("退耕还林面积(亩)", "returned_farmland_area"),
    _area("牧草地面积(亩)", "pasture_area"),
    _area("水面面积(亩)", "water_surface_area"),
    _bool("是否通生产用电", "has_production_power", HOUSEHOLD, True, 2),
    _bool("是否通生活用电", "has_household_power", HOUSEHOLD, True, 2),
    _area("与村主干路距离(公里)", "distance_to_road_km"),
    Col("入户路类型", LABEL, "road_type", HOUSEHOLD, table=L.ROAD_TYPE, part=2, width=10),
    _area("住房面积(平方米)", "housing_area"),
    _bool("有无卫生厕所", "has_sanitary_toilet", HOUSEHOLD, False, 2, aliases=("是否有卫生厕所",)),
    Col("主要燃料类型", LABEL, "main_fuel", HOUSEHOLD, table=L.FUEL, part=2, width=12),
    _bool("是否加入农民专业合作社", "in_cooperative", HOUSEHOLD, False, 2),
    _money("工资性收入", "wage_income"),
    _money("生产经营性收入", "business_income"),
    _money("财产性收入", "property_income"),
    _money("计划生育金", "family_planning_subsidy"),
    _money("低保金", "dibao_subsidy"),
    _money("五保金", "wubao_subsidy"),
    _money("养老保险金", "pension_income"),
    _money("生态补偿金", "ecological_compensation"),
    _money("其他转移性收入", "other_transfer_income"),
    _money("生产经营性支出", "production_costs"),
    # --- a member added to a registered household (人口自然变更) ---
    Col("新增原因", LABEL, "change", table=L.ADD_CHANGE, aliases=("变更类型",), width=10),
    Col("变更年月", MONTH, "change_month", width=9, text=True),
)

BY_NAME = {c.name: c for c in COLUMNS}
# The texts that mark the header row (the reader scans the first rows for them).
HEADER_MARKS = ("姓名", "证件号码")
# Without these the file is refused as a whole (户编号 groups the rows into households).
REQUIRED = ("户编号", "姓名", "证件号码", "与户主关系")
# The fields of each part of 扶贫对象登记表 that a file can carry.
PART_FIELDS = {
    part: tuple(c.name for c in COLUMNS if c.level == HOUSEHOLD and c.part == part)
    for part in (2, 3, 4)
}


@dataclass(frozen=True)
class Mapping:
    """Where each column of ours is in one file (0-based), and the file's other headers."""

    index: dict[str, int]  # column name -> position
    unknown: tuple[str, ...]

    def has(self, name: str) -> bool:
        return name in self.index

    def header(self, name: str, table: Any) -> str:
        """The file's header of one of our columns, as typed; ours if the file lacks it."""
        return table.shown(self.index[name]) if name in self.index else BY_NAME[name].title


def map_headers(headers: Sequence[str]) -> Mapping:
    """Our columns found in a header row (compared normalised: brackets of either width,
    no spaces, no leading *); the first spelling found wins."""
    position = {text: i for i, text in reversed(list(enumerate(headers))) if text}
    index: dict[str, int] = {}
    for col in COLUMNS:
        for spelling in col.spellings:
            if spelling in position:
                index[col.name] = position[spelling]
                break
    used = set(index.values())
    unknown = tuple(text for i, text in enumerate(headers) if text and i not in used)
    return Mapping(index, unknown)

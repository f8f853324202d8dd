"""One table per coded field: the labels (and the national system's old numeric codes, where
one exists) that an import accepts, and the choice of ours each one means.

The national system writes labels into its Excel files (与户主关系 之子, 健康状况
`残疾,长期慢性病`); older exports and some provincial tools write the indicator codes (03, 2).
Our own export writes our labels, the first label of each row below, so it reads back as it
was written. A label that is in no table is refused with the list of the labels accepted.

Where the national list is finer than ours, several national labels mean one choice of ours
(之外孙子 → 之孙子, 之岳父 → 之父母, 七年级 → 初中); the tables say so row by row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from households.choices import (
    ETHNIC_GROUPS,
    Attribute,
    Cause,
    Education,
    Fuel,
    Gender,
    Health,
    HouseDanger,
    IdentificationStandard,
    Labour,
    MemberChange,
    Relation,
    RoadType,
    SchoolStatus,
    WorkStatus,
)

# Separators of a multi-value cell (健康状况 残疾,长期慢性病; 其他致贫原因 因病、因学).
SEPARATORS = re.compile(r"[,，、;；/|]+")


def key(text: str) -> str:
    """A label as compared: NFKC (full-width brackets and digits become half-width), no
    whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


class LabelError(ValueError):
    """An unknown label; the message lists the labels accepted."""


@dataclass(frozen=True)
class Entry:
    value: str  # our choice
    labels: tuple[str, ...]  # the first is ours (what our export writes)
    codes: tuple[str, ...] = ()  # the national system's numeric codes


class LabelTable:
    """label or code → our choice, for one coded field."""

    def __init__(self, name: str, entries: Sequence[Entry], *, blank: str | None = None):
        self.name = name
        self.entries = list(entries)
        self.blank = blank  # the value of an empty cell (None: the cell is required)
        self._by_key: dict[str, str] = {}
        self._label: dict[str, str] = {}
        for entry in self.entries:
            self._label.setdefault(entry.value, entry.labels[0])
            for text in entry.labels:
                self._add(key(text), entry.value)
            for code in entry.codes:
                self._add(f"#{int(code)}", entry.value)

    def _add(self, k: str, value: str) -> None:
        if self._by_key.get(k, value) != value:
            raise ValueError(f"{self.name}: {k!r} means two choices")
        self._by_key[k] = value

    @property
    def choices(self) -> list[str]:
        """Our labels, in order: the template's drop-down and the export's values."""
        return list(dict.fromkeys(e.labels[0] for e in self.entries))

    def label(self, value: str) -> str:
        """Our label of a choice (for the export); the value itself when unknown."""
        return self._label.get(value, value)

    def parse(self, text: str) -> str:
        """Our choice for a label or code; LabelError listing the accepted labels."""
        text = text.strip()
        if not text:
            if self.blank is None:
                raise LabelError(f"请填写{self.name}。")
            return self.blank
        k = key(text)
        if k.isdigit() and len(k) <= 3:
            k = f"#{int(k)}"
        found = self._by_key.get(k)
        if found is None:
            raise LabelError(self.unknown(text))
        return found

    def parse_many(self, text: str) -> list[str]:
        """The choices of a multi-value cell, in order, without repeats."""
        values = [self.parse(part) for part in SEPARATORS.split(text.strip()) if part.strip()]
        return list(dict.fromkeys(values))

    def unknown(self, text: str) -> str:
        return f"“{text}”不是有效的{self.name}，可填写：{'、'.join(self.choices)}。"


def _entries(choices: Iterable[tuple[str, str]], codes: dict[str, tuple[str, ...]]) -> list[Entry]:
    """One entry per choice of ours, with its own label first and its codes."""
    return [Entry(value, (label,), codes.get(value, ())) for value, label in choices]


def _table(
    name: str,
    choices: Iterable[tuple[str, str]],
    *,
    codes: dict[str, tuple[str, ...]] | None = None,
    aliases: dict[str, tuple[str, ...]] | None = None,
    blank: str | None = None,
) -> LabelTable:
    entries = _entries(choices, codes or {})
    for value, labels in (aliases or {}).items():
        entries.append(Entry(value, labels))
    return LabelTable(name, entries, blank=blank)


# --- members ---------------------------------------------------------------------------

# The national 与户主关系 list (codes 01–20, 99) is finer than ours: each of its labels
# means the nearest relation of ours.
RELATION = _table(
    "与户主关系",
    Relation.choices,
    codes={
        Relation.HEAD: ("01",),
        Relation.SPOUSE: ("02",),
        Relation.SON: ("03",),
        Relation.DAUGHTER: ("04",),
        Relation.DAUGHTER_IN_LAW: ("05",),
        Relation.SON_IN_LAW: ("06",),
        Relation.GRANDSON: ("07", "09"),
        Relation.GRANDDAUGHTER: ("08", "10"),
        Relation.PARENT: ("11", "12", "13", "14", "15", "16"),
        Relation.GRANDPARENT: ("17", "18", "19", "20"),
        Relation.OTHER: ("99",),
    },
    aliases={
        Relation.HEAD: ("本人或户主", "本人"),
        Relation.SON: ("儿子", "子"),
        Relation.DAUGHTER: ("女儿", "女"),
        Relation.DAUGHTER_IN_LAW: ("儿媳",),
        Relation.SON_IN_LAW: ("女婿",),
        Relation.GRANDSON: ("之外孙子", "孙子", "外孙子"),
        Relation.GRANDDAUGHTER: ("之外孙女", "孙女", "外孙女"),
        Relation.PARENT: ("之父", "之母", "之岳父", "之岳母", "之公公", "之婆婆", "父亲", "母亲"),
        Relation.GRANDPARENT: ("之祖父", "之祖母", "之外祖父", "之外祖母"),
        Relation.SIBLING: ("兄弟姐妹", "之兄弟", "之姐妹"),
    },
)

# GB 3304: our list is in the standard's order, so the code is the position (01 汉族 …
# 56 基诺族). A label without the final 族 (汉, 苗) is accepted too.
ETHNICITY = LabelTable(
    "民族",
    [
        Entry(group, (group, group.removesuffix("族")), (f"{i:02d}",))
        for i, group in enumerate(ETHNIC_GROUPS, 1)
    ],
    blank="汉族",
)

EDUCATION = _table(
    "文化程度",
    Education.choices,
    codes={
        Education.ILLITERATE: ("1",),
        Education.PRIMARY: ("2",),
        Education.JUNIOR: ("3",),
        Education.SENIOR: ("4",),
        Education.COLLEGE: ("5",),
        Education.PRESCHOOL: ("6",),
    },
    aliases={
        Education.ILLITERATE: ("文盲", "半文盲"),
        Education.SENIOR: ("高中(含中专)", "中专", "高中及中专"),
        Education.COLLEGE: ("大专", "本科", "本科及以上", "大专及以上学历"),
        Education.PRESCHOOL: ("学龄前",),
    },
    blank="",
)

# The national 在校生状况 (codes 1–16) names the school year; ours the level.
SCHOOL_STATUS = _table(
    "在校生状况",
    SchoolStatus.choices,
    codes={
        SchoolStatus.NOT_IN_SCHOOL: ("1",),
        SchoolStatus.PRESCHOOL: ("2",),
        SchoolStatus.PRIMARY: ("3",),
        SchoolStatus.JUNIOR: ("4", "5", "6"),
        SchoolStatus.SENIOR: ("7", "8", "9"),
        SchoolStatus.VOCATIONAL: ("10", "11", "12"),
        SchoolStatus.COLLEGE: ("13", "14", "15", "16"),
    },
    aliases={
        SchoolStatus.NOT_IN_SCHOOL: ("否", "无"),
        SchoolStatus.JUNIOR: ("七年级", "八年级", "九年级"),
        SchoolStatus.SENIOR: ("高中一年级", "高中二年级", "高中三年级"),
        SchoolStatus.VOCATIONAL: ("中职一年级", "中职二年级", "中职三年级"),
        SchoolStatus.COLLEGE: ("高职一年级", "高职二年级", "高职三年级", "大专及以上", "本科"),
    },
    blank=SchoolStatus.NOT_IN_SCHOOL,
)

HEALTH = _table(
    "健康状况",
    Health.choices,
    codes={
        Health.HEALTHY: ("1",),
        Health.CHRONIC: ("2",),
        Health.SERIOUS: ("3",),
        Health.DISABLED: ("4",),
    },
    aliases={Health.SERIOUS: ("大病",), Health.CHRONIC: ("慢性病",)},
    blank=Health.HEALTHY,
)
# We keep one 健康状况 per person; a national cell may hold several (残疾,长期慢性病): the
# most serious one is kept, in this order.
HEALTH_PRIORITY = (Health.SERIOUS, Health.DISABLED, Health.CHRONIC, Health.HEALTHY)

LABOUR = _table(
    "劳动技能",
    Labour.choices,
    codes={
        Labour.ORDINARY: ("1",),
        Labour.SKILLED: ("2",),
        Labour.LOST: ("3",),
        Labour.NONE: ("4",),
    },
    blank=Labour.ORDINARY,
)

WORK_STATUS = _table(
    "务工状况",
    WorkStatus.choices,
    codes={
        WorkStatus.IN_TOWNSHIP: ("1",),
        WorkStatus.IN_COUNTY: ("2",),
        WorkStatus.IN_PROVINCE: ("3",),
        WorkStatus.OUT_OF_PROVINCE: ("4",),
        WorkStatus.OTHER: ("5", "99"),
    },
    aliases={WorkStatus.NONE: ("无", "否", "未外出务工", "未外出")},
    blank=WorkStatus.NONE,
)

GENDER = _table(
    "性别",
    Gender.choices,
    codes={Gender.MALE: ("1",), Gender.FEMALE: ("2",)},
    aliases={Gender.MALE: ("男性",), Gender.FEMALE: ("女性",)},
    blank="",
)

# 新增原因 of a member added to a household whose registration is complete (人口自然变更).
ADD_CHANGE = LabelTable(
    "新增原因",
    [
        Entry(c.value, (c.label,))
        for c in MemberChange
        if c
        in (
            MemberChange.BIRTH,
            MemberChange.MARRIAGE_IN,
            MemberChange.MOVE_IN,
            MemberChange.RELEASE,
            MemberChange.ADOPTION,
            MemberChange.RETURN,
            MemberChange.OTHER_ADD,
        )
    ],
    blank="",
)

# --- households ------------------------------------------------------------------------

ATTRIBUTE = _table(
    "贫困户属性",
    Attribute.choices,
    aliases={
        Attribute.DIBAO: ("低保户",),
        Attribute.WUBAO: ("五保户",),
        Attribute.TEKUN: ("特困供养贫困户", "特困户", "特困供养"),
    },
    blank=Attribute.GENERAL,
)

STANDARD = _table(
    "识别标准",
    IdentificationStandard.choices,
    codes={IdentificationStandard.NATIONAL: ("1",), IdentificationStandard.PROVINCIAL: ("2",)},
    aliases={
        IdentificationStandard.PROVINCIAL: ("省标",),
        IdentificationStandard.NATIONAL: ("国标",),
    },
    blank=IdentificationStandard.NATIONAL,
)

# 致贫原因 (codes 1–11, 99 其他). The national 因婚 has no choice of ours: it is 其他.
CAUSE = _table(
    "致贫原因",
    Cause.choices,
    codes={
        Cause.ILLNESS: ("1",),
        Cause.DISABILITY: ("2",),
        Cause.SCHOOLING: ("3",),
        Cause.DISASTER: ("4",),
        Cause.LAND: ("5",),
        Cause.WATER: ("6",),
        Cause.SKILLS: ("7",),
        Cause.LABOUR: ("8",),
        Cause.FUNDS: ("9",),
        Cause.TRANSPORT: ("10",),
        Cause.MOTIVATION: ("11",),
        Cause.OTHER: ("12", "99"),
    },
    aliases={
        Cause.MOTIVATION: ("自身发展力不足", "自身发展动力不足(懒)"),
        Cause.TRANSPORT: ("交通落后",),
        Cause.OTHER: ("因婚",),
    },
    blank="",
)

ROAD_TYPE = _table(
    "入户路类型",
    RoadType.choices,
    aliases={RoadType.HARDENED: ("水泥路", "沥青路", "普通硬化路", "硬化")},
    blank=RoadType.HARDENED,
)

# 危房户 of the 花名册 is 是/否; ours is the grade. 是 keeps a grade already recorded and
# means C级危房 for a household that has none (the 说明 sheet says so).
HOUSE_DANGER = _table(
    "危房户",
    HouseDanger.choices,
    aliases={
        HouseDanger.NONE: ("非危房",),
        HouseDanger.GRADE_C: ("C级", "c级危房"),
        HouseDanger.GRADE_D: ("D级", "d级危房"),
    },
    blank=HouseDanger.NONE,
)
HOUSE_DANGER_YES = ("是", "危房")

FUEL = _table(
    "主要燃料类型",
    Fuel.choices,
    aliases={
        Fuel.GAS: ("液化气", "天然气", "燃气"),
        Fuel.ELECTRIC: ("电能",),
        Fuel.OTHER: ("干畜粪", "清洁能源"),
    },
    blank=Fuel.FIREWOOD,
)

# 是/否 cells (饮水安全, 参加大病医疗 …), with the spellings national files use.
YES = ("是", "有", "参加", "已参加", "1", "Y", "y", "√", "TRUE", "True")
NO = ("否", "无", "没有", "未参加", "没参加", "不参加", "0", "N", "n", "×", "FALSE", "False")
YES_KEYS = {key(t) for t in YES}
NO_KEYS = {key(t) for t in NO}


def parse_bool(text: str, name: str, default: bool) -> bool:
    text = text.strip()
    if not text:
        return default
    k = key(text)
    if k in YES_KEYS:
        return True
    if k in NO_KEYS:
        return False
    raise LabelError(f"“{text}”不是有效的{name}，请填写“是”或“否”。")


def bool_label(value: bool) -> str:
    return "是" if value else "否"

"""Demo and benchmark households: plausible, valid, deterministic, and fast to insert.

`seed_households(region, count, seed=...)` spreads `count` households over the villages
under `region` and writes them with raw batched INSERTs (executemany on SQLite,
execute_values on PostgreSQL): 300,000 households with ~1.1M members take minutes. Seeded
rows are plain data, not workflow: no simple_history rows are written.

What makes the data plausible and valid:

- names from surname and given-name lists of the region (Hakka surnames of southern Jiangxi);
- 18-digit ID numbers with the GB 11643 check digit, whose area code is the county's code
  *in force in the birth year* (python-stdnum's table: 于都县 is 360731 since 1998 and
  362132 before, and stdnum rejects 360731 for someone born in 1970). The 3-digit serial is
  a per-(area, birth date, gender) sequence, so numbers are unique across the table without
  retries; numbers already stored are skipped;
- one head per household, relations and ages that fit together, gender and birth date
  consistent with the ID number;
- incomes that put some households above and some below the exit line (¥3,650 per head),
  lifted households above it; statuses mostly 贫困户;
- household numbers that continue each village's 4-digit sequence.
"""

import datetime
import random
import time
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.db import connection, transaction
from django.utils import timezone
from stdnum import numdb

from villages.models import Level, Region

from .choices import (
    Attribute,
    Cause,
    Education,
    Fuel,
    Health,
    HouseDanger,
    HouseholdStatus,
    Labour,
    Relation,
    RoadType,
    SchoolStatus,
    WorkStatus,
)
from .models import Claim, Household, Member, StatusChange

EXIT_LINE = Decimal("3650")  # the seeds' county exit line, for spreading incomes around it
MAX_SEQUENCE = 9999  # household numbers: village code + 4 digits
BATCH = 5000
CENT = Decimal("0.01")

SURNAMES = (
    "刘" * 12 + "陈" * 8 + "钟" * 7 + "曾" * 7 + "谢" * 6 + "黄" * 6 + "李" * 6 + "赖" * 5
    + "王" * 5 + "张" * 5 + "邱" * 4 + "肖" * 4 + "温" * 4 + "杨" * 4 + "郭" * 3 + "罗" * 3
    + "朱" * 3 + "廖" * 3 + "叶" * 3 + "邓" * 3 + "何" * 2 + "胡" * 2 + "吴" * 2 + "周" * 2
    + "徐" * 2 + "彭" * 2 + "宋" + "易" + "管" + "丁" + "段" + "池" + "幸" + "蓝" + "凌" + "巫"
    + "兰" + "洪" + "卢" + "林" + "邹" + "袁" + "蔡" + "阙" + "危" + "揭" + "古" + "孙"
)
MALE_CHARS = ("伟强明华建国平军林文志勇辉峰斌荣发福生根水金长春德祥海清永贵忠光东新"
              "龙兵财旺才宝成良元庆胜安富鹏亮俊杰涛涌鑫宏远承添锋")
FEMALE_CHARS = "秀英芳兰梅玉珍莲凤桂花琴丽娟霞红萍燕云香群娣招妹冬菊连满月慧婷敏静雪琳佳怡欣"
BANKS = ["赣州农村商业银行", "中国邮政储蓄银行", "中国农业银行", "江西银行"]
PHONE_PREFIXES = ["134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158",
                  "159", "182", "183", "187", "188", "133", "153", "180", "189", "130", "131",
                  "132", "155", "156", "185", "186", "177", "199"]

ATTRIBUTES = [(Attribute.GENERAL, 70), (Attribute.DIBAO, 22), (Attribute.WUBAO, 5),
              (Attribute.TEKUN, 3)]
CAUSES = [(Cause.ILLNESS, 30), (Cause.DISABILITY, 12), (Cause.SCHOOLING, 8),
          (Cause.DISASTER, 3), (Cause.LAND, 4), (Cause.WATER, 2), (Cause.SKILLS, 12),
          (Cause.LABOUR, 10), (Cause.FUNDS, 12), (Cause.TRANSPORT, 3), (Cause.MOTIVATION, 3),
          (Cause.OTHER, 1)]
SIZES = [(1, 8), (2, 15), (3, 20), (4, 24), (5, 17), (6, 10), (7, 6)]  # ~3.7 a household
STATEMENTS = {
    Cause.ILLNESS: "家中有人长期患病，医疗支出大，收入低于扶贫标准，申请纳入建档立卡贫困户。",
    Cause.DISABILITY: "家中有残疾人，劳动能力弱，生活困难，申请纳入建档立卡贫困户。",
    Cause.SCHOOLING: "子女上学负担重，家庭收入低，申请纳入建档立卡贫困户。",
}
DEFAULT_STATEMENT = "家庭人均纯收入低于扶贫标准，生活困难，申请纳入建档立卡贫困户。"


def _weighted(pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return values, weights


# --- ID numbers --------------------------------------------------------------------------

def check_digit(body17: str) -> str:
    """GB 11643 check digit of the first 17 digits (the same formula as python-stdnum)."""
    checksum = (1 - 2 * int(body17, 13)) % 11
    return "X" if checksum == 10 else str(checksum)


@cache
def _province_areas(province: str) -> tuple[tuple[str, str, int, int], ...]:
    """(code, name, first year, last year) of every county-level code of a province in
    python-stdnum's table, with the years the code was in force."""
    entries = []
    for length, low, high, _props, children in numdb.get("cn/loc").prefixes:
        if not (length == 2 and low <= province <= high):
            continue
        for _clen, clow, chigh, cprops, _ in children:
            for raw in cprops.get("county", "").split(","):
                start, end, name = 0, 9999, raw
                if raw.startswith("["):
                    years, name = raw[1:].split("]", 1)
                    first, last = years.split("-")
                    start, end = int(first or 0), int(last or 9999)
                for number in range(int(clow), int(chigh) + 1):
                    entries.append((f"{province}{number:04d}", name, start, end))
    return tuple(entries)


def _stem(name: str) -> str:
    for suffix in ("自治县", "县", "市", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class AreaCodes:
    """The area code (first 6 digits) of ID numbers issued in a county, by birth year.

    The county's current code, or the code it had in that year: the same name in the same
    province (于都县 362132 before 1998), else the code of the city it was carved from
    (章贡区 was 赣州市 362101). Years no code covers are moved to the nearest covered year.
    """

    def __init__(self, county_code: str, county_name: str, city_name: str = ""):
        entries = _province_areas(county_code[:2])
        own = [e for e in entries if e[0] == county_code]
        stem = _stem(county_name)
        same = [e for e in entries if _stem(e[1]) == stem and e[0] != county_code]
        self.periods = own + same or [(county_code, county_name, 0, 9999)]
        if self._first_year() > 1900:  # a district carved from a county-level city
            self.periods += [e for e in entries if city_name and e[1] == city_name
                             and not e[0].endswith("00")]
        self.codes = sorted({code for code, *_ in self.periods})

    def _first_year(self) -> int:
        return min(start for _code, _name, start, _end in self.periods)

    def code_for(self, year: int) -> tuple[str, int]:
        """(area code, year): the year is kept when some code covers it."""
        for code, _name, start, end in self.periods:
            if start <= year <= end:
                return code, year
        nearest = min(self.periods, key=lambda p: min(abs(p[2] - year), abs(p[3] - year)))
        year = nearest[2] if year < nearest[2] else nearest[3]
        return nearest[0], year


class IdNumbers:
    """Unique valid ID numbers: a sequence per (area, birth date, gender) in the serial."""

    def __init__(self, taken: set[str]):
        self.taken = taken  # first 17 characters of numbers already stored or issued
        self.next: dict[str, int] = {}

    def issue(self, area: str, birth: datetime.date, male: bool) -> str:
        while True:
            key = f"{area}{birth:%Y%m%d}{1 if male else 0}"
            offset = zlib.crc32(key.encode()) % 500
            k = self.next.get(key, 0)
            while k < 500:
                serial = 2 * ((offset + k) % 500) + (1 if male else 0)
                body = f"{key[:14]}{serial:03d}"
                k += 1
                if body not in self.taken:
                    self.next[key] = k
                    self.taken.add(body)
                    return body + check_digit(body)
            self.next[key] = k
            birth -= datetime.timedelta(days=1)  # 500 of one gender born that day: next day


def stored_id_prefixes(area_codes) -> set[str]:
    """First 17 characters of the ID numbers stored under these area codes (any member)."""
    found: set[str] = set()
    with connection.cursor() as cursor:
        for code in area_codes:
            cursor.execute("SELECT id_number FROM households_member"
                           " WHERE id_number >= %s AND id_number < %s",
                           [code, code[:-1] + chr(ord(code[-1]) + 1)])
            found.update(row[0][:17] for row in cursor.fetchall())
    return found


# --- one household -----------------------------------------------------------------------

@dataclass
class Person:
    name: str
    relation: str
    male: bool
    age: int
    birth: datetime.date | None = None
    id_number: str = ""


@dataclass
class Plan:
    """A generated household before it is written."""

    village: Region
    number: str
    values: dict
    people: list[Person] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)  # Member column values


class Generator:
    def __init__(self, seed: int, today: datetime.date):
        self.rng = random.Random(seed)
        self.today = today
        self.attr_values, self.attr_weights = _weighted(ATTRIBUTES)
        self.cause_values, self.cause_weights = _weighted(CAUSES)
        self.size_values, self.size_weights = _weighted(SIZES)

    # names
    def surname(self) -> str:
        return self.rng.choice(SURNAMES)

    def given(self, male: bool) -> str:
        chars = MALE_CHARS if male else FEMALE_CHARS
        if self.rng.random() < 0.7:
            return self.rng.choice(chars) + self.rng.choice(chars)
        return self.rng.choice(chars)

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"

    # people
    def people(self, size: int, attribute: str) -> list[Person]:
        rng = self.rng
        family = self.surname()
        head_male = rng.random() < 0.85
        if attribute == Attribute.WUBAO:
            head_age = rng.randint(62, 88)
        elif size == 1:
            head_age = rng.randint(45, 85)
        else:
            head_age = rng.randint(28, 78)
        people = [Person(family + self.given(head_male), Relation.HEAD, head_male, head_age)]
        left = size - 1
        if left and rng.random() < 0.88:
            people.append(Person(self.surname() + self.given(not head_male), Relation.SPOUSE,
                                 not head_male, max(20, head_age + rng.randint(-6, 4))))
            left -= 1
        if head_age >= 58 and left >= 2:
            son_age = head_age - rng.randint(24, 32)
            people.append(Person(family + self.given(True), Relation.SON, True, son_age))
            people.append(Person(self.surname() + self.given(False), Relation.DAUGHTER_IN_LAW,
                                 False, max(19, son_age + rng.randint(-4, 2))))
            left -= 2
            child_age = son_age - rng.randint(20, 28)
            while left and child_age >= 0:
                male = rng.random() < 0.52
                people.append(Person(family + self.given(male),
                                     Relation.GRANDSON if male else Relation.GRANDDAUGHTER,
                                     male, child_age))
                child_age -= rng.randint(2, 4)
                left -= 1
        child_age = head_age - rng.randint(22, 34)
        while left and child_age >= 0:
            male = rng.random() < 0.52
            people.append(Person(family + self.given(male),
                                 Relation.SON if male else Relation.DAUGHTER, male, child_age))
            child_age -= rng.randint(2, 5)
            left -= 1
        while left:
            if head_age <= 60:
                male = rng.random() < 0.4
                age = min(96, head_age + rng.randint(22, 32))
                people.append(Person((family if male else self.surname()) + self.given(male),
                                     Relation.PARENT, male, age))
            else:
                male = rng.random() < 0.5
                people.append(Person(family + self.given(male), Relation.SIBLING, male,
                                     max(18, head_age + rng.randint(-8, 8))))
            left -= 1
        return people

    def birth_date(self, age: int) -> datetime.date:
        """A birth date that makes the person `age` years old today."""
        today = self.today
        try:
            anniversary = today.replace(year=today.year - age)
        except ValueError:  # 29 February
            anniversary = today.replace(year=today.year - age, day=28)
        return anniversary - datetime.timedelta(days=self.rng.randrange(0, 365))

    def member_values(self, person: Person, cause: str) -> dict:
        rng, age = self.rng, person.age
        if age < 6:
            education, school = Education.PRESCHOOL, (
                SchoolStatus.PRESCHOOL if age >= 3 else SchoolStatus.NOT_IN_SCHOOL)
        elif age <= 11:
            education, school = Education.PRIMARY, SchoolStatus.PRIMARY
        elif age <= 14:
            education, school = Education.PRIMARY, SchoolStatus.JUNIOR
        elif age <= 17:
            education = Education.JUNIOR
            school = rng.choice([SchoolStatus.SENIOR, SchoolStatus.VOCATIONAL,
                                 SchoolStatus.SENIOR])
            if rng.random() < 0.03:
                school = SchoolStatus.DROPPED_OUT
        else:
            weights = [30, 40, 22, 7, 1] if age >= 60 else [3, 22, 50, 18, 7]
            education = rng.choices([Education.ILLITERATE, Education.PRIMARY, Education.JUNIOR,
                                     Education.SENIOR, Education.COLLEGE], weights)[0]
            school = (SchoolStatus.COLLEGE if age <= 21 and rng.random() < 0.25
                      else SchoolStatus.NOT_IN_SCHOOL)
        health = rng.choices([Health.HEALTHY, Health.CHRONIC, Health.SERIOUS, Health.DISABLED],
                             [78, 14, 4, 4] if age < 60 else [50, 35, 9, 6])[0]
        if person.relation == Relation.HEAD and cause == Cause.ILLNESS:
            health = rng.choice([Health.CHRONIC, Health.SERIOUS])
        if person.relation == Relation.HEAD and cause == Cause.DISABILITY:
            health = Health.DISABLED
        if age < 16 or school not in (SchoolStatus.NOT_IN_SCHOOL, SchoolStatus.DROPPED_OUT):
            labour = Labour.NONE
        elif health in (Health.SERIOUS, Health.DISABLED) or age >= 75:
            labour = Labour.LOST if age < 75 else Labour.NONE
        else:
            labour = Labour.SKILLED if rng.random() < 0.15 else Labour.ORDINARY
        work, months = WorkStatus.NONE, 0
        if labour in (Labour.ORDINARY, Labour.SKILLED) and age <= 55 and rng.random() < 0.55:
            work = rng.choices([WorkStatus.IN_TOWNSHIP, WorkStatus.IN_COUNTY,
                                WorkStatus.IN_PROVINCE, WorkStatus.OUT_OF_PROVINCE],
                               [15, 20, 20, 45])[0]
            months = rng.randint(3, 11)
        return {
            "name": person.name, "id_number": person.id_number,
            "gender": "male" if person.male else "female", "birth_date": person.birth,
            "relation": person.relation,
            "ethnicity": "畲族" if rng.random() < 0.004 else "汉族",
            "education": education, "school_status": school, "health": health,
            "labour": labour, "work_status": work, "months_away": months,
            "has_basic_medical": rng.random() < 0.98,
            "has_serious_illness": rng.random() < 0.7,
            "has_pension": age >= 16 and school == SchoolStatus.NOT_IN_SCHOOL
            and rng.random() < 0.75,
        }

    def household_values(self, size: int, people: list[Person], attribute: str,
                         cause: str) -> dict:
        rng = self.rng
        above = rng.random() < 0.42
        per_head = (Decimal(rng.randint(3700, 9000)) if above
                    else Decimal(rng.randint(1500, 3600)))
        per_head += Decimal(rng.randrange(100)) / 100
        net = per_head * size
        costs = (net * Decimal(rng.randint(5, 25)) / 100).quantize(CENT)
        gross = net + costs
        transfers = {
            "dibao_subsidy": Decimal(rng.randint(2400, 4800)) * (1 if size < 3 else 2)
            if attribute == Attribute.DIBAO else Decimal(0),
            "wubao_subsidy": Decimal(rng.randint(4000, 5500)) if attribute == Attribute.WUBAO
            else Decimal(0),
            "pension_income": Decimal(105 * 12) * sum(1 for p in people if p.age >= 60),
            "ecological_compensation": Decimal(rng.choice([0, 0, 0, 120, 260, 480])),
            "family_planning_subsidy": Decimal(rng.choice([0] * 9 + [960])),
            "other_transfer_income": Decimal(rng.choice([0, 0, 0, 200, 500, 1000])),
        }
        transfer_total = sum(transfers.values())
        if transfer_total > gross:  # transfers alone exceed the target: trim them
            scale = gross / transfer_total
            transfers = {k: (v * scale).quantize(CENT) for k, v in transfers.items()}
            transfer_total = sum(transfers.values())
        earned = gross - transfer_total
        workers = sum(1 for p in people if 16 <= p.age <= 60)
        wage = (earned * Decimal(rng.randint(40, 80) if workers else 0) / 100).quantize(CENT)
        property_income = min(earned - wage, Decimal(rng.choice([0, 0, 0, 100, 300])))
        business = earned - wage - property_income
        values = {
            "wage_income": wage, "business_income": business,
            "property_income": property_income, "production_costs": costs, **transfers,
        }
        total = wage + business + property_income + sum(transfers.values())
        income = ((total - costs) / size).quantize(CENT)
        values["net_income_per_capita"] = income

        if income > EXIT_LINE and rng.random() < 0.33:
            status = rng.choices([HouseholdStatus.LIFTED, HouseholdStatus.LIFTED_NO_SUPPORT],
                                 [90, 10])[0]
        elif income <= EXIT_LINE and rng.random() < 0.03:
            status = HouseholdStatus.RETURNED
        else:
            status = HouseholdStatus.POOR
        arable = Decimal(rng.randint(3, 60)) / 10
        others = rng.sample([c for c in self.cause_values if c != cause], rng.randint(0, 2))
        applied = datetime.date(2014, rng.randint(3, 9), rng.randint(1, 28))
        step = datetime.timedelta(days=7)
        values.update({
            "group": f"第{rng.randint(1, 15)}村民小组",
            "attribute": attribute, "standard": "national", "status": status,
            "phone": self.phone(), "bank_name": rng.choice(BANKS),
            "bank_account": "621" + f"{rng.randrange(10 ** 16):016d}",
            "head_name": people[0].name, "size": size,
            "arable_area": arable, "irrigated_area": (arable * rng.randint(30, 100) / 100
                                                      ).quantize(CENT),
            "forest_area": Decimal(rng.randint(0, 300)) / 10,
            "returned_farmland_area": Decimal(rng.choice([0, 0, 0, 5, 10])) / 10,
            "pasture_area": Decimal(0),
            "water_surface_area": Decimal(rng.choice([0] * 8 + [5, 10])) / 10,
            "has_production_power": rng.random() < 0.9,
            "has_household_power": rng.random() < 0.995,
            "drinking_water_safe": rng.random() < 0.9,
            "drinking_water_difficult": rng.random() < 0.08,
            "distance_to_road_km": Decimal(rng.randint(0, 60)) / 10,
            "road_type": rng.choices([RoadType.HARDENED, RoadType.GRAVEL, RoadType.DIRT],
                                     [60, 25, 15])[0],
            "housing_area": Decimal(rng.randint(35, 180)),
            "house_danger": rng.choices([HouseDanger.NONE, HouseDanger.GRADE_C,
                                         HouseDanger.GRADE_D], [84, 11, 5])[0],
            "has_sanitary_toilet": rng.random() < 0.6,
            "main_fuel": rng.choices([Fuel.FIREWOOD, Fuel.GAS, Fuel.ELECTRIC, Fuel.COAL],
                                     [55, 25, 15, 5])[0],
            "in_cooperative": rng.random() < 0.2,
            "main_cause": cause, "other_causes": others, "cause_note": "",
            "application_statement": STATEMENTS.get(cause, DEFAULT_STATEMENT),
            "application_date": applied,
            "survey_by": "村扶贫专干", "survey_date": applied + step,
            "survey_findings": "经入户调查，家庭情况属实。",
            "appraisal_date": applied + 2 * step, "appraisal_result": "民主评议通过",
            "first_publicity_date": applied + 3 * step, "first_publicity_result": "公示无异议",
            "township_review_date": applied + 4 * step, "township_review_result": "审核同意",
            "second_publicity_date": applied + 5 * step,
            "second_publicity_result": "公示无异议",
            "county_approval_date": applied + 7 * step, "county_approval_result": "审批同意",
            "parts_done": 7,
        })
        return values

    def household(self, village: Region, number: str, ids: IdNumbers,
                  areas: AreaCodes) -> Plan:
        rng = self.rng
        size = rng.choices(self.size_values, self.size_weights)[0]
        attribute = rng.choices(self.attr_values, self.attr_weights)[0]
        if attribute == Attribute.WUBAO:
            size = 1
        cause = rng.choices(self.cause_values, self.cause_weights)[0]
        people = self.people(size, attribute)
        if cause == Cause.SCHOOLING and not any(6 <= p.age <= 22 for p in people):
            cause = Cause.ILLNESS  # 因学 needs someone of school age
        for person in people:
            birth = self.birth_date(person.age)
            area, year = areas.code_for(birth.year)
            if year != birth.year:
                birth = birth.replace(year=year, day=min(birth.day, 28))
            person.birth = birth
            person.id_number = ids.issue(area, birth, person.male)
        values = self.household_values(len(people), people, attribute, cause)
        members = [self.member_values(p, cause) for p in people]
        return Plan(village, number, values, people, members)


# --- writing -----------------------------------------------------------------------------

def _columns(model, skip=("id",)):
    return [f for f in model._meta.concrete_fields if f.column not in skip]


def _defaults(fields) -> dict:
    return {f.attname: f.get_default() for f in fields}


class Writer:
    """Batched raw INSERTs; ids of households are reserved first so members can point to
    them without reading anything back."""

    def __init__(self):
        self.vendor = connection.vendor
        self.household_fields = _columns(Household, skip=())
        self.member_fields = _columns(Member)
        self.household_defaults = _defaults(self.household_fields)
        self.member_defaults = _defaults(self.member_fields)
        self.now = timezone.now()
        self.stamp = connection.ops.adapt_datetimefield_value(self.now)

    def reserve_household_ids(self, n: int) -> list[int]:
        table = Household._meta.db_table
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
                               " FROM generate_series(1, %s)", [table, n])
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608 - table name
            top = cursor.fetchone()[0] or 0
            if self.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                top = max(top, row[0] if row else 0)
            return list(range(top + 1, top + n + 1))

    def insert(self, model, fields, rows: list[tuple]) -> None:
        if not rows:
            return
        table = model._meta.db_table
        columns = ", ".join(f'"{f.column}"' for f in fields)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                from psycopg2.extras import execute_values

                execute_values(cursor.cursor,
                               f'INSERT INTO "{table}" ({columns}) VALUES %s',  # noqa: S608
                               rows, page_size=1000)
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',  # noqa: S608
                                   rows)

    def write(self, plans: list[Plan]) -> list[int]:
        ids = self.reserve_household_ids(len(plans))
        household_rows, member_rows = [], []
        json = connection.ops.adapt_json_value
        for pk, plan in zip(ids, plans, strict=True):
            values = {**self.household_defaults, **plan.values, "id": pk,
                      "number": plan.number, "village_id": plan.village.pk,
                      "village_code": plan.village.code, "created_at": self.stamp,
                      "registered_at": self.stamp, "created_by_id": None}
            values["other_causes"] = json(values["other_causes"], None)
            household_rows.append(tuple(values[f.attname] for f in self.household_fields))
            for person_values in plan.members:
                row = {**self.member_defaults, **person_values, "household_id": pk}
                member_rows.append(tuple(row[f.attname] for f in self.member_fields))
        self.insert(Household, self.household_fields, household_rows)
        self.insert(Member, self.member_fields, member_rows)
        return ids


# --- the entry points ----------------------------------------------------------------------

@dataclass
class SeedResult:
    households: int = 0
    members: int = 0
    villages: int = 0
    seconds: float = 0.0
    household_ids: list[int] = field(default_factory=list, repr=False)


class SeedError(Exception):
    pass


def villages_under(region: Region) -> list[Region]:
    if region.level == Level.VILLAGE:
        return [region]
    lo, hi = region.code_range
    return list(Region.objects.filter(level=Level.VILLAGE, code__gte=lo, code__lt=hi)
                .order_by("code"))


def next_sequences(region: Region) -> dict[str, int]:
    """village code -> the next free 4-digit household sequence."""
    lo, hi = region.code_range
    found = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT village_code, MAX(number) FROM households_household"
                       " WHERE village_code >= %s AND village_code < %s GROUP BY village_code",
                       [lo, hi])
        for code, number in cursor.fetchall():
            found[code] = int(number[len(code):]) + 1
    return found


def allocate(count: int, villages: list[Region], rng: random.Random,
             free: dict[str, int]) -> list[int]:
    """How many households each village gets: uneven (weights 0.5–1.5), within its free
    sequence numbers."""
    weights = [rng.uniform(0.5, 1.5) for _ in villages]
    total = sum(weights)
    shares = [count * w / total for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(villages)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in order[: count - sum(counts)]:
        counts[i] += 1
    capacity = [free[v.code] for v in villages]
    overflow = sum(max(0, c - cap) for c, cap in zip(counts, capacity, strict=True))
    counts = [min(c, cap) for c, cap in zip(counts, capacity, strict=True)]
    for i in range(len(villages)):  # move what does not fit to villages with room
        if not overflow:
            break
        extra = min(overflow, capacity[i] - counts[i])
        counts[i] += extra
        overflow -= extra
    if overflow:
        raise SeedError(f"区域内各村的户编号（每村最多 {MAX_SEQUENCE} 户）"
                        f"不足以再生成 {count} 户。")
    return counts


def _counties(villages: list[Region]) -> dict[str, tuple[str, str]]:
    """county code -> (county name, city name) for the villages' counties."""
    codes = {v.code[:6] for v in villages} | {v.code[:4] for v in villages}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return {code: (names.get(code, ""), names.get(code[:4], ""))
            for code in {v.code[:6] for v in villages}}


def seed_households(region: Region, count: int, *, seed: int = 0, batch: int = BATCH,
                    villages: list[Region] | None = None,
                    progress: Callable[[int, int], None] | None = None) -> SeedResult:
    """Generate `count` households with members under `region`, spread over its villages
    (or the given ones). Each batch is one transaction; a county's batches are written
    before the next county's ID numbers are planned, so numbers stay unique."""
    started = time.monotonic()
    villages = villages if villages is not None else villages_under(region)
    if not villages:
        raise SeedError(f"“{region.name}”下没有村（居）委会，无法生成贫困户。")
    rng = random.Random(seed)
    sequences = next_sequences(region)
    free = {v.code: MAX_SEQUENCE - sequences.get(v.code, 1) + 1 for v in villages}
    counts = allocate(count, villages, rng, free)
    generator = Generator(seed, timezone.localdate())
    writer = Writer()
    result = SeedResult(villages=sum(1 for c in counts if c))
    pending: list[Plan] = []

    def flush():
        with transaction.atomic():
            result.household_ids += writer.write(pending)
        result.households += len(pending)
        result.members += sum(len(p.members) for p in pending)
        pending.clear()
        if progress:
            progress(result.households, count)

    with _sqlite_cache():
        _generate(villages, counts, sequences, _counties(villages), generator, pending, flush,
                  batch)
        if pending:
            flush()
    result.seconds = time.monotonic() - started
    return result


@contextmanager
def _sqlite_cache(kib: int = 256 * 1024):
    """A large page cache while seeding SQLite: the ID-number indexes take random inserts."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _generate(villages, counts, sequences, counties, generator, pending, flush, batch):
    current = areas = ids = None
    for village, n in zip(villages, counts, strict=True):
        if not n:
            continue
        if village.code[:6] != current:
            if pending:
                flush()
            current = village.code[:6]
            areas = AreaCodes(current, *counties[current])
            ids = IdNumbers(stored_id_prefixes(areas.codes))
        start = sequences.get(village.code, 1)
        for seq in range(start, start + n):
            pending.append(generator.household(village, f"{village.code}{seq:04d}", ids, areas))
            if len(pending) >= batch:
                flush()


# --- the demo of `make run` ------------------------------------------------------------------

DEMO_TOWNSHIP = "360731100"  # 贡江镇
DEMO_VILLAGES = {  # village code -> households: 仓前村委会 is the demo village account
    "360731100201": 80, "360731100200": 45, "360731100202": 45, "360731100203": 45,
    "360731100204": 45, "360731100205": 40,
}
DEMO_SEED = 2016
DEMO_CLAIMS = [("13800000001", 30), ("13800000002", 10)]  # phone, households of 仓前村


def demo_exists() -> bool:
    from villages.models import code_range

    lo, hi = code_range(DEMO_TOWNSHIP)
    return Household.objects.filter(village_code__gte=lo, village_code__lt=hi).exists()


@transaction.atomic
def seed_demo_households() -> SeedResult | None:
    """The households of `make run`: a few hundred in villages of 贡江镇, some of 仓前村's
    claimed by the demo phones, the rest left for the village to claim. Does nothing when
    the township already has households."""
    from villages.demo import DEMO_OFFICES
    from villages.models import User, VillagePhone

    if demo_exists():
        return None
    username = next(u for u, role, _name, _code in DEMO_OFFICES if role == "village")
    account = User.objects.filter(username=username).first()
    if account is None:
        raise SeedError("请先创建演示账号：manage.py seed_demo")
    township = Region.objects.get(code=DEMO_TOWNSHIP)
    villages = list(Region.objects.filter(code__in=DEMO_VILLAGES).order_by("code"))
    result = SeedResult()
    for village in villages:
        part = seed_households(township, DEMO_VILLAGES[village.code],
                               seed=DEMO_SEED + int(village.code[-3:]), villages=[village])
        result.households += part.households
        result.members += part.members
        result.household_ids += part.household_ids
        result.villages += 1
    _claim_demo(account, VillagePhone)
    _demo_history(result.household_ids)
    return result


def _claim_demo(account, phone_model) -> int:
    from villages.demo import VILLAGE

    lo, hi = Region.objects.get(code=VILLAGE).code_range
    households = list(Household.objects.filter(village_code__gte=lo, village_code__lt=hi)
                      .order_by("number").values_list("pk", flat=True))
    claims, start = [], 0
    for phone_number, n in DEMO_CLAIMS:
        phone = phone_model.objects.filter(account=account, phone=phone_number,
                                           active=True).first()
        if phone is None:
            continue
        # every other household, so claimed and unclaimed ones alternate in the list
        chosen = households[start:start + 2 * n:2]
        start += 2 * n
        claims += [Claim(household_id=pk, account=account, phone=phone) for pk in chosen]
    Claim.objects.bulk_create(claims)
    return len(claims)


def _demo_history(household_ids: list[int]) -> None:
    """Status changes behind the demo's non-poor statuses, by the demo offices."""
    from villages.models import User

    township = User.objects.filter(username="gongjiang_town").first()
    county = User.objects.filter(username="yudu_county").first()
    if township is None or county is None:
        return
    year = timezone.localdate().year
    lifted = ("poor", "lifted", township, "两不愁三保障已落实，人均纯收入超过脱贫标准，同意脱贫。")
    steps = {
        HouseholdStatus.LIFTED: [lifted],
        HouseholdStatus.LIFTED_NO_SUPPORT: [
            lifted, ("lifted", "lifted_no_support", township, "稳定脱贫，不再享受扶贫政策。")],
        HouseholdStatus.RETURNED: [
            lifted, ("lifted", "returned", county, "因病返贫，家庭收入低于扶贫标准。")],
    }
    changes = []
    for pk, status in Household.objects.filter(pk__in=household_ids).exclude(
            status=HouseholdStatus.POOR).values_list("pk", "status"):
        for from_status, to_status, actor, reason in steps.get(status, []):
            changes.append(StatusChange(household_id=pk, year=year, from_status=from_status,
                                        to_status=to_status, reason=reason, actor=actor))
    StatusChange.objects.bulk_create(changes)

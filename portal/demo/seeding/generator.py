"""One plausible household: people whose relations, ages, genders and birth dates fit
together, their members' rows, and household values (incomes around the exit line, status,
the seven parts filled in)."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from households.choices import (
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
from villages.models import Region

from .ids import AreaCodes, IdNumbers
from .pools import (
    ATTRIBUTES,
    BANKS,
    CAUSES,
    DEFAULT_STATEMENT,
    FEMALE_CHARS,
    MALE_CHARS,
    PHONE_PREFIXES,
    SIZES,
    STATEMENTS,
    SURNAMES,
    weighted,
)

EXIT_LINE = Decimal("3650")  # the seeds' county exit line, for spreading incomes around it
CENT = Decimal("0.01")


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
        self.attr_values, self.attr_weights = weighted(ATTRIBUTES)
        self.cause_values, self.cause_weights = weighted(CAUSES)
        self.size_values, self.size_weights = weighted(SIZES)

    # names
    def surname(self) -> str:
        return self.rng.choice(SURNAMES)

    def given(self, male: bool) -> str:
        chars = MALE_CHARS if male else FEMALE_CHARS
        if self.rng.random() < 0.7:
            return self.rng.choice(chars) + self.rng.choice(chars)
        return self.rng.choice(chars)

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

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
            people.append(
                Person(
                    self.surname() + self.given(not head_male),
                    Relation.SPOUSE,
                    not head_male,
                    max(20, head_age + rng.randint(-6, 4)),
                )
            )
            left -= 1
        if head_age >= 58 and left >= 2:
            son_age = head_age - rng.randint(24, 32)
            people.append(Person(family + self.given(True), Relation.SON, True, son_age))
            people.append(
                Person(
                    self.surname() + self.given(False),
                    Relation.DAUGHTER_IN_LAW,
                    False,
                    max(19, son_age + rng.randint(-4, 2)),
                )
            )
            left -= 2
            child_age = son_age - rng.randint(20, 28)
            while left and child_age >= 0:
                male = rng.random() < 0.52
                people.append(
                    Person(
                        family + self.given(male),
                        Relation.GRANDSON if male else Relation.GRANDDAUGHTER,
                        male,
                        child_age,
                    )
                )
                child_age -= rng.randint(2, 4)
                left -= 1
        child_age = head_age - rng.randint(22, 34)
        while left and child_age >= 0:
            male = rng.random() < 0.52
            people.append(
                Person(
                    family + self.given(male),
                    Relation.SON if male else Relation.DAUGHTER,
                    male,
                    child_age,
                )
            )
            child_age -= rng.randint(2, 5)
            left -= 1
        while left:
            if head_age <= 60:
                male = rng.random() < 0.4
                age = min(96, head_age + rng.randint(22, 32))
                people.append(
                    Person(
                        (family if male else self.surname()) + self.given(male),
                        Relation.PARENT,
                        male,
                        age,
                    )
                )
            else:
                male = rng.random() < 0.5
                people.append(
                    Person(
                        family + self.given(male),
                        Relation.SIBLING,
                        male,
                        max(18, head_age + rng.randint(-8, 8)),
                    )
                )
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
            education, school = (
                Education.PRESCHOOL,
                (SchoolStatus.PRESCHOOL if age >= 3 else SchoolStatus.NOT_IN_SCHOOL),
            )
        elif age <= 11:
            education, school = Education.PRIMARY, SchoolStatus.PRIMARY
        elif age <= 14:
            education, school = Education.PRIMARY, SchoolStatus.JUNIOR
        elif age <= 17:
            education = Education.JUNIOR
            school = rng.choice([SchoolStatus.SENIOR, SchoolStatus.VOCATIONAL, SchoolStatus.SENIOR])
            if rng.random() < 0.03:
                school = SchoolStatus.DROPPED_OUT
        else:
            weights = [30, 40, 22, 7, 1] if age >= 60 else [3, 22, 50, 18, 7]
            education = rng.choices(
                [
                    Education.ILLITERATE,
                    Education.PRIMARY,
                    Education.JUNIOR,
                    Education.SENIOR,
                    Education.COLLEGE,
                ],
                weights,
            )[0]
            school = (
                SchoolStatus.COLLEGE
                if age <= 21 and rng.random() < 0.25
                else SchoolStatus.NOT_IN_SCHOOL
            )
        health = rng.choices(
            [Health.HEALTHY, Health.CHRONIC, Health.SERIOUS, Health.DISABLED],
            [78, 14, 4, 4] if age < 60 else [50, 35, 9, 6],
        )[0]
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
            work = rng.choices(
                [
                    WorkStatus.IN_TOWNSHIP,
                    WorkStatus.IN_COUNTY,
                    WorkStatus.IN_PROVINCE,
                    WorkStatus.OUT_OF_PROVINCE,
                ],
                [15, 20, 20, 45],
            )[0]
            months = rng.randint(3, 11)
        return {
            "name": person.name,
            "id_number": person.id_number,
            "gender": "male" if person.male else "female",
            "birth_date": person.birth,
            "relation": person.relation,
            "ethnicity": "畲族" if rng.random() < 0.004 else "汉族",
            "education": education,
            "school_status": school,
            "health": health,
            "labour": labour,
            "work_status": work,
            "months_away": months,
            "has_basic_medical": rng.random() < 0.98,
            "has_serious_illness": rng.random() < 0.7,
            "has_pension": age >= 16
            and school == SchoolStatus.NOT_IN_SCHOOL
            and rng.random() < 0.75,
        }

    def household_values(self, size: int, people: list[Person], attribute: str, cause: str) -> dict:
        rng = self.rng
        above = rng.random() < 0.42
        per_head = Decimal(rng.randint(3700, 9000)) if above else Decimal(rng.randint(1500, 3600))
        per_head += Decimal(rng.randrange(100)) / 100
        net = per_head * size
        costs = (net * Decimal(rng.randint(5, 25)) / 100).quantize(CENT)
        gross = net + costs
        transfers = {
            "dibao_subsidy": Decimal(rng.randint(2400, 4800)) * (1 if size < 3 else 2)
            if attribute == Attribute.DIBAO
            else Decimal(0),
            "wubao_subsidy": Decimal(rng.randint(4000, 5500))
            if attribute == Attribute.WUBAO
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
            "wage_income": wage,
            "business_income": business,
            "property_income": property_income,
            "production_costs": costs,
            **transfers,
        }
        total = wage + business + property_income + sum(transfers.values())
        income = ((total - costs) / size).quantize(CENT)
        values["net_income_per_capita"] = income

        if income > EXIT_LINE and rng.random() < 0.33:
            status = rng.choices(
                [HouseholdStatus.LIFTED, HouseholdStatus.LIFTED_NO_SUPPORT], [90, 10]
            )[0]
        elif income <= EXIT_LINE and rng.random() < 0.03:
            status = HouseholdStatus.RETURNED
        else:
            status = HouseholdStatus.POOR
        arable = Decimal(rng.randint(3, 60)) / 10
        others = rng.sample([c for c in self.cause_values if c != cause], rng.randint(0, 2))
        applied = datetime.date(2014, rng.randint(3, 9), rng.randint(1, 28))
        step = datetime.timedelta(days=7)
        values.update(
            {
                "group": f"第{rng.randint(1, 15)}村民小组",
                "attribute": attribute,
                "standard": "national",
                "status": status,
                "phone": self.phone(),
                "bank_name": rng.choice(BANKS),
                "bank_account": "621" + f"{rng.randrange(10**16):016d}",
                "head_name": people[0].name,
                "size": size,
                "arable_area": arable,
                "irrigated_area": (arable * rng.randint(30, 100) / 100).quantize(CENT),
                "forest_area": Decimal(rng.randint(0, 300)) / 10,
                "returned_farmland_area": Decimal(rng.choice([0, 0, 0, 5, 10])) / 10,
                "pasture_area": Decimal(0),
                "water_surface_area": Decimal(rng.choice([0] * 8 + [5, 10])) / 10,
                "has_production_power": rng.random() < 0.9,
                "has_household_power": rng.random() < 0.995,
                "drinking_water_safe": rng.random() < 0.9,
                "drinking_water_difficult": rng.random() < 0.08,
                "distance_to_road_km": Decimal(rng.randint(0, 60)) / 10,
                "road_type": rng.choices(
                    [RoadType.HARDENED, RoadType.GRAVEL, RoadType.DIRT], [60, 25, 15]
                )[0],
                "housing_area": Decimal(rng.randint(35, 180)),
                "house_danger": rng.choices(
                    [HouseDanger.NONE, HouseDanger.GRADE_C, HouseDanger.GRADE_D], [84, 11, 5]
                )[0],
                "has_sanitary_toilet": rng.random() < 0.6,
                "main_fuel": rng.choices(
                    [Fuel.FIREWOOD, Fuel.GAS, Fuel.ELECTRIC, Fuel.COAL], [55, 25, 15, 5]
                )[0],
                "in_cooperative": rng.random() < 0.2,
                "main_cause": cause,
                "other_causes": others,
                "cause_note": "",
                "application_statement": STATEMENTS.get(cause, DEFAULT_STATEMENT),
                "application_date": applied,
                "survey_by": "村扶贫专干",
                "survey_date": applied + step,
                "survey_findings": "经入户调查，家庭情况属实。",
                "appraisal_date": applied + 2 * step,
                "appraisal_result": "民主评议通过",
                "first_publicity_date": applied + 3 * step,
                "first_publicity_result": "公示无异议",
                "township_review_date": applied + 4 * step,
                "township_review_result": "审核同意",
                "second_publicity_date": applied + 5 * step,
                "second_publicity_result": "公示无异议",
                "county_approval_date": applied + 7 * step,
                "county_approval_result": "审批同意",
                "parts_done": 7,
            }
        )
        return values

    def household(self, village: Region, number: str, ids: IdNumbers, areas: AreaCodes) -> Plan:
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

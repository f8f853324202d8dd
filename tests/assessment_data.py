"""Households for the assessment tests, registered through the real actions."""

from decimal import Decimal

from households import services
from poverty_system.core.actor import Actor

from .households_data import BASIC, PARTS, make_id, member


def poor_household(world, name="张三", members=None, *, village=None, parts=None, **basic):
    """A registered poor household of world.village (claimed by world.phone); `parts` maps a
    part number to field overrides (e.g. {2: {"house_danger": "d"}})."""
    actor = Actor(world.village_account, world.phone)
    household = services.start_registration(
        actor, village or world.village, {**BASIC, **basic}, members or [member(name)]
    )
    for number in range(2, 8):
        data = {**PARTS[number], **(parts or {}).get(number, {})}
        household = services.save_part(actor, household, number, data)
    household.refresh_from_db()
    from .identification_data import admit

    admit(household, actor)  # 两公示一比对一公告: a poor household at 公告
    return household


LOW_INCOME = {3: {"wage_income": Decimal("1000"), "business_income": Decimal("0")}}


def failing_household(world, name="李四"):
    """Fails every check: income, housing, water, a dropout aged 10, a member uninsured."""
    child = member("李小明", "son", id_number=make_id(birth="20160301"), school_status="none")
    spouse = member("王芳", "spouse", has_basic_medical=False)
    return poor_household(
        world,
        members=[member(name), spouse, child],
        parts={
            2: {"house_danger": "d", "drinking_water_safe": False},
            3: {"wage_income": Decimal("1000"), "business_income": Decimal("0")},
        },
    )

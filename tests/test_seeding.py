"""The demo and benchmark data (portal.demo: manage.py seed_demo, seed_households)."""

import datetime
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from stdnum.cn import ric

from households import idnumbers
from households.choices import HouseholdStatus, Relation
from households.models import Claim, Household, Member, StatusChange
from portal.demo import seeding
from portal.demo.accounts import ensure_demo_accounts
from portal.demo.households import seed_demo_households
from portal.demo.seeding import AreaCodes, seed_households
from portal.demo.units import ensure_demo_unit
from poverty_system.core.actor import Actor
from tests.households_data import member, no_sms_throttle, register  # noqa: F401
from villages.models import Region, code_range

EXIT_LINE = Decimal("3650")


def in_region(region):
    lo, hi = code_range(region.code)
    return Household.objects.filter(village_code__gte=lo, village_code__lt=hi)


@pytest.fixture
def seeded(world):
    result = seed_households(world.county, 200, seed=7)
    return result


def test_spreads_households_over_the_villages_of_the_region(world, seeded):
    assert seeded.households == 200 and Household.objects.count() == 200
    by_village = Counter(Household.objects.values_list("village_code", flat=True))
    villages = set(
        Region.objects.filter(level="village", code__startswith=world.county.code).values_list(
            "code", flat=True
        )
    )
    assert set(by_village) == villages
    for household in Household.objects.select_related("village"):
        assert household.village_code == household.village.code
        assert household.number.startswith(household.village_code)
        assert len(household.number) == 16


def test_every_id_number_is_valid_and_unique(seeded):
    numbers = list(Member.objects.values_list("id_number", flat=True))
    assert len(numbers) == seeded.members and len(numbers) > 500
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert ric.is_valid(number), number
        assert idnumbers.normalize(number) == number


def test_gender_and_birth_date_come_from_the_id_number(seeded):
    for person in Member.objects.all()[:300]:
        assert person.gender == idnumbers.gender(person.id_number)
        assert person.birth_date == idnumbers.birth_date(person.id_number)


def test_area_code_is_the_county_code_in_force_in_the_birth_year(seeded):
    for number, birth in Member.objects.values_list("id_number", "birth_date"):
        expected = "360731" if birth.year >= 1998 else "362132"  # 于都县 before 1998
        assert number[:6] == expected, (number, birth)


def test_area_codes_of_renamed_counties():
    assert AreaCodes("360731", "于都县").code_for(1970) == ("362132", 1970)
    assert AreaCodes("360731", "于都县").code_for(2005) == ("360731", 2005)
    assert AreaCodes("360703", "南康区").code_for(2005) == ("360782", 2005)
    assert AreaCodes("360703", "南康区").code_for(1960) == ("362122", 1960)
    # 章贡区 was the county-level city 赣州市 before 1998
    assert AreaCodes("360702", "章贡区", "赣州市").code_for(1980) == ("362101", 1980)


def test_households_are_consistent(seeded):
    today = datetime.date.today()  # noqa: DTZ011 - ages in whole years only
    for household in Household.objects.prefetch_related("members"):
        members = [m for m in household.members.all() if m.active]
        heads = [m for m in members if m.relation == Relation.HEAD]
        assert len(heads) == 1
        assert household.head_name == heads[0].name
        assert household.size == len(members)
        before = household.net_income_per_capita
        household.recompute_income()
        assert household.net_income_per_capita == before
        assert household.parts_done == 7 and household.is_registered
        head_age = (today - heads[0].birth_date).days // 365
        assert 18 <= head_age <= 100
        for person in members:
            if person.relation in (Relation.SON, Relation.DAUGHTER):
                assert person.birth_date > heads[0].birth_date


def test_incomes_on_both_sides_of_the_exit_line_and_statuses_mostly_poor(seeded):
    households = list(Household.objects.all())
    below = [h for h in households if h.net_income_per_capita <= EXIT_LINE]
    above = [h for h in households if h.net_income_per_capita > EXIT_LINE]
    assert len(below) > 40 and len(above) > 40
    statuses = Counter(h.status for h in households)
    assert statuses[HouseholdStatus.POOR] > len(households) / 2
    for household in households:
        if household.status in (HouseholdStatus.LIFTED, HouseholdStatus.LIFTED_NO_SUPPORT):
            assert household.net_income_per_capita > EXIT_LINE
    assert len({h.main_cause for h in households}) >= 6
    assert len({h.attribute for h in households}) >= 3


def test_numbers_continue_each_villages_sequence(world):
    seed_households(world.village, 3, seed=1)
    seed_households(world.village, 2, seed=2)
    numbers = sorted(Household.objects.values_list("number", flat=True))
    assert numbers == [f"{world.village.code}{n:04d}" for n in range(1, 6)]


def test_id_numbers_already_stored_are_skipped(world):
    # The first ID number a run would issue …
    with transaction.atomic():
        seed_households(world.village, 1, seed=5)
        taken = Member.objects.order_by("pk").first().id_number
        transaction.set_rollback(True)
    # … already belongs to a household the village registered through the form
    register(
        world.village_account, world.phone, [member("张三", id_number=taken)], village=world.village
    )
    seed_households(world.village, 3, seed=5)
    numbers = list(Member.objects.values_list("id_number", flat=True))
    assert numbers.count(taken) == 1
    assert len(numbers) == len(set(numbers))
    assert all(ric.is_valid(n) for n in numbers)
    # and the household numbers continue after the registered one
    assert sorted(Household.objects.values_list("number", flat=True)) == [
        f"{world.village.code}{n:04d}" for n in range(1, 5)
    ]


def test_same_seed_gives_the_same_households(world):
    with transaction.atomic():
        seed_households(world.village, 5, seed=3)
        first = list(Member.objects.order_by("pk").values_list("name", "id_number"))
        transaction.set_rollback(True)
    seed_households(world.village, 5, seed=3)
    assert list(Member.objects.order_by("pk").values_list("name", "id_number")) == first


def test_seeded_rows_have_their_baseline_in_the_change_log(seeded):
    """Every seeded household and member has one '+' history row with its values, stamped
    with the seeding's actor (the system, as a command) and the reason 初始数据."""
    assert Household.history.count() == seeded.households
    assert Member.history.count() == seeded.members
    for model in (Household, Member):
        rows = model.history.all()
        assert set(rows.values_list("history_type", flat=True)) == {"+"}
        assert set(rows.values_list("history_change_reason", flat=True)) == {"初始数据"}
        assert set(rows.values_list("history_user", flat=True)) == {None}
    household = Household.objects.order_by("pk").last()
    baseline = Household.history.get(id=household.pk)
    assert (baseline.head_name, baseline.status, baseline.wage_income, baseline.number) == (
        household.head_name,
        household.status,
        household.wage_income,
        household.number,
    )
    head = household.members.get(relation=Relation.HEAD)
    assert Member.history.get(id=head.pk).id_number == head.id_number


def test_the_first_edit_of_a_seeded_household_shows_old_to_new(world, login):
    """From the user's side: the village claims a seeded household, edits part 2 on its page;
    the change log shows the old value → the new one, not “登记新户”."""
    from .households_data import part_post

    seed_households(world.village, 3, seed=11)
    household = in_region(world.village).order_by("number").first()
    old_area = household.arable_area
    client = login(world.village_account, world.phone)
    assert client.post(f"/households/{household.pk}/claim/").status_code == 302
    response = client.post(
        f"/households/{household.pk}/production/",
        part_post(
            household,
            2,
            arable_area=str(old_area + 7),
            irrigated_area="0",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    log = login(world.township_office).get(f"/households/{household.pk}/").context["log"]
    newest = log.object_list[0]
    assert newest.field != "登记新户"
    area = next(c for c in log.object_list if c.field == "耕地面积（亩）")
    assert (area.old, area.new) == (f"{old_area:.2f}", f"{old_area + 7:.2f}")
    created = [c for c in log.object_list if c.field == "登记新户"]
    assert len(created) == 1 and created[0].reason == "初始数据"

    # a member's first edit too: old → new, not “新增成员”
    from .households_data import member_rows, part1_post

    household.refresh_from_db()
    client = login(world.village_account, world.phone)
    rows, existing = member_rows(household)
    old_name = rows[0]["name"]
    rows[0]["name"] = old_name + "新"
    response = client.post(
        f"/households/{household.pk}/basic/",
        part1_post(rows, existing, group=household.group, phone=household.phone),
    )
    assert response.status_code == 302, response.content.decode()
    log = login(world.township_office).get(f"/households/{household.pk}/").context["log"]
    name = next(c for c in log.object_list if c.field == "姓名")
    assert (name.old, name.new) == (old_name, old_name + "新")
    assert not any(
        c.field.startswith("新增成员") and c.reason != "初始数据" for c in log.object_list
    )


def test_command_stamps_the_given_account(world):
    call_command(
        "seed_households",
        "--count",
        "2",
        "--region",
        world.village.code,
        "--user",
        world.admin.username,
        stdout=StringIO(),
    )
    assert set(Household.history.values_list("history_user", flat=True)) == {world.admin.pk}
    with pytest.raises(CommandError):
        call_command(
            "seed_households", "--count", "2", "--region", world.village.code, "--user", "nobody"
        )


def test_the_migration_adds_the_missing_baselines_once(seeded):
    """Databases seeded before the baselines: one '+' row per household and member without
    any, dated created_at (households), reason 补记初始记录; rows with history keep theirs."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("households.migrations.0003_baseline_history_rows")
    kept = Household.objects.order_by("pk").first()
    Household.history.exclude(id=kept.pk).delete()
    Member.history.all().delete()

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.add_baselines(apps, editor)
    migration.add_baselines(apps, editor)  # a second run adds nothing
    assert Household.history.count() == seeded.households
    assert Member.history.count() == seeded.members
    assert Household.history.get(id=kept.pk).history_change_reason == "初始数据"
    other = Household.objects.exclude(pk=kept.pk).first()
    row = Household.history.get(id=other.pk)
    assert row.history_change_reason == "补记初始记录" and row.history_type == "+"
    assert row.history_date == other.created_at
    assert set(Member.history.values_list("history_change_reason", flat=True)) == {"补记初始记录"}


def test_a_full_village_refuses_more(world, monkeypatch):
    monkeypatch.setattr(seeding.spread, "MAX_SEQUENCE", 3)  # the module that reads it
    seed_households(world.village, 3, seed=1)
    with pytest.raises(seeding.SeedError):
        seed_households(world.village, 1, seed=1)


# --- the command -------------------------------------------------------------------------


def test_command_seeds_a_region(world):
    out = StringIO()
    call_command(
        "seed_households",
        "--count",
        "12",
        "--region",
        world.township.code,
        "--seed",
        "4",
        stdout=out,
    )
    assert in_region(world.township).count() == 12
    assert "12 户" in out.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--count", "5"],
        ["--count", "5", "--region", "99"],
        ["--count", "0", "--region", "360731"],
    ],
)
def test_command_refuses_bad_arguments(world, args):
    with pytest.raises(CommandError):
        call_command("seed_households", *args, stdout=StringIO())


@pytest.fixture
def demo(small_tree):
    """The demo accounts of `make run` (portal.demo.accounts) on the small tree."""
    ensure_demo_accounts()
    ensure_demo_unit()
    return small_tree


def test_demo_seeding_is_idempotent(demo):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    households = in_region(demo["360731100"]).count()
    members, claims = Member.objects.count(), Claim.objects.count()
    assert households >= 100 and members > households
    # One history row per household, and two for the monitored family (its registration and
    # its 公告 登记中 → 监测户).
    monitored = Household.objects.filter(status=HouseholdStatus.MONITORED).count()
    assert Household.history.count() == households + monitored
    assert Member.history.count() == members
    history = Household.history.count()
    call_command("seed_demo", stdout=out)
    assert Household.history.count() == history
    assert in_region(demo["360731100"]).count() == households
    assert (Member.objects.count(), Claim.objects.count()) == (members, claims)
    assert "已存在" in out.getvalue()


def test_demo_claims_some_households_of_the_demo_village(demo):
    call_command("seed_demo", stdout=StringIO())
    village = in_region(demo["360731100201"])
    claimed = Claim.objects.active().filter(household__in=village)
    phones = Counter(claimed.values_list("phone__phone", flat=True))
    assert phones["13800000001"] > 0
    assert claimed.count() < village.count()  # some are left for the village to claim
    assert {c.account.username for c in claimed} == {"cangqian_village"}
    # the non-poor statuses have the status changes behind them
    for household in village.exclude(status=HouseholdStatus.POOR):
        assert StatusChange.objects.filter(household=household, to_status=household.status).exists()


def test_demo_village_can_see_and_claim_the_rest(demo, client):
    from households import services
    from villages.models import User

    call_command("seed_demo", stdout=StringIO())
    account = User.objects.get(username="cangqian_village")
    phone = account.phones.get(phone="13800000001")
    unclaimed = (
        in_region(demo["360731100201"])
        .exclude(pk__in=Claim.objects.active().values("household_id"))
        .first()
    )
    services.claim_household(Actor(account, phone), unclaimed)
    assert Claim.objects.active().filter(household=unclaimed).exists()


def test_demo_households_need_the_demo_accounts(small_tree):
    with pytest.raises(seeding.SeedError):
        seed_demo_households()
    assert not Household.objects.exists()


def test_demo_history_lies_in_earlier_years(demo):
    """Registered two years ago, lifted last year: this year's 脱贫情况, 综合回退 and 脱贫规模
    start empty, and last year's poor population is the demo's poor and returned people."""
    from assessment.services.plans import plan_rows

    call_command("seed_demo", stdout=StringIO())
    this_year = datetime.date.today().year  # noqa: DTZ011 - a calendar year
    households = in_region(demo["360731100"]).exclude(status=HouseholdStatus.MONITORED)
    # Monitoring runs all year: the monitored family's 公告 (登记中 → 监测户) is this year's,
    # outside 脱贫情况, 综合回退 and 脱贫规模.
    assert not StatusChange.objects.filter(year=this_year).exclude(to_status="monitored").exists()
    registered = StatusChange.objects.filter(from_status="registering", to_status="poor")
    assert registered.count() == households.count()
    assert {c.at.year for c in registered} == {this_year - 2}
    own, _rows = plan_rows(demo["360731100"], this_year)
    poor_people = sum(
        households.filter(status__in=["poor", "returned"]).values_list("size", flat=True)
    )
    assert own.last_year_poor == poor_people > 0

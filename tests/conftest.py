"""The base fixture: a small real region tree from ganzhou.csv and one account per role,
plus outsiders in sibling regions. Everything is built through the real actions."""

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from poverty_system.core import sms
from poverty_system.core.actor import Actor
from poverty_system.core.roles import Role
from villages.accounts import add_village_phone, create_account
from villages.models import Region, User
from villages.regions import load_regions

from .access_counts import COUNTS

ROOT = Path(__file__).resolve().parent.parent
GANZHOU = ROOT / "fixtures" / "regions" / "ganzhou.csv"
PASSWORD = "Test#2026pass"

# 于都县 with two townships and a few villages; 兴国县 next to it for the outsider county.
TREE_CODES = {
    "36",
    "3607",
    "360731",
    "360731100",
    "360731100200",
    "360731100201",
    "360731100202",
    "360731101",
    "360731101001",
    "360731101002",
    "360732",
    "360732100",
    "360732100005",
}


def write_small_tree(path: Path) -> Path:
    with open(GANZHOU, encoding="utf-8") as source, open(path, "w", encoding="utf-8") as out:
        rows = csv.reader(source)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(next(rows))
        for row in rows:
            if row[0] in TREE_CODES:
                writer.writerow(row)
    return path


@dataclass
class World:
    province: Region
    city: Region
    county: Region
    township: Region
    village: Region
    village2: Region
    other_township: Region
    other_village: Region
    other_county: Region
    admin: User
    security: User
    auditor: User
    county_auditor: User
    city_office: User
    county_office: User
    township_office: User
    village_account: User
    unit_account: User
    cadre_account: User
    other_township_office: User
    other_village_account: User
    other_county_office: User
    unit: object
    phone: object
    phone2: object
    other_phone: object

    def accounts(self) -> dict[str, User]:
        return {name: value for name, value in vars(self).items() if isinstance(value, User)}


@pytest.fixture
def small_tree(tmp_path, db):
    load_regions(write_small_tree(tmp_path / "tree.csv"))
    return {r.code: r for r in Region.objects.all()}


@pytest.fixture
def exit_criteria_defaults(db):
    """The default 脱贫标准 rows of assessment's data migration. A transactional test empties
    every table when it ends (migration data included), so later tests put them back."""
    import importlib

    from django.apps import apps

    from assessment.models import ExitCriteria

    if not ExitCriteria.objects.filter(region__isnull=True).exists():
        migration = importlib.import_module("assessment.migrations.0002_default_exit_criteria")
        migration.add_defaults(apps, None)


@pytest.fixture
def world(small_tree, exit_criteria_defaults) -> World:
    from units.services import create_cadre_account, create_unit

    r = small_tree
    admin = User(
        username="admin", role=Role.ADMIN, full_name="系统管理员", must_change_password=False
    )
    admin.set_password(PASSWORD)
    admin.save()
    # 三员分立: the security administrator creates the offices and the auditors.
    security = User(
        username="security", role=Role.SECURITY, full_name="安全管理员", must_change_password=False
    )
    security.set_password(PASSWORD)
    security.save()

    def make(creator, username, role, code):
        user, _ = create_account(
            Actor.system(creator),
            username=username,
            role=role,
            regions=[r[code]],
            full_name=f"{r[code].name}{Role(role).label}",
            password=PASSWORD,
            must_change_password=False,
        )
        return user

    city = make(security, "city", Role.CITY, "3607")
    county = make(security, "county", Role.COUNTY, "360731")
    other_county = make(security, "other_county", Role.COUNTY, "360732")
    auditor = make(security, "auditor", Role.AUDITOR, "36")
    county_auditor = make(security, "county_auditor", Role.AUDITOR, "360731")
    township = make(county, "township", Role.TOWNSHIP, "360731100")
    other_township = make(county, "other_township", Role.TOWNSHIP, "360731101")
    village = make(county, "village", Role.VILLAGE, "360731100201")
    other_village = make(county, "other_village", Role.VILLAGE, "360731101001")
    phone = add_village_phone(Actor.system(township), village, phone="13900000001", holder="刘书记")
    phone2 = add_village_phone(
        Actor.system(township), village, phone="13900000002", holder="王干部"
    )
    other_phone = add_village_phone(
        Actor.system(other_township), other_village, phone="13900000009", holder="外村"
    )
    unit, unit_account, _ = create_unit(
        Actor.system(county),
        name="于都县农业农村局",
        region=r["360731"],
        username="unit",
        password=PASSWORD,
        must_change_password=False,
    )
    _, cadre, _ = create_cadre_account(
        Actor.system(unit_account),
        unit,
        name="王明",
        username="cadre",
        password=PASSWORD,
        must_change_password=False,
    )
    return World(
        province=r["36"],
        city=r["3607"],
        county=r["360731"],
        township=r["360731100"],
        village=r["360731100201"],
        village2=r["360731100202"],
        other_township=r["360731101"],
        other_village=r["360731101001"],
        other_county=r["360732"],
        admin=admin,
        security=security,
        auditor=auditor,
        county_auditor=county_auditor,
        city_office=city,
        county_office=county,
        township_office=township,
        village_account=village,
        unit_account=unit_account,
        cadre_account=cadre,
        other_township_office=other_township,
        other_village_account=other_village,
        other_county_office=other_county,
        unit=unit,
        phone=phone,
        phone2=phone2,
        other_phone=other_phone,
    )


@pytest.fixture
def sms_outbox():
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def login_village(client, account: User, phone, outbox) -> None:
    """The full village login: password, then the SMS code read from the test backend."""
    response = client.post("/login/", {"username": account.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/login/phone/"
    client.post("/login/phone/", {"phone": phone.pk, "action": "send"})
    code = outbox[-1].params["code"]
    response = client.post("/login/phone/", {"phone": phone.pk, "action": "verify", "code": code})
    assert response.status_code == 302, response.content.decode()


@pytest.fixture
def login(client, sms_outbox):
    """login(account) -> a client logged in as the account, through the real login pages."""

    def do_login(account: User, phone=None):
        client.logout()
        if account.role == Role.VILLAGE:
            login_village(client, account, phone or account.phones.active().first(), sms_outbox)
        else:
            response = client.post("/login/", {"username": account.username, "password": PASSWORD})
            assert response.status_code == 302, response.content.decode()
        return client

    return do_login


def pytest_terminal_summary(terminalreporter):
    """The access sweep's counts (tests/access_counts.py), when tests/test_access.py ran."""
    lines = COUNTS.lines()
    if lines:
        terminalreporter.section("access sweep")
        for line in lines:
            terminalreporter.write_line(line)

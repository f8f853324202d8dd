"""The permission matrix of issue 01: who may see regions and manage accounts and phones.

The expected answers are written out here (by statistical-code prefix and by name), not
computed through poverty_system.core.access, so that the tests check the access layer rather than
repeat it. Out-of-slice objects answer 404; in-slice objects the role may not act on, 403.
"""

import re
import uuid

import lxml.html
import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from guardian.models import UserObjectPermission

from archives import tokens
from archives.models import ArchiveToken, Export
from archives.services import start_export
from households.models import Household
from poverty_system.core import access
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.roles import (
    APPROVE_POOR_VILLAGES,
    CLAIM_HOUSEHOLDS,
    MARK_LIFTED,
    SLICE,
    VIEW,
    Role,
)
from units import access as unit_access
from units.models import Unit
from units.services import create_cadre_account, create_unit
from villages.accounts import (
    AccountError,
    add_village_phone,
    create_account,
    deactivate_village_phone,
)
from villages.models import Region, RegionUserObjectPermission, User, VillagePhone
from villages.regions import load_regions

from .access_counts import COUNTS
from .conftest import PASSWORD
from .households_data import make_id, member, register
from .test_import_order import app_folders

ACCOUNTS = [
    "admin",
    "security",
    "auditor",
    "county_auditor",
    "city_office",
    "county_office",
    "township_office",
    "village_account",
    "unit_account",
    "cadre_account",
    "other_township_office",
    "other_village_account",
    "other_county_office",
]

# The region slice of each account as a statistical-code prefix ("" is everything);
# None: the account reads no regions at all (its role is refused by the view's rule).
REGION_SLICE = {
    "admin": "",
    "security": "",
    "auditor": "36",
    "county_auditor": "360731",
    "city_office": "3607",
    "county_office": "360731",
    "township_office": "360731100",
    "village_account": "360731100201",
    "unit_account": None,
    "cadre_account": None,
    "other_township_office": "360731101",
    "other_village_account": "360731101001",
    "other_county_office": "360732",
}

# 三员分立: the officers and the auditors read their slice but the region pages refuse them.
REGION_PAGES_REFUSED = {"security", "auditor", "county_auditor"}

# Accounts each account manages (系统用户管理); roles missing here are refused with 403.
MANAGES = {
    "security": {
        "city_office",
        "county_office",
        "other_county_office",
        "auditor",
        "county_auditor",
    },
    "county_office": {
        "township_office",
        "other_township_office",
        "village_account",
        "other_village_account",
    },
    "other_county_office": set(),  # 兴国县 has no township or village accounts yet
}

# Village accounts whose phone numbers each account manages; others are refused with 403.
MANAGES_PHONES = {
    "security": {"village_account", "other_village_account"},
    "township_office": {"village_account"},
    "other_township_office": {"other_village_account"},
}


@pytest.fixture(autouse=True)
def counted(monkeypatch):
    """Every request of this module's tests is counted (method, URL, account, answer) for the
    summary printed at the end of the run (tests/access_counts.py)."""
    from django.test import Client

    request = Client.request

    def counting(self, **kwargs):
        response = request(self, **kwargs)
        user = getattr(getattr(response, "wsgi_request", None), "user", None)
        account = user.username if user is not None and user.is_authenticated else "anonymous"
        COUNTS.record(
            kwargs.get("REQUEST_METHOD", "GET"),
            kwargs.get("PATH_INFO", ""),
            account,
            response.status_code,
        )
        return response

    monkeypatch.setattr(Client, "request", counting)


def regions_of(account) -> models.QuerySet:
    return access.filter_regions(Region.objects.all(), account)


def units_of(account) -> models.QuerySet:
    return unit_access.filter_units(Unit.objects.all(), account)


def region_status(name: str, region: Region) -> int:
    prefix = REGION_SLICE[name]
    if prefix is None or name in REGION_PAGES_REFUSED:
        return 403
    return 200 if region.code.startswith(prefix) else 404


def managed_status(table: dict, actor: str, target: str, allowed: int) -> int:
    if actor not in table:
        return 403
    return allowed if target in table[actor] else 404


def first_column(response, testid: str) -> list[str]:
    page = lxml.html.fromstring(response.content.decode())
    rows = page.xpath(f'//table[@data-testid="{testid}"]/tbody/tr[not(td[@class="empty"])]')
    return [row.xpath("string(td[1])").strip() for row in rows]


def column(response, testid: str, index: int) -> list[str]:
    page = lxml.html.fromstring(response.content.decode())
    rows = page.xpath(f'//table[@data-testid="{testid}"]/tbody/tr[not(td[@class="empty"])]')
    return [row.xpath(f"string(td[{index}])").strip() for row in rows]


def field_errors(response, name: str) -> list[str]:
    """Error messages shown inside the form field block of the input called `name`."""
    page = lxml.html.fromstring(response.content.decode())
    blocks = page.xpath(f'//div[contains(@class, "field")][.//*[@name="{name}"]]')
    return [e.text_content().strip() for b in blocks for e in b.xpath('.//p[@class="error"]')]


# --- regions ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACCOUNTS)
def test_region_pages_answer_by_slice(world, login, name):
    client = login(getattr(world, name))
    wrong = []
    for region in Region.objects.order_by("code"):
        expected = region_status(name, region)
        for url in (f"/regions/{region.pk}/", f"/regions/{region.pk}/children/"):
            status = client.get(url).status_code
            if status != expected:
                wrong.append(f"{url} ({region.code} {region.name}): {status}, expected {expected}")
    assert not wrong, f"{name}:\n" + "\n".join(wrong)


def test_region_pages_of_a_missing_region_are_404(world, login):
    client = login(world.admin)
    missing = Region.objects.order_by("-pk").first().pk + 1000
    assert client.get(f"/regions/{missing}/").status_code == 404
    assert client.get(f"/regions/{missing}/children/").status_code == 404


def test_region_pages_send_anonymous_visitors_to_login(world, client):
    response = client.get(f"/regions/{world.village.pk}/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    response = client.get(f"/regions/{world.village.pk}/children/")
    assert response.status_code == 302


def test_children_json_hides_nothing_inside_and_shows_nothing_outside(world, login):
    client = login(world.township_office)
    data = client.get(f"/regions/{world.township.pk}/children/").json()
    assert [c["code"] for c in data["children"]] == ["360731100200", "360731100201", "360731100202"]
    # The sibling township's children are not revealed.
    assert client.get(f"/regions/{world.other_township.pk}/children/").status_code == 404


@pytest.mark.parametrize("name", ACCOUNTS)
def test_region_scope_of_each_account(world, name):
    account = getattr(world, name)
    prefix = REGION_SLICE[name]
    every = set(Region.objects.values_list("code", flat=True))
    expected = set() if prefix is None else {code for code in every if code.startswith(prefix)}
    assert set(regions_of(account).values_list("code", flat=True)) == expected


def test_anonymous_and_inactive_accounts_see_no_regions(world):
    from django.contrib.auth.models import AnonymousUser

    assert not regions_of(AnonymousUser()).exists()
    world.county_office.is_active = False
    world.county_office.save(update_fields=["is_active"])
    stale = User.objects.get(pk=world.county_office.pk)
    assert not regions_of(stale).exists()


def test_filter_regions_narrows_any_queryset(world):
    villages = access.filter_regions(Region.objects.filter(level="village"), world.county_office)
    assert set(villages.values_list("code", flat=True)) == {
        "360731100200",
        "360731100201",
        "360731100202",
        "360731101001",
        "360731101002",
    }


# --- grants: role templates on regions ----------------------------------------------------


@pytest.mark.parametrize(
    "role, actor_name, region_name",
    [
        (Role.CITY, "security", "city"),
        (Role.COUNTY, "security", "county"),
        (Role.AUDITOR, "security", "county"),
        (Role.AUDITOR, "security", "province"),
        (Role.TOWNSHIP, "county_office", "township"),
        (Role.VILLAGE, "county_office", "village2"),
    ],
)
def test_creating_an_account_grants_exactly_its_slice(world, role, actor_name, region_name):
    region = getattr(world, region_name)
    user, _ = create_account(
        Actor.system(getattr(world, actor_name)),
        username="newcomer",
        role=role,
        regions=[region],
        full_name="新账号",
    )

    grants = set(
        RegionUserObjectPermission.objects.filter(user=user).values_list(
            "permission__codename", "content_object_id"
        )
    )
    # One slice row; what the account may do there follows from its role (roles.ROLE_PERMS).
    assert grants == {(SLICE, region.pk)}
    # Nothing else: no generic guardian rows, no global permissions, no staff rights.
    assert not UserObjectPermission.objects.filter(user=user).exists()
    assert not user.user_permissions.exists()
    assert not (user.is_staff or user.is_superuser)
    assert user.role == role


def test_a_grant_covers_the_whole_subtree_and_nothing_beside_it(world):
    township = world.township_office
    assert access.has_region_perm(township, MARK_LIFTED, world.village)
    assert access.has_region_perm(township, MARK_LIFTED, world.village2)
    assert not access.has_region_perm(township, MARK_LIFTED, world.other_village)
    assert not access.has_region_perm(township, MARK_LIFTED, world.county)  # not upwards

    county = world.county_office
    assert access.has_region_perm(county, APPROVE_POOR_VILLAGES, world.village)
    assert not access.has_region_perm(county, MARK_LIFTED, world.village)  # not its role's

    village = world.village_account
    assert access.has_region_perm(village, CLAIM_HOUSEHOLDS, world.village)
    assert not access.has_region_perm(village, CLAIM_HOUSEHOLDS, world.village2)


def test_check_region_perm_is_404_outside_and_403_inside_without_the_permission(world):
    county = world.county_office
    with pytest.raises(PermissionDenied):
        access.check_region_perm(county, MARK_LIFTED, world.village)  # inside, wrong role
    with pytest.raises(Http404):
        access.check_region_perm(county, MARK_LIFTED, world.other_county)  # outside
    with pytest.raises(Http404):
        access.check_region_perm(world.unit_account, VIEW, world.village)
    access.check_region_perm(world.township_office, MARK_LIFTED, world.village2)


def test_an_account_may_hold_several_regions(world, login):
    user, _ = create_account(
        Actor.system(world.county_office),
        username="two_villages",
        role=Role.VILLAGE,
        regions=[world.village, world.village2],
        full_name="两村账号",
        password=PASSWORD,
        must_change_password=False,
    )
    assert set(regions_of(user)) == {world.village, world.village2}
    for region in (world.village, world.village2):
        assert set(
            RegionUserObjectPermission.objects.filter(user=user, content_object=region).values_list(
                "permission__codename", flat=True
            )
        ) == {SLICE}

    add_village_phone(Actor.system(world.township_office), user, phone="13700000001", holder="张三")
    client = login(user)
    assert client.get(f"/regions/{world.village.pk}/").status_code == 200
    assert client.get(f"/regions/{world.village2.pk}/").status_code == 200
    assert client.get(f"/regions/{world.other_village.pk}/").status_code == 404
    assert client.get(f"/regions/{world.township.pk}/").status_code == 404
    home = client.get("/").content.decode()
    assert "仓前村委会" in home and "里泗村委会" in home

    # A township office holding two townships manages the phones of villages in both.
    both, _ = create_account(
        Actor.system(world.county_office),
        username="two_towns",
        role=Role.TOWNSHIP,
        regions=[world.township, world.other_township],
        full_name="两镇扶贫办",
        password=PASSWORD,
        must_change_password=False,
    )
    client = login(both)
    assert client.get(f"/phones/{world.village_account.pk}/").status_code == 200
    assert client.get(f"/phones/{world.other_village_account.pk}/").status_code == 200
    assert set(first_column(client.get("/phones/"), "village-accounts")) == {
        "仓前村委会",
        "丰田居委会",
        "仓前村委会、里泗村委会",
    }


def test_units_are_visible_to_their_region_and_their_own_accounts(world):
    assert list(units_of(world.unit_account)) == [world.unit]
    assert list(units_of(world.cadre_account)) == [world.unit]
    assert list(units_of(world.county_office)) == [world.unit]
    assert list(units_of(world.city_office)) == [world.unit]
    assert list(units_of(world.township_office)) == []  # unit sits on the county
    assert list(units_of(world.other_county_office)) == []
    assert list(units_of(world.village_account)) == []


# --- account management (系统用户管理) -----------------------------------------------------


@pytest.mark.parametrize("name", ACCOUNTS)
def test_account_list_shows_exactly_the_managed_accounts(world, login, name):
    client = login(getattr(world, name))
    response = client.get("/accounts/")
    if name not in MANAGES:
        assert response.status_code == 403
        assert client.get("/accounts/new/").status_code == 403
        return
    assert response.status_code == 200
    expected = {getattr(world, target).username for target in MANAGES[name]}
    assert set(first_column(response, "accounts")) == expected
    assert client.get("/accounts/new/").status_code == 200


@pytest.mark.parametrize("name", ACCOUNTS)
def test_account_pages_answer_by_slice(world, login, name):
    client = login(getattr(world, name))
    wrong = []
    for target in ACCOUNTS:
        pk = getattr(world, target).pk
        checks = [
            ("GET", f"/accounts/{pk}/", {}, managed_status(MANAGES, name, target, 200)),
            (
                "POST",
                f"/accounts/{pk}/reset-password/",
                {},
                managed_status(MANAGES, name, target, 200),
            ),
            (
                "POST",
                f"/accounts/{pk}/active/",
                {"active": "1"},
                managed_status(MANAGES, name, target, 302),
            ),
        ]
        for method, url, data, expected in checks:
            response = client.get(url) if method == "GET" else client.post(url, data)
            if response.status_code != expected:
                wrong.append(
                    f"{method} {url} ({target}): {response.status_code}, expected {expected}"
                )
    assert not wrong, f"{name}:\n" + "\n".join(wrong)


def test_security_administrator_deactivates_a_county_office_and_its_session_ends(
    world, login, django_user_model
):
    from django.test import Client

    county_client = Client()
    assert (
        county_client.post("/login/", {"username": "county", "password": PASSWORD}).status_code
        == 302
    )
    assert county_client.get("/accounts/").status_code == 200

    admin = login(world.security)
    response = admin.post(f"/accounts/{world.county_office.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    assert not django_user_model.objects.get(pk=world.county_office.pk).is_active
    assert "已停用" in admin.get(response.url).content.decode()

    assert county_client.get("/accounts/").status_code == 302  # logged out
    response = county_client.post("/login/", {"username": "county", "password": PASSWORD})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()

    admin.post(f"/accounts/{world.county_office.pk}/active/", {"active": "1"})
    assert (
        county_client.post("/login/", {"username": "county", "password": PASSWORD}).status_code
        == 302
    )


def test_reset_password_shows_a_new_password_that_must_be_changed(world, login):
    client = login(world.county_office)
    response = client.post(f"/accounts/{world.township_office.pk}/reset-password/")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content.decode())
    new_password = page.xpath('string(//*[@data-testid="initial-password"])').strip()
    assert len(new_password) >= 8

    township = User.objects.get(pk=world.township_office.pk)
    assert township.must_change_password
    assert not township.check_password(PASSWORD)
    assert township.check_password(new_password)

    # A GET on a POST-only action changes nothing.
    assert client.get(f"/accounts/{world.township_office.pk}/reset-password/").status_code == 405


def test_county_office_creates_accounts_only_inside_its_county(world):
    county = world.county_office
    township, _ = create_account(
        Actor.system(county),
        username="new_town",
        role=Role.TOWNSHIP,
        regions=[world.township],
        full_name="贡江镇扶贫办2",
    )
    village, _ = create_account(
        Actor.system(county),
        username="new_village",
        role=Role.VILLAGE,
        regions=[world.village2],
        full_name="里泗村",
    )
    assert township.created_by == county and village.created_by == county

    outside = Region.objects.get(code="360732100")
    with pytest.raises(Http404):
        create_account(
            Actor.system(county),
            username="intruder",
            role=Role.TOWNSHIP,
            regions=[outside],
            full_name="潋江镇扶贫办",
        )
    with pytest.raises(Http404):
        create_account(
            Actor.system(world.other_county_office),
            username="intruder2",
            role=Role.VILLAGE,
            regions=[world.village],
            full_name="仓前村",
        )
    with pytest.raises(PermissionDenied):  # a county office creates no county offices
        create_account(
            Actor.system(county),
            username="peer",
            role=Role.COUNTY,
            regions=[world.county],
            full_name="于都县扶贫办2",
        )
    with pytest.raises(PermissionDenied):  # a township office creates no accounts at all
        create_account(
            Actor.system(world.township_office),
            username="v3",
            role=Role.VILLAGE,
            regions=[world.village2],
            full_name="里泗村",
        )
    with pytest.raises(AccountError) as error:  # a village account sits on a village
        create_account(
            Actor.system(county),
            username="bad_level",
            role=Role.VILLAGE,
            regions=[world.township],
            full_name="贡江镇",
        )
    assert error.value.field == "regions"
    assert not User.objects.filter(
        username__in=["intruder", "intruder2", "peer", "v3", "bad_level"]
    ).exists()


def test_account_form_offers_only_regions_inside_the_county(world, login):
    client = login(world.county_office)
    page = lxml.html.fromstring(client.get("/accounts/new/").content.decode())
    offered = {int(v) for v in page.xpath('//select[@name="region"]/option/@value') if v}
    expected = set(
        Region.objects.filter(
            code__startswith="360731", level__in=["township", "village"]
        ).values_list("pk", flat=True)
    )
    assert offered == expected
    roles = set(page.xpath('//select[@name="role"]/option/@value'))
    assert roles == {"township", "village"}


def test_account_form_refuses_a_region_of_the_other_county(world, login):
    client = login(world.county_office)
    outside = Region.objects.get(code="360732100")
    response = client.post(
        "/accounts/new/",
        {
            "role": "township",
            "username": "intruder",
            "full_name": "潋江镇扶贫办",
            "region": outside.pk,
        },
    )
    assert response.status_code == 200
    assert field_errors(response, "region") == ["请选择辖区内的区域。"]
    assert not User.objects.filter(username="intruder").exists()


def test_account_form_refuses_a_role_the_actor_may_not_create(world, login):
    client = login(world.county_office)
    response = client.post(
        "/accounts/new/",
        {"role": "county", "username": "peer", "full_name": "县扶贫办", "region": world.county.pk},
    )
    assert response.status_code == 200
    assert field_errors(response, "role")
    assert not User.objects.filter(username="peer").exists()


def test_security_administrator_creates_city_and_county_offices(world, login):
    client = login(world.security)
    response = client.post(
        "/accounts/new/",
        {
            "role": "county",
            "username": "xingguo2",
            "full_name": "兴国县扶贫办",
            "region": world.other_county.pk,
        },
    )
    assert response.status_code == 200
    created = User.objects.get(username="xingguo2")
    assert created.role == Role.COUNTY
    assert access.has_region_perm(created, VIEW, Region.objects.get(code="360732100"))
    response = client.post(
        "/accounts/new/",
        {"role": "township", "username": "t9", "full_name": "贡江镇", "region": world.township.pk},
    )
    assert field_errors(response, "role")


# --- village phone numbers (村级账号手机号管理) ----------------------------------------------


@pytest.mark.parametrize("name", ACCOUNTS)
def test_phone_list_shows_exactly_the_village_accounts_of_the_township(world, login, name):
    client = login(getattr(world, name))
    response = client.get("/phones/")
    if name not in MANAGES_PHONES:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    expected = {getattr(world, target).username for target in MANAGES_PHONES[name]}
    assert set(column(response, "village-accounts", 2)) == expected


@pytest.mark.parametrize("name", ACCOUNTS)
def test_phone_pages_answer_by_slice(world, login, name):
    client = login(getattr(world, name))
    wrong = []
    for target in ACCOUNTS:
        url = f"/phones/{getattr(world, target).pk}/"
        expected = managed_status(MANAGES_PHONES, name, target, 200)
        status = client.get(url).status_code
        if status != expected:
            wrong.append(f"GET {url} ({target}): {status}, expected {expected}")
        # the same number on two accounts (the security administrator's) needs the confirmation
        data = {"phone": "13711112222", "holder": "测试", "confirm_reassign": "on"}
        status = client.post(url, data).status_code
        expected = managed_status(MANAGES_PHONES, name, target, 302)
        if status != expected:
            wrong.append(f"POST {url} ({target}): {status}, expected {expected}")
    for target in ("village_account", "other_village_account"):
        account = getattr(world, target)
        for phone in (world.phone, world.phone2, world.other_phone):
            url = f"/phones/{account.pk}/{phone.pk}/deactivate/"
            expected = managed_status(MANAGES_PHONES, name, target, 302)
            if expected == 302 and phone.account_id != account.pk:
                expected = 404  # a phone of another account, under this account's URL
            status = client.post(url).status_code
            if status != expected:
                wrong.append(f"POST {url}: {status}, expected {expected}")
    assert not wrong, f"{name}:\n" + "\n".join(wrong)
    # Only what the matrix allowed actually happened.
    allowed = MANAGES_PHONES.get(name, set())
    for phone in (world.phone, world.phone2, world.other_phone):
        owner = next(
            t
            for t in ("village_account", "other_village_account")
            if getattr(world, t).pk == phone.account_id
        )
        assert VillagePhone.objects.get(pk=phone.pk).active is (owner not in allowed)
    added = set(
        VillagePhone.objects.filter(phone="13711112222").values_list("account__username", flat=True)
    )
    assert added == {getattr(world, t).username for t in allowed}


def test_phone_actions_refuse_accounts_outside_the_township(world):
    with pytest.raises(Http404):
        add_village_phone(
            Actor.system(world.township_office),
            world.other_village_account,
            phone="13722223333",
            holder="外村",
        )
    with pytest.raises(Http404):
        add_village_phone(
            Actor.system(world.county_office),
            world.village_account,
            phone="13722223333",
            holder="县里",
        )
    with pytest.raises(Http404):  # a township office account is not a village account
        add_village_phone(
            Actor.system(world.township_office),
            world.township_office,
            phone="13722223333",
            holder="自己",
        )
    with pytest.raises(Http404):
        deactivate_village_phone(Actor.system(world.township_office), world.other_phone)
    assert VillagePhone.objects.get(pk=world.other_phone.pk).active
    assert not VillagePhone.objects.filter(phone="13722223333").exists()


# --- the access sweep ---------------------------------------------------------------------

ARG = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
FILLERS = {"str": "x", "slug": "x", "path": "x", "uuid": str(uuid.uuid4())}


def routes(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry.pattern, RegexPattern) and entry.pattern.regex.groups:
            raise AssertionError(
                f"{prefix}{entry.pattern}: the access sweep cannot fill re_path arguments; "
                "use path() converters"
            )
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def object_routes() -> list[str]:
    return [r for r in routes() if any(m["converter"] == "int" for m in ARG.finditer(r))]


def fill(route: str, object_id: int) -> str:
    def value(match):
        converter = match["converter"] or "str"
        return str(object_id) if converter == "int" else FILLERS[converter]

    return "/" + ARG.sub(value, route)


def _scoped_models():
    """Models of the project's apps (every app folder, a new one included) whose rows a URL may
    name by an integer id. The core's audit entries are never named in a URL."""
    for config in apps.get_app_configs():
        if config.name not in app_folders():
            continue
        for model in config.get_models():
            if model._meta.object_name.endswith("ObjectPermission"):
                continue  # grant rows are never addressed by id in a URL
            pk = model._meta.pk
            while pk.is_relation:
                pk = pk.target_field
            if isinstance(pk, models.IntegerField):
                yield model


# Rows of the whole tree that belong to no slice (defaults from data migrations): readable by
# every account, so their ids are not "world objects" that would hide island ids.
GLOBAL_ROWS = {
    "assessment.ExitCriteria": {"region__isnull": True},
    "assessment.HistoricalExitCriteria": {"region__isnull": True},
    "projects.Holiday": {"pk__isnull": False},  # the holiday calendar is the whole tree's
}


def _pks() -> dict:
    return {
        model: set(
            model.objects.exclude(**GLOBAL_ROWS.get(model._meta.label, {"pk__in": []})).values_list(
                "pk", flat=True
            )
        )
        for model in _scoped_models()
    }


def build_island(admin, beyond: int = 0) -> None:
    """A second province with its own offices, village, phone, unit and cadre, households
    with their QR tokens and an export of their archives: every object in it lies outside
    the slice of every account of `world` except the administrator. Households and exports
    are made until their ids pass `beyond` (the largest id of a world object), so that the
    sweep can use them."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "island.csv"
        csv.write_text(
            "code,name,level,parent_code\n44,广东省,province,\n"
            "4401,广州市,city,44\n440103,荔湾区,county,4401\n"
            "440103001,沙面街道,township,440103\n"
            "440103001001,沙面社区,village,440103001\n",
            encoding="utf-8",
        )
        load_regions(csv)
    code = {r.code: r for r in Region.objects.filter(code__startswith="44")}
    create_account(
        Actor.system(admin),
        username="island_city",
        role=Role.CITY,
        regions=[code["4401"]],
        full_name="广州市扶贫办",
    )
    county, _ = create_account(
        Actor.system(admin),
        username="island_county",
        role=Role.COUNTY,
        regions=[code["440103"]],
        full_name="荔湾区扶贫办",
    )
    township, _ = create_account(
        Actor.system(county),
        username="island_town",
        role=Role.TOWNSHIP,
        regions=[code["440103001"]],
        full_name="沙面街道扶贫办",
    )
    village, _ = create_account(
        Actor.system(county),
        username="island_village",
        role=Role.VILLAGE,
        regions=[code["440103001001"]],
        full_name="沙面社区",
    )
    phone = add_village_phone(Actor.system(township), village, phone="13600000001", holder="岛上")
    unit, unit_account, _ = create_unit(
        Actor.system(county), name="荔湾区民政局", region=code["440103"], username="island_unit"
    )
    cadre, cadre_account, _ = create_cadre_account(
        Actor.system(unit_account), unit, name="李四", username="island_cadre"
    )
    household = None
    while household is None or household.pk <= beyond:
        household = register(
            village, phone, [member("岛民", id_number=make_id(area="440103"))], parts_done=1
        )
    build_island_pairings(code["440103001001"], village, phone, unit, unit_account, cadre_account)
    tokens.ensure_tokens(
        Household.objects.filter(village_code__startswith="44").values_list("pk", flat=True)
    )
    export = None
    while export is None or export.pk <= beyond:
        export = start_export(Actor.system(county), code["440103001001"].pk)
    build_island_exchange(village, phone, county, beyond)
    # assessment records of the island: a submitted poor-village record with its event
    from assessment.services import poor_villages

    record = poor_villages.add_poor_village(
        Actor(township), code["440103001001"], 2026, {"households": 10, "population": 40}
    )
    poor_villages.change_state(Actor(township), record.pk, "submitted")
    build_island_identification(code, village, phone, township, county)
    build_island_projects(code, village, phone, township, county)
    build_island_villages(code["440103001001"], village, phone, township)
    build_island_monitoring(code, village, phone, township, county)


def build_island_monitoring(code, village, phone, township, county) -> None:
    """防止返贫监测 of the island: its county's rules and a holiday, a lead of a household
    (visited) and a self-reported lead of a family not registered, by the real actions."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth.models import AnonymousUser

    from monitoring import lead_actions, settings_actions

    county_actor = Actor(county)
    settings_actions.save_rules(
        county_actor,
        code["440103"],
        current_year(),
        {
            **{name: 10 for name in settings_actions.DAY_FIELDS},
            "publicity_days": 5,
            "elimination_months": 6,
            **{name: Decimal("8000") for name in settings_actions.MONEY_FIELDS},
        },
        version=0,
    )
    settings_actions.add_holiday(
        county_actor, code["440103"], datetime.date(2026, 10, 2), "岛上节", workday=False
    )
    household = register(
        village, phone, [member("岛报", id_number=make_id(area="440103"))], parts_done=1
    )
    lead = lead_actions.report_household(Actor(village, phone), household.pk, "岛上困难")
    lead_actions.record_visit(Actor(township), lead.pk, "岛上核实", version=lead.version)
    lead_actions.self_report(
        Actor(AnonymousUser()),
        code["440103001001"],
        name="岛民甲",
        phone="13600000008",
        id_number=make_id(area="440103"),
        hardship="岛上申报",
    )
    # A household identified through the monitoring chain (its lead, risk, case with the
    # consent attached), and a second one with a measure, two reviews, eliminated.
    from types import SimpleNamespace

    from .monitoring_data import identified, identified_months_ago, new_family
    from .test_monitoring_elimination import eliminate, measure, review

    island = SimpleNamespace(
        village_account=village,
        phone=phone,
        village=code["440103001001"],
        township_office=township,
        county_office=county,
    )
    members = [member("岛监", id_number=make_id(area="440103"))]
    identified(island, new_family(island, members=members))
    other = [member("岛消", id_number=make_id(area="440103"))]
    gone = identified_months_ago(identified(island, new_family(island, members=other)), 7)
    measure(island, gone, "health")
    review(island, gone, gone.identified_on)
    review(island, gone, gone.identified_on)
    eliminate(island, gone)


def build_island_villages(region, village, phone, township) -> None:
    """A natural village (自然村) of the island and a household removed (清退) with a file of
    evidence, by the real actions."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from households import services as household_services
    from villages import natural

    natural.add_natural_village(Actor(township), region, {"name": "岛上组"})
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    removed = register(
        village, phone, [member("岛清", id_number=make_id(area="440103"))], parts_done=1
    )
    household_services.remove_household(
        Actor(village, phone),
        removed,
        "重复录入",
        files=[SimpleUploadedFile("证明.png", out.getvalue(), content_type="image/png")],
    )


def build_island_exchange(village, phone, county, beyond: int) -> None:
    """数据导入 and 导出 jobs of the island (an import refused for its bad ID number, an
    export of the county), by the real actions, until their ids pass `beyond`."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exchange import services as exchange
    from exchange.models import JobKind

    from .exchange_data import person, workbook

    data = workbook([person("1", "岛民", id_number="1", 行政村="")])
    for kind in (JobKind.IMPORT, JobKind.EXPORT):
        job = None
        while job is None or job.pk <= beyond:
            if kind == JobKind.IMPORT:
                upload = SimpleUploadedFile("岛.xlsx", data)
                job = exchange.start_import(Actor(village, phone), upload)
            else:
                job = exchange.start_export(Actor.system(county), {})
    build_island_department(county, beyond)


def build_island_department(county, beyond: int) -> None:
    """部门数据比对 of the island county: a 医保 file whose row hits an island member (a
    DepartmentFile, its hit and a lead), by the real action, until the ids pass `beyond`."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from exchange import department_services
    from households.models import Member
    from monitoring.models import DepartmentFile

    number = Member.objects.filter(id_number__startswith="440103").first().id_number
    job, seq = None, 0
    # Files below the line (cheap: no lead) until the ids pass `beyond`, the last one a hit.
    while job is None or job.pk <= beyond or DepartmentFile.objects.latest("pk").pk <= beyond:
        seq += 1
        last = job is not None and DepartmentFile.objects.latest("pk").pk >= beyond
        book = Workbook()
        book.active.append(["姓名", "身份证号码", "合规自付费用（元）"])
        book.active.append([f"岛民{seq}", number, 90000 if last else seq])
        out = io.BytesIO()
        book.save(out)
        upload = SimpleUploadedFile("岛医保.xlsx", out.getvalue())
        job = department_services.start(Actor(county), upload, "medical")


def build_island_identification(code, village, phone, township, county) -> None:
    """Identification rows of the island: an open case at 村内公示 whose 申请 has a photo,
    a 重点帮扶对象 mark, and the county's 年度动态管理 round."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from identification import rounds
    from identification import services as ident
    from identification.states import StepInput

    from .identification_data import days_ago
    from .test_rounds import deadlines

    region = code["440103001001"]
    rounds.open_round(Actor(county), code["440103"], current_year(), deadlines())
    household = register(
        village,
        phone,
        [member("岛民", id_number=make_id(area="440103"))],
        village=region,
        admitted=False,
    )
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    photo = SimpleUploadedFile("会议记录.png", out.getvalue(), content_type="image/png")
    ident.start_case(
        Actor(village, phone),
        household.pk,
        "new",
        "poor",
        StepInput(opinion="同意", date=days_ago(3), files=[photo]),
    )
    poor = Household.objects.filter(village_code__startswith="44", status="poor").first()
    ident.mark_key(Actor(township), poor.pk, "illness")


def build_island_projects(code, village, phone, township, county) -> None:
    """A project of the island walked to 竣工验收 (events, attachments, an asset, a notice)
    with fund movements, through the real actions."""
    from projects.services import funds, library

    from .projects_data import PROJECT, step_data

    actors = {
        "village": Actor(village, phone),
        "township": Actor(township),
        "county": Actor(county),
    }
    project = library.create_project(actors["village"], code["440103001001"], dict(PROJECT))
    for step, who in (
        ("propose", "village"),
        ("review", "township"),
        ("store", "county"),
        ("approve", "county"),
        ("announce", "county"),
        ("start", "county"),
    ):
        library.take_step(actors[who], project.pk, step, step_data(step))
    today = project.events.last().doc_date
    for kind in ("received", "arranged", "disbursed", "spent"):
        funds.record(
            actors["county"],
            code["440103"],
            kind=kind,
            source="central",
            amount="1000",
            date=today,
            doc_number="岛-1",
            project=project,
        )
    library.take_step(actors["county"], project.pk, "accept", step_data("accept"))
    from projects.services import beneficiaries, feedback

    household = Household.objects.filter(
        village_code="440103001001", status__in=beneficiaries.ELIGIBLE
    ).first()
    beneficiaries.add(actors["county"], project.pk, [household.pk], "job")
    feedback.submit(project.notices.get(), name="", phone="13600000009", text="岛上的反馈内容")


def build_island_pairings(region, village, phone, unit, unit_account, cadre_account) -> None:
    """The units issue's rows on the island, through the real actions: a village link with
    an annual plan, a registered household linked and assigned, a survey and a visit."""
    import datetime

    from poverty_system.core.actor import Actor
    from units import services as unit_services

    from .households_data import make_id, member, register

    unit_actor, cadre_actor = Actor.system(unit_account), Actor.system(cadre_account)
    link = unit_services.link_village(unit_actor, unit, region, plan="岛上规划")
    unit_services.save_village_plans(
        unit_actor,
        link,
        plan="岛上规划",
        year=current_year(),
        annual_plan="岛上年度计划",
        version=link.version,
        plan_version=None,
    )
    household = register(
        village, phone, [member("岛民", id_number=make_id(area="440103"))], village=region
    )
    unit_services.link_households(Actor(user=village, phone=phone), [household], unit)
    cadre = cadre_account.cadre
    unit_services.assign_households(unit_actor, cadre, [household.pk])
    unit_services.save_survey(
        cadre_actor,
        household,
        wishes="养殖",
        exit_year=current_year(),
        measures=[{"kind": "industry", "description": "鸡苗", "amount": "100"}],
    )
    unit_services.add_visit(cadre_actor, household, date=datetime.date(2026, 1, 5), content="走访")


def test_sweep_discovers_the_object_urls():
    """Every URL pattern with an object id in the URLconf is swept (the sweep reads them from
    the URLconf, object_routes); this list is all of them, those of 01–13 included, so a new
    one is added here knowingly, and one that disappears is noticed."""
    assert {
        "accounts/<int:pk>/",
        "accounts/<int:pk>/regions/",
        "accounts/<int:pk>/reset-password/",
        "archives/exports/<int:pk>/",
        "archives/exports/<int:pk>/status/",
        "archives/households/<int:pk>/",
        "assessment/households/<int:pk>/rollback/",
        "assessment/poor-villages/<int:pk>/",
        "assessment/poor-villages/<int:pk>/approve/",
        "assessment/poor-villages/<int:pk>/edit/",
        "assessment/poor-villages/<int:pk>/exit/",
        "assessment/poor-villages/<int:pk>/return/",
        "assessment/poor-villages/<int:pk>/submit/",
        "households/<int:pk>/",
        "households/<int:pk>/application/",
        "households/<int:pk>/approval/",
        "households/<int:pk>/basic/",
        "households/<int:pk>/causes/",
        "households/<int:pk>/claim/",
        "households/<int:pk>/claim/cancel/",
        "households/<int:pk>/income/",
        "households/<int:pk>/members/add/",
        "households/<int:pk>/members/remove/",
        "households/<int:pk>/production/",
        "households/<int:pk>/remove/",
        "households/<int:pk>/split/",
        "households/<int:pk>/survey/",
        "phones/<int:pk>/",
        "projects/<int:pk>/accept/",
        "projects/<int:pk>/adjust/",
        "projects/<int:pk>/announce-result/",
        "projects/<int:pk>/announce/",
        "projects/<int:pk>/approve-adjustment/",
        "projects/<int:pk>/beneficiaries/",
        "projects/<int:pk>/beneficiaries/add/",
        "projects/<int:pk>/beneficiaries/import/",
        "projects/<int:pk>/county-return/",
        "projects/<int:pk>/edit/",
        "projects/<int:pk>/evaluate/",
        "projects/<int:pk>/hand-over/",
        "projects/<int:pk>/propose/",
        "projects/<int:pk>/review/",
        "projects/<int:pk>/roll-over/",
        "projects/<int:pk>/settle/",
        "projects/<int:pk>/start/",
        "projects/<int:pk>/stop/",
        "projects/<int:pk>/store/",
        "projects/<int:pk>/township-return/",
        "projects/assets/<int:pk>/",
        "projects/assets/<int:pk>/edit/",
        "projects/feedback/<int:pk>/",
        "projects/feedback/<int:pk>/reveal/",
        "regions/<int:pk>/children/",
        "regions/<int:pk>/population/",
        "units/cadres/<int:pk>/",
        "units/cadres/<int:pk>/account/",
        "units/cadres/<int:pk>/assign/",
        "units/cadres/<int:pk>/edit/",
        "units/units/<int:pk>/edit/",
        "units/villages/<int:pk>/end/",
        "regions/<int:pk>/",
        "accounts/<int:pk>/active/",
        "phones/<int:pk>/<int:phone_pk>/deactivate/",
        "archives/households/<int:pk>/reissue/",
        "archives/exports/<int:pk>/download/",
        "archives/exports/<int:pk>/retry/",
        "units/villages/<int:pk>/",
        "units/villages/<int:pk>/plans/",
        "units/links/<int:pk>/cancel/",
        "units/cadres/<int:pk>/assign/confirm/",
        "units/cadres/<int:pk>/unassign/",
        "units/surveys/<int:pk>/",
        "units/surveys/<int:pk>/visits/",
        "units/visits/<int:pk>/photo/",
        "units/units/<int:pk>/",
        "identification/cases/<int:pk>/",
        "identification/cases/<int:pk>/step/",
        "identification/households/<int:pk>/start/new/",
        "identification/households/<int:pk>/start/return/",
        "identification/attachments/<int:pk>/",
        "identification/villages/<int:pk>/notice/",
        "identification/villages/<int:pk>/notice.docx",
        "identification/households/<int:pk>/key/",
        "identification/key-households/<int:pk>/remove/",
        "identification/rounds/<int:pk>/",
        "identification/rounds/<int:pk>/deadlines/",
        "identification/rounds/<int:pk>/seal/",
        "identification/rounds/<int:pk>/reopen/",
        "projects/<int:pk>/",
        "projects/<int:pk>/approve/",
        "projects/attachments/<int:pk>/",
        "projects/funds/<int:pk>/reverse/",
        "projects/<int:pk>/beneficiaries/<int:beneficiary>/remove/",
        "projects/assets/<int:pk>/income/",
        "projects/feedback/<int:pk>/answer/",
        "projects/notices/<int:pk>/board/",
        "exchange/imports/<int:pk>/",
        "exchange/imports/<int:pk>/status/",
        "exchange/imports/<int:pk>/report/",
        "exchange/imports/<int:pk>/retry/",
        "exchange/exports/<int:pk>/",
        "exchange/exports/<int:pk>/status/",
        "exchange/exports/<int:pk>/download/",
        "exchange/exports/<int:pk>/retry/",
        "exchange/department/jobs/<int:pk>/",
        "exchange/department/jobs/<int:pk>/status/",
        "exchange/department/jobs/<int:pk>/report/",
        "exchange/department/jobs/<int:pk>/retry/",
        "exchange/department/files/<int:pk>/",
        "reports/households/<int:pk>/info.docx",
        "reports/households/<int:pk>/compare.docx",
        "reports/villages/<int:pk>/info.docx",
        "reports/villages/<int:pk>/compare.docx",
        "reports/villages/<int:pk>/village.docx",
        "reports/villages/<int:pk>/natural.docx",
        "natural/<int:pk>/",
        "natural/<int:pk>/remove/",
        "natural/<int:pk>/reactivate/",
        "households/evidence/<int:pk>/",
        "monitoring/leads/<int:pk>/",
        "monitoring/leads/<int:pk>/visit/",
        "monitoring/leads/<int:pk>/reject/",
        "monitoring/leads/<int:pk>/link/",
        "monitoring/leads/<int:pk>/identify/",
        "monitoring/leads/<int:pk>/identify/save/",
        "monitoring/households/<int:pk>/report/",
        "monitoring/households/<int:pk>/report/save/",
        "monitoring/rules/holidays/<int:pk>/remove/",
        "monitoring/monitored/<int:pk>/",
        "monitoring/monitored/<int:pk>/measures/",
        "monitoring/monitored/<int:pk>/reviews/",
        "monitoring/monitored/<int:pk>/eliminate/",
        "monitoring/monitored/<int:pk>/roll-back/",
        "monitoring/villages/<int:pk>/monitoring-notice/",
    } == set(object_routes())


# Sequences start at 1 so the choice of ids below is the same on SQLite and PostgreSQL.
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_access_sweep_no_account_reaches_an_object_outside_its_slice(
    world, login, settings, tmp_path
):
    """Every URL with an object id, as every account, with ids of objects outside the
    account's slice: never 200. New URLs are swept as soon as they are added."""
    settings.EXPORT_DIR = tmp_path / "exports"
    settings.EXCHANGE_DIR = tmp_path / "exchange"
    before = _pks()
    build_island(world.security, beyond=max(set().union(*before.values())))
    after = _pks()
    world_ids = set().union(*before.values())
    island_ids = {model: after[model] - before[model] for model in after}
    # An id is used only if no table holds a world object under it: whatever model a view
    # reads the id as, it names an island object or nothing.
    outside = {model: ids - world_ids for model, ids in island_ids.items()}
    assert outside[Region] and outside[User]
    assert outside[Household] and outside[ArchiveToken] and outside[Export]
    from exchange.models import Job

    assert len(outside[Job]) >= 2
    # The first and last such id of each table keep the number of requests down.
    sample = sorted({pick(ids) for ids in outside.values() if ids for pick in (min, max)})
    missing = max(set().union(*after.values())) + 1000

    wrong = []
    for name in ACCOUNTS:
        client = login(getattr(world, name))
        # The administrators' slice is everything: only a missing id is outside it.
        ids = [missing] if name in ("admin", "security") else [*sample, missing]
        for route in object_routes():
            for object_id in ids:
                url = fill(route, object_id)
                status = client.get(url).status_code
                if status not in (403, 404, 405):
                    wrong.append(f"{name} GET {url}: {status}")
                status = client.post(url).status_code
                if status not in (403, 404):
                    wrong.append(f"{name} POST {url}: {status}")
    assert not wrong, "\n".join(wrong)
    # The island is untouched.
    assert VillagePhone.objects.get(phone="13600000001").active
    assert User.objects.filter(username__startswith="island_", is_active=True).count() == 6
    assert not ArchiveToken.objects.filter(ended_at__isnull=False).exists()
    # ... and so are its pairings.
    from units.models import Assignment, Cadre, HouseholdLink

    assert Cadre.objects.get(name="李四").left_at is None
    assert HouseholdLink.objects.filter(unit__name="荔湾区民政局", ended_at__isnull=True).exists()
    assert Assignment.objects.filter(unit__name="荔湾区民政局", ended_at__isnull=True).exists()
    # ... and its project and ledger.
    from projects.models import FundMovement, Project

    assert Project.objects.get(region_code="440103001001").state == "accepted"
    assert not FundMovement.objects.filter(reverses__isnull=False).exists()
    from projects.models import AssetIncome, Beneficiary, Feedback

    assert Beneficiary.objects.filter(project__region_code="440103001001").count() == 1
    assert not Feedback.objects.filter(answered_at__isnull=False).exists()
    assert not AssetIncome.objects.exists()
    # ... and its yearly round.
    from identification.models import Round

    assert Round.objects.get(county_code="440103").state == "open"
    assert Round.objects.get(county_code="440103").events.count() == 1
    # ... and its monitoring: the leads as they were (two open, the two monitored households'
    # admitted), the rules and holiday as they were.
    from monitoring.models import Holiday as MonitoringHoliday
    from monitoring.models import Lead, LeadSource, MonitoringRules

    # (one open lead is 部门数据比对's hit of the island, build_island_department)
    assert sorted(
        Lead.objects.filter(village_code__startswith="44").values_list("state", flat=True)
    ) == ["admitted", "admitted", "open", "open", "visited"]
    assert LeadSource.objects.filter(lead__village_code__startswith="44").count() == 5
    assert MonitoringRules.objects.get(county_code="440103").version == 2
    assert MonitoringHoliday.objects.filter(county_code="440103").count() == 1
    # ... and its monitored households.
    from monitoring.models import IncomeReview, Monitored
    from units.models import Measure

    assert Monitored.objects.filter(village_code="440103001001", state="monitored").count() == 1
    assert Monitored.objects.filter(village_code="440103001001", state="eliminated").count() == 1
    assert Measure.objects.filter(survey__household__village_code="440103001001").count() == 2
    assert IncomeReview.objects.filter(monitored__village_code="440103001001").count() == 2


# --- ids no row can have ------------------------------------------------------------------

BEYOND = "9" * 40  # beyond a database integer: the SQLite driver fails on it
ODD = "\u00b2"  # a superscript two: str.isdigit() but not int()


def test_ids_no_row_can_have_are_refused_without_a_500(world, login):
    """Ticked ids, ids in query strings and numbers in forms beyond a database integer or
    made of odd digits: a refusal or nothing found, never a 500."""
    from .units_data import assigned_household, link_world_village, the_cadre

    link_world_village(world)
    household = assigned_household(world)
    cadre = the_cadre(world).pk
    tries = [
        ("township_office", "get", "/units/links/", {"household": BEYOND}),
        ("unit_account", "get", "/units/cadres/transfer/", {"cadre": ODD}),
        ("unit_account", "post", f"/units/cadres/{cadre}/assign/confirm/", {"households": BEYOND}),
        ("unit_account", "post", f"/units/cadres/{cadre}/unassign/", {"households": BEYOND}),
        ("county_office", "post", "/assessment/return/", {"households": BEYOND, "confirm": "1"}),
        ("county_office", "post", "/assessment/return/", {"households": BEYOND, "reason": "other"}),
        ("township_office", "post", "/assessment/lift/", {"households": BEYOND, "to": "lifted"}),
        ("township_office", "get", "/assessment/lift/", {"per_page": ODD}),
        ("county_office", "get", "/units/archive/", {"year": ODD}),
        ("county_office", "post", "/units/reset/", {"links": ODD}),
        (
            "county_office",
            "post",
            "/units/units/reorganize/",
            {"mode": "merge", "sources": BEYOND, "cadres": BEYOND, "villages": BEYOND},
        ),
    ]
    wrong = []
    for name, method, url, data in tries:
        client = login(getattr(world, name))
        status = getattr(client, method)(url, data).status_code
        if status >= 500:
            wrong.append(f"{name} {method.upper()} {url} {data}: {status}")
    assert not wrong, "\n".join(wrong)
    assert assignment_is_active(household)


def assignment_is_active(household) -> bool:
    from units.models import Assignment

    return Assignment.objects.filter(household=household, ended_at__isnull=True).exists()


# --- ids of objects outside the slice in form fields ----------------------------------------


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_ids_outside_the_slice_in_form_fields_change_nothing(world, login, settings, tmp_path):
    """The path sweep above covers ids in URLs; here the island's ids go into the fields of
    the forms that take ids (ticked households, the chosen unit, cadre, village or region),
    each posted by the account whose role the form is for: refused, and the island is
    untouched."""
    from assessment.models import PoorVillage
    from units.models import Assignment, Cadre, HouseholdLink, Transfer, UnitVillage

    from .units_data import assigned_household, link_world_village, the_cadre

    settings.EXPORT_DIR = tmp_path / "exports"
    settings.EXCHANGE_DIR = tmp_path / "exchange"
    link_world_village(world)
    ours = assigned_household(world)
    build_island(world.security)
    island_household = Household.objects.filter(village_code__startswith="44").latest("pk")
    island_cadre = Cadre.objects.get(name="李四")
    island_unit = island_cadre.unit
    island_village = Region.objects.get(code="440103001001")
    island_county = Region.objects.get(code="440103")
    island_link = UnitVillage.objects.get(unit=island_unit)
    cadre = the_cadre(world).pk
    today = "2026-06-01"
    posts = [
        (
            "unit_account",
            f"/units/cadres/{cadre}/assign/confirm/",
            {"households": island_household.pk},
        ),
        ("unit_account", f"/units/cadres/{cadre}/unassign/", {"households": island_household.pk}),
        ("unit_account", "/units/villages/link/", {"village": island_village.pk}),
        (
            "unit_account",
            "/units/cadres/transfer/",
            {"cadre": island_cadre.pk, "to_unit": world.unit.pk, "kind": "transfer", "date": today},
        ),
        (
            "unit_account",
            "/units/cadres/depart/",
            {"cadre": island_cadre.pk, "date": today, "confirm": "yes"},
        ),
        (
            "village_account",
            "/units/links/add/",
            {"households": island_household.pk, "unit": world.unit.pk},
        ),
        ("village_account", "/units/links/add/", {"households": ours.pk, "unit": island_unit.pk}),
        (
            "county_office",
            "/units/units/reorganize/",
            {
                "mode": "split",
                "sources": island_unit.pk,
                "cadres": island_cadre.pk,
                "villages": island_link.pk,
                "name": "新单位",
                "region": world.county.pk,
                "username": "newunit",
                "date": today,
            },
        ),
        (
            "county_office",
            "/units/units/reorganize/",
            {
                "mode": "merge",
                "sources": [world.unit.pk, island_unit.pk],
                "name": "新单位",
                "region": world.county.pk,
                "username": "newunit",
                "date": today,
            },
        ),
        (
            "county_office",
            "/units/units/add/",
            {"name": "外省", "region": island_village.pk, "username": "x1"},
        ),
        ("county_office", "/archives/export/start/", {"region": island_village.pk}),
        ("county_office", "/exchange/export/start/", {"region": island_village.pk}),
        ("township_office", "/exchange/export/start/", {"region": island_village.pk}),
        (
            "township_office",
            "/assessment/lift/",
            {"households": island_household.pk, "to": "lifted", "opinion": "达标"},
        ),
        (
            "county_office",
            "/assessment/return/",
            {"households": island_household.pk, "reason": "other", "text": "x", "confirm": "1"},
        ),
        (
            "township_office",
            "/assessment/poor-villages/add/",
            {"village": island_village.pk, "year": 2026, "households": 1, "population": 1},
        ),
        # 数据质量检查: switching a rule off and running the pack for the island's county.
        (
            "county_office",
            "/quality/switch/",
            {"region": island_county.pk, "rule": "D01", "action": "off", "reason": "x"},
        ),
        ("county_office", "/quality/run/", {"region": island_county.pk}),
        ("city_office", "/quality/run/", {"region": island_county.pk}),
    ]
    before = {
        "assignments": set(
            Assignment.objects.filter(ended_at__isnull=True).values_list("pk", flat=True)
        ),
        "links": set(
            HouseholdLink.objects.filter(ended_at__isnull=True).values_list("pk", flat=True)
        ),
        "village_links": set(
            UnitVillage.objects.filter(ended_at__isnull=True).values_list("pk", flat=True)
        ),
        "poor_villages": PoorVillage.objects.count(),
        "status": island_household.status,
    }
    wrong = []
    clients = {}
    for name, url, data in sorted(posts, key=lambda post: post[0]):
        if name not in clients:
            clients = {name: login(getattr(world, name))}
        status = clients[name].post(url, data).status_code
        if status >= 500 or status == 302 and "export" not in url:
            wrong.append(f"{name} POST {url} {data}: {status}")
    assert not wrong, "\n".join(wrong)
    assert before == {
        "assignments": set(
            Assignment.objects.filter(ended_at__isnull=True).values_list("pk", flat=True)
        ),
        "links": set(
            HouseholdLink.objects.filter(ended_at__isnull=True).values_list("pk", flat=True)
        ),
        "village_links": set(
            UnitVillage.objects.filter(ended_at__isnull=True).values_list("pk", flat=True)
        ),
        "poor_villages": PoorVillage.objects.count(),
        "status": Household.objects.get(pk=island_household.pk).status,
    }
    island_cadre.refresh_from_db()
    assert island_cadre.unit_id == island_unit.pk and island_cadre.left_at is None
    assert not Transfer.objects.filter(cadre=island_cadre).exists()
    assert not Unit.objects.filter(name__in=["新单位", "外省"]).exists()
    assert not Export.objects.filter(owner=world.county_office).exists()
    from exchange.models import Job

    assert not Job.objects.filter(owner__in=[world.county_office, world.township_office]).exists()
    from quality.models import DailyCount, RuleSwitch

    assert not RuleSwitch.objects.exists() and not DailyCount.objects.exists()


# --- unit and cadre accounts on every household URL ---------------------------------------

HOUSEHOLD_ROUTES = ("households/<int:pk>/", "units/surveys/<int:pk>/", "archives/households/")


def household_routes() -> list[str]:
    """Every URL whose id names a household (the household's pages, its survey, its QR)."""
    return [r for r in object_routes() if r.startswith(HOUSEHOLD_ROUTES)]


def test_household_urls_answer_unit_and_cadre_accounts_by_their_scope(world, login):
    """Linked (unit) or assigned (cadre) household: served, or 403 where the role may not
    act; any other household: 404 where the role's rule admits it, 403 where not."""
    from django.urls import resolve

    from .units_data import assigned_household, link_world_village

    link_world_village(world)
    mine = assigned_household(world)  # linked to the world's unit and assigned to its cadre
    other = register(world.village_account, world.phone, [member("赵六", id_number=make_id())])
    assert len(household_routes()) >= 15
    wrong = []
    for name in ("unit_account", "cadre_account"):
        account = getattr(world, name)
        client = login(account)
        for route in household_routes():
            admits = resolve(fill(route, mine.pk)).func.access_rule.allows(account)
            for method in ("get", "post"):
                url = fill(route, mine.pk)
                status = getattr(client, method)(url).status_code
                if (admits and status in (404, 500)) or (not admits and status != 403):
                    wrong.append(f"{name} {method.upper()} {url} (own): {status}")
                url = fill(route, other.pk)
                status = getattr(client, method)(url).status_code
                if status != (404 if admits else 403) and not (admits and status == 405):
                    wrong.append(f"{name} {method.upper()} {url} (other): {status}")
    assert not wrong, "\n".join(wrong)
    assert mine.cadre_assignments.filter(ended_at__isnull=True).exists()

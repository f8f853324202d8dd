"""管理贫困户信息: the household list of the offices and the village account, in their slices.

Households are seeded with portal.demo.seeding (plain records, like the demo data); claims
and member changes go through the real actions of households.services.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from households import services
from households.choices import Relation
from households.listing import PER_PAGE
from households.models import Household, Member
from portal.demo.seeding import seed_households
from poverty_system.core.actor import Actor
from villages.models import Region, code_range

LIST = "/households/"


def in_region(region):
    lo, hi = code_range(region.code)
    return Household.objects.filter(village_code__gte=lo, village_code__lt=hi)


def numbers(response) -> list[str]:
    """Household numbers of the table rows, in page order."""
    assert response.status_code == 200, response.status_code
    return re.findall(r'data-household="(\d{16})"', response.content.decode())


def all_numbers(client, params=None) -> list[str]:
    """Every row of every page of the list."""
    found, page = [], 1
    while True:
        response = client.get(LIST, {**(params or {}), "page": page})
        rows = numbers(response)
        found += rows
        if len(rows) < PER_PAGE or f"page={page + 1}" not in response.content.decode():
            return found
        page += 1


@pytest.fixture(autouse=True)
def no_sms_throttle(settings):
    """Some tests log the village account in twice; the 60-second SMS resend limit would
    refuse the second code."""
    settings.SMS_RESEND_SECONDS = 0


@pytest.fixture
def other_county_village(world):
    return Region.objects.get(code="360732100005")  # 背街居委会 in the base tree


@pytest.fixture
def households(world, other_county_village):
    """7 households in 仓前村 (the village account's), 5 in 里泗村 (same township), 4 in the
    other township and 3 in the other county."""
    seed_households(world.township, 7, seed=11, villages=[world.village])
    seed_households(world.township, 5, seed=12, villages=[world.village2])
    seed_households(world.other_township, 4, seed=13, villages=[world.other_village])
    seed_households(world.other_county, 3, seed=14, villages=[other_county_village])
    return Household.objects.order_by("number")


def test_menu_item_links_to_the_list(world, login):
    for account in (
        world.city_office,
        world.county_office,
        world.township_office,
        world.village_account,
        world.admin,
    ):
        response = login(account).get("/")
        assert f'href="{LIST}"' in response.content.decode(), account.role


# --- slices ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "account, region",
    [
        ("village_account", "village"),
        ("township_office", "township"),
        ("county_office", "county"),
        ("city_office", "city"),
        ("other_township_office", "other_township"),
        ("other_county_office", "other_county"),
    ],
)
def test_each_account_lists_exactly_its_slice(world, households, login, account, region):
    client = login(getattr(world, account))
    expected = list(
        in_region(getattr(world, region))
        .order_by("village_code", "number")
        .values_list("number", flat=True)
    )
    assert expected
    assert all_numbers(client) == expected


def test_slices_from_the_other_side(world, households, login):
    yudu = set(in_region(world.county).values_list("number", flat=True))
    other_county = set(all_numbers(login(world.other_county_office)))
    assert other_county and not other_county & yudu
    other_township = set(all_numbers(login(world.other_township_office)))
    assert not other_township & set(in_region(world.township).values_list("number", flat=True))
    assert set(all_numbers(login(world.admin))) == set(households.values_list("number", flat=True))


@pytest.mark.parametrize("account", ["unit_account", "cadre_account"])
def test_unit_and_cadre_accounts_are_refused(world, households, login, account):
    assert login(getattr(world, account)).get(LIST).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, world):
    response = client.get(LIST)
    assert response.status_code == 302 and response.url.startswith("/login/")


# --- the region filter -------------------------------------------------------------------


def test_region_filter_narrows_to_a_village_of_the_slice(world, households, login):
    client = login(world.township_office)
    response = client.get(LIST, {"region": world.village2.pk})
    assert set(numbers(response)) == set(in_region(world.village2).values_list("number", flat=True))
    html = response.content.decode()
    assert "里泗村委会" in html and f"?region={world.township.pk}" in html  # the path back up


def test_region_tree_lists_the_next_level(world, households, login):
    html = login(world.county_office).get(LIST).content.decode()
    assert f"?region={world.township.pk}" in html and f"?region={world.other_township.pk}" in html


@pytest.mark.parametrize(
    "account, region",
    [
        ("township_office", "other_township"),
        ("township_office", "other_village"),
        ("township_office", "county"),
        ("village_account", "township"),
        ("village_account", "village2"),
        ("county_office", "other_county"),
    ],
)
def test_region_outside_the_slice_is_404(world, households, login, account, region):
    client = login(getattr(world, account))
    assert client.get(LIST, {"region": getattr(world, region).pk}).status_code == 404


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1.5", "0", "9" * 30, " 1"])
def test_unknown_region_is_404(world, households, login, value):
    assert login(world.county_office).get(LIST, {"region": value}).status_code == 404


# --- filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "param, column",
    [
        ("status", "status"),
        ("attribute", "attribute"),
        ("cause", "main_cause"),
    ],
)
def test_choice_filters(world, households, login, param, column):
    client = login(world.county_office)
    values = set(in_region(world.county).values_list(column, flat=True))
    assert len(values) > 1  # the seeded data has several, so the filter has work to do
    for value in values:
        expected = set(
            in_region(world.county).filter(**{column: value}).values_list("number", flat=True)
        )
        assert set(all_numbers(client, {param: value})) == expected


def test_group_and_name_filters(world, households, login):
    client = login(world.township_office)
    household = in_region(world.township).first()
    expected = set(
        in_region(world.township).filter(group=household.group).values_list("number", flat=True)
    )
    assert set(numbers(client.get(LIST, {"group": household.group}))) == expected
    part = household.head_name[-1]
    expected = set(
        in_region(world.township).filter(head_name__contains=part).values_list("number", flat=True)
    )
    assert set(numbers(client.get(LIST, {"q": part}))) == expected


def test_id_search_finds_any_active_member_and_does_not_echo_it(world, households, login):
    client = login(world.township_office)
    household = in_region(world.village).filter(size__gte=2).first()
    member = household.members.exclude(relation=Relation.HEAD).first()
    response = client.post(LIST, {"q": member.id_number.lower()}, follow=True)
    assert numbers(response) == [household.number]
    html = response.content.decode()
    assert member.id_number not in html and member.masked_id_number in html


def test_id_search_ignores_removed_members(world, households, login):
    household = in_region(world.village).filter(size__gte=2).first()
    member = household.members.exclude(relation=Relation.HEAD).first()
    services.claim_household(Actor(world.village_account, world.phone), household)
    services.remove_member(
        Actor(world.village_account, world.phone),
        household,
        member,
        change="death",
        month=timezone.localdate().replace(day=1),
    )
    client = login(world.township_office)
    assert numbers(client.post(LIST, {"q": member.id_number}, follow=True)) == []


def test_id_search_outside_the_slice_finds_nothing(world, households, login):
    outside = in_region(world.other_township).first().members.first()
    client = login(world.township_office)
    assert numbers(client.post(LIST, {"q": outside.id_number}, follow=True)) == []


def test_invalid_id_number_gives_a_message(world, households, login):
    response = login(world.township_office).post(LIST, {"q": "360731198001010010"}, follow=True)
    assert response.status_code == 200
    assert "校验位" in response.content.decode()


def claim(world, households, n_first=3, n_second=2):
    """Claims by the village account: the first households by phone, the next by phone2."""
    village = list(in_region(world.village).order_by("number"))
    for household in village[:n_first]:
        services.claim_household(Actor(world.village_account, world.phone), household)
    for household in village[n_first : n_first + n_second]:
        services.claim_household(Actor(world.village_account, world.phone2), household)
    return village[:n_first], village[n_first : n_first + n_second], village[n_first + n_second :]


def test_claimed_filter_and_claim_state(world, households, login):
    first, second, rest = claim(world, households)
    client = login(world.township_office)
    claimed = {h.number for h in first + second}
    assert set(all_numbers(client, {"claimed": "yes"})) == claimed
    unclaimed = set(in_region(world.township).values_list("number", flat=True)) - claimed
    assert set(all_numbers(client, {"claimed": "no"})) == unclaimed
    html = client.get(LIST, {"region": world.village.pk}).content.decode()
    assert "刘书记" in html and "139****0001" in html and "王干部" in html
    assert "未认领" in html


def test_village_filters_by_its_own_phones(world, households, login):
    first, second, _ = claim(world, households)
    client = login(world.village_account)
    html = client.get(LIST).content.decode()
    assert f'value="{world.phone.pk}"' in html and "139****0002" in html
    assert set(numbers(client.get(LIST, {"phone": world.phone.pk}))) == {h.number for h in first}
    assert set(numbers(client.get(LIST, {"phone": world.phone2.pk}))) == {h.number for h in second}
    # another village's phone is not a choice: ignored with a message, never a 500
    response = client.get(LIST, {"phone": world.other_phone.pk})
    assert response.status_code == 200 and "已忽略" in response.content.decode()
    assert len(numbers(response)) == in_region(world.village).count()


@pytest.mark.parametrize("query", ["13900000001", "139****0001", "0001", "139 0000 0001"])
def test_offices_search_claims_by_phone(world, households, login, query):
    first, _, _ = claim(world, households)
    response = login(world.county_office).get(LIST, {"phone_q": query})
    assert set(numbers(response)) == {h.number for h in first}
    assert "13900000001" not in response.content.decode()


def test_bad_phone_search_gives_a_message(world, households, login):
    response = login(world.county_office).get(LIST, {"phone_q": "12"})
    assert response.status_code == 200 and "后四位" in response.content.decode()


# --- sorting and pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sort, order",
    [
        ("number", ["village_code", "number"]),
        ("-number", ["-village_code", "-number"]),
        ("head", ["head_name", "number"]),
        ("-head", ["-head_name", "-number"]),
        ("size", ["size", "number"]),
        ("-size", ["-size", "-number"]),
        ("income", ["net_income_per_capita", "number"]),
        ("-income", ["-net_income_per_capita", "-number"]),
    ],
)
def test_sorting(world, households, login, sort, order):
    client = login(world.county_office)
    expected = list(in_region(world.county).order_by(*order).values_list("number", flat=True))
    assert all_numbers(client, {"sort": sort}) == expected


@pytest.fixture
def many(world):
    """60 households in 仓前村: three pages."""
    seed_households(world.township, 60, seed=21, villages=[world.village])


def test_pages(world, many, login):
    client = login(world.village_account)
    ordered = list(in_region(world.village).order_by("number").values_list("number", flat=True))
    assert numbers(client.get(LIST)) == ordered[:PER_PAGE]
    assert numbers(client.get(LIST, {"page": 2})) == ordered[PER_PAGE : 2 * PER_PAGE]
    html = client.get(LIST, {"page": 2}).content.decode()
    assert "共 60 户" in html and "第 2 / 3 页" in html
    # past the end: the last page; nonsense: the first
    assert numbers(client.get(LIST, {"page": 99})) == ordered[2 * PER_PAGE :]
    for bad in ("abc", "-3", "0", "1e9", "99999999999999999999"):
        response = client.get(LIST, {"page": bad})
        assert response.status_code == 200
    assert numbers(client.get(LIST, {"page": "abc"})) == ordered[:PER_PAGE]


def test_pagination_links_keep_the_filters(world, many, login):
    client = login(world.township_office)
    html = client.get(LIST, {"region": world.village.pk, "sort": "-size"}).content.decode()
    assert f"?region={world.village.pk}&amp;sort=-size&amp;page=2" in html


def test_empty_list(world, login):
    html = login(world.township_office).get(LIST).content.decode()
    assert "本区域还没有贫困户" in html and "共 0 户" in html


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"attribute": "x" * 500},
        {"cause": ""},
        {"claimed": "maybe"},
        {"sort": "password"},
        {"sort": "-"},
        {"phone": "abc"},
        {"phone": "99999"},
        {"phone_q": "abc"},
        {"group": "第" * 100},
        {"q": "%"},
        {"q": "_"},
        {"q": "1" * 18},
        {"q": "36073119800101001X" * 3},
        {"page": "\x00"},
        {"q": "\x00"},
    ],
)
def test_bad_parameters_never_fail(world, households, login, params):
    """Odd parameters answer the list; a NUL (no text column can hold one) is refused with a
    Chinese 400 before the view, for every account alike."""
    nul = any("\x00" in value for value in params.values())
    for account in (world.county_office, world.village_account):
        response = login(account).get(LIST, params, follow=True)  # an ID-like q: redirected
        assert response.status_code == (400 if nul else 200), (params, response.status_code)
        if nul:
            assert "无效字符" in response.content.decode()


def test_rows_link_to_the_household_page(world, households, login):
    household = in_region(world.village).first()
    html = login(world.village_account).get(LIST).content.decode()
    assert f'href="{reverse("households:detail", args=[household.pk])}"' in html


# --- masking -------------------------------------------------------------------------------


def test_full_id_numbers_and_phones_never_reach_the_page(world, households, login):
    claim(world, households)
    for account in (world.village_account, world.township_office, world.county_office, world.admin):
        client = login(account)
        pages = [
            client.get(LIST, params).content.decode()
            for params in ({}, {"claimed": "yes"}, {"sort": "-income"}, {"phone_q": "13900000001"})
        ]
        html = "".join(pages)
        assert "****" in html
        for member in Member.objects.all():
            assert member.id_number not in html
        for household in households:
            assert household.phone not in html
        for phone in (world.phone, world.phone2, world.other_phone):
            assert phone.phone not in html
    head = Member.objects.get(household=in_region(world.village).first(), relation="head")
    assert head.masked_id_number in login(world.village_account).get(LIST).content.decode()


# --- cost ----------------------------------------------------------------------------------

QUERIES = 8  # queries per page, whatever the number of households and the page's depth


@pytest.mark.parametrize("size", [5, 60])
@pytest.mark.parametrize(
    "account, params",
    [
        ("village_account", {}),
        ("village_account", {"claimed": "yes", "sort": "-income"}),
        ("village_account", {"region": "village"}),
        ("township_office", {}),
        ("township_office", {"region": "village"}),
        ("county_office", {"status": "poor"}),
        ("county_office", {"phone_q": "0001"}),
        ("city_office", {}),
        ("admin", {}),
        ("admin", {"region": "township"}),
    ],
)
def test_queries_per_page_do_not_grow(
    world, login, django_assert_num_queries, size, account, params
):
    seed_households(world.township, size, seed=size, villages=[world.village])
    village = list(in_region(world.village).order_by("number"))
    for household in village[:3]:
        services.claim_household(Actor(world.village_account, world.phone), household)
    client = login(getattr(world, account))
    if "region" in params:
        params = {**params, "region": getattr(world, params["region"]).pk}
    pages = re.search(r"第 1 / (\d+) 页", client.get(LIST, params).content.decode())
    last = int(pages.group(1)) if pages else 1
    if size == 60 and set(params) <= {"region"}:
        assert last == 3  # the last page is a deep one
    for page in {1, last}:
        with django_assert_num_queries(QUERIES):
            response = client.get(LIST, {**params, "page": page})
        assert response.status_code == 200
        assert 0 < len(numbers(response)) <= PER_PAGE


def test_a_page_past_the_end_costs_a_count_and_the_last_page_more(
    world, many, login, django_assert_num_queries
):
    client = login(world.township_office)
    with django_assert_num_queries(QUERIES + 2):
        response = client.get(LIST, {"page": 50})
    assert len(numbers(response)) == 60 - 2 * PER_PAGE

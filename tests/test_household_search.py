"""Search the way officials search (issue 04, item 5): in 管理贫困户信息 and 贫困户认领管理 a
search finds a household by 户编号 (full or its last digits), the head's name, or any
member's ID number; an ID number is sent by POST and kept server-side, so it never appears
in a URL, in the page's source or in a log line."""

import logging
import re

import pytest

from households import search, services
from households.choices import Relation
from households.models import Household, Member
from portal.demo.seeding import seed_households
from poverty_system.core.actor import Actor

from .households_data import member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = "/households/"
CLAIMS = "/households/claims/"


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [row.number for row in response.context["rows"]]


def claim_numbers(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    if "rows" in response.context:  # the village's list of households
        return [h.number for h in response.context["rows"]]
    return [c.household.number for c in response.context["page"].object_list]


@pytest.fixture
def households(world):
    seed_households(world.township, 12, seed=5, villages=[world.village])
    return list(Household.objects.order_by("number"))


def a_member_id(household) -> str:
    return household.members.exclude(relation=Relation.HEAD).first().id_number


def urls_of(response) -> list[str]:
    """Every URL the browser went through: the request and the redirect chain."""
    return [url for url, _ in response.redirect_chain] + [
        response.request["PATH_INFO"] + "?" + response.request.get("QUERY_STRING", "")
    ]


# --- 管理贫困户信息 ---------------------------------------------------------------------------


def test_the_list_finds_by_number_its_last_digits_name_and_member_id(world, households, login):
    client = login(world.township_office)
    target = households[6]
    assert numbers(client.get(LIST, {"q": target.number})) == [target.number]
    assert numbers(client.get(LIST, {"q": target.number[-4:]})) == [target.number]
    assert numbers(client.post(LIST, {"q": target.number[-4:]}, follow=True)) == [target.number]
    named = {h.number for h in households if target.head_name in h.head_name}
    assert set(numbers(client.get(LIST, {"q": target.head_name}))) == named
    found = client.post(LIST, {"q": a_member_id(target)}, follow=True)
    assert numbers(found) == [target.number]


def test_an_id_search_leaves_no_id_in_urls_page_or_logs(world, households, login, caplog):
    caplog.set_level(logging.DEBUG)
    target = households[3]
    id_number = a_member_id(target)
    client = login(world.county_office)
    status = target.status
    response = client.post(LIST, {"q": id_number, "status": status}, follow=True)
    assert numbers(response) == [target.number]
    urls = urls_of(response)
    assert len(response.redirect_chain) == 1 and re.search(r"\?(.*&)?s=[\w-]+", urls[0])
    assert f"status={status}" in urls[0]
    page = response.content.decode()
    masked = id_number[:6] + "********" + id_number[-4:]
    assert id_number not in page and id_number.lower() not in page
    assert f'value="{masked}"' in page  # the search box shows the masked number
    # the page's links (sorting, regions, pagination) carry the key, never the number
    key = re.search(r"[?&]s=([\w-]+)", urls[0]).group(1)
    assert f"s={key}" in page
    # the masked box sent again, with another filter, keeps the same search
    again = client.post(
        LIST, {"q": masked, "s": key, "status": status, "sort": "-income"}, follow=True
    )
    assert numbers(again) == [target.number]
    assert f"s={key}" in urls_of(again)[0] and "sort=-income" in urls_of(again)[0]
    for url in urls + urls_of(again):
        assert id_number not in url and id_number[-8:] not in url
    assert id_number not in caplog.text and id_number[6:14] not in caplog.text


def test_an_id_typed_into_the_url_is_moved_out_of_it(world, households, login):
    target = households[2]
    id_number = a_member_id(target)
    client = login(world.township_office)
    response = client.get(LIST, {"q": id_number, "page": "1"}, follow=True)
    assert numbers(response) == [target.number]
    assert id_number not in urls_of(response)[-1]
    assert id_number not in response.content.decode()


def test_a_key_belongs_to_its_session_and_expires(world, households, login, client):
    target = households[1]
    first = login(world.township_office)
    response = first.post(LIST, {"q": a_member_id(target)}, follow=True)
    url = urls_of(response)[-1]
    from django.test import Client

    other = Client()
    other.force_login(world.township_office)
    stranger = other.get(url)
    assert search.EXPIRED in stranger.content.decode()
    assert len(numbers(stranger)) == len(households)  # the search is ignored, not guessed


def test_an_invalid_id_is_not_echoed(world, households, login):
    wrong = "360731198001019999"
    response = login(world.township_office).post(LIST, {"q": wrong}, follow=True)
    page = response.content.decode()
    assert "校验位" in page and wrong not in page
    assert all(wrong not in url for url in urls_of(response))


def test_an_id_search_page_is_still_one_statement(
    world, households, login, django_assert_num_queries
):
    client = login(world.village_account, world.phone)
    response = client.post(LIST, {"q": a_member_id(households[5])}, follow=True)
    url = urls_of(response)[-1]
    with django_assert_num_queries(8):  # the list's page queries (test_households_list)
        assert numbers(client.get(url)) == [households[5].number]
    with django_assert_num_queries(8):
        assert numbers(client.get(LIST, {"q": households[5].number[-4:]})) == [households[5].number]


def test_a_removed_members_id_finds_nothing(world, households, login):
    household = next(h for h in households if h.size >= 2)
    gone = household.members.exclude(relation=Relation.HEAD).first()
    actor = Actor(world.village_account, world.phone)
    services.claim_household(actor, household)
    from django.utils import timezone

    services.remove_member(
        actor, household, gone, change="death", month=timezone.localdate().replace(day=1)
    )
    client = login(world.township_office)
    assert numbers(client.post(LIST, {"q": gone.id_number}, follow=True)) == []


# --- 贫困户认领管理 ---------------------------------------------------------------------------


def test_claims_find_by_number_last_digits_name_and_member_id(world, households, login):
    target = households[4]
    village = login(world.village_account, world.phone)
    assert claim_numbers(village.get(CLAIMS, {"q": target.number[-4:]})) == [target.number]
    assert claim_numbers(village.get(CLAIMS, {"q": target.number})) == [target.number]
    assert target.number in claim_numbers(village.get(CLAIMS, {"q": target.head_name}))
    spouse = target.members.exclude(relation=Relation.HEAD).first()
    assert target.number in claim_numbers(village.get(CLAIMS, {"q": spouse.name}))
    found = village.post(CLAIMS, {"q": spouse.id_number}, follow=True)
    assert claim_numbers(found) == [target.number]

    services.claim_household(Actor(world.village_account, world.phone), target)
    township = login(world.township_office)
    for q in (target.number[-4:], target.head_name):
        assert claim_numbers(township.get(CLAIMS, {"q": q})) == [target.number]
    found = township.post(CLAIMS, {"q": spouse.id_number}, follow=True)
    assert claim_numbers(found) == [target.number]


def test_claims_id_search_leaves_no_id_in_urls_page_or_logs(world, households, login, caplog):
    caplog.set_level(logging.DEBUG)
    target = households[7]
    id_number = a_member_id(target)
    village = login(world.village_account, world.phone)
    response = village.post(CLAIMS, {"q": id_number, "show": "unclaimed"}, follow=True)
    assert claim_numbers(response) == [target.number]
    page = response.content.decode()
    assert id_number not in page
    assert 'value="' + id_number[:6] + "********" + id_number[-4:] + '"' in page
    assert all(id_number not in url for url in urls_of(response))
    assert "show=unclaimed" in urls_of(response)[-1]
    legacy = village.get(CLAIMS, {"q": id_number}, follow=True)
    assert claim_numbers(legacy) == [target.number]
    assert id_number not in urls_of(legacy)[-1] and id_number not in legacy.content.decode()
    assert id_number not in caplog.text


def test_members_of_other_households_do_not_leak_through_claims_search(world, login):
    outside = register(world.other_village_account, world.other_phone, [member("外村人")])
    outside_id = Member.objects.get(household=outside).id_number
    village = login(world.village_account, world.phone)
    assert claim_numbers(village.post(CLAIMS, {"q": outside_id}, follow=True)) == []
    township = login(world.township_office)
    assert claim_numbers(township.post(CLAIMS, {"q": outside_id}, follow=True)) == []


def test_search_parsing():
    assert search.parse("0012") == search.Search(search.NUMBER, "0012")
    assert search.parse(" 张三 ") == search.Search(search.NAME, "张三")
    assert search.parse("") is None
    assert search.carries_id("36073119800101001X") and not search.carries_id("3607311002010001")
    assert search.carries_id("1" * 20)

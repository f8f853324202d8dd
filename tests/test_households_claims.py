"""贫困户认领管理 (procedure 2): claims by the verified phone, one active claim per household
enforced by the database, cancellation by the township office with a reason, re-claiming."""

import contextlib
import threading

import pytest
from django.db import connection, connections

from households import services
from households.models import Claim
from poverty_system.core.actor import Actor

from .households_data import make_id, member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.django_db


def unclaimed(world, name="张三", **kwargs):
    """A registered household of world.village whose claim the township cancelled."""
    household = register(world.village_account, world.phone, [member(name, **kwargs)])
    services.cancel_claim(Actor(world.township_office), household, "测试：释放认领")
    return household


def rows(response):
    return [h.number for h in response.context["rows"]]


def test_the_village_lists_its_unclaimed_households_and_searches(world, login):
    head_id = make_id()
    first = unclaimed(world, "张三", id_number=head_id)
    second = unclaimed(world, "李四")
    claimed = register(world.village_account, world.phone, [member("王五")])
    outside = register(world.other_village_account, world.other_phone, [member("外村")])
    services.cancel_claim(Actor(world.other_township_office), outside, "释放")
    client = login(world.village_account, world.phone)
    response = client.get("/households/claims/")
    assert rows(response) == [first.number, second.number]
    page = response.content.decode()
    assert head_id not in page and head_id[:6] + "********" + head_id[-4:] in page
    assert rows(client.get("/households/claims/?q=李")) == [second.number]
    # ID numbers are searched by POST (the URL gets only a session key)
    assert rows(client.post("/households/claims/", {"q": head_id}, follow=True)) == [first.number]
    short = head_id[:6] + head_id[8:17]  # the 15-digit form finds it too
    assert rows(client.post("/households/claims/", {"q": short}, follow=True)) == [first.number]
    response = client.post("/households/claims/", {"q": "360731198001019999"}, follow=True)
    assert response.context["form"].errors["q"] == ["身份证号码校验位不正确，请核对。"]
    assert rows(client.get("/households/claims/?show=mine")) == [claimed.number]


def test_claim_with_the_verified_phone_and_the_other_phone_sees_the_holder(world, login):
    household = unclaimed(world)
    client = login(world.village_account, world.phone2)
    response = client.post(f"/households/{household.pk}/claim/", follow=True)
    assert "已认领" in response.content.decode()
    claim = Claim.objects.active().get(household=household)
    assert claim.phone == world.phone2 and claim.account == world.village_account
    assert rows(client.get("/households/claims/?show=mine")) == [household.number]

    client = login(world.village_account, world.phone)
    assert rows(client.get("/households/claims/")) == []
    response = client.get("/households/claims/?show=others")
    assert rows(response) == [household.number]
    assert "139****0002（王干部）" in response.content.decode()
    response = client.post(f"/households/{household.pk}/claim/", follow=True)
    assert "认领失败：该户已由手机号 139****0002（王干部）认领" in response.content.decode()
    assert Claim.objects.active().filter(household=household).get().phone == world.phone2


def test_claim_is_refused_to_other_accounts(world, login):
    household = unclaimed(world)
    expected = {
        "other_village_account": 404,
        "township_office": 403,
        "county_office": 403,
        "city_office": 403,
        "unit_account": 403,
        "cadre_account": 403,
        "admin": 403,
        "other_township_office": 403,
    }
    for name, status in expected.items():
        client = login(getattr(world, name))
        assert client.post(f"/households/{household.pk}/claim/").status_code == status, name
    client = login(world.village_account, world.phone)
    assert client.get(f"/households/{household.pk}/claim/").status_code == 405
    assert not Claim.objects.active().filter(household=household).exists()


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_the_same_moment_exactly_one_wins(world):
    """Two connections claim one household at once. claim_household inserts without looking
    first, so both reach the partial unique index: on PostgreSQL the second insert waits
    for the first transaction and then fails on the index. SQLite serialises writers; its
    in-memory test database (shared cache) answers a concurrent writer "table is locked" at
    once where a file database waits (busy timeout), so there the two threads take turns
    after the barrier, and the second is refused by the same index. Either way exactly one
    wins and the loser is told who holds the household."""
    household = unclaimed(world)
    barrier = threading.Barrier(2, timeout=20)
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    results = {}

    def claim(phone):
        try:
            barrier.wait()
            with turns:
                results[phone.phone] = services.claim_household(
                    Actor(world.village_account, phone), household
                )
        except Exception as exc:  # any other error is shown by the assertion below
            results[phone.phone] = exc
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=claim, args=(p,)) for p in (world.phone, world.phone2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    won = [r for r in results.values() if isinstance(r, Claim)]
    lost = [r for r in results.values() if isinstance(r, services.HouseholdError)]
    assert len(won) == 1 and len(lost) == 1, results
    winner = won[0].phone
    assert Claim.objects.active().filter(household=household).get().phone == winner
    assert f"该户已由手机号 {winner.masked}（{winner.holder}）认领" in lost[0].message


def test_the_constraint_holds_even_when_the_action_is_bypassed(world):
    from django.db import IntegrityError, transaction

    household = register(world.village_account, world.phone)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(household=household, account=world.village_account, phone=world.phone2)


def test_township_cancels_with_a_reason_and_the_household_is_claimed_again(world, login):
    household = register(world.village_account, world.phone, [member("张三")])
    client = login(world.township_office)
    response = client.get("/households/claims/")
    assert [c.household.number for c in response.context["page"].object_list] == [household.number]
    assert "139****0001（刘书记）" in response.content.decode()

    response = client.post(f"/households/{household.pk}/claim/cancel/", {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["请填写取消原因。"]
    assert Claim.objects.get(household=household).active

    response = client.post(
        f"/households/{household.pk}/claim/cancel/", {"reason": "认领手机号错误"}
    )
    assert response.status_code == 302
    cancelled = Claim.objects.get(household=household)
    assert not cancelled.active and cancelled.end_reason == "认领手机号错误"
    assert cancelled.ended_by == world.township_office and cancelled.ended_at
    history = client.get("/households/claims/?show=cancelled").content.decode()
    assert "认领手机号错误" in history

    client = login(world.village_account, world.phone2)
    client.post(f"/households/{household.pk}/claim/")
    assert Claim.objects.filter(household=household).count() == 2
    assert Claim.objects.active().get(household=household).phone == world.phone2
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "认领手机号错误" in page and "139****0001（刘书记）" in page
    assert "139****0002（王干部）" in page


def test_cancel_is_refused_to_other_accounts(world, login):
    household = register(world.village_account, world.phone)
    expected = {
        "village_account": 403,
        "other_village_account": 403,
        "county_office": 403,
        "city_office": 403,
        "other_township_office": 404,
        "unit_account": 403,
        "cadre_account": 403,
        "admin": 403,
        "other_county_office": 403,
    }
    for name, status in expected.items():
        client = login(getattr(world, name))
        url = f"/households/{household.pk}/claim/cancel/"
        assert client.get(url).status_code == status, name
        assert client.post(url, {"reason": "越权"}).status_code == status, name
    assert Claim.objects.get(household=household).active
    # The other township's list does not show it.
    client = login(world.other_township_office)
    assert not client.get("/households/claims/").context["page"].object_list


def test_claims_page_is_only_for_village_and_township(world, login):
    for name in ("county_office", "city_office", "unit_account", "cadre_account", "admin"):
        assert login(getattr(world, name)).get("/households/claims/").status_code == 403


def test_a_removed_household_cannot_be_claimed(world):
    household = register(world.village_account, world.phone)
    services.remove_household(Actor(world.village_account, world.phone), household, "识别错误")
    services.cancel_claim(Actor(world.township_office), household, "释放")
    with pytest.raises(services.HouseholdError, match="该户已清退，不能认领。"):
        services.claim_household(Actor(world.village_account, world.phone), household)


def _village_list_queries(client, django_assert_num_queries):
    with django_assert_num_queries(VILLAGE_LIST_QUERIES):
        assert client.get("/households/claims/").status_code == 200
    with django_assert_num_queries(VILLAGE_LIST_QUERIES):
        assert client.get("/households/claims/?q=张").status_code == 200


# Queries of one claims page, whatever the number of rows; a village session also reads
# its verified phone.
VILLAGE_LIST_QUERIES = 9
TOWNSHIP_LIST_QUERIES = 8


def test_claims_lists_cost_the_same_for_few_and_many_rows(world, login, django_assert_num_queries):
    village = login(world.village_account, world.phone)
    unclaimed(world, "张一")
    _village_list_queries(village, django_assert_num_queries)
    for index in range(25):
        household = register(world.village_account, world.phone, [member(f"张{index}")])
        if index % 2:
            services.cancel_claim(Actor(world.township_office), household, "释放")
    response = village.get("/households/claims/")
    assert len(response.context["rows"]) == 13
    _village_list_queries(village, django_assert_num_queries)
    township = login(world.township_office)
    with django_assert_num_queries(TOWNSHIP_LIST_QUERIES):
        response = township.get("/households/claims/")
    assert len(response.context["page"].object_list) == 13
    with django_assert_num_queries(TOWNSHIP_LIST_QUERIES):
        assert township.get("/households/claims/?show=cancelled").status_code == 200


def test_only_the_township_office_cancels_a_claim_even_through_the_action(world):
    """The action asks the access layer itself, not only the view's role rule: the
    administrator reads every slice but does not cancel claims."""
    household = register(world.village_account, world.phone)
    with pytest.raises(services.EditRefused, match="只有乡镇扶贫办可以取消认领。"):
        services.cancel_claim(Actor(world.admin), household, "释放")
    assert Claim.objects.active().filter(household=household).exists()

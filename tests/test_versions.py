"""No lost updates: every edit form carries the household's version; a save made from a form
opened before someone else's save is refused with what changed meanwhile, and the newer data
stays. Two real sessions of the claiming phone (two devices of one cadre) on both databases,
and two threads saving at the same moment on PostgreSQL."""

import contextlib
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from households import services
from households.models import Household
from poverty_system.core.actor import Actor
from poverty_system.core.versioning import StaleEdit

from .households_data import (  # noqa: F401
    PARTS,
    member,
    member_rows,
    no_sms_throttle,
    part1_post,
    part_post,
    register,
)

pytestmark = pytest.mark.django_db


def test_a_stale_income_save_is_refused_and_the_newer_data_kept(world, login, household_pk=None):
    household = register(world.village_account, world.phone, [member("张三")])
    first = login(world.village_account, world.phone)
    second = login(world.village_account, world.phone)
    url = f"/households/{household.pk}/income/"
    opened_first = part_post(household, 3, wage_income="5000")  # the form as first opened it
    opened_second = part_post(household, 3, wage_income="16000")
    assert second.post(url, opened_second).status_code == 302
    response = first.post(url, opened_first)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已被他人修改" in page and "未生效" in page
    # What changed meanwhile is listed: the other session's income.
    assert "工资性收入" in page and "16000.00" in page
    household.refresh_from_db()
    # Saved: part 1, parts 2–7, the 公告 of its identification, the second session's save.
    assert household.wage_income == Decimal("16000") and household.version == 1 + 6 + 1 + 1


def test_a_stale_basic_part_is_refused_members_included(world, login):
    household = register(world.village_account, world.phone, [member("张三")])
    rows, existing = member_rows(household)
    stale = part1_post(rows, existing, group="第五组")
    fresh_client = login(world.village_account, world.phone)
    rows2 = [dict(rows[0], name="张叁")]
    assert (
        fresh_client.post(
            f"/households/{household.pk}/basic/", part1_post(rows2, existing)
        ).status_code
        == 302
    )
    response = login(world.village_account, world.phone).post(
        f"/households/{household.pk}/basic/", stale
    )
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    household.refresh_from_db()
    assert household.group == "第一组" and household.head_name == "张叁"


def test_a_form_without_its_version_is_refused(world, login):
    household = register(world.village_account, world.phone)
    data = part_post(household, 2, arable_area="9")
    del data["version"]
    response = login(world.village_account, world.phone).post(
        f"/households/{household.pk}/production/", data
    )
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    household.refresh_from_db()
    assert household.arable_area != Decimal("9")


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_one_wins(world):
    """Both opened version v; both save at once. The row lock orders them; the second sees
    the first's version and is refused (SQLite takes turns, see the claims test)."""
    household = register(world.village_account, world.phone)
    version = Household.objects.get(pk=household.pk).version
    barrier = threading.Barrier(2, timeout=20)
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    results = {}

    def save(amount):
        try:
            barrier.wait()
            with turns:
                results[amount] = services.save_part(
                    Actor(world.village_account, world.phone),
                    household,
                    3,
                    {**PARTS[3], "wage_income": Decimal(amount)},
                    version=version,
                )
        except Exception as exc:  # shown by the assertion below
            results[amount] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(a,)) for a in ("7000", "8000")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [a for a, r in results.items() if isinstance(r, Household)]
    lost = [r for r in results.values() if isinstance(r, StaleEdit)]
    assert len(won) == 1 and len(lost) == 1, results
    household.refresh_from_db()
    assert household.wage_income == Decimal(won[0]) and household.version == version + 1

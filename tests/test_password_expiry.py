"""Password expiry (PASSWORD_MAX_AGE_DAYS, 90 days: the login succeeds, every page then leads
to the change page) and the password history (the last 5 passwords refused, a reset by an
administrator included; only hashes are kept)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.demo.accounts import ensure_demo_accounts, renew_demo_passwords
from portal.demo.units import ensure_demo_unit
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry
from villages.accounts import reset_password
from villages.models import PasswordHistory, User

from .conftest import PASSWORD, login_village
from .test_login_security import errors_on_page, post_login

EXPIRED = "密码已超过90天未修改，请修改密码后继续。"
REUSED = "新密码不能与最近5次使用过的密码相同。"
# Six passwords that meet every other rule.
PASSWORDS = [f"Qz7#mLp{n}x" for n in range(1, 7)]


def age_password(account: User, days: int) -> None:
    User.objects.filter(pk=account.pk).update(
        password_changed_at=timezone.now() - timedelta(days=days)
    )


def change(client, old: str, new: str):
    return client.post(
        "/password/", {"old_password": old, "new_password1": new, "new_password2": new}
    )


def password_changes() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=audit.PASSWORD_CHANGE).order_by("pk"))


# --- expiry -------------------------------------------------------------------------------


def test_a_password_of_89_days_still_works(world, client):
    age_password(world.township_office, 89)
    assert post_login(client, "township", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    assert client.get(f"/regions/{world.township.pk}/").status_code == 200
    assert EXPIRED not in client.get("/password/").content.decode()


def test_a_password_of_91_days_must_be_changed_before_anything_else(world, client):
    age_password(world.township_office, 91)
    response = post_login(client, "township", PASSWORD)
    assert response.status_code == 302  # the login itself succeeds
    for url in ["/", "/regions/", f"/regions/{world.township.pk}/", "/phones/", "/accounts/"]:
        response = client.get(url)
        assert (response.status_code, response.get("Location")) == (302, "/password/"), url
    response = client.post(
        f"/phones/{world.village_account.pk}/", {"phone": "13711112222", "holder": "张三"}
    )
    assert (response.status_code, response.url) == (302, "/password/")
    assert not world.village_account.phones.filter(phone="13711112222").exists()

    page = client.get("/password/")
    text = page.content.decode()
    assert page.status_code == 200 and EXPIRED in text
    assert "首次登录或密码被重置后" not in text  # the reason shown is the age
    assert 'aria-label="主菜单"' not in text
    assert client.post("/logout/").url == "/login/"

    post_login(client, "township", PASSWORD)
    assert change(client, PASSWORD, PASSWORDS[0]).status_code == 302
    account = User.objects.get(pk=world.township_office.pk)
    assert not account.password_expired()
    assert timezone.now() - account.password_changed_at < timedelta(minutes=1)
    assert client.get("/").status_code == 200
    [entry] = password_changes()
    assert entry.detail == {"account": "township", "forced": False, "expired": True}
    assert entry.user == account and entry.outcome == audit.OK


def test_a_village_account_logged_in_by_sms_is_forced_too(world, client, sms_outbox):
    age_password(world.village_account, 91)
    login_village(client, world.village_account, world.phone, sms_outbox)
    assert client.get("/").url == "/password/"
    assert EXPIRED in client.get("/password/").content.decode()
    assert change(client, PASSWORD, PASSWORDS[0]).status_code == 302
    assert client.get("/").status_code == 200

    client.post("/logout/")
    age_password(world.other_village_account, 89)
    login_village(client, world.other_village_account, world.other_phone, sms_outbox)
    assert client.get("/").status_code == 200


def test_the_age_is_a_setting(world, client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 30
    age_password(world.township_office, 31)
    post_login(client, "township", PASSWORD)
    assert client.get("/").url == "/password/"
    assert "密码已超过30天未修改" in client.get("/password/").content.decode()
    settings.PASSWORD_MAX_AGE_DAYS = 0  # no expiry at all
    assert client.get("/").status_code == 200


def test_a_reset_starts_the_age_afresh(world, client):
    age_password(world.township_office, 200)
    new_password = reset_password(Actor.system(world.county_office), world.township_office)
    account = User.objects.get(pk=world.township_office.pk)
    assert not account.password_expired() and account.must_change_password
    post_login(client, "township", new_password)
    assert client.get("/").url == "/password/"
    text = client.get("/password/").content.decode()
    assert "首次登录或密码被重置后" in text and EXPIRED not in text


# --- history ------------------------------------------------------------------------------


def test_the_fifth_last_password_is_refused_and_the_sixth_last_accepted(world, client):
    post_login(client, "township", PASSWORD)
    current = PASSWORD  # the account's first password is the 6th-last after 5 changes
    for new in PASSWORDS[:5]:
        assert change(client, current, new).status_code == 302
        current = new
    # The last 5: PASSWORDS[4] (current), [3], [2], [1], [0]; PASSWORD is the 6th-last.
    for reused in [PASSWORDS[4], PASSWORDS[0]]:
        response = change(client, current, reused)
        assert response.status_code == 200
        assert REUSED in errors_on_page(response)
    assert len(password_changes()) == 5
    assert change(client, current, PASSWORD).status_code == 302
    assert post_login(client.__class__(), "township", PASSWORD).status_code == 302


def test_only_the_hashes_of_the_last_five_are_kept(world, client):
    post_login(client, "township", PASSWORD)
    current = PASSWORD
    for new in PASSWORDS:
        change(client, current, new)
        current = new
    kept = list(
        PasswordHistory.objects.filter(account=world.township_office).values_list(
            "password", flat=True
        )
    )
    assert len(kept) == 5
    stored = User.objects.get(pk=world.township_office.pk).password
    assert stored in kept
    for password in [PASSWORD, *PASSWORDS]:
        assert all(password not in row for row in kept)
    assert all(row.startswith("md5$") for row in kept)  # the test hasher's encoded form


def test_a_password_set_by_an_administrators_reset_counts(world, client):
    given = reset_password(Actor.system(world.county_office), world.township_office)
    post_login(client, "township", given)
    assert change(client, given, PASSWORDS[0]).status_code == 302
    response = change(client, PASSWORDS[0], given)
    assert response.status_code == 200 and REUSED in errors_on_page(response)
    # The password before the reset is in the history as well.
    response = change(client, PASSWORDS[0], PASSWORD)
    assert response.status_code == 200 and REUSED in errors_on_page(response)


def test_an_account_from_before_the_history_still_refuses_its_current_password(world, client):
    PasswordHistory.objects.all().delete()
    post_login(client, "township", PASSWORD)
    response = change(client, PASSWORD, PASSWORD)
    assert response.status_code == 200 and REUSED in errors_on_page(response)
    assert change(client, PASSWORD, PASSWORDS[0]).status_code == 302


# --- the demo -----------------------------------------------------------------------------


@pytest.fixture
def demo(small_tree):
    ensure_demo_accounts()
    ensure_demo_unit()
    return small_tree


def test_make_run_renews_the_demo_passwords(demo):
    User.objects.update(password_changed_at=timezone.now() - timedelta(days=400))
    officers = ["admin", "security"]  # they choose their own password at first login
    demo_accounts = User.objects.exclude(username__in=officers)
    assert renew_demo_passwords() == demo_accounts.count() >= 6
    assert not any(account.password_expired() for account in demo_accounts)
    for officer in User.objects.filter(username__in=officers):
        assert officer.password_expired() and officer.must_change_password


@pytest.mark.parametrize(
    "new, said",
    [("Qz7#mLp1x" * 15, "密码太长，最多 128 个字符。"), ("Qz7#m\tLp1x", "密码不能包含控制字符")],
)
def test_a_password_too_long_or_with_a_control_character_is_refused(world, client, new, said):
    post_login(client, "township", PASSWORD)
    response = change(client, PASSWORD, new)
    assert response.status_code == 200
    assert any(said in error for error in errors_on_page(response))
    assert password_changes() == []
    assert change(client, PASSWORD, "Qz7#mLp1x" * 14).status_code == 302  # 126 characters

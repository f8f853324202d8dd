"""Login security: password rules, forced change at first login, lockout, session fixation,
idle timeout and logout."""

import re
from datetime import timedelta

import lxml.html
import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from poverty_system.core.actor import Actor
from poverty_system.core.roles import Role
from villages.accounts import create_account, reset_password
from villages.models import LoginThrottle, User

from .conftest import PASSWORD

NEW_PASSWORD = "Qz7#mLp2x"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def errors_on_page(response) -> list[str]:
    page = lxml.html.fromstring(response.content.decode())
    found = page.xpath('//p[@class="error"] | //div[@class="form-errors"]/p')
    return [e.text_content().strip() for e in found]


def session_key(client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


def post_login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


# --- password rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "qwmzRTXB7",  # lower, upper, digit
        "abcdefg#1",  # lower, digit, special
        "ABCDEFG#1",  # upper, digit, special
        "abcdEFG#h",  # lower, upper, special
        NEW_PASSWORD,
    ],
)
def test_passwords_with_three_character_classes_are_accepted(db, password):
    validate_password(password, User(username="township"))


@pytest.mark.parametrize(
    "password, message",
    [
        ("Ab1#xyz", "8"),  # 7 characters
        ("abcdefgh#", "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。"),
        ("ABCDEFGH12", "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。"),
        ("xTownship#1", "密码不能包含用户名。"),  # case does not hide the name
    ],
)
def test_passwords_breaking_a_rule_are_refused_in_chinese(db, password, message):
    with pytest.raises(ValidationError) as error:
        validate_password(password, User(username="township"))
    assert any(message in text for text in error.value.messages)
    assert all(CHINESE.search(text) for text in error.value.messages), error.value.messages


@pytest.mark.parametrize(
    "new_password, expected",
    [
        ("Ab1#xyz", "8"),
        ("abcdefgh12", "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。"),
        ("township#A1", "密码不能包含用户名。"),
    ],
)
def test_change_password_page_shows_the_rules_in_chinese(world, login, new_password, expected):
    client = login(world.township_office)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    errors = errors_on_page(response)
    assert any(expected in e for e in errors), errors
    # Every message is Chinese: no English sentence leaks through from Django.
    for error in errors:
        assert CHINESE.search(error) and not re.search(r"[A-Za-z]{4,}", error), error
    assert User.objects.get(pk=world.township_office.pk).check_password(PASSWORD)


def test_change_password_page_refuses_a_wrong_old_password(world, login):
    client = login(world.township_office)
    response = client.post(
        "/password/",
        {
            "old_password": "Wrong#2026x",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert "原密码不正确，请重新输入。" in errors_on_page(response)
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD + "x",
        },
    )
    assert "两次输入的新密码不一致。" in errors_on_page(response)


def test_a_good_new_password_is_taken_and_the_session_survives(world, login):
    client = login(world.township_office)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/")
    assert home.status_code == 200  # still logged in
    assert "密码已修改。" in home.content.decode()
    client.post("/logout/")
    assert post_login(client, "township", PASSWORD).status_code == 200
    assert post_login(client, "township", NEW_PASSWORD).status_code == 302


# --- forced change at first login ---------------------------------------------------------


def test_new_account_must_change_its_password_before_anything_else(world, client):
    user, initial = create_account(
        Actor.system(world.county_office),
        username="newtown",
        role=Role.TOWNSHIP,
        regions=[world.township],
        full_name="新贡江镇扶贫办",
    )
    assert user.must_change_password

    response = post_login(client, "newtown", initial)
    assert response.status_code == 302
    pages = [
        "/",
        "/regions/",
        f"/regions/{world.township.pk}/",
        f"/regions/{world.township.pk}/children/",
        "/phones/",
        f"/phones/{world.village_account.pk}/",
        "/accounts/",
        "/health/",
    ]
    for url in pages:
        response = client.get(url)
        assert (response.status_code, response.get("Location")) == (302, "/password/"), url
    # A form post elsewhere is stopped as well.
    response = client.post(
        f"/phones/{world.village_account.pk}/", {"phone": "13711112222", "holder": "张三"}
    )
    assert (response.status_code, response.url) == (302, "/password/")
    assert not world.village_account.phones.filter(phone="13711112222").exists()

    page = client.get("/password/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "首次登录或密码被重置后，须先设置自己的密码才能继续使用系统。" in text
    assert 'aria-label="主菜单"' not in text  # no menu until the password is changed

    response = client.post(
        "/password/",
        {"old_password": initial, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=user.pk).must_change_password
    for url in ["/", f"/regions/{world.township.pk}/", "/phones/"]:
        assert client.get(url).status_code == 200, url


def test_forced_change_still_allows_logout(world, client):
    _, initial = create_account(
        Actor.system(world.county_office),
        username="newtown",
        role=Role.TOWNSHIP,
        regions=[world.township],
        full_name="新贡江镇扶贫办",
    )
    post_login(client, "newtown", initial)
    response = client.post("/logout/")
    assert (response.status_code, response.url) == (302, "/login/")
    assert client.get("/").url.startswith("/login/")


def test_a_reset_password_must_be_changed_again(world, client):
    new_password = reset_password(Actor.system(world.county_office), world.township_office)
    post_login(client, "township", new_password)
    assert client.get("/").url == "/password/"


# --- lockout ------------------------------------------------------------------------------
# Failures count per username and client address (5 → that address waits 15 minutes) and per
# username from any address (30 → every address waits), so that a shared village account is
# not locked for all its cadres by one careless or hostile address, and an unknown name is
# answered exactly like a known one.

LOCKED = "连续登录失败次数过多，已锁定，请 {} 分钟后再试。"


def post_from(client, ip, username, password):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_from_one_address_lock_that_address_for_fifteen_minutes(world, client):
    answers = [
        errors_on_page(post_from(client, "10.0.0.1", "township", f"Wrong#pass{attempt}"))
        for attempt in range(5)
    ]
    assert answers == [
        ["用户名或密码错误，还可尝试 4 次。"],
        ["用户名或密码错误，还可尝试 3 次。"],
        ["用户名或密码错误，还可尝试 2 次。"],
        ["用户名或密码错误，还可尝试 1 次。"],
        [LOCKED.format(15)],
    ]
    lock = LoginThrottle.objects.get(username="township", ip="10.0.0.1").locked_until
    assert timedelta(minutes=14) < lock - timezone.now() <= timedelta(minutes=15)

    response = post_from(client, "10.0.0.1", "township", PASSWORD)  # right password, too late
    assert errors_on_page(response) == [LOCKED.format(15)]
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302

    # Another office computer logs in with the right password: the account is not locked.
    other = type(client)()
    assert post_from(other, "10.0.0.2", "township", PASSWORD).status_code == 302
    assert other.get("/").status_code == 200
    assert not User.objects.get(username="township").is_locked()

    # Fifteen minutes later (moved in the database) the first address may try again.
    LoginThrottle.objects.filter(ip="10.0.0.1").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert post_from(client, "10.0.0.1", "township", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_spraying_from_many_addresses_locks_the_account_everywhere(world, client):
    for n in range(9):  # 27 failures from 9 addresses, 3 each: no address is locked
        for attempt in range(3):
            response = post_from(client, f"10.0.1.{n}", "township", f"Wrong#{attempt}xx")
    assert errors_on_page(response) == ["用户名或密码错误，还可尝试 2 次。"]
    # A fresh address is told the account-wide tries left.
    response = post_from(client, "10.0.2.1", "township", "Wrong#28xx")
    assert errors_on_page(response) == ["用户名或密码错误，还可尝试 2 次。"]
    post_from(client, "10.0.2.2", "township", "Wrong#29xx")
    response = post_from(client, "10.0.2.3", "township", "Wrong#30xx")
    assert errors_on_page(response) == [LOCKED.format(15)]

    # Now every address waits, even with the right password.
    response = post_from(type(client)(), "10.0.3.1", "township", PASSWORD)
    assert errors_on_page(response) == [LOCKED.format(15)]

    # The office that manages the account sees it locked.
    county = type(client)()
    post_from(county, "10.0.9.9", "county", PASSWORD)
    assert "已锁定" in county.get(f"/accounts/{world.township_office.pk}/").content.decode()
    # The list reads every row's lock in its one query of accounts (no query per row).
    with CaptureQueriesContext(connection) as queries:
        listing = lxml.html.fromstring(county.get("/accounts/").content.decode())
    lock_reads = [q["sql"] for q in queries if '"villages_loginthrottle"' in q["sql"]]
    assert len(lock_reads) == 1 and '"villages_user"' in lock_reads[0]
    states = {
        row.xpath("string(td[1])").strip(): row.xpath("string(td[last()-1])").strip()
        for row in listing.xpath("//table//tbody/tr")
    }
    assert any("township" in name and "已锁定" in state for name, state in states.items()), states


def test_an_unknown_username_is_answered_exactly_like_a_known_one(world, client):
    def answers(username, ip):
        return [
            errors_on_page(post_from(type(client)(), ip, username, f"Wrong#pass{n}"))
            for n in range(7)
        ]

    known = answers("township", "10.0.0.1")
    unknown = answers("nobody", "10.0.0.2")
    assert known == unknown
    assert known[-1] == [LOCKED.format(15)]
    assert LoginThrottle.objects.filter(username="nobody").exists()


def test_a_lock_still_running_refuses_even_the_right_password(world, client):
    LoginThrottle.objects.create(
        username="township", ip="127.0.0.1", locked_until=timezone.now() + timedelta(seconds=90)
    )
    response = post_login(client, "township", PASSWORD)
    assert errors_on_page(response) == [LOCKED.format(2)]
    assert "_auth_user_id" not in client.session


def test_a_successful_login_resets_the_failure_count_of_its_address(world, client):
    for attempt in range(4):
        post_login(client, "township", f"Wrong#pass{attempt}")
    assert post_login(client, "township", PASSWORD).status_code == 302
    client.post("/logout/")
    response = post_login(client, "township", "Wrong#again1")  # the count started again
    assert errors_on_page(response) == ["用户名或密码错误，还可尝试 4 次。"]
    for attempt in range(3):
        post_login(client, "township", f"Wrong#pass{attempt}")
    assert post_login(client, "township", PASSWORD).status_code == 302


def test_old_failures_are_forgotten(world, client):
    for attempt in range(4):
        post_login(client, "township", f"Wrong#pass{attempt}")
    LoginThrottle.objects.update(last_failure_at=timezone.now() - timedelta(hours=2))
    response = post_login(client, "township", "Wrong#again1")
    assert errors_on_page(response) == ["用户名或密码错误，还可尝试 4 次。"]


def test_counts_of_names_nobody_tried_for_a_while_are_dropped(world, client):
    for n in range(20):
        post_login(client, f"guess{n}", "Wrong#pass1")
    assert LoginThrottle.objects.filter(username__startswith="guess").count() == 40
    LoginThrottle.objects.update(last_failure_at=timezone.now() - timedelta(hours=2))
    LoginThrottle.objects.filter(username="guess0", ip="").update(
        locked_until=timezone.now() + timedelta(minutes=5)
    )
    post_login(client, "township", "Wrong#pass1")
    left = set(LoginThrottle.objects.values_list("username", "ip"))
    assert left == {("guess0", ""), ("township", "127.0.0.1"), ("township", "")}


def test_the_client_address_comes_from_the_trusted_proxy_header(world, client, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for attempt in range(5):
        client.post(
            "/login/",
            {"username": "township", "password": f"Wrong#{attempt}xx"},
            # the client's own entry first, the address the proxy appended last
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}, 203.0.113.7",
        )
    assert LoginThrottle.objects.get(username="township", ip="203.0.113.7").locked_until
    # A forged leading entry does not escape the lock of the real address.
    response = client.post(
        "/login/",
        {"username": "township", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7",
    )
    assert response.status_code == 200
    # Another client behind the same proxy is not locked out.
    response = client.post(
        "/login/",
        {"username": "township", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert response.status_code == 302


def test_resetting_the_password_lifts_the_lock(world, client):
    for n in range(6):
        for attempt in range(5):
            post_from(client, f"10.0.1.{n}", "township", f"Wrong#{attempt}xx")
    assert User.objects.get(username="township").is_locked()
    new_password = reset_password(Actor.system(world.county_office), world.township_office)
    assert not User.objects.get(username="township").is_locked()
    assert not LoginThrottle.objects.filter(username="township").exists()
    assert post_from(client, "10.0.1.0", "township", new_password).status_code == 302


# --- sessions -----------------------------------------------------------------------------


def test_login_gives_a_new_session_key(world, client):
    before = client.session.session_key  # an anonymous session that already exists
    assert Session.objects.filter(session_key=before).exists()
    assert post_login(client, "township", PASSWORD).status_code == 302
    after = session_key(client)
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.get(session_key=after).get_decoded()["_auth_user_id"] == str(
        world.township_office.pk
    )


def test_village_login_changes_the_session_key_at_each_step(world, client, sms_outbox):
    before = client.session.session_key
    post_login(client, "village", PASSWORD)
    pending = session_key(client)
    assert pending != before
    client.post("/login/phone/", {"phone": world.phone.pk, "action": "send"})
    code = sms_outbox[-1].params["code"]
    client.post("/login/phone/", {"phone": world.phone.pk, "action": "verify", "code": code})
    logged_in = session_key(client)
    assert logged_in not in (before, pending)
    assert not Session.objects.filter(session_key__in=[before, pending]).exists()
    assert client.get("/").status_code == 200


def test_idle_timeout_is_thirty_minutes_counted_from_the_last_request(world, client):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    post_login(client, "township", PASSWORD)
    key = session_key(client)

    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    response = client.get("/")
    assert response.status_code == 200
    refreshed = Session.objects.get(session_key=session_key(client)).expire_date
    assert abs((refreshed - timezone.now()) - timedelta(minutes=30)) < timedelta(seconds=30)
    # The cookie itself lives until the browser closes; the server decides the timeout.
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""


def test_an_idle_session_is_logged_out(world, client):
    post_login(client, "township", PASSWORD)
    assert client.get("/regions/").status_code in (200, 302)
    Session.objects.filter(session_key=session_key(client)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(f"/regions/{world.township.pk}/")
    assert response.status_code == 302
    assert response.url == f"/login/?next=/regions/{world.township.pk}/"
    assert client.get("/").url.startswith("/login/")


def test_logout_is_post_only(world, client):
    post_login(client, "township", PASSWORD)
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200  # the GET did not log out


def test_logout_kills_the_session_on_the_server(world, client):
    post_login(client, "township", PASSWORD)
    old = session_key(client)
    response = client.post("/logout/")
    assert (response.status_code, response.url) == (302, "/login/")
    assert "您已安全退出。" in client.get("/login/").content.decode()
    assert not Session.objects.filter(session_key=old).exists()

    client.cookies[settings.SESSION_COOKIE_NAME] = old  # replay the old cookie
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert client.get(f"/regions/{world.township.pk}/").status_code == 302

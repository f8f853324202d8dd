"""The village login: the password, then an SMS code sent to one of the village's registered
phone numbers. The phone that verified the login stays in the session."""

import re
from datetime import timedelta

import lxml.html
import pytest
from django.test import Client
from django.utils import timezone

from poverty_system.core.actor import Actor
from poverty_system.core.roles import Role
from villages import auth
from villages.accounts import create_account, deactivate_village_phone
from villages.models import SmsChallenge

from .conftest import PASSWORD


def errors_on_page(response) -> list[str]:
    page = lxml.html.fromstring(response.content.decode())
    found = page.xpath('//p[@class="error"] | //div[@class="form-errors"]/p')
    return [e.text_content().strip() for e in found]


def password_step(client, username="village"):
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert (response.status_code, response.url) == (302, "/login/phone/")
    return response


def send(client, phone_id):
    return client.post("/login/phone/", {"phone": phone_id, "action": "send"})


def verify(client, phone_id, code):
    return client.post("/login/phone/", {"phone": phone_id, "action": "verify", "code": code})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def age_challenge(account, seconds: int) -> None:
    """Move the account's latest code back in time, as if `seconds` had passed."""
    challenge = account.sms_challenges.order_by("-sent_at").first()
    SmsChallenge.objects.filter(pk=challenge.pk).update(
        sent_at=challenge.sent_at - timedelta(seconds=seconds),
        expires_at=challenge.expires_at - timedelta(seconds=seconds),
    )


def test_the_password_alone_does_not_log_a_village_account_in(world, client):
    password_step(client)
    assert not logged_in(client)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert client.get(f"/regions/{world.village.pk}/").status_code == 302

    page = client.get("/login/phone/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "139****0001（刘书记）" in text and "139****0002（王干部）" in text
    assert "13900000001" not in text  # numbers are masked on the page
    assert "139****0009" not in text  # another village's phone is not offered


def test_the_phone_step_needs_the_password_step_first(world, client):
    response = client.get("/login/phone/")
    assert (response.status_code, response.url) == (302, "/login/")
    response = client.post("/login/phone/", {"phone": world.phone.pk, "action": "send"})
    assert (response.status_code, response.url) == (302, "/login/")


def test_full_village_login_with_a_six_digit_code(world, client, sms_outbox):
    password_step(client)
    response = send(client, world.phone.pk)
    assert response.status_code == 302
    assert len(sms_outbox) == 1
    message = sms_outbox[0]
    assert message.phone == "13900000001"
    code = message.params["code"]
    assert re.fullmatch(r"\d{6}", code)
    assert code in message.text and "5 分钟内有效" in message.text
    page = client.get("/login/phone/").content.decode()
    assert "验证码已发送至 139****0001，5 分钟内有效。" in page
    # Only a hash of the code is stored.
    challenge = SmsChallenge.objects.get(account=world.village_account)
    assert code not in challenge.code_hash

    response = verify(client, world.phone.pk, code)
    assert (response.status_code, response.url) == (302, "/")
    assert logged_in(client)
    assert client.session["verified_phone_id"] == world.phone.pk
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "phone_name, masked", [("phone", "139****0001"), ("phone2", "139****0002")]
)
def test_the_verified_phone_is_shown_masked_in_the_header(world, login, phone_name, masked):
    phone = getattr(world, phone_name)
    client = login(world.village_account, phone)
    assert client.session["verified_phone_id"] == phone.pk
    page = lxml.html.fromstring(client.get("/").content.decode())
    shown = page.xpath('string(//header//*[@data-testid="verified-phone"])')
    assert masked in shown
    assert phone.phone not in client.get("/").content.decode()


def test_only_the_accounts_own_phones_can_be_chosen(world, client, sms_outbox):
    password_step(client)
    response = send(client, world.other_phone.pk)  # another village's phone
    assert response.status_code == 200
    assert errors_on_page(response)
    assert sms_outbox == []
    response = verify(client, world.other_phone.pk, "123456")
    assert errors_on_page(response) and not logged_in(client)
    # The action refuses it too, whatever the form offered.
    with pytest.raises(auth.LoginError, match="请选择本村登记的手机号码。"):
        auth.registered_phone(world.village_account, world.other_phone.pk)


def test_a_phone_must_be_chosen(world, client, sms_outbox):
    password_step(client)
    response = client.post("/login/phone/", {"action": "send"})
    assert "请选择本村登记的手机号码。" in errors_on_page(response)
    assert sms_outbox == []


def test_a_deactivated_phone_cannot_be_chosen(world, client, sms_outbox):
    deactivate_village_phone(Actor.system(world.township_office), world.phone)
    password_step(client)
    text = client.get("/login/phone/").content.decode()
    assert "139****0001" not in text and "139****0002" in text
    response = send(client, world.phone.pk)
    assert errors_on_page(response)
    assert sms_outbox == []


def test_a_phone_deactivated_after_the_code_was_sent_cannot_verify(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    code = sms_outbox[-1].params["code"]
    deactivate_village_phone(Actor.system(world.township_office), world.phone)
    response = verify(client, world.phone.pk, code)
    assert response.status_code == 200 and not logged_in(client)


def test_a_village_account_without_phones_sees_a_clear_message(world, client, sms_outbox):
    create_account(
        Actor.system(world.county_office),
        username="lisi_village",
        role=Role.VILLAGE,
        regions=[world.village2],
        full_name="里泗村委会",
        password=PASSWORD,
        must_change_password=False,
    )
    password_step(client, "lisi_village")
    response = client.get("/login/phone/")
    assert "本村账号尚未登记手机号，请联系乡镇扶贫办登记后再登录。" in response.content.decode()
    assert not logged_in(client)


def test_a_code_is_valid_for_five_minutes(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    code = sms_outbox[-1].params["code"]
    challenge = SmsChallenge.objects.get(account=world.village_account)
    assert challenge.expires_at - challenge.sent_at == timedelta(minutes=5)

    age_challenge(world.village_account, 5 * 60 + 1)
    response = verify(client, world.phone.pk, code)
    assert "验证码已过期，请重新获取。" in errors_on_page(response)
    assert not logged_in(client)


def test_a_code_four_minutes_old_still_works(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    age_challenge(world.village_account, 4 * 60)
    verify(client, world.phone.pk, sms_outbox[-1].params["code"])
    assert logged_in(client)


def test_a_code_is_single_use(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    code = sms_outbox[-1].params["code"]
    verify(client, world.phone.pk, code)
    assert logged_in(client)
    client.post("/logout/")

    password_step(client)
    response = verify(client, world.phone.pk, code)  # the same code again
    assert response.status_code == 200
    assert not logged_in(client)
    with pytest.raises(auth.LoginError, match="请先获取验证码。"):
        auth.verify_login_code(
            Actor.system(world.village_account, via="web"), world.village_account, world.phone, code
        )


def test_five_wrong_codes_kill_the_code(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    code = sms_outbox[-1].params["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        response = verify(client, world.phone.pk, wrong)
        assert f"验证码错误，还可尝试 {left} 次。" in errors_on_page(response)
    response = verify(client, world.phone.pk, wrong)
    assert "验证码错误次数过多，已失效，请重新获取。" in errors_on_page(response)

    response = verify(client, world.phone.pk, code)  # the right code, too late
    assert response.status_code == 200 and not logged_in(client)
    assert "请先获取验证码。" in errors_on_page(response)


def test_a_code_that_is_not_six_digits_is_refused_without_using_a_try(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    response = verify(client, world.phone.pk, "12345")
    assert "验证码为 6 位数字。" in errors_on_page(response)
    assert SmsChallenge.objects.get(account=world.village_account).attempts == 0


def test_a_code_sent_to_one_phone_does_not_verify_another(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    response = verify(client, world.phone2.pk, sms_outbox[-1].params["code"])
    assert response.status_code == 200 and not logged_in(client)


def test_resend_at_most_once_a_minute_per_phone(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    first_code = sms_outbox[-1].params["code"]

    response = send(client, world.phone.pk)  # the same phone again, too soon
    assert response.status_code == 200
    assert any(
        re.fullmatch(r"验证码发送过于频繁，请 \d+ 秒后再试。", e) for e in errors_on_page(response)
    ), errors_on_page(response)
    assert len(sms_outbox) == 1

    age_challenge(world.village_account, 61)
    assert send(client, world.phone.pk).status_code == 302
    assert len(sms_outbox) == 2
    second_code = sms_outbox[-1].params["code"]
    # The new code replaces the old one of the same phone.
    if second_code != first_code:
        response = verify(client, world.phone.pk, first_code)
        assert not logged_in(client)
    verify(client, world.phone.pk, second_code)
    assert logged_in(client)
    assert client.session["verified_phone_id"] == world.phone.pk


def test_another_phone_of_the_account_is_not_held_back_by_the_first(world, client, sms_outbox):
    password_step(client)
    send(client, world.phone.pk)
    assert send(client, world.phone2.pk).status_code == 302  # no "too often" for phone 2
    assert [m.phone for m in sms_outbox] == ["13900000001", "13900000002"]


def test_two_cadres_of_one_village_account_log_in_at_the_same_time(world, sms_outbox):
    """Cadre A and cadre B share the village account, each with their own phone; their
    steps interleave and both end logged in, each under their own phone."""
    cadre_a, cadre_b = Client(), Client()
    password_step(cadre_a)
    password_step(cadre_b)
    assert send(cadre_a, world.phone.pk).status_code == 302
    code_a = sms_outbox[-1].params["code"]
    response = send(cadre_b, world.phone2.pk)
    assert response.status_code == 302, errors_on_page(response)
    code_b = sms_outbox[-1].params["code"]

    response = verify(cadre_a, world.phone.pk, code_a)
    assert (response.status_code, response.url) == (302, "/")
    response = verify(cadre_b, world.phone2.pk, code_b)
    assert (response.status_code, response.url) == (302, "/"), errors_on_page(response)

    assert cadre_a.session["verified_phone_id"] == world.phone.pk
    assert cadre_b.session["verified_phone_id"] == world.phone2.pk
    for cadre, masked in ((cadre_a, "139****0001"), (cadre_b, "139****0002")):
        page = lxml.html.fromstring(cadre.get("/").content.decode())
        assert masked in page.xpath('string(//header//*[@data-testid="verified-phone"])')


def test_a_new_code_for_one_phone_does_not_cancel_another_phones_code(world, sms_outbox):
    cadre_a, cadre_b = Client(), Client()
    password_step(cadre_a)
    password_step(cadre_b)
    send(cadre_a, world.phone.pk)
    code_a = sms_outbox[-1].params["code"]
    send(cadre_b, world.phone2.pk)
    age_challenge(world.village_account, 61)  # B asks again a minute later
    send(cadre_b, world.phone2.pk)
    code_b = sms_outbox[-1].params["code"]
    verify(cadre_b, world.phone2.pk, code_b)
    verify(cadre_a, world.phone.pk, code_a)  # A's code is still the open one of phone 1
    assert logged_in(cadre_a) and logged_in(cadre_b)


def test_a_wrong_password_never_reaches_the_phone_step(world, client, sms_outbox):
    response = client.post("/login/", {"username": "village", "password": "Wrong#2026x"})
    assert response.status_code == 200
    assert client.get("/login/phone/").url == "/login/"
    assert sms_outbox == []


def test_a_village_account_locked_by_failures_gets_no_phone_step(world, client, sms_outbox):
    for attempt in range(5):
        client.post("/login/", {"username": "village", "password": f"Wrong#{attempt}xx"})
    response = client.post("/login/", {"username": "village", "password": PASSWORD})
    assert response.status_code == 200
    assert "连续登录失败次数过多，已锁定" in response.content.decode()
    assert client.get("/login/phone/").url == "/login/"


def test_logging_in_again_keeps_the_new_phone(world, login, sms_outbox):
    client = login(world.village_account, world.phone)
    assert client.session["verified_phone_id"] == world.phone.pk
    SmsChallenge.objects.update(sent_at=timezone.now() - timedelta(minutes=2))
    client = login(world.village_account, world.phone2)
    assert client.session["verified_phone_id"] == world.phone2.pk


def test_a_code_typed_without_a_code_sent_in_this_session_shows_why(world, client, sms_outbox):
    # A stale tab: the code form is posted in a session that never sent a code.
    password_step(client)
    response = verify(client, world.phone.pk, "123456")
    assert "请先获取验证码。" in errors_on_page(response)
    assert not logged_in(client)

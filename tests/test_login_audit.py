"""The audit trail of logins: every step leaves an entry with who (account or typed name), role,
verified phone, client address and outcome, and never the password or the SMS code."""

import json

from django.test import Client

from poverty_system.core import audit
from poverty_system.core.models import AuditEntry

from .conftest import PASSWORD

IP = "10.1.2.3"


def entries(*actions):
    return list(AuditEntry.objects.filter(action__in=actions).order_by("pk"))


def text_of(entry) -> str:
    return json.dumps(
        [entry.username, entry.phone, entry.detail, entry.object_id, entry.region_code],
        ensure_ascii=False,
    )


def post_login(client, username, password):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=IP)


def test_an_office_login_and_logout_are_audited(world):
    client = Client()
    assert post_login(client, "township", PASSWORD).status_code == 302
    client.post("/logout/", REMOTE_ADDR=IP)
    login, logout = entries(audit.LOGIN, audit.LOGOUT)
    assert (login.action, login.user, login.username, login.role, login.ip, login.outcome) == (
        audit.LOGIN,
        world.township_office,
        "township",
        "township",
        IP,
        audit.OK,
    )
    assert login.region_code == world.township.code
    assert (logout.action, logout.user, logout.ip) == (audit.LOGOUT, world.township_office, IP)
    assert login.request_id and logout.request_id and login.request_id != logout.request_id


def test_failures_and_the_lockout_are_audited_without_the_password(world):
    client = Client()
    for attempt in range(6):
        post_login(client, "township", f"Wrong#secret{attempt}")
    post_login(client, "nobody", "Wrong#secretX")
    failed = entries(audit.LOGIN_FAILED)
    assert [e.username for e in failed] == ["township"] * 6 + ["nobody"]
    assert all(e.user is None and e.role == "" and e.ip == IP for e in failed)
    assert [e.outcome for e in failed] == [audit.FAILED] * 5 + [audit.DENIED, audit.FAILED]
    assert failed[0].detail == {"reason": "password", "left": 4}
    assert failed[5].detail == {"reason": "locked"}
    (lockout,) = entries(audit.LOCKOUT)
    assert (lockout.username, lockout.ip, lockout.outcome) == ("township", IP, audit.DENIED)
    assert lockout.detail == {"scope": ["address"], "minutes": 15}
    for entry in AuditEntry.objects.all():
        assert "secret" not in text_of(entry) and PASSWORD not in text_of(entry)


def test_the_village_login_steps_are_audited_with_the_phone_and_no_code(world, sms_outbox):
    client = Client()
    post_login(client, "village", PASSWORD)
    client.post("/login/phone/", {"phone": world.phone.pk, "action": "send"}, REMOTE_ADDR=IP)
    code = sms_outbox[-1].params["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    client.post(
        "/login/phone/",
        {"phone": world.phone.pk, "action": "verify", "code": wrong},
        REMOTE_ADDR=IP,
    )
    client.post(
        "/login/phone/",
        {"phone": world.phone.pk, "action": "verify", "code": code},
        REMOTE_ADDR=IP,
    )
    assert client.get("/").status_code == 200
    sent, failed, verified, login = entries(
        audit.SMS_SENT, audit.SMS_FAILED, audit.SMS_VERIFIED, audit.LOGIN
    )
    assert [sent.action, failed.action, verified.action, login.action] == [
        audit.SMS_SENT,
        audit.SMS_FAILED,
        audit.SMS_VERIFIED,
        audit.LOGIN,
    ]
    for entry in (sent, failed, verified, login):
        assert entry.user == world.village_account
        assert (entry.role, entry.phone, entry.ip) == ("village", world.phone.phone, IP)
        assert entry.region_code == world.village.code
        assert code not in text_of(entry) and wrong not in text_of(entry)
    assert sent.detail == {"phone": "139****0001"}
    assert (failed.outcome, failed.detail["reason"]) == (audit.FAILED, "wrong")
    # No entry anywhere holds a code or a password.
    for entry in AuditEntry.objects.all():
        assert code not in text_of(entry) and PASSWORD not in text_of(entry)


def test_a_failed_sms_gateway_is_audited(world, settings):
    settings.SMS_BACKEND = "poverty_system.core.sms.HttpBackend"
    settings.SMS_HTTP_URL = "http://not-https.example/"  # refused before any network call
    client = Client()
    post_login(client, "village", PASSWORD)
    client.post("/login/phone/", {"phone": world.phone2.pk, "action": "send"}, REMOTE_ADDR=IP)
    (entry,) = entries(audit.SMS_SENT)
    assert (entry.outcome, entry.phone, entry.detail) == (
        audit.FAILED,
        world.phone2.phone,
        {"phone": "139****0002", "reason": "gateway"},
    )
    assert not world.village_account.sms_challenges.exists()  # no code was stored


NEW_PASSWORD = "Qz7#mLp2x"


def test_a_password_change_is_audited_without_the_password(world):
    client = Client()
    post_login(client, "township", PASSWORD)
    refused = client.post(
        "/password/",
        {
            "old_password": "Wrong#2026x",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        REMOTE_ADDR=IP,
    )
    assert refused.status_code == 200 and not entries(audit.PASSWORD_CHANGE)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    [entry] = entries(audit.PASSWORD_CHANGE)
    assert (entry.user, entry.username, entry.role, entry.ip, entry.outcome) == (
        world.township_office,
        "township",
        "township",
        IP,
        audit.OK,
    )
    assert entry.region_code == world.township.code
    assert entry.detail == {"account": "township", "forced": False, "expired": False}
    assert PASSWORD not in text_of(entry) and NEW_PASSWORD not in text_of(entry)
    world.township_office.refresh_from_db()
    assert world.township_office.check_password(NEW_PASSWORD)

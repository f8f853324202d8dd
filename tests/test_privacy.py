"""Personal data stays out of caches and logs: every page answered to a logged-in account is
`Cache-Control: no-store`; no log line carries a full phone, ID number, password or SMS code;
with DEBUG off the SMS backend must be chosen explicitly."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from poverty_system.core import sms
from poverty_system.core.logmask import mask

from .conftest import PASSWORD
from .households_data import member, register
from .test_access import fill, routes

ROOT = Path(__file__).resolve().parent.parent


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


# --- no-store on every authenticated page -------------------------------------------------


@pytest.mark.parametrize("name", ["admin", "township_office", "village_account"])
def test_every_url_answers_no_store_to_a_logged_in_account(world, login, name):
    """Every URL pattern, filled with ids of real objects (so most pages answer 200) and with
    a missing id (404): whatever the status, the answer must not be cached."""
    household = register(world.village_account, world.phone)
    client = login(getattr(world, name))
    ids = [world.village.pk, world.village_account.pk, household.pk, 999999]
    seen = {}
    cached = []
    for route in routes():
        urls = {fill(route, object_id) for object_id in ids}
        for url in sorted(urls):
            response = client.get(url)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            if not no_store(response):
                cached.append(f"GET {url}: {response.status_code} {response.get('Cache-Control')}")
    assert not cached, "\n".join(cached)
    assert seen.get(200, 0) >= 5, seen  # the sweep really reached pages, not only refusals


def test_the_login_pages_are_not_cached_either(world, client):
    assert no_store(client.get("/login/"))
    response = client.post("/login/", {"username": "village", "password": PASSWORD})
    assert no_store(client.get(response.url))  # the phone step names the village's phones


def test_static_files_keep_their_caching(world, login):
    client = login(world.township_office)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert not no_store(response)


# --- logs ---------------------------------------------------------------------------------


def test_a_login_and_search_flow_logs_no_personal_data(world, login, client, caplog):
    id_number = "360731199001011234"
    household = register(world.village_account, world.phone, [member("张三", id_number=id_number)])
    caplog.set_level(logging.DEBUG)
    # A village login with its SMS code, then searches and pages that show personal data.
    village = login(world.village_account, world.phone)
    code = sms.outbox[-1].params["code"]
    for url in (
        reverse("households:list") + "?q=张三",
        reverse("households:list") + f"?q={household.number}",
        reverse("households:list") + f"?q={id_number}",
        reverse("households:detail", args=[household.pk]),
        f"/households/{household.pk}/{id_number}/",  # a 404 whose path holds an ID
    ):
        village.get(url)
    township = login(world.township_office)
    township.get(reverse("households:list") + "?q=张三")
    township.post(reverse("households:list"), {"q": id_number})
    township.get(reverse("households:duplicates"))
    # Failed logins log nothing either.
    client.post("/login/", {"username": "village", "password": "Wrong#secret1"})
    client.post("/login/", {"username": "nobody", "password": "Wrong#secret2"})

    text = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (
        id_number,
        world.phone.phone,
        world.phone2.phone,
        code,
        PASSWORD,
        "Wrong#secret1",
    ):
        assert secret not in text, secret


def test_the_log_handler_masks_a_phone_or_id_number_whatever_logged_it():
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("django.request").warning(
            "Not Found: /x/%s/%s", "360731199001011234", "13900000001"
        )
    finally:
        handler.setStream(old)
    line = stream.getvalue()
    assert "360731199001011234" not in line and "13900000001" not in line
    assert "360731********1234" in line and "139****0001" in line


def test_masking_leaves_region_codes_and_ids_alone():
    assert mask("region 360731100201 household 42") == "region 360731100201 household 42"
    assert mask("36073119900101123X") == "360731********123X"


def test_the_console_sms_backend_masks_the_phone(capsys, settings):
    settings.SMS_BACKEND = "poverty_system.core.sms.ConsoleBackend"
    sms.send_sms("13900000001", "验证码 123456", code="123456")
    out = capsys.readouterr().out
    assert "139****0001" in out and "13900000001" not in out
    assert "123456" in out  # the demo reads the code in the terminal: the explicit choice


# --- the SMS backend must be chosen when DEBUG is off --------------------------------------


def settings_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTEST_VERSION", "SMS_BACKEND", "DEBUG", "SECRET_KEY"}
        and not key.startswith("PYTEST_")
    }
    return {**env, "SECRET_KEY": "x" * 60, **extra}


def import_settings(env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", "import poverty_system.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_the_sms_backend_must_be_set_explicitly(tmp_path):
    result = import_settings(settings_env(VAR_DIR=str(tmp_path)))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "必须用 SMS_BACKEND 明确选择短信后端" in result.stderr
    assert "SMS_BACKEND must be set explicitly" in result.stderr

    chosen = settings_env(VAR_DIR=str(tmp_path), SMS_BACKEND="poverty_system.core.sms.HttpBackend")
    assert import_settings(chosen).returncode == 0
    debug = settings_env(VAR_DIR=str(tmp_path), DEBUG="1")
    assert import_settings(debug).returncode == 0

"""Past one machine: reads of the list pages from a read replica (a second alias on the same
server here: Django's TEST MIRROR), writes and everything else from the primary; the QR
lookup budget in a shared cache (a real redis-server), seen alike by two app processes."""

import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

from households.models import Household
from portal.demo.seeding import seed_households
from poverty_system.replica import REPLICA

LIST = "/households/"
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def queries_by_alias():
    """Every SQL statement each alias ran while the block ran: alias -> [sql]."""
    seen: dict[str, list[str]] = {"default": [], REPLICA: []}

    def recorder(alias):
        def record(execute, sql, params, many, context):
            seen[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    with (
        connections["default"].execute_wrapper(recorder("default")),
        connections[REPLICA].execute_wrapper(recorder(REPLICA)),
    ):
        yield seen


def household_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if 'FROM "households_household"' in s]


@pytest.fixture
def replica_reads(settings):
    settings.REPLICA_READS = True
    settings.REPLICA_STICKY_SECONDS = 60


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_list_pages_read_from_the_replica_and_writes_go_to_the_primary(world, login, replica_reads):
    seed_households(world.township, 6, seed=21, villages=[world.village])
    client = login(world.county_office)

    with queries_by_alias() as seen:
        response = client.get(LIST)
    assert response.status_code == 200
    assert len(household_reads(seen[REPLICA])) >= 1, seen
    assert household_reads(seen["default"]) == []  # the list itself came from the replica
    assert all(s.lstrip().upper().startswith("SELECT") for s in seen[REPLICA]), seen[REPLICA]
    assert response.content.decode().count('data-household="') == 6

    # Pages not named in REPLICA_READ_VIEWS read from the primary.
    household = Household.objects.filter(village_code=world.village.code).first()
    with queries_by_alias() as seen:
        assert client.get(f"/households/{household.pk}/").status_code == 200
    assert seen[REPLICA] == []

    # A write goes to the primary, and the writing session reads its own write from the
    # primary for REPLICA_STICKY_SECONDS (the replica may lag behind).
    township = world.township
    with queries_by_alias() as seen:
        response = client.post(
            "/accounts/new/",
            {
                "role": "township",
                "username": "replica_town",
                "full_name": "测试镇扶贫办",
                "region": township.pk,
            },
        )
    assert response.status_code == 200 and "账号已创建" in response.content.decode()
    assert any(s.lstrip().upper().startswith("INSERT") for s in seen["default"])
    assert seen[REPLICA] == []
    with queries_by_alias() as seen:
        assert client.get(LIST).status_code == 200
    assert seen[REPLICA] == [] and household_reads(seen["default"])


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_without_a_replica_setting_every_read_stays_on_the_primary(world, login):
    seed_households(world.township, 2, seed=22, villages=[world.village])
    client = login(world.county_office)
    with queries_by_alias() as seen:
        assert client.get(LIST).status_code == 200
    assert seen[REPLICA] == [] and household_reads(seen["default"])


def test_the_router_keeps_reads_inside_a_transaction_on_the_primary(settings, transactional_db):
    from django.db import transaction

    from poverty_system.replica import ReplicaRouter, _reading_from_replica

    settings.REPLICA_READS = True
    router = ReplicaRouter()
    token = _reading_from_replica.set(True)
    try:
        assert router.db_for_read(Household) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(Household) == "default"
    finally:
        _reading_from_replica.reset(token)
    assert router.db_for_read(Household) == "default"
    assert router.db_for_write(Household) == "default"
    assert router.allow_migrate(REPLICA, "households") is False


# --- the shared cache -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: make test installs it (scripts/ensure-redis)"
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - the system's redis-server
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


COUNT_LOOKUPS = """
import sys
from django.core.cache import caches
from archives import ratelimit
print(type(caches["default"]).__name__)
for _ in range(int(sys.argv[1])):
    ratelimit.count("203.0.113.7")
print(ratelimit.exceeded("203.0.113.7"))
"""


def app_process(redis_url: str, lookups: int) -> list[str]:
    """A separate Python process with the product's settings (CACHE_URL set), as a second app
    server would be: it counts lookups of one address and says whether the budget is spent."""
    env = {
        "PATH": "/usr/bin:/bin",
        "CACHE_URL": redis_url,
        "DEBUG": "1",
        "QR_RATE_LIMIT": "10",
        "DJANGO_SETTINGS_MODULE": "poverty_system.settings",
    }
    code = "import django; django.setup()\n" + COUNT_LOOKUPS
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code, str(lookups)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_qr_budget_is_shared_by_app_servers_through_cache_url(redis_url):
    while time.time() % 60 > 45:  # both processes count in the same minute's window
        time.sleep(1)
    assert app_process(redis_url, 6) == ["RedisCache", "False"]
    # The second server sees the first one's lookups: 6 + 4 reach the budget of 10.
    assert app_process(redis_url, 4) == ["RedisCache", "True"]


def test_without_cache_url_each_process_keeps_its_own_memory_cache(settings):
    from django.core.cache import caches

    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert type(caches["default"]).__name__ == "LocMemCache"


# --- sessions in the shared cache -------------------------------------------------------

READ_SESSION = """
import sys
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
print(settings.SESSION_ENGINE.rsplit(".", 1)[-1])
print(SessionStore(session_key=sys.argv[1]).load().get("_auth_user_id", "none"))
"""


def session_seen_by_another_server(redis_url: str, key: str) -> list[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "CACHE_URL": redis_url,
        "SESSION_STORE": "cache",
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "poverty_system.settings",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "import django; django.setup()\n" + READ_SESSION, key],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.django_db
def test_sessions_in_the_shared_cache_are_seen_by_every_app_server(
    redis_url, world, login, settings
):
    from django.contrib.sessions.models import Session

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    client = login(world.county_office)
    assert client.get(LIST).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.count() == 0  # no session row written, none updated per request
    # A second app server with the same CACHE_URL knows the account of this session.
    assert session_seen_by_another_server(redis_url, key) == ["cache", str(world.county_office.pk)]

    client.post("/logout/")
    assert session_seen_by_another_server(redis_url, key) == ["cache", "none"]
    assert client.get(LIST).status_code == 302  # logged out everywhere


def test_cache_sessions_need_a_shared_cache():
    env = {
        "PATH": "/usr/bin:/bin",
        "SESSION_STORE": "cache",
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "poverty_system.settings",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "SESSION_STORE=cache 需要共享缓存 CACHE_URL" in result.stderr

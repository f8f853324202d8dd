"""PostgreSQL going away under the served product (scripts/serve: gunicorn and the task
worker), on a throwaway cluster of the test's own (the shared server is never restarted):
while it is down every page says 系统繁忙，请重试 (503, no traceback) and a refused write is
not there afterwards; the acknowledged write made before is; after the restart the same
session goes on, through kept connections (DB_CONN_MAX_AGE with health checks), and the task
worker is still alive."""

import http.cookiejar
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.pgcluster import throwaway_cluster
from tests.test_serve import ROOT, free_port, group_members, manage, product_env

DEMO_PASSWORD = "Fupin@2026"


class Browser:
    """Cookies and CSRF tokens, like a browser: urllib with a cookie jar, no redirects."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        if data is not None:
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - loopback
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def shell(env, code: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def create_township_account(browser: Browser, region_id: str, username: str) -> tuple[int, str]:
    browser.request("/accounts/new/")  # the form page sets the CSRF cookie
    return browser.request(
        "/accounts/new/",
        {
            "role": "township",
            "username": username,
            "full_name": "测试镇扶贫办",
            "region": region_id,
        },
    )


@pytest.mark.faults
@pytest.mark.slow
def test_a_restarted_database_answers_busy_loses_nothing_acknowledged_and_recovers(tmp_path):
    with throwaway_cluster() as cluster:
        cluster.createdb("poverty")
        env = {
            **product_env(tmp_path),
            "DATABASE_URL": cluster.url("poverty"),
            "DB_CONN_MAX_AGE": "600",
            "WORKER_PERIODIC_SECONDS": "1",
        }
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "load_regions", str(ROOT / "fixtures" / "regions" / "ganzhou.csv"))
        manage(env, "seed_demo")
        township = shell(
            env,
            "from villages.models import Region; print(Region.objects.get(code='360731101').pk)",
        )
        port = free_port()
        log_path = tmp_path / "serve.log"
        log = open(log_path, "w+", encoding="utf-8")  # noqa: SIM115
        server = subprocess.Popen(  # noqa: S603 - our own script
            [str(ROOT / "scripts" / "serve"), f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            browser = Browser(f"http://127.0.0.1:{port}")
            deadline = time.monotonic() + 60
            while True:
                try:
                    status, _ = browser.request("/login/")
                    break
                except OSError:
                    assert server.poll() is None, log_path.read_text()
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.3)
            assert status == 200
            status, _ = browser.request(
                "/login/", {"username": "yudu_county", "password": DEMO_PASSWORD}
            )
            assert status == 302
            status, page = browser.request("/")
            assert status == 200 and "于都县扶贫办" in page

            status, page = create_township_account(browser, township, "acked_town")
            assert status == 200 and "账号已创建" in page, page  # acknowledged

            cluster.stop()
            for path in ("/", "/accounts/", "/households/", "/health/"):
                status, page = browser.request(path)
                assert status == 503, (path, status, page[:300])
                assert "系统繁忙，请重试" in page
                assert "Traceback" not in page and "OperationalError" not in page
            status, page = create_township_account(browser, township, "refused_town")
            assert status == 503 and "系统繁忙，请重试" in page

            time.sleep(2)  # the worker meets the dead database too, and must not die of it
            cluster.start()
            cluster.wait_ready()
            status, page = browser.request("/")  # same session, kept connections re-checked
            assert status == 200 and "于都县扶贫办" in page
            assert browser.request("/accounts/")[0] == 200

            counts = shell(
                env,
                "from villages.models import User; "
                "print(User.objects.filter(username='acked_town').count(), "
                "User.objects.filter(username='refused_town').count())",
            )
            assert counts == "1 0"
            members = group_members(server.pid)
            assert any("task_worker" in m for m in members), (members, log_path.read_text())
            assert any("gunicorn" in m for m in members), members
            output = log_path.read_text(encoding="utf-8")
            assert "后台任务进程" in output and "重连" in output, output
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=45)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
    assert "意外退出" not in Path(log_path).read_text(encoding="utf-8")

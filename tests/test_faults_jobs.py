"""A task worker killed in the middle of a job (issue 14, item 4), for real: gunicorn and
`manage.py task_worker` as separate processes on a throwaway PostgreSQL cluster; a large
export, a large import and a QR export each started through the pages, the worker SIGKILLed
while it writes (jobs made slow by JOB_BATCH_PAUSE_SECONDS after each batch, small export
chunks, and the thresholds that run every job in the worker), then a worker started again,
as systemd would: its sweep finds the three jobs without heartbeat and marks them 失败 with a
Chinese message; no file is offered for download (the half-written files had hidden
temporary names and are pruned); the import wrote nothing (households counted); 重新执行 on
each page runs the same inputs to 已完成, the import from the upload the failed job kept."""

import io
import json
import os
import secrets
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
from tests.test_faults_database import DEMO_PASSWORD, Browser, shell
from tests.test_serve import ROOT, free_port, manage, product_env

IMPORT_HOUSEHOLDS = 1200  # three batches of households.services.imports (500 each)


def import_file() -> bytes:
    from .exchange_data import person, workbook
    from .households_data import make_id

    rows = [
        person(str(n), f"导入户{n}", id_number=make_id(seq=n, area="440103"), 行政村="仓前村")
        for n in range(1, IMPORT_HOUSEHOLDS + 1)
    ]
    return workbook(rows)


def post_file(browser: Browser, path: str, field: str, name: str, data: bytes) -> tuple[int, str]:
    """A multipart POST as a browser's form sends it (the CSRF token from the cookie)."""
    token = next(c.value for c in browser.jar if c.name == "csrftoken")
    boundary = secrets.token_hex(16)
    body = io.BytesIO()
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n".encode()
    )
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    body.write(data + f"\r\n--{boundary}--\r\n".encode())
    request = urllib.request.Request(browser.base + path, data=body.getvalue())  # noqa: S310
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Referer", browser.base + path)
    try:
        with browser.opener.open(request, timeout=60) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def location(browser: Browser, path: str, data: dict) -> str:
    """POST a form (the CSRF token from the cookie) and return where it redirects to."""
    token = next(c.value for c in browser.jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
    request = urllib.request.Request(browser.base + path, data=body)  # noqa: S310 - loopback
    request.add_header("Referer", browser.base + path)
    try:
        with browser.opener.open(request, timeout=60) as response:
            raise AssertionError(f"no redirect from {path}: {response.status}")
    except urllib.error.HTTPError as error:
        assert error.code == 302, (path, error.code, error.read()[:500])
        return error.headers["Location"]


def status_of(browser: Browser, page: str) -> dict:
    code, text = browser.request(page.rstrip("/") + "/status/")
    assert code == 200, (page, code, text[:300])
    return json.loads(text)


def wait_for(what, predicate, timeout: float = 120, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)


class Worker:
    """`manage.py task_worker` in a process group of its own, killed with SIGKILL (no
    handler, no finally, no atexit: as the kernel's OOM killer or a power cut would)."""

    def __init__(self, env: dict, log: Path):
        self.log = open(log, "a", encoding="utf-8")  # noqa: SIM115 - closed in kill/stop
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "task_worker"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def households(env) -> int:
    return int(
        shell(env, "from households.models import Household; print(Household.objects.count())")
    )


def finished_files(folder: Path) -> list[str]:
    """Files under a name a job could offer (not the hidden partials, beats or progress)."""
    if not folder.is_dir():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if not p.name.startswith(".") and p.suffix in (".docx", ".zip", ".xlsx")
    )


@pytest.mark.faults
@pytest.mark.slow
def test_a_killed_worker_leaves_failed_jobs_nothing_half_done_and_a_retry_that_works(tmp_path):
    with throwaway_cluster() as cluster:
        cluster.createdb("poverty")
        var = tmp_path / "var"
        env = {
            **product_env(tmp_path),
            "DATABASE_URL": cluster.url("poverty"),
            "WORKER_PERIODIC_SECONDS": "1",
            "JOB_HEARTBEAT_SECONDS": "0.5",
            "JOB_STALE_SECONDS": "4",
            "JOB_BATCH_PAUSE_SECONDS": "1",
            "EXCHANGE_EXPORT_CHUNK": "25",
            "EXCHANGE_EXPORT_INLINE_MAX": "0",
            "EXCHANGE_IMPORT_INLINE_BYTES": "0",
            "EXPORT_INLINE_MAX": "0",
            "EXPORT_QR_PROCESSES": "0",
        }
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "load_regions", str(ROOT / "fixtures" / "regions" / "ganzhou.csv"))
        manage(env, "seed_demo")
        township = shell(
            env, "from villages.models import Region; print(Region.objects.get(name='贡江镇').pk)"
        )
        port = free_port()
        web_log = open(tmp_path / "web.log", "w+", encoding="utf-8")  # noqa: SIM115
        web = subprocess.Popen(  # noqa: S603 - our own interpreter
            [
                sys.executable,
                "-m",
                "gunicorn",
                "poverty_system.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=web_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker_log = tmp_path / "worker.log"
        workers: list[Worker] = []
        try:
            county = Browser(f"http://127.0.0.1:{port}")
            wait_for("the web server", lambda: _answers(county), timeout=60)
            assert (
                county.request("/login/", {"username": "yudu_county", "password": DEMO_PASSWORD})[0]
                == 302
            )
            town = Browser(f"http://127.0.0.1:{port}")
            town.request("/login/")
            assert (
                town.request("/login/", {"username": "gongjiang_town", "password": DEMO_PASSWORD})[
                    0
                ]
                == 302
            )
            before = households(env)

            # 1. A large export: killed while it writes its workbook.
            workers.append(Worker(env, worker_log))
            export_page = location(county, "/exchange/export/start/", {})
            wait_for(
                "the export to write",
                lambda: (
                    (s := status_of(county, export_page))["status"] == "building"
                    and s["written"] >= 50
                ),
            )
            workers[-1].kill()

            # 2. A large import: killed inside its one transaction, after a batch was written.
            town.request("/exchange/import/")
            status, import_page = post_file(
                town, "/exchange/import/upload/", "file", "仓前村导入.xlsx", import_file()
            )
            assert status == 302 and "/exchange/imports/" in import_page, (status, import_page)
            workers.append(Worker(env, worker_log))
            wait_for(
                "the import to write a batch",
                lambda: (
                    (s := status_of(town, import_page))["status"] == "writing"
                    and s["written"] >= 500
                ),
                timeout=180,
            )
            workers[-1].kill()

            # 3. A QR export of the township: killed between villages.
            workers.append(Worker(env, worker_log))
            qr_page = location(county, "/archives/export/start/", {"region": township})
            wait_for(
                "the QR export to run", lambda: status_of(county, qr_page)["status"] == "running"
            )
            partials = wait_for(
                "a partial QR file",
                lambda: [p for p in (var / "exports").glob(".*.part")],
            )
            time.sleep(1.5)
            workers[-1].kill()
            assert all(p.name.startswith(".") for p in partials)
            assert finished_files(var / "exports") == []  # only the hidden partial

            # The worker comes back (systemd's Restart=always): its sweep finds the three jobs.
            workers.append(Worker(env, worker_log))
            for browser, page in ((county, export_page), (town, import_page), (county, qr_page)):
                state = wait_for(
                    f"{page} to be failed",
                    lambda b=browser, p=page: (s := status_of(b, p))["status"] == "failed" and s,
                    timeout=60,
                )
                assert state["status_label"] == "失败" and "后台任务进程已停止" in state["error"]
                assert state["download"] == ""
                code, html = browser.request(page)
                assert code == 200 and "失败" in html and "重新执行" in html
                assert "/download/" not in html
                assert browser.request(page.rstrip("/") + "/download/")[0] == 404
            assert households(env) == before  # the killed import wrote nothing
            wait_for(
                "the partial files to be pruned",
                lambda: (
                    not list((var / "exports").glob(".*.part"))
                    and not list((var / "exchange").glob(".*.part"))
                ),
                timeout=30,
            )
            assert finished_files(var / "exports") == []

            # 重新执行: the same inputs, to 已完成.
            again = {
                "export": (county, location(county, export_page.rstrip("/") + "/retry/", {})),
                "import": (town, location(town, import_page.rstrip("/") + "/retry/", {})),
                "qr": (county, location(county, qr_page.rstrip("/") + "/retry/", {})),
            }
            for kind, (browser, page) in again.items():
                assert page not in (export_page, import_page, qr_page), kind
                state = wait_for(
                    f"the retried {kind} to finish",
                    lambda b=browser, p=page: (s := status_of(b, p))["finished"] and s,
                    timeout=240,
                )
                assert state["status"] == "done" and state["status_label"] == "已完成", (
                    kind,
                    state,
                )
                if kind != "import":
                    request = urllib.request.Request(browser.base + state["download"])  # noqa: S310
                    with browser.opener.open(request, timeout=60) as response:
                        assert response.status == 200 and response.read(2) == b"PK"
            assert households(env) == before + IMPORT_HOUSEHOLDS
            log = worker_log.read_text(encoding="utf-8")
            assert "已标记为失败" in log, log[-3000:]
        finally:
            for worker in workers:
                worker.stop() if not worker.log.closed else None
            os.killpg(web.pid, signal.SIGTERM)
            try:
                web.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(web.pid, signal.SIGKILL)
                web.wait()
            web_log.close()


def _answers(browser: Browser) -> bool:
    try:
        return browser.request("/login/")[0] == 200
    except OSError:
        return False

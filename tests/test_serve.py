"""`make run` is the product: the same start as the Makefile's (migrate, collectstatic, then
scripts/serve with gunicorn and the task worker) on a free port against a temporary SQLite
database, with DEBUG off. Static files are served, error pages are Chinese, and Ctrl+C stops
everything that was started."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - localhost
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def group_members(pgid: int) -> list[str]:
    """Command lines of the live processes of a process group (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            state, group = fields[0], int(fields[2])
            if group == pgid and state != "Z":
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return found


def product_env(tmp_path: Path) -> dict[str, str]:
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50))
    key_file.chmod(0o600)
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_")
        and k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "SMS_BACKEND", "STATIC_ROOT"}
    }
    # The Makefile's RUN_ENV, with the files in a temporary folder.
    return {
        **keep,
        "SECRET_KEY_FILE": str(key_file),
        "SECURE_COOKIES": "0",
        "SMS_BACKEND": "poverty_system.core.sms.ConsoleBackend",
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PYTHON": sys.executable,
        "WEB_CONCURRENCY": "1",
    }


def manage(env, *args):
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_served_product_runs_with_debug_off_and_stops_on_ctrl_c(tmp_path):
    env = product_env(tmp_path)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "serve"), f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, page = fetch(f"{base}/login/")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.3)
        assert status == 200 and "登录" in page
        assert headers.get("Server", "").startswith("gunicorn")
        assert "no-store" in headers.get("Cache-Control", "")

        # Static files through whitenoise, under their hashed names (collectstatic ran).
        stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, page
        status, headers, css = fetch(base + stylesheet.group(1))
        assert status == 200 and css.strip()
        assert "max-age=315360000" in headers.get("Cache-Control", "")

        # DEBUG is off: the 404 answer is the Chinese page, not Django's technical page.
        status, _, page = fetch(f"{base}/no-such-page/")
        assert status == 404
        assert "页面不存在" in page and "URLconf" not in page

        # The task worker runs beside the web server.
        members = group_members(server.pid)
        assert any("task_worker" in m for m in members), members
        assert any("gunicorn" in m for m in members), members
    finally:
        # Ctrl+C: the terminal sends SIGINT to the whole foreground process group.
        os.killpg(server.pid, signal.SIGINT)
        try:
            code = server.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            raise
        log.close()
    output = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert code == 0, output
    assert "精准扶贫系统已停止。" in output
    assert "意外退出" not in output
    deadline = time.monotonic() + 10
    while group_members(server.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert group_members(server.pid) == []


@pytest.mark.slow
def test_terminating_the_script_alone_stops_its_children(tmp_path):
    """A process manager sends TERM to the script only: it stops gunicorn and the worker
    (within gunicorn's graceful timeout of 10 s, even when a web worker is still booting)."""
    env = product_env(tmp_path)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    port = free_port()
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "serve"), f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (
            any("task_worker" in m for m in group_members(server.pid))
            and "Listening at" in (tmp_path / "serve.log").read_text(encoding="utf-8")
        ):
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=45) == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
    deadline = time.monotonic() + 10
    while group_members(server.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert group_members(server.pid) == []

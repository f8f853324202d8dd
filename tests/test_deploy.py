"""Production settings: `manage.py check --deploy` reports nothing with the environment that
docs/DEPLOYMENT.md documents, and each setting is read from that environment."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENT = ROOT / "docs" / "DEPLOYMENT.md"


def documented_environment() -> dict[str, str]:
    """The variables of the ```env block of docs/DEPLOYMENT.md (KEY=value lines)."""
    text = DEPLOYMENT.read_text(encoding="utf-8")
    block = re.search(r"```env\n(.*?)```", text, re.S)
    assert block, "docs/DEPLOYMENT.md has no ```env block"
    pairs = {}
    for line in block.group(1).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_")
        and k not in {"DEBUG", "SECRET_KEY", "SMS_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path) -> dict[str, str]:
    env = documented_environment()
    # The documented values stand for real secrets; the check needs a strong-looking key
    # and a database it can reach (SQLite in a temp folder instead of the PostgreSQL host).
    env["SECRET_KEY"] = "k7#Qz!" * 10
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["VAR_DIR"] = str(tmp_path)
    env["STATIC_ROOT"] = str(tmp_path / "static")
    return env


def test_the_documented_environment_names_every_https_setting():
    env = documented_environment()
    for key in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "SMS_BACKEND",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    ):
        assert key in env, key
    assert "DEBUG" not in env or env["DEBUG"] in ("", "0")


def test_check_deploy_reports_nothing_with_the_documented_production_settings(tmp_path):
    result = run_manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_does_complain_without_them(tmp_path):
    env = production_env(tmp_path)
    for key in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER"):
        env.pop(key)
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # HSTS
    assert "security.W008" in result.stderr + result.stdout  # SSL redirect


def test_the_proxy_header_is_read_from_the_environment(tmp_path):
    env = production_env(tmp_path)
    result = run_manage(
        env,
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "31536000",
        "True",
        "True",
        "True",
        "False",
    ]

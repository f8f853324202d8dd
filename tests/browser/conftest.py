"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against live_server.

Browsers cannot be downloaded here, so Playwright launches /usr/bin/chromium. The SMS
backend under tests is poverty_system.core.sms.LocmemBackend; live_server runs in a thread of
this process, so the codes the server sends are read from poverty_system.core.sms.outbox.

Set BROWSER_SHOTS_DIR (e.g. /tmp/shots) to keep screenshots of the pages the tests visit.
"""

import os
import re
from pathlib import Path

# Playwright's sync API runs an event loop in the test thread; Django's ORM would otherwise
# refuse to run from it (fixtures and assertions query the database in this thread).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from poverty_system.core import sms  # noqa: E402
from poverty_system.core.roles import Role  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """new_page(viewport=DESKTOP) -> a page in a fresh context (own cookies, own session).
    A test that needs two people at once (a county office and a township office) opens two."""
    contexts = []

    def make(viewport=None) -> Page:
        context = browser.new_context(
            viewport=viewport or DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def phone_page(new_page) -> Page:
    return new_page(PHONE)


def field(scope, label: str):
    """The form control labelled `label` exactly (a required field's label ends in a *)."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def submit_password(page: Page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    field(page, "用户名").fill(username)
    field(page, "密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def phone_label(phone) -> str:
    return f"{phone.masked}（{phone.holder}）"


def complete_sms_step(page: Page, phone, outbox=None) -> None:
    """On the SMS step: choose the phone, send a code, read it from the outbox, verify."""
    outbox = sms.outbox if outbox is None else outbox
    expect(page).to_have_url(re.compile(r"/login/phone/$"))
    field(page, phone_label(phone)).check()
    sent_before = len(outbox)
    page.get_by_role("button", name="发送验证码").click()
    code_field = field(page, "短信验证码")
    expect(code_field).to_be_visible()
    new = [m for m in outbox[sent_before:] if m.phone == phone.phone]
    assert new, "no SMS code was sent to the chosen phone"
    code_field.fill(new[-1].params["code"])
    page.get_by_role("button", name="验证并登录").click()


def browser_login(
    page: Page, live_server, account, phone=None, outbox=None, password: str = PASSWORD
) -> None:
    """Log in through the real forms; village accounts also pass the SMS step (with `phone`,
    or the account's first active phone). Returns once the page shows the account."""
    submit_password(page, live_server, account.username, password)
    if account.role == Role.VILLAGE:
        phone = phone or account.phones.active().order_by("pk").first()
        complete_sms_step(page, phone, outbox)
    if not account.must_change_password:
        expect(page.get_by_test_id("current-user")).to_contain_text(str(account))


def logout(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="精准扶贫系统 · 登录")).to_be_visible()


def shot(page: Page, name: str) -> None:
    """Keep a full-page screenshot when BROWSER_SHOTS_DIR is set (for looking at the UI)."""
    folder = os.environ.get("BROWSER_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )

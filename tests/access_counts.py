"""What the access sweep (tests/test_access.py) checked, printed at the end of the run by
tests/conftest.py's pytest_terminal_summary: every request the module's tests make through
the test client is recorded with its account and answer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.urls import Resolver404, resolve

LOGIN_STEPS = {"/login/", "/login/phone/", "/logout/"}


@dataclass
class Counts:
    urls: set[str] = field(default_factory=set)
    routes: set[str] = field(default_factory=set)
    cases: set[tuple[str, str, str]] = field(default_factory=set)  # (method, URL, account)
    statuses: Counter[int] = field(default_factory=Counter)
    requests: int = 0

    def record(self, method: str, path: str, account: str, status: int) -> None:
        if path in LOGIN_STEPS:
            return  # the fixtures' logins, not a case of the sweep
        self.requests += 1
        self.urls.add(path)
        try:
            self.routes.add(resolve(path).route)
        except Resolver404:
            self.routes.add(path)
        self.cases.add((method, path, account))
        self.statuses[status] += 1

    def lines(self) -> list[str]:
        if not self.requests:
            return []
        shown = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        accounts = {account for _, _, account in self.cases}
        return [
            f"access sweep: {len(self.routes)} URL patterns, {len(self.urls)} URLs, "
            f"{len(accounts)} accounts (anonymous included), "
            f"{len(self.cases)} (method × URL × account) cases, {self.requests} requests",
            f"access sweep answers: {shown}",
            f"access sweep: {self.statuses[200]} answered 200, {self.statuses[403]} 403, "
            f"{self.statuses[404]} 404",
        ]


COUNTS = Counts()

"""Access rules that every view declares (deny by default).

A view without a rule is refused by AccessRuleMiddleware, and tests/test_url_rules.py walks
every URL pattern and fails for one that declares none. The rule decides by role only;
object-level checks (404 outside the slice, 403 inside it) go through poverty_system.core.access.
Menus ask the same rules, so a menu never shows what the view would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .access import is_active_account, is_admin
from .roles import Role
from .types import Account

View = TypeVar("View", bound=Callable[..., Any])


class Rule:
    label = ""
    requires_login = True

    def allows(self, user: Account) -> bool:
        raise NotImplementedError

    def __call__(self, view: View) -> View:
        view.access_rule = self  # type: ignore[attr-defined]  # read by AccessRuleMiddleware
        return view

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label}>"


class Public(Rule):
    """Pages for anonymous visitors: login, the SMS step, health check."""

    label = "公开"
    requires_login = False

    def allows(self, user: Account) -> bool:
        return True


class Authenticated(Rule):
    label = "任何已登录账号"

    def allows(self, user: Account) -> bool:
        return is_active_account(user)


class Roles(Rule):
    """Accounts of the given roles; the administrator is allowed only if listed."""

    def __init__(self, roles: Iterable[str]) -> None:
        self.roles = frozenset(roles)
        self.label = "、".join(Role(r).label for r in sorted(self.roles))

    def allows(self, user: Account) -> bool:
        if not is_active_account(user):
            return False
        if is_admin(user):
            return Role.ADMIN in self.roles
        return user.role in self.roles


public = Public()
authenticated = Authenticated()


def roles(*allowed: str) -> Roles:
    return Roles(allowed)

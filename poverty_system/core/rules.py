"""Access rules that every view declares (deny by default).

A view without a rule is refused by AccessRuleMiddleware, and tests/test_url_rules.py walks
every URL pattern and fails for one that declares none. The rule decides by role only;
object-level checks (404 outside the slice, 403 inside it) go through poverty_system.core.access.
Menus ask the same rules, so a menu never shows what the view would refuse.
"""

from collections.abc import Iterable

from .access import is_admin
from .roles import Role


class Rule:
    label = ""
    requires_login = True

    def allows(self, user) -> bool:
        raise NotImplementedError

    def __call__(self, view):
        view.access_rule = self
        return view

    def __repr__(self):
        return f"<{type(self).__name__} {self.label}>"


class Public(Rule):
    """Pages for anonymous visitors: login, the SMS step, health check."""

    label = "公开"
    requires_login = False

    def allows(self, user) -> bool:
        return True


class Authenticated(Rule):
    label = "任何已登录账号"

    def allows(self, user) -> bool:
        return bool(user.is_authenticated and user.is_active)


class Roles(Rule):
    """Accounts of the given roles; the administrator is allowed only if listed."""

    def __init__(self, roles: Iterable[str]):
        self.roles = frozenset(roles)
        self.label = "、".join(Role(r).label for r in sorted(self.roles))

    def allows(self, user) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        if is_admin(user):
            return Role.ADMIN in self.roles
        return user.role in self.roles


public = Public()
authenticated = Authenticated()


def roles(*allowed: str) -> Roles:
    return Roles(allowed)

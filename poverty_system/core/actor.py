"""Who acts: one value built once per request (villages.middleware.ActorMiddleware) or, for a
background job or a management command, from its owner (Actor.system).

Every action takes an Actor; the change log and the audit trail are stamped from it. Nothing
reads the acting person from model attributes or thread-locals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from .types import AnyUser, AuthUser


class VerifiedPhone(Protocol):
    """A village account's phone as the Actor needs it (villages.VillagePhone)."""

    pk: Any
    phone: str
    account_id: Any

    @property
    def active(self) -> bool: ...


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True)
class Actor:
    user: AnyUser  # villages.User, or AnonymousUser for a failed login
    phone: VerifiedPhone | None = None
    ip: str = ""
    request_id: str = field(default_factory=new_request_id)
    via: str = "web"  # web, command, task

    @property
    def role(self) -> str:
        return self.user.role if self.user.is_authenticated else ""

    @property
    def phone_number(self) -> str:
        return self.phone.phone if self.phone is not None else ""

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user.is_authenticated)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user.is_authenticated else None

    @property
    def account(self) -> AuthUser:
        """The signed-in account that acts, for the rows an action stamps with it (created_by,
        started_by, ...). Only a failed login's Actor has none, and it takes no action."""
        if not self.user.is_authenticated:
            raise PermissionDenied
        return self.user

    @property
    def account_or_none(self) -> AuthUser | None:
        """The signed-in account, or None for a failed login's Actor (the audit trail)."""
        return self.user if self.user.is_authenticated else None

    @classmethod
    def system(
        cls,
        user: AnyUser,
        *,
        via: str = "command",
        phone: VerifiedPhone | None = None,
    ) -> Actor:
        """The owner of a management command or a background job acting without a request."""
        return cls(user=user, phone=phone, via=via)

    def with_phone(self, phone: VerifiedPhone | None) -> Actor:
        return Actor(
            user=self.user, phone=phone, ip=self.ip, request_id=self.request_id, via=self.via
        )


def client_ip(request: Any) -> str:
    """The client address; REMOTE_ADDR unless a trusted proxy header is configured. Of a
    list (X-Forwarded-For) the last address: the one the trusted proxy appended. Earlier
    entries come from the client and could be anything (a fresh address per request would
    escape the lockout by address and the QR page's rate limit, and forge the audit trail)."""
    from django.conf import settings

    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            return str(forwarded.split(",")[-1].strip())[:45]
    return str(request.META.get("REMOTE_ADDR", ""))[:45]

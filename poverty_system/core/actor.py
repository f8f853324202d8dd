"""Who acts: one value built once per request (villages.middleware.ActorMiddleware) or, for a
background job or a management command, from its owner (Actor.system).

Every action takes an Actor; the change log and the audit trail are stamped from it. Nothing
reads the acting person from model attributes or thread-locals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class VerifiedPhone(Protocol):
    """A village account's phone as the Actor needs it (villages.VillagePhone)."""

    pk: Any
    phone: str
    account_id: Any
    active: bool


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True)
class Actor:
    user: Any  # villages.User, or AnonymousUser for a failed login
    phone: VerifiedPhone | None = None
    ip: str = ""
    request_id: str = field(default_factory=new_request_id)
    via: str = "web"  # web, command, task

    @property
    def role(self) -> str:
        return getattr(self.user, "role", "") or ""

    @property
    def phone_number(self) -> str:
        return self.phone.phone if self.phone is not None else ""

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.is_authenticated else None

    @classmethod
    def system(
        cls,
        user: AbstractBaseUser | AnonymousUser,
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

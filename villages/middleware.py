"""Builds the request's Actor once: account, verified phone (village sessions), client IP,
request id. Views pass request.actor to every action."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.functional import SimpleLazyObject

from poverty_system.core.actor import Actor, client_ip, new_request_id

from .auth import verified_phone

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser


def actor_for(request: HttpRequest, user: AnyUser | None = None) -> Actor:
    """The Actor of a request; `user` after a login changed who the request is."""
    user = user if user is not None else request.user
    request_id = getattr(request, "request_id", None) or new_request_id()
    request.request_id = request_id  # type: ignore[attr-defined]  # the request's own id
    phone = verified_phone(request) if user.is_authenticated else None
    return Actor(user=user, phone=phone, ip=client_ip(request), request_id=request_id)


class ActorMiddleware:
    """After AuthenticationMiddleware. Built on first use, so a page that acts for nobody
    pays no query for the verified phone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.actor = SimpleLazyObject(lambda: actor_for(request))  # type: ignore[attr-defined]
        return self.get_response(request)

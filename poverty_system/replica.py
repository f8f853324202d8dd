"""Reads of list and statistics pages from a read replica (DATABASE_REPLICA_URL), everything
else from the primary.

The views whose reads may go to the replica are named in settings.REPLICA_READ_VIEWS (URL
names; an app adds its list or statistics page with one line). Only their GET requests are
routed, and never:
- inside a transaction on the primary (a read that decides a write must see the primary);
- for a session that wrote in the last REPLICA_STICKY_SECONDS: after 保存 the list shows the
  saved row even when the replica lags behind (read your own writes).
Sessions, logins and every write stay on the primary."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase

REPLICA = "replica"
WROTE_AT = "_wrote_at"
MARK = "_replica_token"  # on the request: the router's mark, reset when the response is made
_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_from_replica", default=False
)


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if (
            _reading_from_replica.get()
            and REPLICA in settings.DATABASES
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Marks the reads of a REPLICA_READ_VIEWS page for the router; remembers writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        setattr(request, MARK, None)
        # A write of a logged-in account (a login itself is not one: nothing to read back).
        writes = (
            settings.REPLICA_READS
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and request.user.is_authenticated
        )
        try:
            response = self.get_response(request)
        finally:
            token: contextvars.Token[bool] | None = getattr(request, MARK)
            if token is not None:
                _reading_from_replica.reset(token)
        if writes and response.status_code < 400 and hasattr(request, "session"):
            request.session[WROTE_AT] = time.time()
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        if not settings.REPLICA_READS or request.method not in ("GET", "HEAD"):
            return None
        match = request.resolver_match  # set by the time views are processed
        if match is None or match.view_name not in settings.REPLICA_READ_VIEWS:
            return None
        session = getattr(request, "session", None)
        wrote_at = session.get(WROTE_AT, 0) if session is not None else 0
        if time.time() - wrote_at < settings.REPLICA_STICKY_SECONDS:
            return None
        setattr(request, MARK, _reading_from_replica.set(True))
        return None

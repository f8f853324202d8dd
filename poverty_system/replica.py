"""Reads of list and statistics pages from a read replica (DATABASE_REPLICA_URL), everything
else from the primary.

The views whose reads may go to the replica are named in settings.REPLICA_READ_VIEWS (URL
names; an app adds its list or statistics page with one line). Only their GET requests are
routed, and never:
- inside a transaction on the primary (a read that decides a write must see the primary);
- for a session that wrote in the last REPLICA_STICKY_SECONDS: after 保存 the list shows the
  saved row even when the replica lags behind (read your own writes).
Sessions, logins and every write stay on the primary."""

import contextvars
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
WROTE_AT = "_wrote_at"
_reading_from_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_from_replica", default=False
)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reading_from_replica.get()
            and REPLICA in settings.DATABASES
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Marks the reads of a REPLICA_READ_VIEWS page for the router; remembers writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._replica_token = None
        # A write of a logged-in account (a login itself is not one: nothing to read back).
        writes = (
            settings.REPLICA_READS
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and request.user.is_authenticated
        )
        try:
            response = self.get_response(request)
        finally:
            if request._replica_token is not None:
                _reading_from_replica.reset(request._replica_token)
        if writes and response.status_code < 400 and hasattr(request, "session"):
            request.session[WROTE_AT] = time.time()
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.REPLICA_READS or request.method not in ("GET", "HEAD"):
            return None
        if request.resolver_match.view_name not in settings.REPLICA_READ_VIEWS:
            return None
        session = getattr(request, "session", None)
        wrote_at = session.get(WROTE_AT, 0) if session is not None else 0
        if time.time() - wrote_at < settings.REPLICA_STICKY_SECONDS:
            return None
        request._replica_token = _reading_from_replica.set(True)
        return None

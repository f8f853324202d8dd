"""A per-address budget of public QR page lookups (against enumerating tokens).

Counts in Django's cache per client address and minute; a miss (unknown or revoked token)
costs MISS_COST lookups. With several app servers the cache must be shared (see
docs/DEPLOYMENT.md), or each server keeps its own budget."""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 60
MISS_COST = 5


def _key(ip: str) -> str:
    return f"qr-lookups:{ip}:{int(time.time()) // WINDOW}"


def exceeded(ip: str) -> bool:
    return (cache.get(_key(ip)) or 0) >= settings.QR_RATE_LIMIT


def count(ip: str, cost: int = 1) -> None:
    key = _key(ip)
    if not cache.add(key, cost, WINDOW + 5):
        try:
            cache.incr(key, cost)
        except ValueError:  # expired between add and incr
            cache.add(key, cost, WINDOW + 5)

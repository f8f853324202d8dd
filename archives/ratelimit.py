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


def spend(scope: str, ip: str, limit: int, window: int = 3600) -> bool:
    """Spend one use of a public form's budget (`scope`, e.g. 一码申报) for the address in the
    current window; False once `limit` uses are spent (the use is refused, not counted twice).
    """
    key = f"{scope}:{ip}:{int(time.time()) // window}"
    cache.add(key, 0, window + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window + 5)
        used = 1
    return bool(used <= limit)

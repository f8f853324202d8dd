"""Keeping today's statistics counts (stats.models.KeptCount) equal to the households.

`refresh()` runs before every read of the counts: one indexed MAX on the household change
log tells whether anything changed since the counts were built; if so, the villages named
by the history rows since then (old and new village codes alike) are recounted from the
households with one grouped INSERT … SELECT per category, in one transaction. A first build
(or more than REBUILD_OVER changed villages) recounts everything.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from households.models import Household

from .models import KeptCount, KeptStamp

DIMS = ("status", "attribute", "main_cause", "standard")
REBUILD_OVER = 2000


def _history():
    return Household.history.model.objects


def refresh() -> None:
    stamp = _history().aggregate(m=Max("history_id"))["m"] or 0
    kept = KeptStamp.objects.first()
    if kept is not None and kept.history_id == stamp:
        return
    with transaction.atomic():
        kept = KeptStamp.objects.select_for_update().first()
        if kept is not None and kept.history_id == stamp:
            return  # another request built them meanwhile
        if kept is None:
            kept = KeptStamp(history_id=0)
            villages = None
        else:
            changed = (
                _history()
                .filter(history_id__gt=kept.history_id, history_id__lte=stamp)
                .values_list("village_code", flat=True)
                .distinct()
            )
            villages = list(changed[: REBUILD_OVER + 1])
            if len(villages) > REBUILD_OVER:
                villages = None
        _recount(villages)
        kept.history_id = stamp
        kept.save()


def _recount(villages: list[str] | None) -> None:
    kept = KeptCount.objects.all()
    households: QuerySet[Any] = Household.objects.all()
    if villages is not None:
        kept = kept.filter(village_code__in=villages)
        households = households.filter(village_code__in=villages)
    kept.delete()
    table = KeptCount._meta.db_table
    for dim in DIMS:
        rows = (
            households.order_by()
            .annotate(_dim=Value(dim), _value=Coalesce(dim, Value("")))
            .values("village_code", "_dim", "_value", "status")
            .annotate(n=Count("pk"), p=Coalesce(Sum("size"), 0))
        )
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (village_code, dim, value, status, households, people) "  # noqa: S608
                "SELECT sub.village_code, sub._dim, sub._value, sub.status, sub.n, sub.p "
                f"FROM ({sql}) sub",
                params,
            )

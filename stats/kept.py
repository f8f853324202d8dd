"""Keeping today's statistics counts (stats.models.KeptCount) equal to the households and
their members.

`refresh()` runs before every read of the counts: one indexed MAX on the household change
log and one on the member change log tell whether anything changed since the counts were
built; if so, the villages named by the history rows since then (old and new village codes
alike; a member row names its household's village) are recounted from the households and
members with one grouped INSERT … SELECT per category, in one transaction. A first build
(or more than REBUILD_OVER changed villages) recounts everything.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, F, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from households.choices import SchoolStatus
from households.models import Household, Member

from .models import KeptCount, KeptStamp

DIMS = ("status", "attribute", "main_cause", "standard")
# The members' fields kept, by the dim name stored (KeptCount.dim holds 12 characters).
MEMBER_DIMS = {"m_health": "health", "m_labour": "labour", "m_school": "school_status"}
# 控辍保学's school-age children out of school: ages move with the date, so the members out of
# school born in the last OUT_WINDOW_YEARS are kept by birth date (the value, ISO text) and
# the reader sums the 6–15 range of the day. The window covers that range for a year after
# a full build; an older build is rebuilt whole.
OUT_DIM = "m_out"
OUT_OF_SCHOOL = (SchoolStatus.NOT_IN_SCHOOL, SchoolStatus.DROPPED_OUT)
OUT_WINDOW_YEARS = 18
OUT_REBUILD_DAYS = 365
REBUILD_OVER = 2000


def _history() -> Any:
    return Household.history.model.objects  # type: ignore[attr-defined]


def _member_history() -> Any:
    return Member.history.model.objects  # type: ignore[attr-defined]


def member_dim(field: str) -> str:
    """The kept dim of a member field (health → m_health)."""
    return next(dim for dim, name in MEMBER_DIMS.items() if name == field)


def _changed_villages(kept: KeptStamp, stamp: int, member_stamp: int) -> list[str] | None:
    """The villages to recount, or None for all of them."""
    villages = set(
        _history()
        .filter(history_id__gt=kept.history_id, history_id__lte=stamp)
        .values_list("village_code", flat=True)
        .distinct()[: REBUILD_OVER + 1]
    )
    member_households = (
        _member_history()
        .filter(history_id__gt=kept.member_history_id, history_id__lte=member_stamp)
        .values("household_id")
    )
    villages.update(
        Household.objects.filter(pk__in=member_households)
        .values_list("village_code", flat=True)
        .distinct()[: REBUILD_OVER + 1]
    )
    return None if len(villages) > REBUILD_OVER else sorted(villages)


def _stamps() -> tuple[int, int]:
    """The largest household and member history ids, in one statement (two indexed MAX)."""
    households = _history().model._meta.db_table
    members = _member_history().model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(history_id) FROM {households}), "  # noqa: S608
            f"(SELECT MAX(history_id) FROM {members})"
        )
        row = cursor.fetchone()
    return row[0] or 0, row[1] or 0


def refresh() -> None:
    stamp, member_stamp = _stamps()
    kept = KeptStamp.objects.first()
    if _current(kept, stamp, member_stamp):
        return
    with transaction.atomic():
        kept = KeptStamp.objects.select_for_update().first()
        if _current(kept, stamp, member_stamp):
            return  # another request built them meanwhile
        today = timezone.localdate()
        if kept is None or _window_too_old(kept, today):
            kept = kept or KeptStamp(history_id=0)
            villages = None
        else:
            villages = _changed_villages(kept, stamp, member_stamp)
        _recount(villages, _out_born_after(kept, today, full=villages is None))
        if villages is None:
            kept.out_window_from = today
        kept.history_id = stamp
        kept.member_history_id = member_stamp
        kept.save()


def _current(kept: KeptStamp | None, stamp: int, member_stamp: int) -> bool:
    return (
        kept is not None
        and kept.history_id == stamp
        and kept.member_history_id == member_stamp
        and not _window_too_old(kept, timezone.localdate())
    )


def _window_too_old(kept: KeptStamp, today: datetime.date) -> bool:
    start = kept.out_window_from
    return start is None or (today - start).days > OUT_REBUILD_DAYS


def _out_born_after(kept: KeptStamp, today: datetime.date, *, full: bool) -> datetime.date:
    """The oldest birth date kept for m_out: the window of the last full build (a partial
    recount keeps the same window, so every village's rows cover the same range)."""
    start = today if full or kept.out_window_from is None else kept.out_window_from
    return start.replace(year=start.year - OUT_WINDOW_YEARS, day=min(start.day, 28))


def _insert(rows: QuerySet[Any]) -> None:
    sql, params = rows.query.sql_with_params()
    table = KeptCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (village_code, dim, value, status, households, people) "  # noqa: S608
            "SELECT sub._village, sub._dim, sub._value, sub._status, sub.n, sub.p "
            f"FROM ({sql}) sub",
            params,
        )


def _recount(villages: list[str] | None, out_born_after: datetime.date) -> None:
    kept = KeptCount.objects.all()
    households: QuerySet[Any] = Household.objects.all()
    members: QuerySet[Any] = Member.objects.filter(active=True)
    if villages is not None:
        kept = kept.filter(village_code__in=villages)
        households = households.filter(village_code__in=villages)
        members = members.filter(household__village_code__in=villages)
    kept.delete()
    for dim in DIMS:
        _insert(
            households.order_by()
            .annotate(
                _village=F("village_code"),
                _dim=Value(dim),
                _value=Coalesce(dim, Value("")),
                _status=F("status"),
            )
            .values("_village", "_dim", "_value", "_status")
            .annotate(n=Count("pk"), p=Coalesce(Sum("size"), 0))
        )
    for dim, field in MEMBER_DIMS.items():
        _insert(
            members.order_by()
            .annotate(
                _village=F("household__village_code"),
                _dim=Value(dim),
                _value=Coalesce(field, Value("")),
                _status=F("household__status"),
            )
            .values("_village", "_dim", "_value", "_status")
            .annotate(n=Value(0), p=Count("pk"))
        )
    _insert(
        members.filter(school_status__in=OUT_OF_SCHOOL, birth_date__gt=out_born_after)
        .order_by()
        .annotate(
            _village=F("household__village_code"),
            _dim=Value(OUT_DIM),
            _value=Cast("birth_date", CharField()),
            _status=F("household__status"),
        )
        .values("_village", "_dim", "_value", "_status")
        .annotate(n=Value(0), p=Count("pk"))
    )

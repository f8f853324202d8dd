"""The clocks of a lead: working days that skip weekends and the holiday list kept as data
(法定节假日, with 调休 working weekends), and the county's rules of the year."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import Holiday, MonitoringRules


def rules_for(county_code: str, year: int) -> MonitoringRules:
    """The county's rules of the year; the latest earlier year's, or the defaults, unsaved."""
    rules = (
        MonitoringRules.objects.filter(county_code=county_code, year__lte=year)
        .order_by("-year")
        .first()
    )
    return rules or MonitoringRules(county_code=county_code, year=year)


def _calendar(county_code: str, start: date, end: date) -> tuple[set[date], set[date]]:
    """(days off, working weekend days) between start and end: national rows and the county's."""
    rows = Holiday.objects.filter(
        Q(county_code="") | Q(county_code=county_code), date__gte=start, date__lte=end
    ).values_list("date", "workday")
    off = {d for d, workday in rows if not workday}
    on = {d for d, workday in rows if workday}
    return off, on


def is_workday(day: date, off: set[date], on: set[date]) -> bool:
    if day in on:
        return True
    return day not in off and day.weekday() < 5


def add_working_days(start: date, days: int, county_code: str) -> date:
    """The date `days` working days after `start` (the day of the lead does not count)."""
    # Long holidays (春节, 国庆) take at most 8 days; a margin covers any list.
    off, on = _calendar(county_code, start, start + timedelta(days=days * 2 + 30))
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_workday(day, off, on):
            left -= 1
    return day


def working_days_between(start: date, end: date, county_code: str) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    off, on = _calendar(county_code, start, end)
    return sum(
        is_workday(start + timedelta(days=i), off, on) for i in range(1, (end - start).days + 1)
    )


# Within `batch()`, the due dates of a (county, day): every lead of one department file gets
# the same clock, so it is read once a file, not twice a lead.
_BATCH: ContextVar[dict[tuple[str, date], tuple[date, date]] | None] = ContextVar(
    "monitoring_clock_batch", default=None
)


@contextmanager
def batch() -> Iterator[None]:
    """Remember the due dates of each county and day until the block ends (one import)."""
    token = _BATCH.set({})
    try:
        yield
    finally:
        _BATCH.reset(token)


def due_dates(received_at: datetime, county_code: str) -> tuple[date, date]:
    """(visit due, decision due) of a lead received at `received_at`."""
    day = timezone.localtime(received_at).date()
    memo = _BATCH.get()
    if memo is not None and (county_code, day) in memo:
        return memo[county_code, day]
    rules = rules_for(county_code, day.year)
    found = (
        add_working_days(day, rules.visit_days, county_code),
        day + timedelta(days=rules.decision_days),
    )
    if memo is not None:
        memo[county_code, day] = found
    return found

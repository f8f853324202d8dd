"""The clocks of the project library. The lines are data: days in settings.PROJECT_CLOCKS
(they differ by province), holidays and worked weekend days in the Holiday table.

- a village notice (村级公示) stays up at least `notice_min_days` days, both ends counted;
- the approval (批复) is announced (批复公告) within `announce_days` calendar days;
- an approval is entered within `entry_working_days` working days of its date (报账制 rules:
  资金、项目信息要在审批确定后的15个工作日内录入); working days skip weekends and holidays
  and count worked weekend days.
"""

from __future__ import annotations

import datetime

from django.conf import settings

DEFAULTS = {
    "notice_min_days": 10,
    "announce_days": 7,
    "entry_working_days": 15,
    "feedback_answer_working_days": 5,
    "idle_months": 24,
}


def rule(name: str) -> int:
    return int(getattr(settings, "PROJECT_CLOCKS", {}).get(name, DEFAULTS[name]))


def _calendar(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    from .models import Holiday

    return dict(
        Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday")
    )


def is_working_day(day: datetime.date, calendar: dict[datetime.date, bool]) -> bool:
    if day in calendar:
        return calendar[day]
    return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The `days`-th working day after `start` (start itself not counted)."""
    calendar = _calendar(start, start + datetime.timedelta(days=days * 3 + 30))
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, calendar):
            left -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    calendar = _calendar(start, end)
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day, calendar)
    return count


def notice_days(start: datetime.date, end: datetime.date) -> int:
    return (end - start).days + 1


def announce_due(approval_date: datetime.date) -> datetime.date:
    return approval_date + datetime.timedelta(days=rule("announce_days"))


def entry_due(approval_date: datetime.date) -> datetime.date:
    return add_working_days(approval_date, rule("entry_working_days"))


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from start to end."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)

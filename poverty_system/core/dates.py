"""The calendar of the work: plans, surveys, exits and resets are counted by calendar year,
in the project's time zone (Asia/Shanghai), not the server's."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

# The days a query form accepts (a period's end plus one day must still be a date: 9999-12-31,
# typed for "no end", would overflow); outside them the field says QUERY_DATE_MESSAGE.
QUERY_DATE_BOUNDS = (datetime.date(1900, 1, 1), datetime.date(2099, 12, 31))
QUERY_DATE_MESSAGE = "日期应在 1900-01-01 至 2099-12-31 之间。"


def current_year() -> int:
    """This year in the project's time zone."""
    return timezone.localdate().year


def year_start(year: int) -> datetime.datetime:
    return datetime.datetime(year, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def year_end(year: int) -> datetime.datetime:
    """The first instant after 31 December of `year` (changes strictly before it count)."""
    return year_start(year + 1)

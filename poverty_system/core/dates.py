"""The calendar of the work: plans, surveys, exits and resets are counted by calendar year."""

from django.utils import timezone


def current_year() -> int:
    """This year in the project's time zone (Asia/Shanghai), not the server's."""
    return timezone.localdate().year

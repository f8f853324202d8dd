"""Leads for tests, filed by the real actions of monitoring.lead_actions."""

import contextlib
import datetime

from django.utils import timezone

from monitoring import lead_actions
from poverty_system.core.actor import Actor

from .households_data import make_id


@contextlib.contextmanager
def at(moment: datetime.datetime):
    """Time moved: timezone.now() answers `moment` (and moves on with the real clock)."""
    real = timezone.now
    offset = moment - real()
    timezone.now = lambda: real() + offset
    try:
        yield
    finally:
        timezone.now = real


def local(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


def family_lead(world, *, name="赵六", id_number=None, village=None, hardship="突发大病"):
    """A 基层干部排查 lead of a family not registered, by the township office."""
    return lead_actions.report_family(
        Actor(world.township_office),
        village or world.village,
        name=name,
        id_number=id_number or make_id(),
        phone="13800001111",
        hardship=hardship,
    )


def self_reported(village, *, name="钱七", id_number=None, phone="13912345678", household=None):
    """A 农户自主申报 (no login): its 受理编号."""
    from django.contrib.auth.models import AnonymousUser

    return lead_actions.self_report(
        Actor(AnonymousUser()),
        village,
        name=name,
        phone=phone,
        id_number=id_number if id_number is not None else make_id(),
        hardship="家里房子被洪水冲坏了",
        household=household,
    )

"""The lead core of 防止返贫监测: clocks on working days and the merging of duplicate leads."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from monitoring.choices import Channel
from monitoring.clocks import add_working_days, working_days_between
from monitoring.leads import Report, receive
from monitoring.models import Holiday, Lead, MonitoringRules
from poverty_system.core.actor import Actor

from .households_data import make_id, member, register

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2026, 9, 25)


def test_working_days_skip_weekends_holidays_and_count_a_working_weekend():
    assert add_working_days(FRIDAY, 1, "360731") == datetime.date(2026, 9, 28)  # Monday
    assert add_working_days(FRIDAY, 3, "360731") == datetime.date(2026, 9, 30)
    for day in range(1, 9):  # 国庆 1–8 October off, Sunday 27 September worked
        Holiday.objects.create(date=datetime.date(2026, 10, day), name="国庆节")
    Holiday.objects.create(date=datetime.date(2026, 9, 27), name="国庆调休", workday=True)
    assert add_working_days(FRIDAY, 1, "360731") == datetime.date(2026, 9, 27)
    assert add_working_days(FRIDAY, 5, "360731") == datetime.date(2026, 10, 9)
    assert working_days_between(FRIDAY, datetime.date(2026, 10, 9), "360731") == 5
    # Another county's holiday does not stop this county's clock.
    Holiday.objects.create(county_code="360732", date=datetime.date(2026, 9, 28), name="县节")
    assert add_working_days(FRIDAY, 2, "360731") == datetime.date(2026, 9, 28)


def test_a_second_report_of_the_same_family_joins_the_open_lead(world, sms_outbox):
    household = register(world.village_account, world.phone, [member("李四", id_number=make_id())])
    actor = Actor(world.village_account, world.phone)
    MonitoringRules.objects.create(
        county=world.county, county_code="360731", year=2026, visit_days=2, decision_days=15
    )
    with transaction.atomic():
        first, created = receive(
            actor, Report(world.village, Channel.CADRE, "户主住院", household=household)
        )
    assert created and first.household == household and first.name == household.head_name
    head_id = household.members.get().id_number
    with transaction.atomic():
        again, created = receive(
            Actor.system(world.county_office),
            Report(
                world.village, Channel.SELF_REPORT, "看病花了很多钱", name="李四", id_number=head_id
            ),
        )
    assert not created and again.pk == first.pk
    assert Lead.objects.count() == 1
    assert list(again.sources.values_list("channel", flat=True)) == [
        Channel.CADRE,
        Channel.SELF_REPORT,
    ]
    assert (again.decide_due - timezone.localtime(again.received_at).date()).days == 15


def test_within_a_batch_the_clock_of_a_county_and_day_is_read_once(world):
    """A department file's leads share the clock: inside clocks.batch() the county's rules
    and holidays are read once, and a rule changed afterwards applies to the next batch."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monitoring import clocks

    now = timezone.now()
    MonitoringRules.objects.create(county=world.county, county_code="360731", year=now.year)
    with clocks.batch():
        first = clocks.due_dates(now, "360731")
        with CaptureQueriesContext(connection) as queries:
            assert clocks.due_dates(now, "360731") == first
        assert len(queries) == 0
    MonitoringRules.objects.filter(county_code="360731").update(decision_days=10)
    with clocks.batch():
        _, decide = clocks.due_dates(now, "360731")
    assert (decide - timezone.localtime(now).date()).days == 10

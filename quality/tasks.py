"""The nightly run of the rule pack in the task worker (django-tasks, `manage.py db_worker`).

Each run enqueues the next one for the following night (NIGHTLY_HOUR local time), so one
`manage.py run_quality_checks --schedule` starts the chain; a backend that cannot defer
(the tests' immediate backend) runs only what it is given.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django_tasks import default_task_backend, task

from poverty_system.core.actor import Actor

from . import services

NIGHTLY_HOUR = 2


def next_night(now: datetime.datetime | None = None) -> datetime.datetime:
    now = timezone.localtime(now)
    at = now.replace(hour=NIGHTLY_HOUR, minute=0, second=0, microsecond=0)
    return at if at > now else at + datetime.timedelta(days=1)


def schedule_next() -> datetime.datetime:
    when = next_night()
    if default_task_backend.supports_defer:
        nightly_checks.using(run_after=when).enqueue()
    return when


@task()
def nightly_checks() -> float:
    run = services.run_pack(Actor.system(AnonymousUser(), via="task"), None, via="task")
    schedule_next()
    return run.seconds or 0.0

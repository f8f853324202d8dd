"""What 统计 counts beside the lists' own filters (monitoring.listing.apply for the inbox,
monitoring.monitored_listing.filtered for 监测对象): a decided lead's timeliness (办结 within
its 识别办结期限), shown as a share, and the monitored households whose elimination was
rolled back (风险消除回退), as Q objects for a conditional count."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from .choices import EventKind, LeadState
from .models import Lead, MonitoringEvent

DECIDED = (LeadState.ADMITTED, LeadState.REJECTED)


def decided_q(in_time: bool | None) -> Q:
    """Decided leads (None), or those decided within (True) or after (False) their due day."""
    if in_time is None:
        return Q(state__in=DECIDED)
    on_time = Q(_decided_on__lte=F("decide_due"))
    return Q(state__in=DECIDED) & (on_time if in_time else ~on_time)


def with_decided_on(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    return leads.annotate(_decided_on=TruncDate("decided_at"))


def rolled_back_q() -> Q:
    events = MonitoringEvent.objects.filter(monitored=OuterRef("pk"), kind=EventKind.ROLLED_BACK)
    return Q(Exists(events))

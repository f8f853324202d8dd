"""Households as they stood at a year-end (年底), and the status events of a year.

A past year-end is read from the records of change, never from a copy: the status is the
last StatusChange at or before 31 December 24:00 (Beijing time), the other fields the last
change-log row of the household by then (the row as first entered when the change log
starts later, e.g. data loaded with its baseline after the year). The statistics (stats app)
and the household list use these same expressions, so a count and its list agree.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from poverty_system.core.dates import year_end, year_start

from . import seals
from .choices import HouseholdStatus
from .models import Household, StatusChange

__all__ = ["as_of", "event_changes", "with_event", "year_end", "year_start"]

LIFTED = (HouseholdStatus.LIFTED, HouseholdStatus.LIFTED_NO_SUPPORT)
POOR = (HouseholdStatus.POOR, HouseholdStatus.RETURNED)
# 在册: registered and not removed (the households the statistics count).
REGISTERED = (*POOR, *LIFTED)
FIRST_YEAR = 2014

# The fields a year-end view reads from the change log, by their name on the household.
FIELDS = ("attribute", "main_cause", "standard", "size", "village_code")


def as_of(queryset: QuerySet[Any], year: int) -> QuerySet[Any]:
    """The households annotated with their state at the end of `year`: ye_status ('' when
    not yet registered then) and ye_<field> for FIELDS. The end is 31 December 24:00, or the
    moment the county sealed the year if that came first (households.seals)."""
    cutoff = seals.cutoff(year, OuterRef(OuterRef("village_code")))  # inside the subqueries
    history = Household.history.model.objects.filter(id=OuterRef("pk"))
    by_then = history.filter(history_date__lt=cutoff).order_by("-history_date", "-pk")
    first = history.order_by("history_date", "pk")
    last_change = StatusChange.objects.filter(household=OuterRef("pk"), at__lt=cutoff)
    annotations: dict[str, Any] = {}
    for name in FIELDS:
        annotations[f"ye_{name}"] = Coalesce(
            Subquery(by_then.values(name)[:1]), Subquery(first.values(name)[:1]), F(name)
        )
    return queryset.annotate(
        ye_status=Subquery(last_change.order_by("-at", "-pk").values("to_status")[:1]),
        **annotations,
    )


# --- events of a year -----------------------------------------------------------------------

EVENTS = {
    "new": ("新识别", Q(from_status=HouseholdStatus.REGISTERING, to_status=HouseholdStatus.POOR)),
    "lifted": ("脱贫", Q(to_status__in=LIFTED) & ~Q(from_status__in=LIFTED)),
    "returned": ("返贫", Q(to_status=HouseholdStatus.RETURNED)),
    "removed": ("清退", Q(to_status=HouseholdStatus.REMOVED)),
}


def event_changes(event: str, year: int) -> QuerySet[Any]:
    """The year's status changes of an event kind that stand (not undone by 综合回退)."""
    _, q = EVENTS[event]
    return StatusChange.objects.filter(
        q,
        kind__in=(StatusChange.Kind.CHANGE, StatusChange.Kind.SPLIT),
        at__gte=year_start(year),
        at__lt=year_end(year),
        reverted_by__isnull=True,
    )


def with_event(queryset: QuerySet[Any], event: str, year: int) -> QuerySet[Any]:
    return queryset.filter(pk__in=event_changes(event, year).values("household_id"))

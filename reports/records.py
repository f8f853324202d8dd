"""What the printable sheets read: a batch of households with everything a sheet shows, in
a constant number of queries per batch (never per household).

- the households with their village, township and county (1 query), their members,
  removed ones included (1), their status changes (1);
- the current pairing, cadre and unit (units.pairings: 2), this year's survey (1) and
  its measures (1);
- for the 对照表, the change log as of 31 December of last year: each household's last
  history row by then (1) and each member's (1). The comparison is exact without a copy of
  the data: the value printed as last year's is the value the record had at 24:00 on
  31 December (Beijing time), whatever changed since.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery

from households import seals
from households.models import Household, Member, StatusChange
from poverty_system.core.dates import current_year
from units.models import Measure, Survey
from units.pairings import NONE, Pairing, current_pairings

BATCH = 250  # households read and written at a time: memory holds one batch

HouseholdHistory = Household.history.model  # type: ignore[attr-defined]
MemberHistory = Member.history.model  # type: ignore[attr-defined]


@dataclass
class Record:
    household: Household
    members: list[Member] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    pairing: Pairing = NONE
    survey: Survey | None = None
    measures: list[Any] = field(default_factory=list)
    # 对照表: the household's and its members' rows at the end of last year (None: the
    # household was not in the change log then, e.g. newly identified this year).
    last: Any = None
    last_members: dict[int, Any] = field(default_factory=dict)


def _latest_by(history: Any, end: Any, **match: Any) -> QuerySet[Any]:
    """The last history row before `end` of each record (by id) of the rows `match`es."""
    later = (
        history.objects.filter(id=OuterRef("id"), history_date__lt=end)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return history.objects.filter(history_date__lt=end, history_id=Subquery(later), **match)


def read(ids: list[int], *, compare_year: int | None = None) -> list[Record]:
    """Records of the households `ids`, in that order (the caller's slice check already
    chose them). `compare_year`: read the change log as of 31 December of that year."""
    if not ids:
        return []
    households = Household.objects.filter(pk__in=ids).select_related("village__parent__parent")
    records = {h.pk: Record(h) for h in households}
    for m in Member.objects.filter(household_id__in=ids).order_by("-active", "pk"):
        records[m.household_id].members.append(m)
    for c in StatusChange.objects.filter(household_id__in=ids).order_by("at", "pk"):
        records[c.household_id].changes.append(c)
    for pk, pairing in current_pairings(ids).items():
        records[pk].pairing = pairing
    year = current_year()
    for survey in Survey.objects.filter(household_id__in=ids, year=year):
        records[survey.household_id].survey = survey
    measures = Measure.objects.filter(survey__household_id__in=ids, survey__year=year)
    for measure in measures.annotate(household_id=F("survey__household_id")).order_by("pk"):
        records[measure.household_id].measures.append(measure)
    if compare_year is not None:
        _read_last_year(records, compare_year)
    return [records[pk] for pk in ids if pk in records]


def _read_last_year(records: dict[int, Record], year: int) -> None:
    """The change log as of the year-end of each household's county (31 December, or the
    county's seal of that year if earlier: households.seals)."""
    counties: dict[str, list[int]] = defaultdict(list)
    for pk, record in records.items():
        counties[seals.county_of(record.household.village_code)].append(pk)
    ends = seals.ends_for(year, counties)
    for county, ids in counties.items():
        end = ends[county]
        for row in _latest_by(HouseholdHistory, end, id__in=ids):
            records[row.id].last = row
        by_household: dict[int, dict[int, Any]] = defaultdict(dict)
        for row in _latest_by(MemberHistory, end, household_id__in=ids):
            by_household[row.household_id][row.id] = row
        for pk, rows in by_household.items():
            records[pk].last_members = rows


def batches(ids: Iterable[int], *, compare_year: int | None = None) -> Iterator[list[Record]]:
    """The records of `ids` BATCH at a time, each batch in the same few queries."""
    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        yield read(ids[start : start + BATCH], compare_year=compare_year)

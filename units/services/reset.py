"""The yearly reset of pairings (the manual's 2016-05-12 reset): a city or county office ends,
for its region, every active claim, unit↔village link, household↔unit link and cadre
assignment in one transaction. Base records (units, cadres, households) stay; the ended
periods keep their year and are read per year in the archive."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from households.models import Claim
from poverty_system.core import audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.periods import PeriodQuerySet
from villages.models import Region

from .. import access as unit_access
from ..models import Assignment, EndKind, HouseholdLink, UnitVillage, YearlyReset
from .base import UnitError

LABELS = {
    "assignments": "干部结对（分配）",
    "household_links": "贫困户关联单位",
    "village_links": "单位帮扶村",
    "claims": "贫困户认领",
}
REASON = "年度结对重置"


QS = TypeVar("QS", bound=QuerySet[Any])


def _in_region(queryset: QS, region: Region, field: str = "village_code") -> QS:
    lo, hi = region.code_range
    return queryset.filter(**{f"{field}__gte": lo, f"{field}__lt": hi})


def active_pairings(region: Region) -> dict[str, PeriodQuerySet[Any]]:
    """Querysets of the active pairings under a region, in the order they are ended."""
    return {
        "assignments": _in_region(Assignment.objects.active(), region),
        "household_links": _in_region(HouseholdLink.objects.active(), region),
        "village_links": _in_region(UnitVillage.objects.active(), region),
        "claims": _in_region(Claim.objects.active(), region, "household__village_code"),
    }


def reset_counts(actor: Actor, region: Region) -> dict[str, int]:
    if not unit_access.can_reset(actor.user, region):
        raise PermissionDenied
    return {name: qs.count() for name, qs in active_pairings(region).items()}


def yearly_reset(
    actor: Actor, region: Region, *, expected: dict[str, int] | None = None
) -> YearlyReset:
    """End every active pairing under the region. `expected` (the counts the confirm screen
    showed) must still hold, so nobody confirms numbers that changed meanwhile."""
    user = actor.user
    if not unit_access.can_reset(user, region):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic(durable=True):
        pairings = active_pairings(region)
        counts = {}
        # Lock the link rows that carry a change log; the rest are ended by one UPDATE each.
        village_links = list(pairings["village_links"].select_for_update())
        kind = EndKind.YEARLY_RESET
        counts["assignments"] = pairings["assignments"].end(actor, REASON, at=now, end_kind=kind)
        counts["household_links"] = pairings["household_links"].end(
            actor, REASON, at=now, end_kind=kind
        )
        for link in village_links:
            link.end(actor, REASON, at=now, kind=EndKind.YEARLY_RESET)
        changelog.bulk_update(actor, village_links, UnitVillage.END_FIELDS, reason=REASON)
        counts["village_links"] = len(village_links)
        claim_ids = Claim.objects.filter(pk__in=pairings["claims"].values("pk"))
        counts["claims"] = claim_ids.end(actor, REASON, at=now)
        if expected is not None and any(counts[k] != expected.get(k) for k in counts):
            raise UnitError("确认后数据已有变化，本次重置未执行，请重新确认。")
        reset = YearlyReset.objects.create(
            region=region, year=current_year(), counts=counts, by=actor.account
        )
        audit.record(actor, audit.RESET, obj=reset, region_code=region.code, detail=counts)
    return reset

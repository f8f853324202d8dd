"""年度封存: a county's year sealed at the close of its yearly round.

From the seal the year's status changes of the county's households are refused (the one
status owner, households.lifecycle, asks `refuse_sealed`), and the year-end of that year is
read as of the seal (`cutoff`, used by households.asof and the 对照表's last-year values), so
the statistics and the sheets of a sealed year-end do not move when a field is edited later.
Ordinary fields stay editable all year, logged. The seal is written by the round's actions
(identification.rounds) inside their transaction; reopening removes it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import DateTimeField, Expression, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from poverty_system.core.dates import year_end
from poverty_system.core.errors import ActionError

from .models import YearSeal

COUNTY_DIGITS = 6


class SealedYearError(ActionError):
    pass


def county_of(code: str) -> str:
    return code[:COUNTY_DIGITS]


def seals_for(year: int, codes: Iterable[str]) -> dict[str, YearSeal]:
    """county code -> the year's seal, for the counties of the region codes (one query)."""
    counties = {county_of(code) for code in codes}
    found = YearSeal.objects.filter(year=year, county_code__in=counties)
    return {seal.county_code: seal for seal in found}


def refuse_sealed(codes: Iterable[str], year: int) -> None:
    """A status change of `year` in a sealed county is refused with when and how to reopen."""
    for seal in seals_for(year, codes).values():
        when = timezone.localtime(seal.sealed_at)
        raise SealedYearError(
            f"{year}年度数据已于 {when:%Y-%m-%d %H:%M} 封存，不能再变更贫困户状态；"
            "如需变更，请县扶贫办重新开启该年度。"
        )


def ends_for(year: int, codes: Iterable[str]) -> dict[str, datetime.datetime]:
    """county code -> its year-end: 31 December 24:00, or its seal if earlier (one query)."""
    end = year_end(year)
    found = seals_for(year, codes)
    return {
        county: min(found[county].sealed_at, end) if county in found else end
        for county in {county_of(code) for code in codes}
    }


def cutoff(year: int, code: OuterRef | Any) -> Expression:
    """The same year-end as an SQL expression of a household's stored village code (e.g.
    `OuterRef(OuterRef("village_code"))` in a subquery over the household's rows), for the
    year-end views."""
    end = year_end(year)
    seal = YearSeal.objects.filter(
        year=year, county_code=Substr(code, 1, COUNTY_DIGITS), sealed_at__lt=end
    ).values("sealed_at")[:1]
    return Coalesce(Subquery(seal), Value(end, output_field=DateTimeField()))

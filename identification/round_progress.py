"""年度动态管理 progress: per township of the round's county (those in the reader's slice), how
far the year has come: 规模 set, households updated, exits and new households waiting in their
chains (before the county, at the county), done this year, and the steps overdue. Seven
grouped queries whatever the county's size.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from assessment.models import ScalePlan
from households import asof
from households.models import Household
from poverty_system.core import access
from villages.models import Region, code_range

from .access import COUNTY_STEPS
from .chains import EXIT, EXIT_COUNTY, chain_of
from .models import Case, Round
from .rounds import STEP_LABELS

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

TOWNSHIP_DIGITS = 9
EXIT_KINDS = (EXIT, EXIT_COUNTY)


@dataclass
class TownshipProgress:
    township: Region
    plan_set: bool = False
    registered: int = 0
    updated: int = 0
    exits_waiting: int = 0  # 脱贫 at the village's or township's steps
    exits_at_county: int = 0
    new_waiting: int = 0  # 新识别 / 返贫 at the village's or township's steps
    new_at_county: int = 0
    lifted: int = 0  # households lifted this year (standing changes)
    admitted: int = 0  # new and returned this year
    overdue: list[str] = field(default_factory=list)


def _by_township(
    queryset: QuerySet[Any], counted: str, code: str = "village_code", *, distinct: bool = False
) -> Counter[str]:
    """township code -> Count(counted) of the queryset's rows, in one grouped query."""
    rows = queryset.annotate(township=Substr(code, 1, TOWNSHIP_DIGITS)).values("township")
    counts = rows.annotate(n=Count(counted, distinct=distinct)).order_by()
    return Counter({r["township"]: r["n"] for r in counts})


def _in_county(code_field: str, county_code: str) -> dict[str, str]:
    lo, hi = code_range(county_code)
    return {f"{code_field}__gte": lo, f"{code_field}__lt": hi}


def _cases(round_: Round) -> dict[str, Counter[str]]:
    """Open cases of the round's year by township, in four groups (exit/new, before/at county)."""
    groups: dict[str, Counter[str]] = {k: Counter() for k in ("ew", "ec", "nw", "nc")}
    open_cases = Case.objects.filter(
        state=Case.State.OPEN, year=round_.year, **_in_county("village_code", round_.county_code)
    ).annotate(township=Substr("village_code", 1, TOWNSHIP_DIGITS))
    for row in open_cases.values("township", "kind", "step").annotate(n=Count("pk")).order_by():
        step = chain_of(row["kind"]).step(row["step"])
        at_county = step is not None and step.perm == COUNTY_STEPS
        key = ("e" if row["kind"] in EXIT_KINDS else "n") + ("c" if at_county else "w")
        groups[key][row["township"]] += row["n"]
    return groups


def _overdue(row: TownshipProgress, round_: Round, today: datetime.date) -> list[str]:
    late = {
        "scale_due": not row.plan_set,
        "manage_due": row.exits_waiting > 0,
        "exit_review_due": row.exits_at_county > 0,
        "new_due": row.new_waiting > 0,
        "new_review_due": row.new_at_county > 0,
    }
    return [
        STEP_LABELS[name]
        for name in Round.DEADLINES
        if late[name] and today > getattr(round_, name)
    ]


def progress(
    round_: Round, user: AnyUser, *, today: datetime.date | None = None
) -> list[TownshipProgress]:
    townships = list(
        access.filter_regions(Region.objects.filter(parent_id=round_.county_id), user).order_by(
            "code"
        )
    )
    codes = [t.code for t in townships]
    county = _in_county("village_code", round_.county_code)
    plans = set(
        ScalePlan.objects.filter(year=round_.year, region_code__in=codes).values_list(
            "region_code", flat=True
        )
    )
    registered = _by_township(Household.objects.filter(status__in=asof.REGISTERED, **county), "pk")
    history = Household.history.model.objects.filter(
        history_type="~",
        history_date__gte=asof.year_start(round_.year),
        history_date__lt=asof.year_end(round_.year),
        **county,
    )
    updated = _by_township(history, "id", distinct=True)
    cases = _cases(round_)
    code = "household__village_code"
    in_county = _in_county(code, round_.county_code)
    lifted = asof.event_changes("lifted", round_.year).filter(**in_county)
    new = asof.event_changes("new", round_.year) | asof.event_changes("returned", round_.year)
    done_lifted = _by_township(lifted, "household", code, distinct=True)
    done_admitted = _by_township(new.filter(**in_county), "household", code, distinct=True)
    today = today or timezone.localdate()
    rows = []
    for t in townships:
        row = TownshipProgress(t, plan_set=t.code in plans)
        row.registered, row.updated = registered[t.code], updated[t.code]
        row.exits_waiting, row.exits_at_county = cases["ew"][t.code], cases["ec"][t.code]
        row.new_waiting, row.new_at_county = cases["nw"][t.code], cases["nc"][t.code]
        row.lifted, row.admitted = done_lifted[t.code], done_admitted[t.code]
        row.overdue = _overdue(row, round_, today)
        rows.append(row)
    return rows

"""What the assessment pages read: each list scoped through the access layer and shaped for
its page in a constant number of queries, so that the views only parse, call and render
(the shape of households/listing.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet

from households import lifecycle
from households.access import filter_households
from households.models import Household, StatusChange
from poverty_system.core import access
from poverty_system.core.dates import current_year
from poverty_system.core.ids import id_or_404, parse_ids
from poverty_system.core.roles import RETURN_TO_POVERTY, VIEW
from villages.access import get_region_for_user
from villages.models import Region, User

from .access import filter_by_code, get_scoped, may, sees_only_approved
from .criteria import exit_check
from .models import PoorCounty, PoorVillage
from .pairing import pairings
from .services.county import county_figures

PER_PAGE = 100
PAGE_SIZES = (100, 500, 1000)  # a township ticks up to 1,000 households in one batch


def chosen_year(value: str | None, years: Iterable[int]) -> int:
    """The year of ?year=, when it is one of `years`; else this year."""
    this_year = current_year()
    text = value or ""
    year = int(text) if text.isascii() and text.isdigit() else this_year
    return year if year in years else this_year


def exit_page(user: User, params: Mapping[str, Any], statuses: Iterable[str], perm: str) -> dict:
    """脱贫 / 返贫: the households of the statuses in the chosen village (or township) of
    the slice, a page of them with each one's exit check and pairing, and the filter's
    regions. Keys: page, rows, region, regions."""
    region = None
    if params.get("region"):
        region = get_region_for_user(user, params.get("region"), perm)
    found = filter_households(Household.objects.filter(status__in=statuses), user, perm)
    if region is not None:
        lo, hi = region.code_range
        found = found.filter(village_code__gte=lo, village_code__lt=hi)
    found = found.select_related("village").order_by("village_code", "number")
    size = str(params.get("per_page", ""))
    size = int(size) if size.isascii() and size.isdigit() and int(size) in PAGE_SIZES else PER_PAGE
    page = Paginator(found, size).get_page(params.get("page"))
    rows = list(page.object_list)
    checks, pairs = exit_check(rows), pairings(rows)
    for row in rows:
        row.check = checks[row.pk]
        row.pairing = pairs[row.pk]
    regions = access.filter_regions(Region.objects.filter(level__in=["township", "village"]), user)
    page.sizes, page.size = PAGE_SIZES, size  # type: ignore[attr-defined]
    return {"page": page, "rows": rows, "region": region, "regions": regions.order_by("code")}


def chosen_households(user: User, ticked: Iterable[object]) -> list[Household]:
    """The ticked households the county office may return to poverty (返贫 confirmation)."""
    found = filter_households(
        Household.objects.filter(pk__in=parse_ids(ticked)), user, RETURN_TO_POVERTY
    )
    return list(found.select_related("village").order_by("village_code", "number"))


def status_changes(user: User, year: int, page_param: Any) -> tuple[Page[Any], list[Any]]:
    """This year's status changes in the slice, newest first; `can_rollback` on the last
    change of a household that the account may roll back (综合回退)."""
    later = StatusChange.objects.filter(household=OuterRef("household"), pk__gt=OuterRef("pk"))
    found = StatusChange.objects.filter(year=year).exclude(kind=StatusChange.Kind.SPLIT)
    scope = access.code_filter(user, "household__village_code", VIEW)
    if scope is not None:
        found = found.filter(scope)
    found = (
        found.annotate(is_last=~Exists(later.exclude(kind=StatusChange.Kind.SPLIT)))
        .select_related("household__village", "actor")
        .order_by("-at", "-pk")
    )
    page = Paginator(found, PER_PAGE).get_page(page_param)
    rows = list(page.object_list)
    for row in rows:
        row.can_rollback = (
            row.is_last
            and row.kind != StatusChange.Kind.ROLLBACK
            and row.household.status == row.to_status
            and lifecycle.may_rollback(user, row.household)
        )
    return page, rows


def visible_records(user: User) -> QuerySet[PoorVillage]:
    """贫困村信息 in the slice; the city office reads approved and exited records only."""
    State = PoorVillage.State
    found = filter_by_code(PoorVillage.objects.all(), user, "village_code")
    if sees_only_approved(user):
        found = found.filter(state__in=(State.APPROVED, State.EXITED))
    return found


def filtered_records(
    user: User, params: Mapping[str, Any]
) -> tuple[QuerySet[PoorVillage], dict[str, Any]]:
    """管理贫困村信息 with its filters: 状态, 年度 and a region of the slice (404 outside), as the
    statistics' links (统计 › 贫困村) carry them; an unknown state or year is ignored."""
    found = visible_records(user)
    state = params.get("state")
    if state in PoorVillage.State.values:
        found = found.filter(state=state)
    else:
        state = None
    year = params.get("year")
    if str(year).isdigit() and len(str(year)) == 4:
        found, year = found.filter(year=int(year)), int(year)
    else:
        year = None
    region = None
    if params.get("region"):
        region = get_region_for_user(user, id_or_404(params["region"]))
        lo, hi = region.code_range
        found = found.filter(village_code__gte=lo, village_code__lt=hi)
    return found, {"state": state, "year": year, "region": region}


def get_record(user: User, pk: Any, perm: str | None = None) -> PoorVillage:
    """404 outside the slice (and, for the city office, before approval), 403 without perm."""
    record: PoorVillage = get_scoped(
        visible_records(user).select_related("village"), user, pk, "village_code"
    )
    if perm is not None and not may(user, perm, record.village_code):
        raise PermissionDenied
    return record


def county_records(user: User) -> list[PoorCounty]:
    """贫困县信息 of the counties in the slice, each with its figures (the city office)."""
    records = list(
        filter_by_code(PoorCounty.objects.all(), user, "county_code", VIEW)
        .select_related("county")
        .order_by("county_code")
    )
    for record in records:
        record.figures = county_figures(record.county_code)  # type: ignore[attr-defined]
    return records

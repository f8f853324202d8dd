"""What the 数据质量检查 pages read: the region of ?region= checked through the access layer,
the problem counts by rule, one rule's households and villages, each shaped for its page in
a constant number of queries, so that the views only parse, call and render (the shape of
households/listing.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.http import urlencode

from households import listing as households_listing
from households.parts import BY_NUMBER
from poverty_system.core import access
from villages.models import Level, Region

from . import rules as pack
from . import services
from .access import READ_PROBLEMS, RUN_CHECKS, SWITCH_RULES
from .models import RuleSwitch, Run

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser


def region_nav(user: AnyUser, region: str | None) -> tuple[Any, Region | None]:
    """The region of ?region= (404 outside the slice) and its tree, and the chosen region
    (None for the whole slice); 403 without READ_PROBLEMS."""
    return households_listing.region_nav_for(user, region, READ_PROBLEMS)


def page_url(name: str, region: Any = None, **params: Any) -> str:
    """The page's URL for a region (a Region or its pk) and other parameters."""
    if region is not None:
        params = {"region": getattr(region, "pk", region), **params}
    query = urlencode(params)
    return reverse(name) + (f"?{query}" if query else "")


def county_of(region: Region | None) -> Region | None:
    return region if region is not None and region.level == Level.COUNTY else None


def _trend_code(current: Region | None) -> str:
    """Whose kept counts the trend shows: a county or larger (a township reads its county's)."""
    if current is None:
        return ""
    if current.level in (Level.CITY, Level.PROVINCE) or len(current.code) >= 6:
        return current.code
    return ""


def problems_page(user: AnyUser, nav: Any, region: Region | None) -> dict[str, Any]:
    """The problem count of every rule in the region, the county's switched-off rules, what
    the account may do there (run the pack, switch rules) and the trend of the kept runs."""
    current = nav.current
    county = county_of(current)
    households = households_listing.scoped_households(user, region)
    rows = services.counts(
        households, pack.Context.now(), county_code=county.code if county else ""
    )
    off = {}
    if county is not None:
        off = {s.rule: s for s in RuleSwitch.objects.filter(county=county).select_related("by")}
    can_run = (
        current is not None
        and current.level in (Level.PROVINCE, Level.CITY, Level.COUNTY)
        and access.has_region_perm(user, RUN_CHECKS, current)
    )
    trend_code = _trend_code(current)
    return {
        "nav": nav,
        "region": region,
        "children": [(c, page_url("quality:index", c)) for c in nav.children],
        "path": [(n, page_url("quality:index", n)) for n in nav.path],
        "rows": [
            {
                "rule": r.rule,
                "count": r.count,
                "url": page_url("quality:rule_list", region, rule=r.rule.code),
                "switch": off.get(r.rule.code),
            }
            for r in rows
        ],
        "total": sum(r.count for r in rows),
        "county": county,
        "can_switch": county is not None and access.has_region_perm(user, SWITCH_RULES, county),
        "can_run": can_run,
        "last_run": Run.objects.filter(finished_at__isnull=False).first(),
        "trend": services.trend(trend_code) if trend_code else [],
    }


def _villages(rule: pack.Rule, villages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rule's count per village, each linked to the rule's list of that village."""
    known = Region.objects.filter(code__in=[v["village_code"] for v in villages])
    regions = {code: (pk, name) for pk, code, name in known.values_list("pk", "code", "name")}
    return [
        {
            "name": regions.get(code, (None, code))[1],
            "n": v["n"],
            "url": page_url("quality:rule_list", regions[code][0], rule=rule.code)
            if code in regions
            else "",
        }
        for v in villages
        for code in [v["village_code"]]
    ]


def rule_page(
    user: AnyUser, rule: pack.Rule, nav: Any, region: Region | None, page_number: Any
) -> dict[str, Any]:
    """One rule's households in the region (a page of them, each with the page where the
    record is fixed) and the count per village."""
    ctx = pack.Context.now()
    households = households_listing.scoped_households(user, region)
    found = services.effective(rule, households, ctx, services.switches())
    page, rows = households_listing.household_page(found, "number", page_number)
    fix = BY_NUMBER[int(rule.fix.split("_")[1])] if rule.fix.startswith("part_") else None
    for row in rows:
        row.fix_url = reverse(fix.url_name, args=[row.pk]) if fix else row.url  # type: ignore[attr-defined]
    params: dict[str, Any] = {"rule": rule.code}
    if region is not None:
        params["region"] = region.pk
    return {
        "rule": rule,
        "fix_label": fix.label if fix else "贫困户信息",
        "nav": nav,
        "region": region,
        "path": [(n, page_url("quality:rule_list", n, rule=rule.code)) for n in nav.path],
        "villages": _villages(rule, services.by_village(rule, households, ctx)),
        "page": page,
        "rows": rows,
        "page_prefix": "?" + urlencode({**params, "page": ""}),
        "back": page_url("quality:index", region),
    }

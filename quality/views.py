"""数据质量检查: the problems of the slice by rule and village, each household with a link
to fix it; running the pack on demand; switching a rule off for a county."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from households import listing
from households.parts import BY_NUMBER
from poverty_system.core import access
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles
from villages.models import Level, Region

from . import rules as pack
from . import services
from .access import READ_PROBLEMS, READER_ROLES, RUN_CHECKS, SWITCH_RULES
from .models import RuleSwitch, Run

readers = roles(*READER_ROLES)


def _nav(request):
    """The region of ?region= (404 outside the slice) and its tree; 403 without READ_PROBLEMS."""
    nav = listing.region_nav(request.user, request.GET.get("region") or request.POST.get("region"))
    for root in [nav.current] if nav.current is not None else nav.children:
        if not access.has_region_perm(request.user, READ_PROBLEMS, root):
            raise PermissionDenied
    return nav, (nav.current if nav.chosen else None)


def _households(request, region):
    return listing.scoped_households(request.user, region)


def _url(name: str, region=None, **params) -> str:
    """The page's URL for a region (a Region or its pk) and other parameters."""
    if region is not None:
        params = {"region": getattr(region, "pk", region), **params}
    query = urlencode(params)
    return reverse(name) + (f"?{query}" if query else "")


def _county(region):
    return region if region is not None and region.level == Level.COUNTY else None


@readers
def index(request):
    nav, region = _nav(request)
    current = nav.current
    ctx = pack.Context.now()
    county = _county(current)
    rows = services.counts(
        _households(request, region), ctx, county_code=county.code if county else ""
    )
    off = {}
    if county is not None:
        off = {s.rule: s for s in RuleSwitch.objects.filter(county=county).select_related("by")}
    can_switch = county is not None and access.has_region_perm(request.user, SWITCH_RULES, county)
    can_run = (
        current is not None
        and current.level in (Level.PROVINCE, Level.CITY, Level.COUNTY)
        and access.has_region_perm(request.user, RUN_CHECKS, current)
    )
    trend_code = current.code if current is not None and len(current.code) >= 6 else ""
    if current is not None and current.level in (Level.CITY, Level.PROVINCE):
        trend_code = current.code
    return render(
        request,
        "quality/index.html",
        {
            "nav": nav,
            "region": region,
            "children": [(c, _url("quality:index", c)) for c in nav.children],
            "path": [(n, _url("quality:index", n)) for n in nav.path],
            "rows": [
                {
                    "rule": r.rule,
                    "count": r.count,
                    "url": _url("quality:rule_list", region, rule=r.rule.code),
                    "switch": off.get(r.rule.code),
                }
                for r in rows
            ],
            "total": sum(r.count for r in rows),
            "county": county,
            "can_switch": can_switch,
            "can_run": can_run,
            "last_run": Run.objects.filter(finished_at__isnull=False).first(),
            "trend": services.trend(trend_code) if trend_code else [],
        },
    )


@readers
def rule_list(request):
    """One rule's households in the region: the count per village and the household rows,
    each with the page where the record is fixed."""
    rule = pack.get(request.GET.get("rule", ""))
    if rule is None:
        raise Http404
    nav, region = _nav(request)
    ctx = pack.Context.now()
    households = _households(request, region)
    found = services.effective(rule, households, ctx, services.switches())
    page, rows = listing.household_page(found, "number", request.GET.get("page"))
    villages = services.by_village(rule, households, ctx)
    known = Region.objects.filter(code__in=[v["village_code"] for v in villages])
    regions = {code: (pk, name) for pk, code, name in known.values_list("pk", "code", "name")}
    fix = BY_NUMBER[int(rule.fix.split("_")[1])] if rule.fix.startswith("part_") else None
    for row in rows:
        row.fix_url = reverse(fix.url_name, args=[row.pk]) if fix else row.url
    params = {"rule": rule.code}
    if region is not None:
        params["region"] = region.pk
    return render(
        request,
        "quality/rule.html",
        {
            "rule": rule,
            "fix_label": fix.label if fix else "贫困户信息",
            "nav": nav,
            "region": region,
            "path": [(n, _url("quality:rule_list", n, rule=rule.code)) for n in nav.path],
            "villages": [
                {
                    "name": regions.get(code, (None, code))[1],
                    "n": v["n"],
                    "url": _url("quality:rule_list", regions[code][0], rule=rule.code)
                    if code in regions
                    else "",
                }
                for v in villages
                for code in [v["village_code"]]
            ],
            "page": page,
            "rows": rows,
            "page_prefix": "?" + urlencode({**params, "page": ""}),
            "back": _url("quality:index", region),
        },
    )


@require_POST
@roles(Role.CITY, Role.COUNTY)
def run(request):
    nav, region = _nav(request)
    target = nav.current
    if target is None:
        raise Http404
    if not access.has_region_perm(request.user, RUN_CHECKS, target):
        raise PermissionDenied
    try:
        result = services.run_pack(request.actor, target, via="page")
    except services.QualityError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"已完成{target.name}的数据质量检查，用时 {result.seconds:.1f} 秒。"
        )
    return redirect(_url("quality:index", region))


@require_POST
@roles(Role.COUNTY)
def switch(request):
    nav, region = _nav(request)
    county = _county(nav.current)
    if county is None:
        raise Http404
    code = request.POST.get("rule", "")
    try:
        if request.POST.get("action") == "on":
            services.switch_on(request.actor, county, code)
            messages.success(request, f"规则 {code} 已在本县重新启用。")
        else:
            services.switch_off(request.actor, county, code, request.POST.get("reason", ""))
            messages.success(request, f"规则 {code} 已在本县停用。")
    except services.QualityError as exc:
        messages.error(request, exc.message)
    return redirect(_url("quality:index", region))

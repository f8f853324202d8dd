"""数据质量检查: the problems of the slice by rule and village, each household with a link
to fix it; running the pack on demand; switching a rule off for a county."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from poverty_system.core import access
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from . import listing, services
from . import rules as pack
from .access import READER_ROLES, RUN_CHECKS

readers = roles(*READER_ROLES)


def _nav(request):
    return listing.region_nav(request.user, request.GET.get("region") or request.POST.get("region"))


@readers
def index(request):
    nav, region = _nav(request)
    context = listing.problems_page(request.user, nav, region)
    return render(request, "quality/index.html", context)


@readers
def rule_list(request):
    """One rule's households in the region: the count per village and the household rows,
    each with the page where the record is fixed."""
    rule = pack.get(request.GET.get("rule", ""))
    if rule is None:
        raise Http404
    nav, region = _nav(request)
    context = listing.rule_page(request.user, rule, nav, region, request.GET.get("page"))
    return render(request, "quality/rule.html", context)


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
    return redirect(listing.page_url("quality:index", region))


@require_POST
@roles(Role.COUNTY)
def switch(request):
    nav, region = _nav(request)
    county = listing.county_of(nav.current)
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
    return redirect(listing.page_url("quality:index", region))

"""动态管理 › 脱贫 (township) where the county's exits go through 公示, and the county's
识别规则 (公示天数, 脱贫程序, 监督电话)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path

from assessment.listing import exit_page
from assessment.services.exits import LIFTABLE
from households.choices import HouseholdStatus as S
from poverty_system.core import access
from poverty_system.core.dates import current_year
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import services
from ..access import EDIT_RULES, TOWNSHIP_STEPS
from ..chains import EXIT_START
from ..models import CountyRules
from ..states import rules_for
from .common import ERRORS, step_input


@roles(Role.TOWNSHIP)
def exits(request):
    """脱贫: tick households that pass the exit check, record 民主评议/核实 and start their
    exit (村内公示 → 乡镇审核 → (县级核查) → 公告; the status changes at 公告)."""
    error = None
    if request.method == "POST":
        try:
            cases = services.start_exits(
                request.actor,
                request.POST.getlist("households"),
                request.POST.get("to", ""),
                step_input(request),
            )
        except ERRORS as exc:
            error = exc
        else:
            messages.success(
                request, f"已为 {len(cases)} 户发起脱贫，下一环节：【村内公示】（村级账号办理）。"
            )
            return redirect("identification:cases")
    listed = exit_page(request.user, request.GET, LIFTABLE, TOWNSHIP_STEPS)
    roots = access.slice_roots(request.user)
    mode = rules_for(roots[0].code).exit_mode if roots else CountyRules.ExitMode.IMMEDIATE
    return render(
        request,
        "identification/exits.html",
        {
            **listed,
            "error": error,
            "posted": request.POST,
            "ticked": set(request.POST.getlist("households")),
            "step": EXIT_START,
            "mode": CountyRules.ExitMode(mode).label,
            "immediate": mode == CountyRules.ExitMode.IMMEDIATE,
            "year": current_year(),
            "targets": [(S.LIFTED, "脱贫"), (S.LIFTED_NO_SUPPORT, "脱贫(不再享受政策)")],
        },
    )


FIELDS = ("publicity_days", "exit_mode", "township_phone", "county_phone")


@roles(Role.COUNTY)
def rules(request):
    """识别规则 of the county office's county."""
    county = next((r for r in access.slice_roots(request.user) if r.level == "county"), None)
    if county is None:
        return render(request, "identification/rules.html", {"county": None})
    access.check_region_perm(request.user, EDIT_RULES, county)
    current = CountyRules.objects.filter(county=county).first() or CountyRules(county=county)
    error, values = None, {name: getattr(current, name) for name in FIELDS}
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in FIELDS}
        try:
            raw_days = values["publicity_days"]
            if not (raw_days.isascii() and raw_days.isdigit()):
                raise services.IdentificationError("公示天数须为整数。", "publicity_days")
            values["publicity_days"] = int(raw_days)
            if values["exit_mode"] not in CountyRules.ExitMode.values:
                raise services.IdentificationError("请选择脱贫程序。", "exit_mode")
            for name in ("township_phone", "county_phone"):
                if len(values[name]) > 30:
                    raise services.IdentificationError("电话不能超过 30 个字符。", name)
            services.save_rules(
                request.actor, county, values, version=request.POST.get("version") or None
            )
        except ERRORS as exc:
            error = exc
        else:
            messages.success(request, "识别规则已保存。")
            return redirect("identification:rules")
    return render(
        request,
        "identification/rules.html",
        {
            "county": county,
            "rules": current,
            "values": values,
            "error": error,
            "modes": CountyRules.ExitMode.choices,
        },
    )


urlpatterns = [
    path("exits/", exits, name="exits"),
    path("rules/", rules, name="rules"),
]

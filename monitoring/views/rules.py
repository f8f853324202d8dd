"""防止返贫监测 › 监测参数: the county's rules of a year and its holidays (节假日, 调休); the
county office edits them, township and village accounts read them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from poverty_system.core import access
from poverty_system.core.dates import current_year
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.ids import id_or_404
from poverty_system.core.roles import EDIT_MONITORING_RULES, Role
from poverty_system.core.rules import roles
from poverty_system.core.versioning import StaleEdit

from .. import settings_actions
from ..access import county_of
from ..clocks import rules_for
from ..forms import HolidayForm, RulesForm
from ..models import Holiday, MonitoringRules

readers = roles(Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
editors = roles(Role.COUNTY)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    try:
        return settings_actions.check_year(raw) if raw else current_year()
    except ActionError:
        raise Http404 from None


def _page(
    request: HttpRequest,
    year: int,
    form: RulesForm | None = None,
    holiday_form: HolidayForm | None = None,
    status: int = 200,
) -> HttpResponse:
    county = county_of(request.user)
    if county is None:
        return render(request, "monitoring/rules.html", {"county": None})
    saved = MonitoringRules.objects.filter(county=county, year=year).first()
    rules = saved or rules_for(county.code, year)
    if saved is None:  # the defaults or an earlier year's, as a new row of this year
        rules = MonitoringRules(
            county=county,
            county_code=county.code,
            year=year,
            **{name: getattr(rules, name) for name in settings_actions.RULE_FIELDS},
        )
    edit = access.has_region_perm(request.user, EDIT_MONITORING_RULES, county)
    holidays = Holiday.objects.filter(
        Q(county_code="") | Q(county_code=county.code), date__year=year
    ).order_by("date")
    return render(
        request,
        "monitoring/rules.html",
        {
            "county": county,
            "year": year,
            "years": range(2021, current_year() + 2),
            "rules": rules,
            "saved": saved is not None,
            "edit": edit,
            "form": form or RulesForm(instance=rules),
            "holiday_form": holiday_form or HolidayForm(),
            "holidays": holidays,
            "fields": [
                (MonitoringRules._meta.get_field(name).verbose_name, getattr(rules, name))
                for name in settings_actions.RULE_FIELDS
            ],
        },
        status=status,
    )


@readers
def rules(request: HttpRequest) -> HttpResponse:
    """监测参数 of the year (?year=), the county's holidays and 调休 of that year."""
    return _page(request, _year(request))


def _county_or_404(request: HttpRequest) -> Any:
    county = county_of(request.user)
    if county is None:
        raise Http404
    return county


@editors
@require_POST
def rules_save(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    county = _county_or_404(request)
    form = RulesForm(request.POST)
    if form.is_valid():
        try:
            settings_actions.save_rules(
                request.actor,
                county,
                year,
                {name: form.cleaned_data[name] for name in settings_actions.RULE_FIELDS},
                version=form.cleaned_data.get("version"),
            )
        except ActionError as exc:
            show_error(form, exc)
            return _page(
                request, year, form=form, status=409 if isinstance(exc, StaleEdit) else 400
            )
        else:
            messages.success(request, f"{year}年监测参数已保存。")
            return redirect(reverse("monitoring:rules") + f"?year={year}")
    return _page(request, year, form=form, status=400)


@editors
@require_POST
def holiday_add(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    county = _county_or_404(request)
    form = HolidayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            holiday = settings_actions.add_holiday(
                request.actor, county, data["date"], data["name"], workday=data["workday"]
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已登记 {holiday.date:%Y-%m-%d} {holiday.name}。")
            return redirect(reverse("monitoring:rules") + f"?year={holiday.date.year}")
    return _page(request, year, holiday_form=form, status=400)


@editors
@require_POST
def holiday_remove(request: HttpRequest, pk: int) -> HttpResponse:
    settings_actions.remove_holiday(request.actor, id_or_404(pk))
    messages.success(request, "已删除。")
    return redirect(reverse("monitoring:rules") + f"?year={_year(request)}")


urlpatterns = [
    path("rules/", rules, name="rules"),
    path("rules/save/", rules_save, name="rules_save"),
    path("rules/holidays/add/", holiday_add, name="holiday_add"),
    path("rules/holidays/<int:pk>/remove/", holiday_remove, name="holiday_remove"),
]

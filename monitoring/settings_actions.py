"""监测参数 and 节假日: the county office keeps its county's rules of each year (the line, the
clocks, the department thresholds) and its holidays and 调休 working days as data, versioned
and audited. Township and village accounts read them (monitoring.views.rules)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import Http404

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.roles import EDIT_MONITORING_RULES
from poverty_system.core.versioning import bump, check_version, parse_version

from .access import filter_counties
from .errors import MonitoringError
from .models import Holiday, MonitoringRules

if TYPE_CHECKING:
    from villages.models import Region

# field -> (label, lowest, highest): what a county may set, with its sensible bounds.
DAY_FIELDS: dict[str, tuple[str, int, int]] = {
    "visit_days": ("入户核实时限", 1, 30),
    "decision_days": ("识别办结时限", 1, 90),
    "publicity_days": ("村内公示天数", 5, 30),
    "elimination_months": ("风险消除最短监测期", 6, 60),
    "measure_days": ("落实措施时限", 1, 365),
}
MONEY_FIELDS: dict[str, tuple[str, Decimal, Decimal]] = {
    "line": ("监测范围", Decimal("1000"), Decimal("100000")),
    "medical_threshold_lifted": ("脱贫人口医保合规自付预警线", Decimal("0"), Decimal("1000000")),
    "medical_threshold_other": ("其他农户医保合规自付预警线", Decimal("0"), Decimal("1000000")),
    "emergency_loss_threshold": ("受灾损失预警线", Decimal("0"), Decimal("10000000")),
}
RULE_FIELDS = (*MONEY_FIELDS, *DAY_FIELDS)
HOLIDAY_NAME_MAX = 30


def _check_county(actor: Actor, county: Region) -> None:
    if county.level != "county":
        raise MonitoringError("监测参数按县（区）设置。")
    access.check_region_perm(actor.user, EDIT_MONITORING_RULES, county)


def check_year(year: Any) -> int:
    """A year a county may set rules for: from 2021 (the monitoring began) to next year."""
    number = parse_version(year)  # a positive integer or None
    if number is None or not 2021 <= number <= current_year() + 1:
        raise MonitoringError(f"年度须在 2021 到 {current_year() + 1} 年之间。", "year")
    return number


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, (label, low, high) in DAY_FIELDS.items():
        value = values.get(name)
        if not isinstance(value, int) or not low <= value <= high:
            raise MonitoringError(f"{label}须在 {low} 到 {high} 之间。", name)
        clean[name] = value
    for name, (label, lo, hi) in MONEY_FIELDS.items():
        value = values.get(name)
        if not isinstance(value, Decimal) or not lo <= value <= hi:
            raise MonitoringError(f"{label}须在 {lo} 到 {hi} 元之间。", name)
        clean[name] = value
    if clean["decision_days"] < clean["publicity_days"]:
        raise MonitoringError("识别办结时限不能短于村内公示天数。", "decision_days")
    return clean


def save_rules(
    actor: Actor, county: Region, year: Any, values: dict[str, Any], *, version: Any
) -> MonitoringRules:
    """Save the county's 监测参数 of the year. `version` is what the form was opened with (0
    for rules not saved yet): a save from a form opened before another's is refused."""
    _check_county(actor, county)
    year = check_year(year)
    clean = _clean(values)
    with transaction.atomic(durable=True):
        rules = MonitoringRules.objects.select_for_update().filter(county=county, year=year).first()
        if rules is None:
            rules = MonitoringRules(county=county, county_code=county.code, year=year)
        else:
            check_version(rules, version, what=f"{year}年监测参数")
        before = {name: str(getattr(rules, name)) for name in RULE_FIELDS}
        for name, value in clean.items():
            setattr(rules, name, value)
        bump(rules)
        rules.save()
        audit.record(
            actor,
            audit.MONITORING_RULES,
            obj=rules,
            region_code=county.code,
            detail={
                "year": year,
                "changed": {
                    name: [before[name], str(clean[name])]
                    for name in RULE_FIELDS
                    if before[name] != str(clean[name])
                },
            },
        )
    return rules


def add_holiday(
    actor: Actor, county: Region, day: datetime.date | None, name: str, *, workday: bool
) -> Holiday:
    """A holiday of the county (a day off), or with `workday` a 调休 weekend worked."""
    _check_county(actor, county)
    if day is None:
        raise MonitoringError("请填写日期（例如 2026-10-01）。", "date")
    name = (name or "").strip()
    if not name:
        raise MonitoringError("请填写名称（例如 国庆节）。", "name")
    if len(name) > HOLIDAY_NAME_MAX:
        raise MonitoringError(f"名称不能超过 {HOLIDAY_NAME_MAX} 字。", "name")
    if workday and day.weekday() < 5:
        raise MonitoringError("调休上班日应为周六或周日。", "date")
    if not workday and day.weekday() >= 5:
        raise MonitoringError("周六、周日本就不计工作日，无需登记为节假日。", "date")
    try:
        with transaction.atomic(durable=True):
            holiday = Holiday.objects.create(
                county_code=county.code, date=day, name=name, workday=workday
            )
            audit.record(
                actor,
                audit.MONITORING_RULES,
                obj=holiday,
                region_code=county.code,
                detail={"holiday": "add", "date": day.isoformat(), "workday": workday},
            )
    except IntegrityError:
        raise MonitoringError(f"{day:%Y-%m-%d} 已登记。", "date") from None
    return holiday


def remove_holiday(actor: Actor, pk: Any) -> None:
    """Remove one of the county's days (the national list is not the county's to change)."""
    try:
        holiday = (
            filter_counties(Holiday.objects.exclude(county_code=""), actor.user).filter(pk=pk).get()
        )
    except (Holiday.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    from villages.models import Region

    county = Region.objects.get(code=holiday.county_code, level="county")
    _check_county(actor, county)
    with transaction.atomic(durable=True):
        Holiday.objects.filter(pk=holiday.pk).delete()
        audit.record(
            actor,
            audit.MONITORING_RULES,
            obj=holiday,
            region_code=county.code,
            detail={"holiday": "remove", "date": holiday.date.isoformat()},
        )

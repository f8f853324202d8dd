"""帮扶考核: exit criteria as data, poor-village and poor-county records, scale plans.

Household statuses are not here: households.lifecycle owns them; the assessment actions call it.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from poverty_system.core.changelog import ExplicitHistory, PhoneHistory
from poverty_system.core.versioning import Versioned

MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0")}


class ExitCriteria(Versioned, models.Model):
    """脱贫标准 of one year for a region and its subtree (the nearest ancestor's row applies);
    a row without a region is the default for the whole tree."""

    year = models.PositiveSmallIntegerField("年度")
    region = models.ForeignKey(
        "villages.Region",
        verbose_name="适用区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The region's code ("" for the default): the nearest ancestor is the longest code that
    # starts a household's village code.
    region_code = models.CharField("区域代码", max_length=12, blank=True, editable=False)
    income_line = models.DecimalField("人均纯收入标准线（元）", max_digits=10, decimal_places=2)
    check_food_clothing = models.BooleanField("不愁吃、不愁穿", default=True)
    check_school = models.BooleanField("义务教育有保障（无义务教育阶段辍学）", default=True)
    check_medical = models.BooleanField(
        "基本医疗有保障（在册成员均参加基本医疗保险）", default=True
    )
    check_housing = models.BooleanField("住房安全有保障（非C/D级危房）", default=True)
    check_water = models.BooleanField("饮水安全有保障", default=True)
    is_default = models.BooleanField("系统默认值", default=False, editable=False)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "脱贫标准"
        verbose_name_plural = "脱贫标准"
        constraints = [
            models.UniqueConstraint(fields=["year", "region"], name="exit_criteria_year_region"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(region__isnull=True), name="exit_criteria_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region or '全部区域（默认）'}"


class PoorVillage(Versioned, models.Model):
    """贫困村信息: the township's record of a poor village for a year. Poor households and poor
    population come from the household data; the incidence is computed."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已上报"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "审核通过"
        EXITED = "exited", "已出列"

    village = models.ForeignKey(
        "villages.Region", verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    state = models.CharField(
        "状态", max_length=10, choices=State.choices, default=State.DRAFT, editable=False
    )
    households = models.PositiveIntegerField("总户数")
    population = models.PositiveIntegerField("总人口")
    poor_households = models.PositiveIntegerField("贫困户数", default=0, editable=False)
    poor_population = models.PositiveIntegerField("贫困人口", default=0, editable=False)
    incidence = models.DecimalField(
        "贫困发生率（%）", max_digits=6, decimal_places=2, default=Decimal("0"), editable=False
    )
    collective_income = models.DecimalField("村集体经济收入（元）", **MONEY)
    has_hardened_road = models.BooleanField("通硬化路", default=False)
    has_safe_water = models.BooleanField("通安全饮用水", default=False)
    has_power = models.BooleanField("通生产生活用电", default=False)
    has_broadband = models.BooleanField("通宽带", default=False)
    has_clinic = models.BooleanField("有标准化卫生室", default=False)
    has_school = models.BooleanField("有小学或教学点", default=False)
    note = models.TextField("其他情况", blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["created_at"])

    class Meta:
        verbose_name = "贫困村信息"
        verbose_name_plural = "贫困村信息"
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="poor_village_year")
        ]
        indexes = [models.Index(fields=["village_code", "year"], name="poor_village_slice")]

    def __str__(self) -> str:
        return f"{self.village}（{self.year}年）"


class PoorVillageEvent(models.Model):
    """One state change of a poor-village record (上报, 审核通过, 退回, 出列); append-only."""

    record = models.ForeignKey(
        PoorVillage, verbose_name="贫困村信息", on_delete=models.PROTECT, related_name="events"
    )
    from_state = models.CharField("原状态", max_length=10, choices=PoorVillage.State.choices)
    to_state = models.CharField("新状态", max_length=10, choices=PoorVillage.State.choices)
    reason = models.CharField("意见/原因", max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "贫困村状态变更"
        verbose_name_plural = "贫困村状态变更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.from_state} → {self.to_state}"


class PoorCounty(Versioned, models.Model):
    """贫困县信息: entered by the county office of a poor county; the city reads it."""

    county = models.OneToOneField(
        "villages.Region", verbose_name="县", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县区划代码", max_length=12, editable=False)
    category = models.CharField(
        "贫困县类别",
        max_length=20,
        choices=[
            ("national", "国家扶贫开发工作重点县"),
            ("contiguous", "集中连片特困地区县"),
            ("provincial", "省级扶贫开发工作重点县"),
        ],
        default="national",
    )
    population = models.PositiveIntegerField("总人口")
    rural_population = models.PositiveIntegerField("农业人口")
    farmer_income_per_capita = models.DecimalField("农民人均可支配收入（元）", **MONEY)
    fiscal_revenue = models.DecimalField("地方财政一般预算收入（万元）", **MONEY)
    planned_exit_year = models.PositiveSmallIntegerField("计划摘帽年度", null=True, blank=True)
    note = models.TextField("其他情况", blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["created_at"])

    class Meta:
        verbose_name = "贫困县信息"
        verbose_name_plural = "贫困县信息"

    def __str__(self) -> str:
        return str(self.county)


class ScalePlan(Versioned, models.Model):
    """脱贫规模 of a region for a year, set by the office one level up. Last year's poor
    population and the planned population are computed, not stored."""

    region = models.ForeignKey(
        "villages.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区域代码", max_length=12, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    planned_exits = models.PositiveIntegerField("计划脱贫人口")
    planned_new = models.PositiveIntegerField("计划新识别人口", default=0)

    history = ExplicitHistory(bases=[PhoneHistory])

    class Meta:
        verbose_name = "脱贫规模"
        verbose_name_plural = "脱贫规模"
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="scale_plan_region_year")
        ]

    def __str__(self) -> str:
        return f"{self.region}（{self.year}年）"

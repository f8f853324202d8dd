"""Assisting units (帮扶单位, 驻村工作队), their cadres (帮扶干部) and the pairings of the
Ganzhou manual's procedures 1, 3, 4, 7, 8 and 9.

Pairings are workflow periods: rows with a start and an end (who ended them, how, why), at
most one active per subject by a partial unique constraint. Ending a period never deletes it:
the history and the yearly archive read the ended rows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from poverty_system.core.changelog import ExplicitHistory, PhoneHistory
from poverty_system.core.periods import Period
from poverty_system.core.roles import SLICE
from poverty_system.core.versioning import Versioned

if TYPE_CHECKING:
    from poverty_system.core.actor import Actor


class UnitType(models.TextChoices):
    PARTY_GOVERNMENT = "party_government", "党政机关"
    INSTITUTION = "institution", "事业单位"
    ENTERPRISE = "enterprise", "国有企业"
    WORK_TEAM = "work_team", "驻村工作队"
    OTHER = "other", "其他"


class Unit(Versioned):
    name = models.CharField("单位名称", max_length=100)
    unit_type = models.CharField(
        "单位类型", max_length=20, choices=UnitType.choices, default=UnitType.PARTY_GOVERNMENT
    )
    # The county (or a township of it) the unit belongs to: its villages are the unit's choice.
    region = models.ForeignKey(
        "villages.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="units"
    )
    address = models.CharField("单位地址", max_length=200, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["created_at"])

    class Meta:
        verbose_name = "帮扶单位"
        verbose_name_plural = "帮扶单位"
        # A unit account's slice: what it may do there follows from its role (roles.py).
        permissions = [(SLICE, "本单位（帮扶单位账号的辖区）")]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique_in_region")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def county(self):
        """The county the unit belongs to (its region, or the region's county)."""
        region = self.region
        return region if region.level == "county" else region.parent


class EndKind(models.TextChoices):
    CANCELLED = "cancelled", "取消关联"
    UNASSIGNED = "unassigned", "解除分配"
    UNLINKED = "unlinked", "单位取消帮扶"
    TRANSFER = "transfer", "干部调离"
    DEPARTURE = "departure", "干部离开"
    REORGANIZED = "reorganized", "单位合并/拆分"
    YEARLY_RESET = "yearly_reset", "年度结对重置"


class Pairing(Period):
    """A pairing is a workflow period that also says its year, who started it and how it
    ended (`EndKind`)."""

    year = models.PositiveSmallIntegerField("年度")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    end_kind = models.CharField("结束方式", max_length=20, choices=EndKind.choices, blank=True)

    END_FIELDS = (*Period.END_FIELDS, "end_kind")

    class Meta:
        abstract = True

    def end(
        self,
        actor: Actor,
        reason: str = "",
        *,
        at: datetime.datetime | None = None,
        kind: str = "",
    ) -> None:
        super().end(actor, reason, at=at)
        self.end_kind = kind


class UnitVillage(Pairing, Versioned):
    """帮扶村: a unit assists a village; the assistance plan (帮扶规划) is on the link, the
    annual plans (年度帮扶计划) one per year in AnnualPlan."""

    unit = models.ForeignKey(
        Unit, verbose_name="帮扶单位", on_delete=models.PROTECT, related_name="village_links"
    )
    village = models.ForeignKey(
        "villages.Region", verbose_name="帮扶村", on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)
    plan = models.TextField("帮扶规划", blank=True)
    history = ExplicitHistory(bases=[PhoneHistory])

    class Meta:
        verbose_name = "帮扶村"
        verbose_name_plural = "帮扶村"
        constraints = [Period.one_active("one_active_link_per_unit_village", "unit", "village")]
        indexes = [models.Index(fields=["village_code"], name="unitvillage_code")]

    def __str__(self) -> str:
        return f"{self.unit} → {self.village}"


class AnnualPlan(Versioned):
    link = models.ForeignKey(
        UnitVillage, verbose_name="帮扶村", on_delete=models.PROTECT, related_name="annual_plans"
    )
    year = models.PositiveSmallIntegerField("年度")
    content = models.TextField("年度帮扶计划")
    history = ExplicitHistory(bases=[PhoneHistory])

    class Meta:
        verbose_name = "年度帮扶计划"
        verbose_name_plural = "年度帮扶计划"
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["link", "year"], name="one_annual_plan_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.link} {self.year}"


class HouseholdLink(Pairing):
    """关联单位: a village links a household to a unit assisting its village; the township
    cancels a link with a reason (取消关联)."""

    household = models.ForeignKey(
        "households.Household",
        verbose_name="贫困户",
        on_delete=models.PROTECT,
        related_name="unit_links",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="帮扶单位", on_delete=models.PROTECT, related_name="household_links"
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)

    class Meta:
        verbose_name = "贫困户关联单位"
        verbose_name_plural = "贫困户关联单位"
        constraints = [Period.one_active("one_active_unit_link_per_household", "household")]
        indexes = [
            models.Index(fields=["village_code"], name="householdlink_code"),
            models.Index(fields=["unit", "ended_at"], name="householdlink_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} → {self.unit_id}"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class PoliticalStatus(models.TextChoices):
    CPC = "cpc", "中共党员"
    PROBATIONARY = "probationary", "中共预备党员"
    LEAGUE = "league", "共青团员"
    OTHER_PARTY = "other_party", "民主党派"
    MASSES = "masses", "群众"


class Cadre(Versioned):
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="cadres"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cadre",
    )
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices, blank=True)
    id_number = models.CharField("身份证号码", max_length=18, blank=True)
    phone = models.CharField("手机号码", max_length=11, blank=True)
    position = models.CharField("职务", max_length=50, blank=True)
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    left_at = models.DateTimeField("离开时间", null=True, blank=True)
    history = ExplicitHistory(bases=[PhoneHistory])

    class Meta:
        verbose_name = "帮扶干部"
        verbose_name_plural = "帮扶干部"
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="unique_cadre_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def serving(self) -> bool:
        return self.left_at is None

    @property
    def masked_id_number(self) -> str:
        from households import idnumbers

        return idnumbers.mask(self.id_number) if self.id_number else ""


class TransferKind(models.TextChoices):
    TRANSFER = "transfer", "调离"
    SECONDMENT = "secondment", "借调"
    RETURN = "return", "借调回"
    MERGE = "merge", "单位合并"
    SPLIT = "split", "单位拆分"


class Transfer(models.Model):
    """One move of a cadre between units (调离/借调/借调回, or a merge/split)."""

    # Set by units.services.transfer_cadre for the page: assignments ended, and kept.
    ended: int
    kept: int

    cadre = models.ForeignKey(
        Cadre, verbose_name="帮扶干部", on_delete=models.PROTECT, related_name="transfers"
    )
    from_unit = models.ForeignKey(
        Unit, verbose_name="原单位", on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        Unit, verbose_name="调入单位", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("方式", max_length=20, choices=TransferKind.choices)
    date = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("操作时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "干部调动"
        verbose_name_plural = "干部调动"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.cadre}: {self.from_unit} → {self.to_unit}"


class Assignment(Pairing):
    """分配: a unit pairs a household linked to it with one of its cadres."""

    cadre = models.ForeignKey(
        Cadre, verbose_name="帮扶干部", on_delete=models.PROTECT, related_name="assignments"
    )
    household = models.ForeignKey(
        "households.Household",
        verbose_name="贫困户",
        on_delete=models.PROTECT,
        related_name="cadre_assignments",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="帮扶单位", on_delete=models.PROTECT, related_name="assignments"
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)

    class Meta:
        verbose_name = "结对帮扶"
        verbose_name_plural = "结对帮扶"
        constraints = [Period.one_active("one_active_assignment_per_household", "household")]
        indexes = [
            models.Index(fields=["village_code"], name="assignment_code"),
            models.Index(fields=["cadre", "ended_at"], name="assignment_cadre"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} ↔ {self.household_id}"


class Survey(Versioned):
    """贫困户信息调查情况表 of one household and year, filled by its cadre."""

    household = models.ForeignKey(
        "households.Household",
        verbose_name="贫困户",
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    year = models.PositiveSmallIntegerField("年度")
    wishes = models.TextField("发展意愿", blank=True)
    exit_year = models.PositiveSmallIntegerField("计划脱贫年度", null=True, blank=True)
    exit_plan = models.TextField("脱贫计划说明", blank=True)
    cadre = models.ForeignKey(
        Cadre,
        verbose_name="填写干部",
        null=True,
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "贫困户信息调查情况表"
        verbose_name_plural = "贫困户信息调查情况表"
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="one_survey_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"


class MeasureKind(models.TextChoices):
    INDUSTRY = "industry", "产业扶贫"
    EMPLOYMENT = "employment", "就业扶贫"
    EDUCATION = "education", "教育扶贫"
    HEALTH = "health", "健康扶贫"
    HOUSING = "housing", "安居扶贫"
    RELOCATION = "relocation", "易地搬迁"
    SOCIAL_SECURITY = "social_security", "社会保障兜底"
    # The measures of 防止返贫监测 (development for a household with labour, 兜底 without).
    PUBLIC_JOB = "public_job", "公益岗位"
    MICRO_CREDIT = "micro_credit", "小额信贷"
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困供养"
    DISABILITY_AID = "disability_aid", "残疾人补贴"
    OTHER = "other", "其他"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", "计划中"
    ONGOING = "ongoing", "实施中"
    DONE = "done", "已完成"


class Measure(models.Model):
    """帮扶措施: one structured measure of a survey."""

    survey = models.ForeignKey(
        Survey, verbose_name="调查表", on_delete=models.CASCADE, related_name="measures"
    )
    kind = models.CharField("措施类型", max_length=20, choices=MeasureKind.choices)
    description = models.CharField("措施内容", max_length=300)
    amount = models.DecimalField(
        "金额（元）", max_digits=12, decimal_places=2, default=Decimal("0")
    )
    status = models.CharField(
        "落实情况", max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("结束日期", null=True, blank=True)
    # The risk (风险) a measure answers in the 2026 monitoring workflow; that model does not
    # exist yet, so this holds its id, nullable, until the monitoring issue adds the relation.
    risk_id = models.PositiveBigIntegerField("关联风险", null=True, blank=True)
    history = ExplicitHistory(bases=[PhoneHistory])

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.description}"


class VisitLog(models.Model):
    """帮扶日志: a cadre's visit to an assigned household."""

    household = models.ForeignKey(
        "households.Household",
        verbose_name="贫困户",
        on_delete=models.PROTECT,
        related_name="visit_logs",
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name="帮扶干部", on_delete=models.PROTECT, related_name="visit_logs"
    )
    date = models.DateField("走访日期")
    content = models.TextField("走访内容")
    photo = models.ImageField("照片", upload_to="visits/%Y/%m/", blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "帮扶日志"
        verbose_name_plural = "帮扶日志"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.date}"


class YearlyReset(models.Model):
    """One yearly reset of pairings (2016-05-12 in the manual) of a city or county."""

    region = models.ForeignKey(
        "villages.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("归档年度")
    counts = models.JSONField("归档数量", default=dict)
    at = models.DateTimeField("时间", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "年度结对重置"
        verbose_name_plural = "年度结对重置"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class UnitUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="grants")

    class Meta(UserObjectPermissionBase.Meta):
        pass


class UnitGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")

    class Meta(GroupObjectPermissionBase.Meta):
        pass

"""Registered poor households (建档立卡贫困户), their members, claims and status history.

The fields follow the national registration form (扶贫对象登记表) in its 7 parts. Households
are scoped by `village_code`, the 12-digit code of their village stored on the row: a slice
is one index range on it (see poverty_system.core.access.code_filter). Every edit is kept by
django-simple-history, with the verified phone of the village session (修改日志).
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from poverty_system.core.changelog import ExplicitHistory, PhoneHistory
from poverty_system.core.periods import Period
from poverty_system.core.versioning import Versioned

from . import idnumbers, validators
from .choices import (
    ETHNICITY_CHOICES,
    Attribute,
    Cause,
    Education,
    Fuel,
    Gender,
    Health,
    HouseDanger,
    HouseholdStatus,
    IdentificationStandard,
    Labour,
    MemberChange,
    Relation,
    RoadType,
    SchoolStatus,
    WorkStatus,
)

AREA = {
    "max_digits": 10,
    "decimal_places": 2,
    "default": Decimal("0"),
    "validators": [validators.area_max],
}
MONEY = {
    "max_digits": 12,
    "decimal_places": 2,
    "default": Decimal("0"),
    "validators": [validators.money_max],
}
PAST = {"null": True, "blank": True, "validators": [validators.not_in_future]}
# Part 3's amounts in yuan, in the form's order; 人均纯收入 is computed from them.
INCOME_FIELDS = (
    "wage_income",
    "business_income",
    "property_income",
    "family_planning_subsidy",
    "dibao_subsidy",
    "wubao_subsidy",
    "pension_income",
    "ecological_compensation",
    "other_transfer_income",
    "production_costs",
)
MONEY_FIELDS = frozenset({*INCOME_FIELDS, "net_income_per_capita"})


class Household(Versioned, models.Model):
    # Part 1 · 家庭基本情况
    number = models.CharField("户编号", max_length=16, unique=True, editable=False)
    village = models.ForeignKey(
        "villages.Region",
        verbose_name="所属村",
        on_delete=models.PROTECT,
        related_name="households",
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)
    group = models.CharField("村民小组", max_length=30, blank=True)
    attribute = models.CharField(
        "贫困户属性", max_length=20, choices=Attribute.choices, default=Attribute.GENERAL
    )
    standard = models.CharField(
        "识别标准",
        max_length=20,
        choices=IdentificationStandard.choices,
        default=IdentificationStandard.NATIONAL,
    )
    status = models.CharField(
        "状态", max_length=20, choices=HouseholdStatus.choices, default=HouseholdStatus.REGISTERING
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    bank_name = models.CharField("开户银行", max_length=50, blank=True)
    bank_account = models.CharField("银行账号", max_length=30, blank=True)
    # Kept in step with the members by the member actions: lists sort and filter on them.
    head_name = models.CharField("户主姓名", max_length=50, blank=True, editable=False)
    size = models.PositiveSmallIntegerField("家庭人口", default=0, editable=False)

    # Part 2 · 家庭生产情况
    arable_area = models.DecimalField("耕地面积（亩）", **AREA)
    irrigated_area = models.DecimalField("有效灌溉面积（亩）", **AREA)
    forest_area = models.DecimalField("林地面积（亩）", **AREA)
    returned_farmland_area = models.DecimalField("退耕还林面积（亩）", **AREA)
    pasture_area = models.DecimalField("牧草地面积（亩）", **AREA)
    water_surface_area = models.DecimalField("水面面积（亩）", **AREA)
    has_production_power = models.BooleanField("是否通生产用电", default=True)
    has_household_power = models.BooleanField("是否通生活用电", default=True)
    drinking_water_safe = models.BooleanField("饮水是否安全", default=True)
    drinking_water_difficult = models.BooleanField("饮水是否困难", default=False)
    distance_to_road_km = models.DecimalField(
        "与村主干路距离（公里）",
        max_digits=6,
        decimal_places=1,
        default=Decimal("0"),
        validators=[validators.distance_max],
    )
    road_type = models.CharField(
        "入户路类型", max_length=20, choices=RoadType.choices, default=RoadType.HARDENED
    )
    housing_area = models.DecimalField(
        "住房面积（平方米）", **{**AREA, "validators": [validators.housing_area_max]}
    )
    house_danger = models.CharField(
        "是否危房", max_length=10, choices=HouseDanger.choices, default=HouseDanger.NONE
    )
    has_sanitary_toilet = models.BooleanField("有无卫生厕所", default=False)
    main_fuel = models.CharField(
        "主要燃料类型", max_length=20, choices=Fuel.choices, default=Fuel.FIREWOOD
    )
    in_cooperative = models.BooleanField("是否加入农民专业合作社", default=False)

    # Part 3 · 家庭收入情况 (yuan per year)
    wage_income = models.DecimalField("工资性收入", **MONEY)
    business_income = models.DecimalField("生产经营性收入", **MONEY)
    property_income = models.DecimalField("财产性收入", **MONEY)
    family_planning_subsidy = models.DecimalField("计划生育金", **MONEY)
    dibao_subsidy = models.DecimalField("低保金", **MONEY)
    wubao_subsidy = models.DecimalField("五保金", **MONEY)
    pension_income = models.DecimalField("养老保险金", **MONEY)
    ecological_compensation = models.DecimalField("生态补偿金", **MONEY)
    other_transfer_income = models.DecimalField("其他转移性收入", **MONEY)
    production_costs = models.DecimalField("生产经营性支出", **MONEY)
    # Computed from the parts and the active members, never typed (see recompute_income).
    net_income_per_capita = models.DecimalField(
        "人均纯收入", max_digits=12, decimal_places=2, default=Decimal("0"), editable=False
    )

    # Part 4 · 致贫原因调查
    main_cause = models.CharField("主要致贫原因", max_length=20, choices=Cause.choices, blank=True)
    other_causes = models.JSONField("其他致贫原因", default=list, blank=True)
    cause_note = models.CharField("致贫原因说明", max_length=200, blank=True)

    # Part 5 · 扶贫对象申请表
    application_statement = models.TextField("申请理由", max_length=validators.TEXT_MAX, blank=True)
    application_date = models.DateField("申请日期", **PAST)

    # Part 6 · 扶贫对象认定调查表
    survey_by = models.CharField("调查人", max_length=50, blank=True)
    survey_date = models.DateField("调查日期", **PAST)
    survey_findings = models.TextField("调查情况", max_length=validators.TEXT_MAX, blank=True)

    # Part 7 · 扶贫对象审批表
    appraisal_date = models.DateField("民主评议日期", **PAST)
    appraisal_result = models.CharField("民主评议结果", max_length=200, blank=True)
    first_publicity_date = models.DateField("村内第一次公示日期", **PAST)
    first_publicity_result = models.CharField("第一次公示结果", max_length=200, blank=True)
    township_review_date = models.DateField("乡镇审核日期", **PAST)
    township_review_result = models.CharField("乡镇审核意见", max_length=200, blank=True)
    second_publicity_date = models.DateField("乡镇第二次公示日期", **PAST)
    second_publicity_result = models.CharField("第二次公示结果", max_length=200, blank=True)
    county_approval_date = models.DateField("县级审批日期", **PAST)
    county_approval_result = models.CharField("县级审批意见", max_length=200, blank=True)

    # Registration progress: the number of parts saved, in the manual's order (0–7).
    parts_done = models.PositiveSmallIntegerField("已填写部分", default=0, editable=False)
    registered_at = models.DateTimeField("登记完成时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["created_at"])

    class Meta:
        verbose_name = "贫困户"
        verbose_name_plural = "贫困户"
        indexes = [
            # Slice ranges and the default order of lists: village code, then number.
            models.Index(fields=["village_code", "number"], name="household_slice_order"),
            # The list's filters, each with the slice range and the list order after it: a
            # filtered page (and its count) is one index range, however deep.
            models.Index(
                fields=["status", "village_code", "number"], name="household_status_slice"
            ),
            models.Index(
                fields=["main_cause", "village_code", "number"], name="household_cause_slice"
            ),
            models.Index(
                fields=["attribute", "village_code", "number"], name="household_attribute_slice"
            ),
            # The list's other sort orders read only these columns: sorting a county's page
            # is an index-only scan and a sort, not a table scan.
            models.Index(
                fields=["village_code", "net_income_per_capita", "size", "head_name", "number"],
                name="household_sort_columns",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.head_name or '（未填户主）'}（{self.number}）"

    @property
    def transfer_income(self) -> Decimal:
        return (
            self.family_planning_subsidy
            + self.dibao_subsidy
            + self.wubao_subsidy
            + self.pension_income
            + self.ecological_compensation
            + self.other_transfer_income
        )

    @property
    def total_income(self) -> Decimal:
        return self.wage_income + self.business_income + self.property_income + self.transfer_income

    def recompute_income(self) -> None:
        """人均纯收入 = (total income − production costs) / active household size."""
        if self.size:
            value = (self.total_income - self.production_costs) / self.size
            self.net_income_per_capita = value.quantize(Decimal("0.01"))
        else:
            self.net_income_per_capita = Decimal("0")

    @property
    def is_registered(self) -> bool:
        return self.parts_done >= 7


class Member(models.Model):
    household = models.ForeignKey(
        Household, verbose_name="所属户", on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号码", max_length=18)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices, editable=False)
    birth_date = models.DateField("出生日期", editable=False)
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices)
    ethnicity = models.CharField("民族", max_length=10, choices=ETHNICITY_CHOICES, default="汉族")
    education = models.CharField("文化程度", max_length=20, choices=Education.choices, blank=True)
    school_status = models.CharField(
        "在校生状况",
        max_length=20,
        choices=SchoolStatus.choices,
        default=SchoolStatus.NOT_IN_SCHOOL,
    )
    health = models.CharField(
        "健康状况", max_length=20, choices=Health.choices, default=Health.HEALTHY
    )
    labour = models.CharField(
        "劳动能力", max_length=20, choices=Labour.choices, default=Labour.ORDINARY
    )
    work_status = models.CharField(
        "务工状况", max_length=20, choices=WorkStatus.choices, default=WorkStatus.NONE
    )
    months_away = models.PositiveSmallIntegerField(
        "务工时间（月）", default=0, validators=[validators.AtMost(12, "12 个月")]
    )
    has_basic_medical = models.BooleanField("是否参加城乡居民基本医疗保险", default=True)
    has_serious_illness = models.BooleanField("是否参加大病保险", default=False)
    has_pension = models.BooleanField("是否参加城乡居民基本养老保险", default=False)

    # 人口自然变更: a removed member stays (greyed) and no longer counts.
    active = models.BooleanField("在册", default=True)
    change = models.CharField("变更类型", max_length=20, choices=MemberChange.choices, blank=True)
    change_month = models.DateField(
        "变更年月", null=True, blank=True, validators=[validators.month_not_in_future]
    )
    change_note = models.CharField("变更说明", max_length=200, blank=True)

    history = ExplicitHistory(bases=[PhoneHistory])

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        constraints = [
            # An ID number belongs to one active member in the whole system.
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(active=True), name="unique_active_id_number"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(active=True, relation="head"),
                name="one_active_head_per_household",
            ),
        ]
        indexes = [
            models.Index(fields=["id_number"], name="member_id_number"),
            # 控辍保学 (统计's 6–15周岁未在校 and its list): school-age children out of school are
            # one range per status on this index, not a scan of every member.
            models.Index(fields=["school_status", "birth_date"], name="member_school_birth"),
        ]

    def __str__(self) -> str:
        return self.name

    def fill_from_id_number(self) -> None:
        self.id_number = idnumbers.normalize(self.id_number)
        self.gender = idnumbers.gender(self.id_number)
        self.birth_date = idnumbers.birth_date(self.id_number)

    @property
    def masked_id_number(self) -> str:
        return idnumbers.mask(self.id_number)


class Claim(Period):
    """认领: a village account's verified phone takes charge of a household, a workflow
    period (poverty_system.core.periods): started when claimed, ended when cancelled."""

    household = models.ForeignKey(
        Household, verbose_name="贫困户", on_delete=models.PROTECT, related_name="claims"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="村级账号",
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.ForeignKey(
        "villages.VillagePhone",
        verbose_name="认领手机号",
        on_delete=models.PROTECT,
        related_name="claims",
    )

    class Meta:
        verbose_name = "认领"
        verbose_name_plural = "认领"
        constraints = [Period.one_active("one_active_claim_per_household", "household")]

    def __str__(self) -> str:
        return f"{self.household_id} ← {self.phone_id}{'' if self.active else '（已取消）'}"


class StatusChange(models.Model):
    """One status change of a household: year, opinion or reason, actor and time.

    Written only by households.lifecycle (the one owner of a household's status); the
    public actions (registration, removal, and the assessment app's exit, return and
    rollback) go through it. Append-only: a rollback (综合回退) is a new row of kind
    `rollback` that names the change it reverts.
    """

    class Kind(models.TextChoices):
        CHANGE = "change", "状态变更"
        ROLLBACK = "rollback", "综合回退"
        SPLIT = "split", "分户新立"

    household = models.ForeignKey(
        Household, verbose_name="贫困户", on_delete=models.PROTECT, related_name="status_changes"
    )
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.CHANGE)
    reverts = models.OneToOneField(
        "self",
        verbose_name="回退的变更",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reverted_by",
    )
    from_status = models.CharField(
        "原状态", max_length=20, choices=HouseholdStatus.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=20, choices=HouseholdStatus.choices)
    reason = models.CharField("意见/原因", max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField("验证手机", max_length=11, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "状态变更"
        verbose_name_plural = "状态变更"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["household", "-at"], name="status_change_household")]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.from_status} → {self.to_status}"


class YearSeal(models.Model):
    """A county's year sealed at the close of its yearly round (年度动态管理): from `sealed_at`
    the year's status changes of the county are refused, and the year-end (年底) of that year
    is read as of `sealed_at` (households.asof), so the statistics and the 对照表 of that
    year-end stay as sealed while ordinary fields stay editable, logged. The county's reopening
    removes the row (the round's events and the audit trail keep the history)."""

    county_code = models.CharField("县区划代码", max_length=6)
    year = models.PositiveSmallIntegerField("年度")
    sealed_at = models.DateTimeField("封存时间")
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="封存人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "年度封存"
        verbose_name_plural = "年度封存"
        constraints = [
            models.UniqueConstraint(fields=["county_code", "year"], name="one_seal_per_county_year")
        ]

    def __str__(self) -> str:
        return f"{self.county_code}·{self.year}年度封存"


class EvidenceIsAppendOnly(Exception):
    pass


class StatusEvidence(models.Model):
    """A file of evidence of a status change (清退: the proof that the household does not meet
    the identification standard): JPEG, PNG or PDF checked by content
    (poverty_system.core.uploads), stored under a random name. Append-only, as the change it
    belongs to: who and when are the change's actor and time."""

    change = models.ForeignKey(
        StatusChange, verbose_name="状态变更", on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField("附件", upload_to="status/%Y/%m/")
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小")
    name = models.CharField("文件名", max_length=100)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "状态变更佐证材料"
        verbose_name_plural = "状态变更佐证材料"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise EvidenceIsAppendOnly("佐证材料不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise EvidenceIsAppendOnly("佐证材料不可删除。")

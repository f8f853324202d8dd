"""防止返贫监测: the county's rules as data, leads (线索) with their sources and clocks,
monitored households (监测对象) with their risks, income reviews and append-only history, and
department data files (部门筛查预警).

Rows are scoped like households, by the village code stored on the row (leads and monitored
households) or by the county code (rules, holidays, department files). A lead or a monitored
household of a never-registered family (边缘易致贫户, 突发严重困难户) gets a household record
through the households' own forms; until then a lead holds the name and ID number it was
reported with.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from poverty_system.core.models import AppendOnly
from poverty_system.core.versioning import Versioned

from .choices import (
    Category,
    Channel,
    Department,
    Elimination,
    EventKind,
    LeadState,
    MonitorState,
    RiskKind,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


class MonitoringRules(Versioned):
    """监测参数 of a county and year, edited by the county office (audited): the line, the
    clocks and the department thresholds differ by province and year, so they are data."""

    county = models.ForeignKey(
        "villages.Region", verbose_name="县", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县区划代码", max_length=6, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    line = models.DecimalField("监测范围（人均纯收入，元/年）", **MONEY, default=Decimal("7500"))
    visit_days = models.PositiveSmallIntegerField("入户核实时限（工作日）", default=3)
    decision_days = models.PositiveSmallIntegerField("识别办结时限（天）", default=15)
    publicity_days = models.PositiveSmallIntegerField("村内公示天数（至少）", default=5)
    elimination_months = models.PositiveSmallIntegerField("风险消除最短监测期（月）", default=6)
    measure_days = models.PositiveSmallIntegerField("识别后落实措施时限（天）", default=30)
    medical_threshold_lifted = models.DecimalField(
        "医保合规自付预警线：脱贫人口（元）", **MONEY, default=Decimal("5000")
    )
    medical_threshold_other = models.DecimalField(
        "医保合规自付预警线：其他农户（元）", **MONEY, default=Decimal("20000")
    )
    emergency_loss_threshold = models.DecimalField(
        "受灾损失预警线（元）", **MONEY, default=Decimal("10000")
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "监测参数"
        verbose_name_plural = "监测参数"
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="monitoring_rules_once")
        ]

    def __str__(self) -> str:
        return f"{self.year}年监测参数"


class Holiday(models.Model):
    """法定节假日 and 调休 as data: a date that is not a working day (or, with `workday`, a
    weekend made one). County empty: the national list every county uses."""

    county_code = models.CharField("县区划代码", max_length=6, blank=True)
    date = models.DateField("日期")
    name = models.CharField("名称", max_length=30)
    workday = models.BooleanField("调休上班", default=False)

    class Meta:
        verbose_name = "节假日"
        verbose_name_plural = "节假日"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["county_code", "date"], name="holiday_once")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Lead(Versioned):
    """线索: one hardship reported for one family, from one or more sources (merged), with its
    clock (visit within N working days, decision within N days of the lead)."""

    number = models.CharField("受理编号", max_length=20, unique=True, editable=False)
    village = models.ForeignKey(
        "villages.Region", verbose_name="村", on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)
    household = models.ForeignKey(
        "households.Household",
        verbose_name="农户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="monitoring_leads",
    )
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号码", max_length=18, blank=True, db_index=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    hardship = models.TextField("困难情况", max_length=1000)
    risks = models.JSONField("风险类型", default=list, blank=True)
    state = models.CharField(
        "状态", max_length=10, choices=LeadState.choices, default=LeadState.OPEN
    )
    received_at = models.DateTimeField("受理时间")
    visit_due = models.DateField("入户核实期限")
    decide_due = models.DateField("识别办结期限")
    visited_at = models.DateTimeField("入户核实时间", null=True, blank=True)
    visit_note = models.TextField("核实情况", max_length=1000, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    decision_reason = models.CharField("不纳入理由", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "监测线索"
        verbose_name_plural = "监测线索"
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["village_code", "state", "visit_due"], name="lead_inbox"),
            models.Index(fields=["household", "state"], name="lead_household_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_open(self) -> bool:
        return self.state in (LeadState.OPEN, LeadState.VISITED)


class LeadSource(AppendOnly):
    """One report behind a lead: a merged duplicate adds a source, never a second lead."""

    lead = models.ForeignKey(
        Lead, verbose_name="线索", on_delete=models.PROTECT, related_name="sources"
    )
    channel = models.CharField("来源渠道", max_length=12, choices=Channel.choices)
    detail = models.TextField("反映情况", max_length=1000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上报账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department_row = models.ForeignKey(
        "monitoring.DepartmentRow",
        verbose_name="部门数据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sources",
    )
    # 受理编号 of a 农户自主申报: what the person looks the report up with (申报查询). A report
    # merged into an open lead gets its own, so a number never tells of another's report.
    receipt = models.CharField("受理编号", max_length=20, null=True, blank=True, unique=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "线索来源"
        verbose_name_plural = "线索来源"
        ordering = ["at", "pk"]


class Monitored(Versioned):
    """监测对象: one household's time under monitoring, from its identification (a case of the
    monitoring chain) to 风险消除; a rolled-back elimination reopens the same row."""

    household = models.ForeignKey(
        "households.Household",
        verbose_name="农户",
        on_delete=models.PROTECT,
        related_name="monitorings",
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)
    lead = models.ForeignKey(
        Lead, verbose_name="线索", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "identification.Case",
        verbose_name="识别程序",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField("监测对象类别", max_length=12, choices=Category.choices)
    state = models.CharField(
        "状态", max_length=14, choices=MonitorState.choices, default=MonitorState.IDENTIFYING
    )
    year = models.PositiveSmallIntegerField("纳入年度")
    line = models.DecimalField("监测范围（元/年）", **MONEY)
    income_per_head = models.DecimalField("人均纯收入（元）", **MONEY, default=Decimal("0"))
    medical_self_pay = models.DecimalField("合规自付医疗费用（元）", **MONEY, default=Decimal("0"))
    identified_on = models.DateField("识别日期（录入）", null=True, blank=True)
    eliminated_on = models.DateField("风险消除日期", null=True, blank=True)
    elimination = models.CharField(
        "风险消除方式", max_length=10, choices=Elimination.choices, blank=True
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "监测对象"
        verbose_name_plural = "监测对象"
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(state__in=["identifying", "monitored"]),
                name="one_open_monitoring",
            )
        ]
        indexes = [models.Index(fields=["village_code", "state"], name="monitored_scope")]

    def __str__(self) -> str:
        return f"{self.get_category_display()}（{self.get_state_display()}）"

    @property
    def net_income_per_head(self) -> Decimal:
        """Income per head net of 合规自付 medical costs, what the line is compared with."""
        size = max(self.household.size, 1)
        return self.income_per_head - (self.medical_self_pay / size).quantize(Decimal("0.01"))


class Risk(models.Model):
    """One 风险类型 of a monitored household; a 帮扶措施 answers it (units.Measure.risk_id)."""

    monitored = models.ForeignKey(
        Monitored, verbose_name="监测对象", on_delete=models.CASCADE, related_name="risks"
    )
    kind = models.CharField("风险类型", max_length=20, choices=RiskKind.choices)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "风险"
        verbose_name_plural = "风险"
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["monitored", "kind"], name="risk_once")]

    def __str__(self) -> str:
        return self.get_kind_display()


class IncomeReview(models.Model):
    """收入核查: the income per head found on one review; elimination needs the last two above
    the line and 三保障 and drinking water held."""

    monitored = models.ForeignKey(
        Monitored, verbose_name="监测对象", on_delete=models.CASCADE, related_name="reviews"
    )
    date = models.DateField("核查日期")
    income_per_head = models.DecimalField("人均纯收入（元）", **MONEY)
    medical_self_pay = models.DecimalField("合规自付医疗费用（元）", **MONEY, default=Decimal("0"))
    three_guarantees = models.BooleanField("义务教育、基本医疗、住房安全有保障", default=True)
    drinking_water = models.BooleanField("饮水安全有保障", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核查人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "收入核查"
        verbose_name_plural = "收入核查"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} 收入核查"


class MonitoringEvent(AppendOnly):
    """The history of a monitored household: admitted, risks changed, eliminated, rolled back."""

    monitored = models.ForeignKey(
        Monitored, verbose_name="监测对象", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField("操作", max_length=12, choices=EventKind.choices)
    reason = models.CharField("说明", max_length=500, blank=True)
    detail = models.JSONField("内容", default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "监测记录"
        verbose_name_plural = "监测记录"
        ordering = ["at", "pk"]


class DepartmentFile(models.Model):
    """部门数据比对: one department spreadsheet a county uploaded, identified by its content
    hash so the same file twice makes no new leads."""

    county_code = models.CharField("县区划代码", max_length=6)
    department = models.CharField("部门", max_length=12, choices=Department.choices)
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64)
    rows = models.PositiveIntegerField("行数", default=0)
    matched = models.PositiveIntegerField("匹配人数", default=0)
    hits = models.PositiveIntegerField("超过预警线", default=0)
    leads = models.PositiveIntegerField("新增线索", default=0)
    unmatched = models.PositiveIntegerField("未匹配", default=0)
    bad = models.PositiveIntegerField("错误行", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "部门数据"
        verbose_name_plural = "部门数据"
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "department", "sha256"], name="department_file_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentRow(models.Model):
    """One matched row of a department file above its threshold (a hit), with its outcome:
    the lead it made or joined."""

    file = models.ForeignKey(
        DepartmentFile, verbose_name="部门数据", on_delete=models.CASCADE, related_name="hit_rows"
    )
    row = models.PositiveIntegerField("行号")
    id_number = models.CharField("身份证号码", max_length=18)
    member = models.ForeignKey(
        "households.Member", verbose_name="成员", on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField("村区划代码", max_length=12)
    amount = models.DecimalField("金额（元）", **MONEY, null=True, blank=True)
    reason = models.CharField("预警原因", max_length=200)

    class Meta:
        verbose_name = "部门预警"
        verbose_name_plural = "部门预警"
        ordering = ["row"]

    def __str__(self) -> str:
        return f"第{self.row}行 {self.reason}"

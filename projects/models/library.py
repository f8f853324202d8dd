"""The project library (项目库): the project record, its append-only events, attachments,
beneficiary households and the holiday calendar the clocks count working days with."""

from django.conf import settings
from django.db import models

from poverty_system.core.changelog import ExplicitHistory, PhoneHistory
from poverty_system.core.models import AppendOnly
from poverty_system.core.versioning import Versioned

from ..choices import AttachmentKind, Category, Nature, State
from .base import MONEY, ZERO


class Holiday(models.Model):
    """A day off on a weekday (法定节假日) or a weekend day worked (调休上班): data, so that
    each year's calendar is entered without a code change."""

    date = models.DateField("日期", unique=True)
    name = models.CharField("名称", max_length=30)
    is_workday = models.BooleanField("调休上班", default=False)

    class Meta:
        verbose_name = "节假日"
        verbose_name_plural = "节假日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


def budget_field(label):
    return models.DecimalField(label, default=ZERO, **MONEY)


class Project(Versioned, models.Model):
    """扶贫项目: proposed by a village, reviewed by the township, entered, approved and
    accepted by the county. `state` changes only through projects.states."""

    number = models.CharField("项目编号", max_length=24, unique=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("项目名称", max_length=100)
    category = models.CharField("项目类别", max_length=20, choices=Category.choices)
    subcategory = models.CharField("项目子类", max_length=50, blank=True)
    nature = models.CharField("建设性质", max_length=12, choices=Nature.choices, default=Nature.NEW)
    region = models.ForeignKey(
        "villages.Region", verbose_name="实施地点", on_delete=models.PROTECT, related_name="+"
    )
    # The slice: the main place's code (a village's 12 digits) and its county's code.
    region_code = models.CharField("实施地点代码", max_length=12, editable=False)
    county_code = models.CharField("县区划代码", max_length=12, editable=False)
    places = models.ManyToManyField(
        "villages.Region", verbose_name="其他实施地点", blank=True, related_name="+"
    )
    content = models.TextField("建设内容")
    scale = models.CharField("建设规模", max_length=200, blank=True)
    planned_start = models.DateField("计划开工日期", null=True, blank=True)
    planned_end = models.DateField("计划完工日期", null=True, blank=True)
    actual_start = models.DateField("实际开工日期", null=True, blank=True, editable=False)
    actual_end = models.DateField("实际完工日期", null=True, blank=True, editable=False)
    responsible_unit = models.CharField("责任单位", max_length=100, blank=True)
    implementing_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="实施单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    responsible_person = models.CharField("项目负责人", max_length=50, blank=True)
    budget_central = budget_field("中央衔接资金（元）")
    budget_province = budget_field("省级衔接资金（元）")
    budget_city = budget_field("市级衔接资金（元）")
    budget_county = budget_field("县级衔接资金（元）")
    budget_integrated = budget_field("统筹整合涉农资金（元）")
    budget_east_west = budget_field("东西部协作资金（元）")
    budget_paired = budget_field("定点帮扶资金（元）")
    budget_social = budget_field("社会帮扶资金（元）")
    budget_self = budget_field("群众自筹（元）")
    subsidy_standard = models.CharField("补助标准", max_length=200, blank=True)
    link_mechanism = models.TextField("联农带农机制", blank=True)
    goal_people = models.PositiveIntegerField("受益脱贫(监测)人口数（人）", default=0)
    goal_acceptance_rate = models.DecimalField(
        "验收合格率（%）", max_digits=5, decimal_places=2, default=100
    )
    goal_satisfaction = models.DecimalField(
        "受益群众满意度（%）", max_digits=5, decimal_places=2, default=90
    )
    goal_other = models.CharField("其他绩效目标", max_length=300, blank=True)

    state = models.CharField(
        "状态", max_length=20, choices=State.choices, default=State.DRAFT, editable=False
    )
    state_since = models.DateTimeField("进入当前状态时间", null=True, editable=False)
    # The clock of the current state: the day its next step is due ("" / None: no clock).
    due_on = models.DateField("办理期限", null=True, editable=False)
    due_label = models.CharField("期限事项", max_length=30, blank=True, editable=False)
    notice_start = models.DateField("村级公示开始日期", null=True, editable=False)
    notice_end = models.DateField("村级公示结束日期", null=True, editable=False)
    approval_number = models.CharField("批复文号", max_length=60, blank=True, editable=False)
    approval_date = models.DateField("批复日期", null=True, editable=False)
    entered_late = models.BooleanField("超期录入", default=False, editable=False)
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

    history = ExplicitHistory(
        bases=[PhoneHistory], excluded_fields=["created_at", "state_since"], m2m_fields=[]
    )

    class Meta:
        verbose_name = "扶贫项目"
        verbose_name_plural = "扶贫项目"
        indexes = [
            models.Index(fields=["region_code", "year"], name="project_slice"),
            models.Index(fields=["county_code", "state"], name="project_county_state"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    @property
    def budget_total(self):
        from ..choices import BUDGET_FIELDS

        return sum((getattr(self, f) for f in BUDGET_FIELDS.values()), ZERO)


class ProjectEvent(AppendOnly):
    """One step of a project (申报, 审核, 入库, 批复, ...) with its document; append-only."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="events"
    )
    step = models.CharField("操作", max_length=30)
    from_state = models.CharField("原状态", max_length=20, choices=State.choices)
    to_state = models.CharField("新状态", max_length=20, choices=State.choices)
    doc_number = models.CharField("文号", max_length=60, blank=True)
    doc_date = models.DateField("日期", null=True)
    note = models.CharField("意见/说明", max_length=500, blank=True)
    late = models.BooleanField("超期", default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目处理记录"
        verbose_name_plural = "项目处理记录"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["step", "late"], name="project_event_step")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.step}"


class Attachment(AppendOnly):
    """A document of a step (会议记录, 公示照片, 批复文件, 验收表 ...): JPEG, PNG or PDF checked
    by content, served only through an access-checked view."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="attachments"
    )
    event = models.ForeignKey(
        ProjectEvent,
        verbose_name="处理记录",
        null=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField("附件类型", max_length=20, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to="projects/%Y/%m/")
    extension = models.CharField("格式", max_length=4)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目附件"
        verbose_name_plural = "项目附件"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.project_id}）"


class Beneficiary(models.Model):
    """受益户: a household benefiting from a project and how (联农带农方式). Whether it is a
    脱贫户 or 监测户 is read from the household, never stored here."""

    class Way(models.TextChoices):
        JOB = "job", "务工就业"
        DIVIDEND = "dividend", "资产收益分红"
        SUBSIDY = "subsidy", "直接补助"
        ORDER = "order", "订单收购"
        LAND = "land", "土地流转"
        SHARE = "share", "入股合作"
        INFRA = "infra", "基础设施受益"
        OTHER = "other", "其他"

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="beneficiaries"
    )
    household = models.ForeignKey(
        "households.Household",
        verbose_name="受益户",
        on_delete=models.PROTECT,
        related_name="project_benefits",
    )
    way = models.CharField("联农带农方式", max_length=10, choices=Way.choices, default=Way.JOB)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="添加人", on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField("添加时间", auto_now_add=True)

    class Meta:
        verbose_name = "受益户"
        verbose_name_plural = "受益户"
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="beneficiary_once")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.household_id}"

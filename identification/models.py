"""识别与退出 (两公示一比对一公告): cases, their append-only events and attachments, the
county's rules, and 重点帮扶对象 marks.

A case (Case) is one household going through one chain of steps (identification.chains: new,
return, exit …); `step` is the code of the step due next, owned by identification.states.
Cases are scoped like households, by the village code stored on the row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from poverty_system.core.models import AppendOnly
from poverty_system.core.periods import Period
from poverty_system.core.versioning import Versioned


class CountyRules(Versioned):
    """识别规则 of a county, edited by the county office: data, not code."""

    class ExitMode(models.TextChoices):
        IMMEDIATE = "immediate", "乡镇直接脱贫（赣州：乡镇标注后即脱贫）"
        TOWNSHIP = "township", "村内公示、乡镇审核后公告"
        COUNTY = "county", "村内公示、乡镇审核、县级核查后公告"

    county = models.OneToOneField(
        "villages.Region",
        verbose_name="县（区）",
        on_delete=models.PROTECT,
        related_name="identification_rules",
    )
    publicity_days = models.PositiveSmallIntegerField("公示天数（至少）", default=7)
    exit_mode = models.CharField(
        "脱贫程序", max_length=12, choices=ExitMode.choices, default=ExitMode.IMMEDIATE
    )
    township_phone = models.CharField("乡镇监督电话", max_length=30, blank=True)
    county_phone = models.CharField("县级监督电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "识别规则"
        verbose_name_plural = "识别规则"

    def __str__(self) -> str:
        return f"{self.county}识别规则"


class Case(Versioned):
    class State(models.TextChoices):
        OPEN = "open", "办理中"
        DONE = "done", "已公告"
        ENDED = "ended", "已终止"  # a review step decided 不纳入 (chains.Step.declines)

    household = models.ForeignKey(
        "households.Household",
        verbose_name="贫困户",
        on_delete=models.PROTECT,
        related_name="identification_cases",
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)
    kind = models.CharField("类别", max_length=20)
    year = models.PositiveSmallIntegerField("年度")
    target_status = models.CharField("公告后状态", max_length=20)
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.OPEN)
    step = models.CharField("待办环节", max_length=30, blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)
    started_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("公告时间", null=True, blank=True)

    class Meta:
        verbose_name = "识别案件"
        verbose_name_plural = "识别案件"
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(state="open"), name="one_open_case_per_household"
            )
        ]
        indexes = [
            models.Index(fields=["village_code", "state", "step"], name="case_scope"),
            models.Index(fields=["state", "step", "kind"], name="case_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}·{self.kind}·{self.year}"


class CaseEvent(AppendOnly):
    """One step done (or returned): append-only."""

    class Action(models.TextChoices):
        DONE = "done", "办理"
        APPROVED = "approved", "同意"
        RETURNED = "returned", "退回"
        DECLINED = "declined", "不予纳入"

    case = models.ForeignKey(
        Case, verbose_name="案件", on_delete=models.PROTECT, related_name="events"
    )
    step = models.CharField("环节", max_length=30)
    action = models.CharField("结果", max_length=10, choices=Action.choices)
    opinion = models.TextField("意见", max_length=500, blank=True)
    date = models.DateField("日期", null=True, blank=True)
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("结束日期", null=True, blank=True)
    # 县级比对: the hits shown when the county decided (masked ID numbers only).
    hits = models.JSONField("比对结果", default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField("验证手机号", max_length=20, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.step}·{self.action}"


class Attachment(models.Model):
    """A photo of the notice or the meeting record (JPEG/PNG/PDF, checked by content)."""

    event = models.ForeignKey(
        CaseEvent, verbose_name="办理记录", on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField("附件", upload_to="identification/%Y/%m/")
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小")
    name = models.CharField("文件名", max_length=100)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.name


class KeyHousehold(Period):
    """标注重点帮扶对象: a workflow period (poverty_system.core.periods): started when marked,
    ended when the mark is removed; at most one active per household."""

    class Reason(models.TextChoices):
        ILLNESS = "illness", "重病"
        DISABILITY = "disability", "重残"
        ELDERLY_ALONE = "elderly_alone", "独居老人"
        LEFT_BEHIND_CHILD = "left_behind_child", "留守儿童"
        NO_LABOUR = "no_labour", "无劳动力"
        OTHER = "other", "其他"

    household = models.ForeignKey(
        "households.Household",
        verbose_name="贫困户",
        on_delete=models.PROTECT,
        related_name="key_marks",
    )
    village_code = models.CharField("村区划代码", max_length=12, editable=False)
    reason = models.CharField("重点帮扶原因", max_length=20, choices=Reason.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="标注人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "重点帮扶对象"
        verbose_name_plural = "重点帮扶对象"
        constraints = [Period.one_active("one_active_key_mark", "household")]
        indexes = [models.Index(fields=["village_code", "ended_at"], name="key_scope")]

    def __str__(self) -> str:
        return f"{self.household_id}·{self.get_reason_display()}"


class Round(Versioned):
    """年度动态管理: a county's yearly round, opened by the county office with a deadline per
    step (第一步 设置规模 … 第五步 区县审核新增农户信息), closed by sealing the year
    (households.seals); the county may reopen a sealed year with a reason."""

    class State(models.TextChoices):
        OPEN = "open", "进行中"
        SEALED = "sealed", "已封存"

    county = models.ForeignKey(
        "villages.Region", verbose_name="县（区）", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县区划代码", max_length=6, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    scale_due = models.DateField("第一步 设置规模 截止日期")
    manage_due = models.DateField("第二步 动态管理农户 截止日期")
    exit_review_due = models.DateField("第三步 区县审核脱贫农户 截止日期")
    new_due = models.DateField("第四步 新增农户 截止日期")
    new_review_due = models.DateField("第五步 区县审核新增农户 截止日期")
    state = models.CharField("状态", max_length=8, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="开启人", on_delete=models.PROTECT, related_name="+"
    )

    DEADLINES = ("scale_due", "manage_due", "exit_review_due", "new_due", "new_review_due")

    class Meta:
        verbose_name = "年度动态管理"
        verbose_name_plural = "年度动态管理"
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="one_round_per_county_year")
        ]

    def __str__(self) -> str:
        return f"{self.county}{self.year}年度动态管理"


class RoundEvent(AppendOnly):
    """What was done to a round (开启, 修改截止日期, 封存, 重新开启), append-only."""

    class Kind(models.TextChoices):
        OPENED = "opened", "开启"
        DEADLINES = "deadlines", "修改截止日期"
        SEALED = "sealed", "封存"
        REOPENED = "reopened", "重新开启"

    round = models.ForeignKey(
        Round, verbose_name="年度", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField("操作", max_length=12, choices=Kind.choices)
    reason = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度动态管理记录"
        verbose_name_plural = "年度动态管理记录"

    def __str__(self) -> str:
        return f"{self.round_id}·{self.get_kind_display()}"

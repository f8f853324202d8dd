"""One import or export of household data (数据导入, 导出): who, what, how far along, the
files. A job's page reads this row (and, while an import writes, its progress file), so it
survives a reload whether the work runs in the request or in the task worker."""

from django.conf import settings
from django.db import models


class JobKind(models.TextChoices):
    IMPORT = "import", "导入"
    EXPORT = "export", "导出"
    DEPARTMENT = "department", "部门数据比对"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    CHECKING = "checking", "正在检查"
    WRITING = "writing", "正在写入"
    BUILDING = "building", "正在生成"
    INVALID = "invalid", "检查未通过"
    UNCHANGED = "unchanged", "无需写入"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    EXPIRED = "expired", "已过期"


RUNNING = (JobStatus.CHECKING, JobStatus.WRITING, JobStatus.BUILDING)

FINISHED = (
    JobStatus.INVALID,
    JobStatus.UNCHANGED,
    JobStatus.DONE,
    JobStatus.FAILED,
    JobStatus.EXPIRED,
)


class Job(models.Model):
    kind = models.CharField("类型", max_length=10, choices=JobKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        related_name="exchange_jobs",
    )
    # The session's verified phone (a village account's import claims new households by it).
    phone = models.ForeignKey(
        "villages.VillagePhone",
        verbose_name="验证手机",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip = models.CharField("IP", max_length=45, blank=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    # The region the job covers (the slice root, or the list's region): scopes the job pages.
    region_code = models.CharField("区划代码", max_length=12)
    status = models.CharField(
        "状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    file_name = models.CharField("文件名", max_length=120)
    file_path = models.CharField("文件", max_length=255, blank=True)
    report_path = models.CharField("错误标注文件", max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField("文件大小", default=0)
    total = models.PositiveIntegerField("总行数", default=0)
    checked = models.PositiveIntegerField("已检查行数", default=0)
    written = models.PositiveIntegerField("已写入行数", default=0)
    # Import: counts and the problems (the first of them; the marked workbook has all).
    # Export: the filters as the list's URL parameters, the region, masked or full.
    summary = models.JSONField("结果", default=dict, blank=True)
    problems = models.JSONField("问题", default=list, blank=True)
    problem_count = models.PositiveIntegerField("问题数", default=0)
    params = models.JSONField("参数", default=dict, blank=True)
    full = models.BooleanField("完整证件号码和电话", default=False)
    reason = models.CharField("导出原因", max_length=200, blank=True)
    error = models.CharField("错误信息", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("保留至", null=True, blank=True)
    # Stamped by the running job's heartbeat (poverty_system.core.jobfiles.Heartbeat).
    heartbeat_at = models.DateTimeField("心跳时间", null=True, blank=True)
    # A job started by 重新执行 from a failed one (same inputs).
    retry_of = models.OneToOneField(
        "self",
        verbose_name="重新执行自",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retry",
    )

    class Meta:
        verbose_name = "导入导出任务"
        verbose_name_plural = "导入导出任务"
        indexes = [
            models.Index(fields=["owner", "kind", "-created_at"], name="exchange_job_owner_recent")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

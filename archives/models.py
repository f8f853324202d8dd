"""Models of the QR archives. Their tables keep the names they had while the archives lived
inside the units app (units_archivetoken, units_export)."""

from django.conf import settings
from django.db import models

from poverty_system.core.periods import Period


class ArchiveToken(Period):
    """The unguessable token a household's QR code carries. A workflow period
    (poverty_system.core.periods): at most one active token per household; revoking (作废)
    ends it and keeps the row (old codes then answer 已失效)."""

    household = models.ForeignKey(
        "households.Household",
        verbose_name="贫困户",
        on_delete=models.PROTECT,
        related_name="archive_tokens",
    )
    token = models.CharField("令牌", max_length=64, unique=True)

    class Meta:
        db_table = "units_archivetoken"
        verbose_name = "二维码令牌"
        verbose_name_plural = "二维码令牌"
        constraints = [Period.one_active("one_active_archive_token_per_household", "household")]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.token[:6]}…"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    EXPIRED = "expired", "已过期"


class Export(models.Model):
    """One 导出二维码信息 request: who, which region, how far along, where the file is."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导出人",
        on_delete=models.PROTECT,
        related_name="archive_exports",
    )
    region = models.ForeignKey(
        "villages.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划代码", max_length=12)
    include_removed = models.BooleanField("包含已清退户", default=False)
    total = models.PositiveIntegerField("户数", default=0)
    done = models.PositiveIntegerField("已完成户数", default=0)
    status = models.CharField(
        "状态", max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    file_path = models.CharField("文件", max_length=255, blank=True)
    file_name = models.CharField("文件名", max_length=120, blank=True)
    file_size = models.PositiveBigIntegerField("文件大小", default=0)
    error = models.CharField("错误信息", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("保留至", null=True, blank=True)
    # Stamped by the running export's heartbeat (poverty_system.core.jobfiles.Heartbeat).
    heartbeat_at = models.DateTimeField("心跳时间", null=True, blank=True)
    retry_of = models.OneToOneField(
        "self",
        verbose_name="重新执行自",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retry",
    )

    class Meta:
        db_table = "units_export"
        verbose_name = "二维码导出"
        verbose_name_plural = "二维码导出"
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_owner_recent")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)
